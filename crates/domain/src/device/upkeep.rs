//! Keeping devices lawful and working: calibration certificates (DEV-13, SUP-05), patrols,
//! faults and the operation log (DEV-10, DEV-14, DEV-15), the maintenance ratings (DEV-11) and
//! the yearly clean-up (DEV-12).

use crate::codes::Code;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;

use super::text;
pub use crate::calendar::parse_date;
use crate::{FieldError, RuleViolation};

/// A calibration (mandatory verification) certificate, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    pub issuer: String,
    pub number: String,
    pub valid_from: NaiveDate,
    /// The last day on which the certificate is valid.
    pub valid_until: NaiveDate,
}

impl Certificate {
    pub fn parse(
        issuer: &str,
        number: &str,
        valid_from: &str,
        valid_until: &str,
    ) -> Result<Self, FieldError> {
        let issuer = text("issuer", issuer, 100, true)?;
        let number = text("certificate_no", number, 60, true)?;
        let valid_from = parse_date("valid_from", valid_from)?;
        let valid_until = parse_date("valid_until", valid_until)?;
        if valid_until < valid_from {
            return Err(FieldError::new(
                "valid_until",
                "ends before the certificate starts",
            ));
        }
        let longest = valid_from
            .checked_add_signed(Duration::days(366 * 5))
            .unwrap_or(NaiveDate::MAX);
        if valid_until > longest {
            return Err(FieldError::new(
                "valid_until",
                "a verification certificate is valid for at most five years",
            ));
        }
        Ok(Self {
            issuer,
            number,
            valid_from,
            valid_until,
        })
    }

    pub fn valid_on(&self, day: NaiveDate) -> bool {
        self.valid_from <= day && day <= self.valid_until
    }
}

/// DEV-13: the certificate valid on `day` that lasts longest, if any.
pub fn valid_certificate(
    certs: &[(NaiveDate, NaiveDate)],
    day: NaiveDate,
) -> Option<(NaiveDate, NaiveDate)> {
    certs
        .iter()
        .copied()
        .filter(|(from, until)| *from <= day && day <= *until)
        .max_by_key(|(_, until)| *until)
}

/// What the daily calibration check decides for one measuring device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CalibrationCheck {
    Valid,
    /// Valid, but it ends within the warning period: tell the managing unit.
    ExpiresSoon {
        valid_until: NaiveDate,
    },
    /// No valid certificate today: the device is suspended (SUP-05).
    Invalid,
}

pub fn check_calibration(
    certs: &[(NaiveDate, NaiveDate)],
    today: NaiveDate,
    warn_days: i64,
) -> CalibrationCheck {
    match valid_certificate(certs, today) {
        None => CalibrationCheck::Invalid,
        Some((_, until)) if (until - today).num_days() < warn_days => {
            CalibrationCheck::ExpiresSoon { valid_until: until }
        }
        Some(_) => CalibrationCheck::Valid,
    }
}

/// The status an operator confirms in the operation log (DEV-15) or a patrol finds (DEV-10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ObservedStatus {
    Normal,
    Degraded,
    Offline,
}

impl ObservedStatus {
    pub const ALL: [ObservedStatus; 3] = [
        ObservedStatus::Normal,
        ObservedStatus::Degraded,
        ObservedStatus::Offline,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ObservedStatus::Normal => "normal",
            ObservedStatus::Degraded => "degraded",
            ObservedStatus::Offline => "offline",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == raw.trim())
            .ok_or_else(|| FieldError::new("status", "must be normal, degraded or offline"))
    }
}

crate::stored_as_text!(ObservedStatus);

/// A fault is fixed after it was opened, never before.
pub fn check_fault_fixed(
    opened_at: DateTime<Utc>,
    fixed_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), FieldError> {
    if fixed_at < opened_at {
        return Err(FieldError::new(
            "fixed_at",
            "is before the fault was opened",
        ));
    }
    if fixed_at > now + Duration::minutes(5) {
        return Err(FieldError::new("fixed_at", "is in the future"));
    }
    Ok(())
}

/// A record about the past: not in the future (a few minutes' clock skew allowed).
pub fn check_not_future(
    field: &'static str,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), FieldError> {
    if at > now + Duration::minutes(5) {
        return Err(FieldError::new(field, "is in the future"));
    }
    Ok(())
}

/// DEV-14: maintenance must not interrupt the system's operation. **Interpretation**: upkeep
/// is recorded device by device and never changes a device's lifecycle state; a fault only
/// counts against the intact rate. Taking a device out of service is a separate, explicit step
/// (suspend or stop) with its own reason.
pub fn maintenance_changes_state() -> bool {
    false
}

