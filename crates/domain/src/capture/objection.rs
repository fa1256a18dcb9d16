//! APL-01..03: an owner's objection to a camera record.

use crate::codes::Code;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::notice::ViolationState;
use crate::calendar::{working_day_deadline, Calendar, Deadline};
use crate::{FieldError, RuleViolation};

/// APL-02: the office of the place of violation decides within 5 working days.
pub const DECISION_WORKING_DAYS: u32 = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectionState {
    Received,
    /// The objection holds: the record is eliminated (REV-04).
    Upheld,
    /// The objection fails: the party is told why.
    NotUpheld,
}

impl ObjectionState {
    pub const ALL: [ObjectionState; 3] = [
        ObjectionState::Received,
        ObjectionState::Upheld,
        ObjectionState::NotUpheld,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ObjectionState::Received => "received",
            ObjectionState::Upheld => "upheld",
            ObjectionState::NotUpheld => "not_upheld",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        match raw.trim() {
            "received" => Ok(ObjectionState::Received),
            "upheld" => Ok(ObjectionState::Upheld),
            "not_upheld" => Ok(ObjectionState::NotUpheld),
            _ => Err(FieldError::new("decision", "must be upheld or not_upheld")),
        }
    }
}

crate::stored_as_text!(ObjectionState);

/// How the objection reached us (APL-02).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Website,
    App,
    Window,
}

impl Channel {
    pub const ALL: [Channel; 3] = [Channel::Website, Channel::App, Channel::Window];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Website => "website",
            Channel::App => "app",
            Channel::Window => "window",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        match raw.trim() {
            "website" => Ok(Channel::Website),
            "app" => Ok(Channel::App),
            "window" => Ok(Channel::Window),
            _ => Err(FieldError::new("channel", "must be website, app or window")),
        }
    }
}

crate::stored_as_text!(Channel);

/// APL-02: the photos a party sent with an objection, each by the id of the blob it is stored
/// under. The database keeps them as a JSON list of those ids.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Photos(pub Vec<String>);

