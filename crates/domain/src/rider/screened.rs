//! SHR-04: the non-motor-vehicle recognition system's screened offenders, taken one way in.
//! The recognition system sends, through its write grant, the riders it has screened: its own
//! record reference, the person it identified (ID number and name), the violation, when and
//! where, the point, and how sure its face match was. Each entry is checked here field by field
//! and filed for an e-bike officer, who agrees (the file's person is the rider) or disputes it.
//!
//! A screened entry never counts toward a tier (RID-08): the recognition system watches the
//! same roads as the platform's own points, so counting both would count one violation twice;
//! and its evidence stays in its own system. It corroborates a file, it does not escalate one.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::account::IdNumber;
use crate::codes::Code;
use crate::org::Country;
use crate::rider::RiderViolation;
use crate::RuleViolation;

/// The longest reference, name, place or point a recognition system may send.
pub const MAX_TEXT: usize = 200;
/// How far ahead of the platform's clock a screened time may be (clock skew), not more.
pub const MAX_AHEAD_MINUTES: i64 = 10;

/// One screened offender as sent, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct ScreenedEntry {
    /// The recognition system's own reference: the same reference again is the same entry.
    pub source_ref: String,
    pub id_number: String,
    pub name: String,
    pub violation: RiderViolation,
    pub occurred_at: DateTime<Utc>,
    pub place: String,
    pub point: String,
    /// The recognition system's face-match similarity, 0 to 1, when it sent one.
    pub similarity: Option<f64>,
}

fn bad(message: impl Into<String>) -> RuleViolation {
    RuleViolation::new("SHR-04", Code::SharingBadValue, message)
}

fn text(row: &[(String, String)], name: &str, required: bool) -> Result<String, RuleViolation> {
    let value = row
        .iter()
        .find(|(f, _)| f == name)
        .map(|(_, v)| v.trim().to_owned())
        .unwrap_or_default();
    if required && value.is_empty() {
        return Err(bad(format!("{name} is required")));
    }
    if value.chars().count() > MAX_TEXT || value.chars().any(char::is_control) {
        return Err(bad(format!(
            "{name} is at most {MAX_TEXT} characters of plain text"
        )));
    }
    Ok(value)
}

/// SHR-04: one record of a screened-offender submission, checked against the platform's rules
/// for its fields (the grant has already checked which fields may be sent). `country` is the
/// one whose ID numbers the receiving unit keeps.
pub fn parse(
    row: &[(String, String)],
    country: Country,
    now: DateTime<Utc>,
) -> Result<ScreenedEntry, RuleViolation> {
    let source_ref = text(row, "source_ref", true)?;
    let id_number = IdNumber::parse(&text(row, "id_number", true)?, country)
        .map_err(|e| bad(format!("id_number {}", e.reason)))?;
    let name = text(row, "name", true)?;
    let violation = RiderViolation::parse(&text(row, "violation", true)?)
        .map_err(|e| bad(format!("violation {}", e.reason)))?;
    let occurred_at = DateTime::parse_from_rfc3339(&text(row, "occurred_at", true)?)
        .map_err(|_| bad("occurred_at is a time in RFC 3339 (2026-11-20T08:30:00+08:00)"))?
        .with_timezone(&Utc);
    if occurred_at > now + Duration::minutes(MAX_AHEAD_MINUTES) {
        return Err(bad("occurred_at is in the future"));
    }
    let similarity = match text(row, "similarity", false)?.as_str() {
        "" => None,
        raw => {
            let s: f64 = raw
                .parse()
                .map_err(|_| bad("similarity is a number from 0 to 1"))?;
            if !(0.0..=1.0).contains(&s) {
                return Err(bad("similarity is a number from 0 to 1"));
            }
            Some(s)
        }
    };
    Ok(ScreenedEntry {
        source_ref,
        id_number: id_number.as_str().to_owned(),
        name,
        violation,
        occurred_at,
        place: text(row, "place", true)?,
        point: text(row, "point", false)?,
        similarity,
    })
}

/// Where a screened entry stands on the officer's desk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScreenedState {
    /// Received, waiting for an officer.
    Received,
    /// An officer agreed: the person on the file is the rider the system screened.
    Agreed,
    /// An officer disputed it (not this resident, or the evidence does not hold), with a note.
    Disputed,
}

impl ScreenedState {
    pub const ALL: [ScreenedState; 3] = [
        ScreenedState::Received,
        ScreenedState::Agreed,
        ScreenedState::Disputed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ScreenedState::Received => "received",
            ScreenedState::Agreed => "agreed",
            ScreenedState::Disputed => "disputed",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, crate::FieldError> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == raw.trim())
            .ok_or_else(|| crate::FieldError::new("state", "must be received, agreed or disputed"))
    }
}