/// Seconds in `[from, to)` covered by at least one fault interval (open faults run to `to`).
pub fn downtime_secs(
    faults: &[(DateTime<Utc>, Option<DateTime<Utc>>)],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> i64 {
    let mut spans: Vec<(DateTime<Utc>, DateTime<Utc>)> = faults
        .iter()
        .map(|(open, fixed)| ((*open).max(from), fixed.unwrap_or(to).min(to)))
        .filter(|(a, b)| a < b)
        .collect();
    spans.sort();
    let mut total = 0;
    let mut current: Option<(DateTime<Utc>, DateTime<Utc>)> = None;
    for (a, b) in spans {
        current = match current {
            Some((ca, cb)) if a <= cb => Some((ca, cb.max(b))),
            Some((ca, cb)) => {
                total += (cb - ca).num_seconds();
                Some((a, b))
            }
            None => Some((a, b)),
        };
    }
    if let Some((ca, cb)) = current {
        total += (cb - ca).num_seconds();
    }
    total
}

/// DEV-11 figures for one device, one maintaining unit or one month, summed from devices.
///
/// * **registration completeness** = fixed devices in service registered with the command
///   platform ÷ fixed devices in service;
/// * **patrol coverage** = devices in service patrolled at least once in the period ÷ devices
///   in service;
/// * **conformity rate** (规范率) = patrols that found the device conforming (signals, signs,
///   markings, image quality as the standards require) ÷ patrols;
/// * **intact rate** (完好率) = device-seconds in service without an open fault ÷
///   device-seconds in service.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Rating {
    pub devices: u32,
    pub fixed_devices: u32,
    pub registered_fixed: u32,
    pub patrolled: u32,
    pub patrols: u32,
    pub conforming_patrols: u32,
    pub service_secs: i64,
    pub downtime_secs: i64,
}

impl Rating {
    pub fn add(&mut self, other: &Rating) {
        self.devices += other.devices;
        self.fixed_devices += other.fixed_devices;
        self.registered_fixed += other.registered_fixed;
        self.patrolled += other.patrolled;
        self.patrols += other.patrols;
        self.conforming_patrols += other.conforming_patrols;
        self.service_secs += other.service_secs;
        self.downtime_secs += other.downtime_secs;
    }

    pub fn registration_completeness(&self) -> Option<f64> {
        ratio(self.registered_fixed.into(), self.fixed_devices.into())
    }

    pub fn patrol_coverage(&self) -> Option<f64> {
        ratio(self.patrolled.into(), self.devices.into())
    }

    pub fn conformity_rate(&self) -> Option<f64> {
        ratio(self.conforming_patrols.into(), self.patrols.into())
    }

    pub fn intact_rate(&self) -> Option<f64> {
        ratio(
            (self.service_secs - self.downtime_secs.min(self.service_secs)) as f64,
            self.service_secs as f64,
        )
    }
}

fn ratio(part: f64, whole: f64) -> Option<f64> {
    (whole > 0.0).then(|| part / whole)
}

/// Why a device is on the yearly clean-up list (DEV-12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CleanupReason {
    NoValidCaptures,
    NoPatrol,
}

impl CleanupReason {
    pub fn as_str(self) -> &'static str {
        match self {
            CleanupReason::NoValidCaptures => "no_valid_captures",
            CleanupReason::NoPatrol => "no_patrol",
        }
    }
}

/// DEV-12: a device that has been installed for at least `window` and in that window produced
/// no valid capture (enforcing kinds only) or had no patrol is listed for clean-up.
pub fn cleanup_reasons(
    enforces: bool,
    installed_at: DateTime<Utc>,
    last_valid_capture: Option<DateTime<Utc>>,
    last_patrol: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    window: Duration,
) -> Vec<CleanupReason> {
    let since = now - window;
    if installed_at > since {
        return Vec::new();
    }
    let mut reasons = Vec::new();
    if enforces && last_valid_capture.is_none_or(|t| t < since) {
        reasons.push(CleanupReason::NoValidCaptures);
    }
    if last_patrol.is_none_or(|t| t < since) {
        reasons.push(CleanupReason::NoPatrol);
    }
    reasons
}