impl Photos {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        serde_json::from_str(raw)
            .map(Photos)
            .map_err(|e| FieldError::new("photos", format!("is not a list of photo ids: {e}")))
    }

    /// The JSON list the database keeps and the API shows.
    pub fn to_json(&self) -> String {
        // A list of strings always serializes: the empty list is never actually returned.
        serde_json::to_string(&self.0).unwrap_or_else(|_| "[]".to_owned())
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

crate::stored_as_text!(Photos);

/// APL-01..03: an objection may be lodged against an open record, one at a time, and once:
/// a party whose objection was answered (not upheld) goes on to reconsideration or a lawsuit
/// (APL-03), not to the same office again. `earlier` are the record's earlier objections.
pub fn check_lodge(
    violation: ViolationState,
    earlier: &[ObjectionState],
) -> Result<(), RuleViolation> {
    if !violation.is_open() {
        return Err(RuleViolation::new(
            "APL-01",
            Code::ObjectionCaseClosed,
            "this record is closed; reconsideration or a lawsuit against the penalty stays open (APL-03)",
        ));
    }
    if earlier.contains(&ObjectionState::Received) {
        return Err(RuleViolation::new(
            "APL-02",
            Code::ObjectionAlreadyOpen,
            "an objection to this record is already being decided",
        ));
    }
    if earlier.contains(&ObjectionState::NotUpheld) {
        return Err(RuleViolation::new(
            "APL-03",
            Code::ObjectionAlreadyAnswered,
            "an objection to this record was decided and answered; administrative reconsideration or a lawsuit stays open (APL-03)",
        ));
    }
    Ok(())
}

/// APL-02: the decision deadline, counted from receipt (forwarding is the same day).
pub fn decision_deadline(received_at: DateTime<Utc>, calendar: &Calendar, tz: Tz) -> Deadline {
    working_day_deadline(received_at, DECISION_WORKING_DAYS, calendar, tz)
}

/// APL-02: a decision. Not upheld needs the reason the party is told.
pub fn decide(
    state: ObjectionState,
    upheld: bool,
    reply: &str,
) -> Result<ObjectionState, RuleViolation> {
    if state != ObjectionState::Received {
        return Err(RuleViolation::new(
            "APL-02",
            Code::ObjectionAlreadyDecided,
            "this objection has already been decided",
        ));
    }
    if reply.trim().chars().count() < 10 {
        return Err(RuleViolation::new(
            "APL-02",
            Code::ObjectionReplyRequired,
            "the party must be told the reason (at least 10 characters)",
        ));
    }
    Ok(if upheld {
        ObjectionState::Upheld
    } else {
        ObjectionState::NotUpheld
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone};

    #[test]
    fn stored_words_round_trip() {
        for s in ObjectionState::ALL {
            assert_eq!(ObjectionState::try_from(s.as_str().to_owned()), Ok(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        for c in Channel::ALL {
            assert_eq!(Channel::try_from(c.as_str().to_owned()), Ok(c));
            assert_eq!(serde_json::to_value(c).unwrap(), c.as_str());
        }
        assert!(ObjectionState::parse("pending").is_err());
        assert!(Channel::parse("fax").is_err());
    }

    #[test]
    fn photos_are_kept_as_the_json_list_they_were_written_as() {
        let ids = vec!["ab".repeat(32), "cd".repeat(32)];
        let written = serde_json::to_string(&ids).unwrap();
        let read = Photos::try_from(written.clone()).unwrap();
        assert_eq!(read.len(), 2);
        assert_eq!(read.to_json(), written);
        assert!(Photos::parse("[]").unwrap().is_empty());
        assert!(Photos::parse("{}").is_err());
    }

    #[test]
    fn apl_01_objections_only_against_open_records() {
        assert!(check_lodge(ViolationState::Notified, &[]).is_ok());
        assert!(check_lodge(ViolationState::Decided, &[]).is_ok());
        assert_eq!(
            check_lodge(ViolationState::Closed, &[]).unwrap_err().rule,
            "APL-01"
        );
        assert_eq!(
            check_lodge(ViolationState::Notified, &[ObjectionState::Received])
                .unwrap_err()
                .code,
            "objection.already_open"
        );
    }

    #[test]
    fn apl_02_five_working_days_and_a_reasoned_reply() {
        let tz: Tz = "Asia/Shanghai".parse().unwrap();
        // Saturday 21 November 2026: counted from Monday, five working days end Friday 27th.
        let received = Utc.with_ymd_and_hms(2026, 11, 21, 4, 0, 0).unwrap();
        let dl = decision_deadline(received, &Calendar::new([]), tz);
        assert_eq!(dl.last_day, NaiveDate::from_ymd_opt(2026, 11, 27).unwrap());
        assert_eq!(
            decide(ObjectionState::Received, true, "signal faulty that day"),
            Ok(ObjectionState::Upheld)
        );
        assert_eq!(
            decide(ObjectionState::Received, false, "no")
                .unwrap_err()
                .code,
            "objection.reply_required"
        );
        assert!(decide(ObjectionState::Upheld, false, "already decided here").is_err());
        for c in [Channel::Website, Channel::App, Channel::Window] {
            assert_eq!(Channel::parse(c.as_str()), Ok(c));
        }
    }

    #[test]
    fn apl_03_closed_records_point_to_reconsideration() {
        let err = check_lodge(ViolationState::Eliminated, &[]).unwrap_err();
        assert!(err.message.contains("reconsideration"));
    }

    #[test]
    fn apl_03_an_answered_objection_is_not_lodged_again() {
        let err = check_lodge(ViolationState::Notified, &[ObjectionState::NotUpheld]).unwrap_err();
        assert_eq!(
            (err.rule, err.code.as_str()),
            ("APL-03", "objection.already_answered")
        );
        assert!(err.message.contains("reconsideration"));
    }
}
