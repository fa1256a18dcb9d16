//! ORG: the unit tree, unit levels and kinds, and the jurisdiction scope of ORG-02.

use crate::codes::Code;
use serde::{Deserialize, Serialize};

use crate::{FieldError, RuleViolation};

/// ORG-01 / ORG-04: a unit's administrative level. Stored as data: a county-level city that acts
/// with city-level powers is `City` even though it sits three levels deep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Province = 1,
    City = 2,
    County = 3,
    /// A squad (中队) or station (派出所 / 站).
    Squad = 4,
}

impl Level {
    pub const ALL: [Level; 4] = [Level::Province, Level::City, Level::County, Level::Squad];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Province => "province",
            Level::City => "city",
            Level::County => "county",
            Level::Squad => "squad",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|l| l.as_str() == raw.trim())
            .ok_or_else(|| FieldError::new("level", "must be province, city, county or squad"))
    }

    /// Whether this level ranks strictly above `other` (province is the highest).
    pub fn is_above(self, other: Level) -> bool {
        (self as u8) < (other as u8)
    }
}

/// ORG-05: police units and the outside bodies that take part with narrow roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    Police,
    LegalDepartment,
    TechnologyDepartment,
    PublicOpinionCentre,
    TransportDepartment,
    InspectionStation,
    BigDataBureau,
    Township,
    Village,
    GridTeam,
    Employer,
    PartyOrganisation,
    CivilityOffice,
    Court,
    Procuratorate,
}

impl UnitKind {
    pub const ALL: [UnitKind; 15] = [
        UnitKind::Police,
        UnitKind::LegalDepartment,
        UnitKind::TechnologyDepartment,
        UnitKind::PublicOpinionCentre,
        UnitKind::TransportDepartment,
        UnitKind::InspectionStation,
        UnitKind::BigDataBureau,
        UnitKind::Township,
        UnitKind::Village,
        UnitKind::GridTeam,
        UnitKind::Employer,
        UnitKind::PartyOrganisation,
        UnitKind::CivilityOffice,
        UnitKind::Court,
        UnitKind::Procuratorate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            UnitKind::Police => "police",
            UnitKind::LegalDepartment => "legal_department",
            UnitKind::TechnologyDepartment => "technology_department",
            UnitKind::PublicOpinionCentre => "public_opinion_centre",
            UnitKind::TransportDepartment => "transport_department",
            UnitKind::InspectionStation => "inspection_station",
            UnitKind::BigDataBureau => "big_data_bureau",
            UnitKind::Township => "township",
            UnitKind::Village => "village",
            UnitKind::GridTeam => "grid_team",
            UnitKind::Employer => "employer",
            UnitKind::PartyOrganisation => "party_organisation",
            UnitKind::CivilityOffice => "civility_office",
            UnitKind::Court => "court",
            UnitKind::Procuratorate => "procuratorate",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == raw.trim())
            .ok_or_else(|| FieldError::new("kind", "is not a known unit kind"))
    }

    pub fn is_police(self) -> bool {
        self == UnitKind::Police
    }
}

/// The countries Roadwarden ships rules and calendars for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Country {
    #[serde(rename = "CN")]
    China,
    #[serde(rename = "VN")]
    Vietnam,
}

impl Country {
    pub fn code(self) -> &'static str {
        match self {
            Country::China => "CN",
            Country::Vietnam => "VN",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        match raw.trim().to_ascii_uppercase().as_str() {
            "CN" => Ok(Country::China),
            "VN" => Ok(Country::Vietnam),
            _ => Err(FieldError::new("country", "must be CN or VN")),
        }
    }

    /// The time zone a new unit of this country gets unless told otherwise (TIME-02).
    pub fn default_time_zone(self) -> chrono_tz::Tz {
        match self {
            Country::China => chrono_tz::Asia::Shanghai,
            Country::Vietnam => chrono_tz::Asia::Ho_Chi_Minh,
        }
    }
}

crate::stored_as_text!(Country);

/// Parses an IANA time-zone name such as `Asia/Shanghai`.
pub fn parse_time_zone(raw: &str) -> Result<chrono_tz::Tz, FieldError> {
    raw.trim()
        .parse::<chrono_tz::Tz>()
        .map_err(|_| FieldError::new("time_zone", "is not an IANA time-zone name"))
}

/// The number owners call about a unit's records, printed on its notice letters (issue 14
/// item 8): a landline or a mobile, kept as written (`0233 3852 668`, `0572-6022110`,
/// `+84 233 3852 668`): 6 to 15 digits, with spaces, dashes, dots, brackets and a leading '+'.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UnitPhone(String);