/// DEV-10: the managing unit names a responsible leader and department.
pub fn check_responsibility(
    leader: &str,
    department: &str,
) -> Result<(String, String), RuleViolation> {
    let leader = leader.trim();
    let department = department.trim();
    if leader.is_empty() || department.is_empty() {
        return Err(RuleViolation::new(
            "DEV-10",
            Code::DeviceResponsibilityMissing,
            "the managing unit names a responsible leader and a responsible department",
        ));
    }
    if leader.chars().count() > 64 || department.chars().count() > 100 {
        return Err(RuleViolation::new(
            "DEV-10",
            Code::DeviceResponsibilityTooLong,
            "leader or department name is too long",
        ));
    }
    Ok((leader.to_owned(), department.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn d(s: &str) -> NaiveDate {
        parse_date("d", s).unwrap()
    }

    fn t(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, day, hour, 0, 0).unwrap()
    }

    #[test]
    fn dev_13_certificates_are_checked_and_expiry_is_seen() {
        assert_eq!(
            Certificate::parse("浙江省计量院", "JD-2026-001", "2026-05-01", "2026-04-30")
                .unwrap_err()
                .field,
            "valid_until"
        );
        assert!(Certificate::parse("", "x", "2026-01-01", "2026-12-31").is_err());
        assert!(Certificate::parse("a", "x", "2026-13-01", "2026-12-31").is_err());
        let cert =
            Certificate::parse("浙江省计量院", "JD-2026-001", "2026-01-01", "2026-12-31").unwrap();
        assert!(cert.valid_on(d("2026-12-31")) && !cert.valid_on(d("2027-01-01")));
        let certs = [(cert.valid_from, cert.valid_until)];
        assert_eq!(
            check_calibration(&certs, d("2026-06-01"), 30),
            CalibrationCheck::Valid
        );
        assert_eq!(
            check_calibration(&certs, d("2026-12-02"), 30),
            CalibrationCheck::ExpiresSoon {
                valid_until: d("2026-12-31")
            }
        );
        assert_eq!(
            check_calibration(&certs, d("2027-01-01"), 30),
            CalibrationCheck::Invalid
        );
        assert_eq!(
            check_calibration(&[], d("2026-06-01"), 30),
            CalibrationCheck::Invalid
        );
    }

    #[test]
    fn dev_11_rates_follow_their_definitions() {
        // Two overlapping faults and one open at the end of the period.
        let faults = [
            (t(2, 0), Some(t(2, 10))),
            (t(2, 5), Some(t(2, 12))),
            (t(30, 0), None),
        ];
        let secs = downtime_secs(&faults, t(1, 0), t(31, 0));
        assert_eq!(secs, (12 + 24) * 3600);
        let mut r = Rating {
            devices: 2,
            fixed_devices: 2,
            registered_fixed: 1,
            patrolled: 1,
            patrols: 4,
            conforming_patrols: 3,
            service_secs: 2 * 30 * 86_400,
            downtime_secs: secs,
        };
        assert_eq!(r.registration_completeness(), Some(0.5));
        assert_eq!(r.patrol_coverage(), Some(0.5));
        assert_eq!(r.conformity_rate(), Some(0.75));
        assert!((r.intact_rate().unwrap() - (1.0 - 36.0 / 1440.0)).abs() < 1e-9);
        r.add(&Rating::default());
        assert_eq!(Rating::default().conformity_rate(), None);
    }

    #[test]
    fn dev_12_devices_without_captures_or_patrols_for_a_year_are_listed() {
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
        let year = Duration::days(365);
        let old = now - Duration::days(800);
        assert_eq!(
            cleanup_reasons(true, old, None, Some(now - Duration::days(10)), now, year),
            vec![CleanupReason::NoValidCaptures]
        );
        assert_eq!(
            cleanup_reasons(true, old, Some(now - Duration::days(400)), None, now, year),
            vec![CleanupReason::NoValidCaptures, CleanupReason::NoPatrol]
        );
        assert!(cleanup_reasons(false, old, None, Some(now), now, year).is_empty());
        // A device installed this year is not judged yet.
        assert!(cleanup_reasons(true, now - Duration::days(30), None, None, now, year).is_empty());
    }

    #[test]
    fn dev_10_a_responsible_leader_and_department_are_named() {
        assert_eq!(
            check_responsibility(" ", "科技科").unwrap_err().rule,
            "DEV-10"
        );
        assert!(check_responsibility("王队长", "").is_err());
        assert!(check_responsibility("王队长", "科技科").is_ok());
    }

    #[test]
    fn dev_14_upkeep_never_interrupts_operation() {
        assert!(!maintenance_changes_state());
        assert!(check_fault_fixed(t(3, 0), t(2, 0), t(5, 0)).is_err());
        assert!(check_fault_fixed(t(2, 0), t(3, 0), t(5, 0)).is_ok());
    }

    #[test]
    fn dev_15_operators_confirm_a_status() {
        assert_eq!(
            ObservedStatus::parse("normal").unwrap(),
            ObservedStatus::Normal
        );
        assert!(ObservedStatus::parse("fine").is_err());
    }
}