crate::stored_as_text!(ScreenedState);

/// SHR-04: an officer's verdict on a received entry. Only a received entry is decided, once;
/// a dispute says why (4 to 500 characters), an agreement may.
pub fn decide(
    current: ScreenedState,
    verdict: ScreenedState,
    note: &str,
) -> Result<(), RuleViolation> {
    if current != ScreenedState::Received {
        return Err(RuleViolation::new(
            "SHR-04",
            Code::RiderScreenedDecided,
            "this screened entry has already been decided",
        ));
    }
    let len = note.trim().chars().count();
    match verdict {
        ScreenedState::Received => Err(RuleViolation::new(
            "SHR-04",
            Code::SharingBadValue,
            "the verdict is agreed or disputed",
        )),
        ScreenedState::Disputed if !(4..=500).contains(&len) => Err(RuleViolation::new(
            "SHR-04",
            Code::RiderTaskReasonRequired,
            "a dispute says why, in 4 to 500 characters",
        )),
        _ if len > 500 => Err(RuleViolation::new(
            "SHR-04",
            Code::SharingBadValue,
            "the note is at most 500 characters",
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 20, 2, 0, 0).unwrap()
    }

    fn row(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(f, v)| ((*f).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn good() -> Vec<(&'static str, &'static str)> {
        vec![
            ("source_ref", "NMV-2026-000001"),
            ("id_number", "11010519491231002X"),
            ("name", "张三"),
            ("violation", "no_helmet"),
            ("occurred_at", "2026-11-20T08:30:00+08:00"),
            ("place", "金陵路与明珠路交叉口"),
            ("point", "330522070001"),
            ("similarity", "0.93"),
        ]
    }

    #[test]
    fn shr_04_a_screened_entry_is_read_field_by_field() {
        let e = parse(&row(&good()), Country::China, now()).unwrap();
        assert_eq!(e.source_ref, "NMV-2026-000001");
        assert_eq!(e.violation, RiderViolation::NoHelmet);
        assert_eq!(
            e.occurred_at,
            Utc.with_ymd_and_hms(2026, 11, 20, 0, 30, 0).unwrap()
        );
        assert_eq!(e.similarity, Some(0.93));
        let mut no_score = good();
        no_score.retain(|(f, _)| *f != "similarity" && *f != "point");
        let e = parse(&row(&no_score), Country::China, now()).unwrap();
        assert_eq!((e.similarity, e.point.as_str()), (None, ""));
    }

    #[test]
    fn shr_04_a_bad_value_is_refused_with_its_field_named() {
        for (field, value, says) in [
            ("id_number", "110105194912310021", "id_number"),
            ("violation", "speeding", "violation"),
            ("occurred_at", "yesterday", "occurred_at"),
            ("occurred_at", "2026-11-21T08:30:00+08:00", "future"),
            ("similarity", "1.5", "similarity"),
            ("similarity", "NaN", "similarity"),
            ("source_ref", "", "source_ref"),
            ("name", "a\u{7}b", "name"),
        ] {
            let mut r = good();
            for p in &mut r {
                if p.0 == field {
                    p.1 = value;
                }
            }
            let e = parse(&row(&r), Country::China, now()).unwrap_err();
            assert_eq!(e.code, Code::SharingBadValue, "{field}");
            assert!(e.message.contains(says), "{field}: {}", e.message);
        }
        let long = "路".repeat(MAX_TEXT + 1);
        let mut r = good();
        r[5].1 = &long;
        assert!(parse(&row(&r), Country::China, now()).is_err());
    }

    #[test]
    fn shr_04_an_entry_is_decided_once_and_a_dispute_says_why() {
        use ScreenedState::*;
        assert!(decide(Received, Agreed, "").is_ok());
        assert!(decide(Received, Disputed, "不是本人，车辆已转卖").is_ok());
        assert_eq!(
            decide(Received, Disputed, "no").unwrap_err().code,
            Code::RiderTaskReasonRequired
        );
        assert_eq!(
            decide(Agreed, Disputed, "changed my mind")
                .unwrap_err()
                .code,
            Code::RiderScreenedDecided
        );
        assert!(decide(Received, Received, "").is_err());
        assert_eq!(ScreenedState::parse("agreed"), Ok(Agreed));
        assert!(ScreenedState::parse("lost").is_err());
    }
}