impl UnitPhone {
    /// `None` for an empty value (a unit need not have one).
    pub fn parse(raw: &str) -> Result<Option<Self>, FieldError> {
        let phone = raw.trim();
        if phone.is_empty() {
            return Ok(None);
        }
        let digits = phone.chars().filter(char::is_ascii_digit).count();
        let body = phone.strip_prefix('+').unwrap_or(phone);
        let allowed = body
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '.' | '(' | ')'));
        if !allowed || !(6..=15).contains(&digits) || phone.chars().count() > 32 {
            return Err(FieldError::new(
                "contact_phone",
                "must be 6 to 15 digits, with spaces, dashes or brackets and an optional '+'",
            ));
        }
        Ok(Some(Self(phone.to_owned())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A unit's display name: 1 to 100 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UnitName(String);

impl UnitName {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let name = raw.trim();
        let len = name.chars().count();
        if len == 0 {
            return Err(FieldError::new("name", "is required"));
        }
        if len > 100 {
            return Err(FieldError::new("name", "must be at most 100 characters"));
        }
        if name.chars().any(char::is_control) {
            return Err(FieldError::new(
                "name",
                "must not contain control characters",
            ));
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A unit's code: its administrative-division code or an internal code, unique in the tree.
/// 2 to 32 ASCII letters, digits or hyphens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UnitCode(String);

impl UnitCode {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let code = raw.trim();
        if !(2..=32).contains(&code.len()) {
            return Err(FieldError::new("code", "must be 2 to 32 characters long"));
        }
        if !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(FieldError::new(
                "code",
                "may hold only letters, digits and '-'",
            ));
        }
        Ok(Self(code.to_ascii_uppercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// ORG-01 / ORG-04: a child may sit at its parent's level (a county-level city with city-level
/// powers under a prefecture city) or below it, never above it.
pub fn check_child_level(parent: Level, child: Level) -> Result<(), RuleViolation> {
    if child.is_above(parent) {
        return Err(RuleViolation::new(
            "ORG-01",
            Code::UnitLevelAboveParent,
            format!(
                "a {} unit cannot sit under a {} unit",
                child.as_str(),
                parent.as_str()
            ),
        ));
    }
    Ok(())
}

/// A unit's place in the tree as its materialised path of ids, e.g. `/1/4/9/`.
/// Kept in the database so "this unit and every unit below it" is one prefix match.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UnitPath(String);

impl UnitPath {
    /// Ids are zero-padded so that sorting paths as text lists siblings in creation order.
    pub fn root(id: crate::UnitId) -> Self {
        Self(format!("/{:010}/", id.0))
    }

    pub fn child(&self, id: crate::UnitId) -> Self {
        Self(format!("{}{:010}/", self.0, id.0))
    }

    /// Trusts a value read back from the store.
    pub fn from_stored(raw: String) -> Self {
        Self(raw)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn depth(&self) -> usize {
        self.0.matches('/').count().saturating_sub(1)
    }

    /// ORG-02: a user acting for `self` sees `other` when `other` is `self` or below it.
    /// Siblings, cousins and units above are never in scope.
    pub fn covers(&self, other: &UnitPath) -> bool {
        other.0.starts_with(&self.0)
    }

    /// The parent unit's path; a root is its own parent.
    pub fn parent(&self) -> UnitPath {
        let trimmed = self.0.trim_end_matches('/');
        match trimmed.rfind('/') {
            Some(0) | None => self.clone(),
            Some(i) => UnitPath(format!("{}/", &trimmed[..i])),
        }
    }

    /// The root of the tree this path lies in.
    pub fn tree_root(&self) -> UnitPath {
        match self.0.get(1..).and_then(|rest| rest.find('/')) {
            Some(i) => UnitPath(self.0[..i + 2].to_owned()),
            None => self.clone(),
        }
    }

    /// The unit this path ends at.
    pub fn unit_id(&self) -> Option<crate::UnitId> {
        self.0
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .and_then(|s| s.parse::<i64>().ok())
            .map(crate::UnitId)
    }

    /// The lowest unit that covers both paths; `None` when they lie in different trees.
    pub fn common_ancestor(&self, other: &UnitPath) -> Option<UnitPath> {
        let mut common = String::from("/");
        for (a, b) in self.0.split('/').zip(other.0.split('/')).skip(1) {
            if a.is_empty() || a != b {
                break;
            }
            common.push_str(a);
            common.push('/');
        }
        (common.len() > 1).then_some(UnitPath(common))
    }

    /// Whether `self` is strictly above `other` in the tree (a proper ancestor).
    pub fn is_ancestor_of(&self, other: &UnitPath) -> bool {
        self.covers(other) && self.0.len() < other.0.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::UnitId;

    fn path(ids: &[i64]) -> UnitPath {
        let mut p = UnitPath::root(UnitId(ids[0]));
        for id in &ids[1..] {
            p = p.child(UnitId(*id));
        }
        p
    }

    #[test]
    fn org_02_paths_name_their_unit_and_common_ancestor() {
        assert_eq!(path(&[1, 4, 9]).unit_id(), Some(UnitId(9)));
        assert_eq!(
            path(&[1, 4, 9]).common_ancestor(&path(&[1, 4, 7, 8])),
            Some(path(&[1, 4]))
        );
        assert_eq!(
            path(&[1, 4]).common_ancestor(&path(&[1, 4, 7])),
            Some(path(&[1, 4]))
        );
        assert_eq!(path(&[1, 4]).common_ancestor(&path(&[2, 4])), None);
        assert_eq!(path(&[1, 4, 9]).tree_root(), path(&[1]));
        assert_eq!(path(&[1]).tree_root(), path(&[1]));
    }

    #[test]
    fn org_01_units_form_a_tree_of_levels() {
        assert!(check_child_level(Level::Province, Level::City).is_ok());
        assert!(check_child_level(Level::City, Level::County).is_ok());
        assert!(check_child_level(Level::County, Level::Squad).is_ok());
        let err = check_child_level(Level::County, Level::Province).unwrap_err();
        assert_eq!(err.rule, "ORG-01");
        assert_eq!(path(&[1, 4, 9]).depth(), 3);
    }

    #[test]
    fn org_02_scope_covers_own_unit_and_below_never_siblings() {
        let county = path(&[1, 4, 9]);
        assert!(county.covers(&county));
        assert!(county.covers(&path(&[1, 4, 9, 12])));
        assert!(!county.covers(&path(&[1, 4, 10])), "sibling");
        assert!(!county.covers(&path(&[1, 4])), "parent");
        // ".../9/" must not cover ".../90/": the trailing slash matters.
        assert!(!county.covers(&path(&[1, 4, 90])));
        assert!(!UnitPath::from_stored("/1/4/9/".into())
            .covers(&UnitPath::from_stored("/1/4/90/".into())));
        assert!(county.is_ancestor_of(&path(&[1, 4, 9, 12])));
        assert!(!county.is_ancestor_of(&county));
        assert_eq!(county.parent(), path(&[1, 4]));
        assert_eq!(path(&[1]).parent(), path(&[1]));
    }

    #[test]
    fn org_03_upper_levels_rank_above_lower_ones() {
        // ORG-03 builds on ranking: an upper unit supervises the devices of the units it covers.
        assert!(Level::City.is_above(Level::County));
        assert!(!Level::Squad.is_above(Level::County));
        assert!(path(&[1, 4]).is_ancestor_of(&path(&[1, 4, 9])));
    }

    #[test]
    fn org_04_level_is_data_not_depth() {
        // A county-level city with city-level powers sits under a prefecture city at city level.
        assert!(check_child_level(Level::City, Level::City).is_ok());
        assert_eq!(Level::parse("city").unwrap(), Level::City);
        assert!(Level::parse("town").is_err());
    }

    #[test]
    fn org_05_outside_bodies_are_units_with_their_own_kind() {
        for kind in UnitKind::ALL {
            assert_eq!(UnitKind::parse(kind.as_str()).unwrap(), kind);
        }
        assert!(!UnitKind::Court.is_police());
        assert!(UnitKind::parse("bank").is_err());
    }

    #[test]
    fn unit_phones_are_kept_as_written_and_validated() {
        let kept = |raw: &str| {
            UnitPhone::parse(raw)
                .unwrap()
                .map(|p| p.as_str().to_owned())
        };
        assert_eq!(kept(" 0233 3852 668 "), Some("0233 3852 668".into()));
        assert_eq!(
            kept("+84 (233) 3852-668"),
            Some("+84 (233) 3852-668".into())
        );
        assert_eq!(kept(""), None);
        for bad in [
            "12345",
            "0233-ABC-668",
            "1234567890123456",
            "0233\n3852668",
            "++84233385266",
        ] {
            assert!(UnitPhone::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn unit_names_and_codes_are_validated() {
        assert!(UnitName::parse("  ").is_err());
        assert!(UnitName::parse(&"长".repeat(101)).is_err());
        assert_eq!(
            UnitName::parse(" 长兴县大队 ").unwrap().as_str(),
            "长兴县大队"
        );
        assert!(UnitCode::parse("33 05").is_err());
        assert_eq!(UnitCode::parse("330522-a").unwrap().as_str(), "330522-A");
        assert!(Country::parse("us").is_err());
        for c in [Country::China, Country::Vietnam] {
            assert_eq!(Country::try_from(c.code().to_owned()), Ok(c));
            assert_eq!(serde_json::to_value(c).unwrap(), c.code());
        }
        assert!(parse_time_zone("Asia/Ho_Chi_Minh").is_ok());
        assert!(parse_time_zone("Mars/Olympus").is_err());
    }
}
