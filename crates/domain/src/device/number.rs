//! DEV-08: device numbers.
//!
//! **Interpretation** (RULES.md): until the GA/T 1043 text is at hand, a number is the
//! 6-digit administrative-division code of the device's place, the 2-digit kind code of
//! [`DeviceKind::code`] and a 4- to 12-digit serial. A deployment may replace the pattern
//! (`devices.number_pattern`); the pattern must name the groups `division`, `kind` and `serial`.
//! Numbers are unique and never reused: a retired device keeps its number for ever.

use crate::codes::Code;
use regex::Regex;
use serde::{Deserialize, Serialize};

use super::DeviceKind;
use crate::org::Country;
use crate::RuleViolation;

pub const DEFAULT_PATTERN: &str =
    r"^(?P<division>[0-9]{6})(?P<kind>[0-9]{2})(?P<serial>[0-9]{4,12})$";

/// The numbering rule in force.
#[derive(Debug, Clone)]
pub struct NumberRule {
    pattern: Regex,
}

impl Default for NumberRule {
    fn default() -> Self {
        Self::new(DEFAULT_PATTERN).expect("the default pattern is valid")
    }
}

impl NumberRule {
    /// A rule from a configured pattern; refused if it does not compile or lacks a group.
    pub fn new(pattern: &str) -> Result<Self, String> {
        let re = Regex::new(pattern).map_err(|e| format!("devices.number_pattern: {e}"))?;
        for group in ["division", "kind", "serial"] {
            if !re.capture_names().flatten().any(|n| n == group) {
                return Err(format!(
                    "devices.number_pattern must have a named group '{group}'"
                ));
            }
        }
        Ok(Self { pattern: re })
    }

    /// DEV-08: checks `raw` for a device of `kind` in `country`. `unit_code` is the managing
    /// unit's code: when it starts with a 6-digit division code, the number must lie in the
    /// same province.
    pub fn parse(
        &self,
        raw: &str,
        kind: DeviceKind,
        country: Country,
        unit_code: &str,
    ) -> Result<DeviceNumber, RuleViolation> {
        let number = raw.trim().to_ascii_uppercase();
        let bad = |msg: String| RuleViolation::new("DEV-08", Code::DeviceNumberInvalid, msg);
        let caps = self.pattern.captures(&number).ok_or_else(|| {
            bad(format!(
                "device number '{number}' does not follow the coding rule: 6-digit division code, 2-digit kind code, 4 to 12 digit serial"
            ))
        })?;
        let division = &caps["division"];
        let kind_code = &caps["kind"];
        if kind_code != kind.code() {
            return Err(bad(format!(
                "kind code {kind_code} in the number does not match the device kind {} (code {})",
                kind.as_str(),
                kind.code()
            )));
        }
        if division.len() >= 2 && division.chars().all(|c| c.is_ascii_digit()) {
            let province: u32 = division[..2].parse().unwrap_or(0);
            if !valid_province(country, province) {
                return Err(bad(format!(
                    "division code {division} is not a {} administrative division",
                    country.code()
                )));
            }
            let unit_prefix: String = unit_code.chars().take(6).collect();
            if unit_prefix.len() == 6
                && unit_prefix.chars().all(|c| c.is_ascii_digit())
                && unit_prefix[..2] != division[..2]
            {
                return Err(bad(format!(
                    "division code {division} lies outside the managing unit's province ({})",
                    &unit_prefix[..2]
                )));
            }
        }
        Ok(DeviceNumber(number))
    }
}

/// First two digits of a division code: GB/T 2260 provinces for China, the 63 province codes
/// (01..96) for Viet Nam.
fn valid_province(country: Country, code: u32) -> bool {
    match country {
        Country::China => matches!(
            code,
            11..=15 | 21..=23 | 31..=37 | 41..=46 | 50..=54 | 61..=65 | 71 | 81 | 82
        ),
        Country::Vietnam => (1..=96).contains(&code),
    }
}

/// A checked device number.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DeviceNumber(String);

impl DeviceNumber {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Trusts a value read back from the store.
    pub fn from_stored(raw: String) -> Self {
        Self(raw)
    }
}

/// DEV-08: "never reused" is checked against every number ever issued, retired ones included.
pub fn check_not_reused(
    number: &DeviceNumber,
    previously_retired: bool,
) -> Result<(), RuleViolation> {
    if previously_retired {
        return Err(RuleViolation::new(
            "DEV-08",
            Code::DeviceNumberReused,
            format!(
                "device number {} belonged to a retired device and is never reused",
                number.as_str()
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dev_08_numbers_follow_the_coding_rule() {
        let rule = NumberRule::default();
        let n = rule
            .parse(
                "330522010001",
                DeviceKind::FixedEnforcement,
                Country::China,
                "330522-01",
            )
            .unwrap();
        assert_eq!(n.as_str(), "330522010001");
        // Wrong kind code, too short, letters, a foreign province, another province than the unit's.
        for (raw, kind) in [
            ("330522030001", DeviceKind::FixedEnforcement),
            ("33052201001", DeviceKind::FixedEnforcement),
            ("33052201000A", DeviceKind::FixedEnforcement),
            ("990000010001", DeviceKind::FixedEnforcement),
            ("110101010001", DeviceKind::FixedEnforcement),
            ("", DeviceKind::FixedEnforcement),
        ] {
            let err = rule
                .parse(raw, kind, Country::China, "330522-01")
                .unwrap_err();
            assert_eq!(err.rule, "DEV-08", "{raw}");
        }
        assert!(rule
            .parse(
                "450100030007",
                DeviceKind::Speed,
                Country::Vietnam,
                "VN-45-DH"
            )
            .is_ok());
        assert!(rule
            .parse(
                "990100030007",
                DeviceKind::Speed,
                Country::Vietnam,
                "VN-45-DH"
            )
            .is_err());
        assert_eq!(
            check_not_reused(&n, true).unwrap_err().code,
            "device.number_reused"
        );
    }

    #[test]
    fn dev_08_a_deployment_may_replace_the_pattern() {
        let rule =
            NumberRule::new(r"^(?P<division>\d{6})-(?P<kind>\d{2})-(?P<serial>\d{3})$").unwrap();
        assert!(rule
            .parse(
                "330522-01-001",
                DeviceKind::FixedEnforcement,
                Country::China,
                ""
            )
            .is_ok());
        assert!(NumberRule::new("^[0-9]+$").is_err());
        assert!(NumberRule::new("(").is_err());
    }
}
