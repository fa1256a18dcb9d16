//! BWC-03: a recording may stop only for a listed reason, and the officer then files a work
//! record with the reason and its basis. The unit head approves it; one copy goes to the
//! recorder administrator and one to the legal office.

use crate::codes::Code;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{FieldError, RuleViolation, UserId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// A reporter, witness or victim asks not to be recorded.
    PartyRequest,
    CovertInvestigation,
    /// Recording is impossible on public transport.
    PublicTransport,
    /// State or commercial secrets, or privacy.
    SecretsOrPrivacy,
    Weather,
    Other,
}

impl Reason {
    pub const ALL: [Reason; 6] = [
        Reason::PartyRequest,
        Reason::CovertInvestigation,
        Reason::PublicTransport,
        Reason::SecretsOrPrivacy,
        Reason::Weather,
        Reason::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Reason::PartyRequest => "party_request",
            Reason::CovertInvestigation => "covert_investigation",
            Reason::PublicTransport => "public_transport",
            Reason::SecretsOrPrivacy => "secrets_or_privacy",
            Reason::Weather => "weather",
            Reason::Other => "other",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == raw.trim())
            .ok_or_else(|| FieldError::new("reason", "is not a reason of BWC-03"))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Filed,
    Approved,
    Refused,
}

impl State {
    pub const ALL: [State; 3] = [State::Filed, State::Approved, State::Refused];

    pub fn as_str(self) -> &'static str {
        match self {
            State::Filed => "filed",
            State::Approved => "approved",
            State::Refused => "refused",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        match raw {
            "filed" => Ok(State::Filed),
            "approved" => Ok(State::Approved),
            "refused" => Ok(State::Refused),
            _ => Err(FieldError::new("state", "is not a work-record state")),
        }
    }
}

crate::stored_as_text!(Reason, State);

/// The work record as the officer files it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkRecord {
    pub reason: Reason,
    /// The facts and the legal basis for stopping.
    pub basis: String,
    pub stopped_at: DateTime<Utc>,
    pub resumed_at: Option<DateTime<Utc>>,
}

/// BWC-03: the basis is written out; "other" needs a fuller account.
pub fn check_filing(r: &WorkRecord, now: DateTime<Utc>) -> Result<(), FieldError> {
    let min = if r.reason == Reason::Other { 20 } else { 10 };
    if r.basis.trim().chars().count() < min {
        return Err(FieldError::new(
            "basis",
            format!("state the facts and the basis for stopping (at least {min} characters)"),
        ));
    }
    if r.stopped_at > now {
        return Err(FieldError::new("stopped_at", "is in the future"));
    }
    if r.resumed_at.is_some_and(|t| t < r.stopped_at) {
        return Err(FieldError::new("resumed_at", "is before stopped_at"));
    }
    Ok(())
}

/// BWC-03: the unit head decides; never the officer who filed it.
pub fn decide(
    state: State,
    filed_by: UserId,
    head: UserId,
    approve: bool,
) -> Result<State, RuleViolation> {
    if state != State::Filed {
        return Err(RuleViolation::new(
            "BWC-03",
            Code::NonRecordingAlreadyDecided,
            "this work record has already been decided",
        ));
    }
    if filed_by == head {
        return Err(RuleViolation::new(
            "BWC-03",
            Code::NonRecordingSelfApproval,
            "the unit head approves a work record, not the officer who filed it",
        ));
    }
    Ok(if approve {
        State::Approved
    } else {
        State::Refused
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 2, h, 0, 0).unwrap()
    }

    #[test]
    fn bwc_03_a_stop_needs_a_listed_reason_and_a_written_basis() {
        let rec = WorkRecord {
            reason: Reason::PartyRequest,
            basis: "the victim asked not to be filmed while giving her statement".into(),
            stopped_at: t(8),
            resumed_at: Some(t(9)),
        };
        assert!(check_filing(&rec, t(10)).is_ok());
        let thin = WorkRecord {
            reason: Reason::Other,
            basis: "no reason given".into(),
            ..rec
        };
        assert_eq!(check_filing(&thin, t(10)).unwrap_err().field, "basis");
        let backwards = WorkRecord {
            resumed_at: Some(t(7)),
            ..rec
        };
        assert_eq!(
            check_filing(&backwards, t(10)).unwrap_err().field,
            "resumed_at"
        );
        assert!(Reason::parse("bored").is_err());
    }

    #[test]
    fn bwc_03_the_unit_head_approves_not_the_officer() {
        assert_eq!(
            decide(State::Filed, UserId(1), UserId(2), true).unwrap(),
            State::Approved
        );
        assert_eq!(
            decide(State::Filed, UserId(1), UserId(2), false).unwrap(),
            State::Refused
        );
        assert_eq!(
            decide(State::Filed, UserId(1), UserId(1), true)
                .unwrap_err()
                .code,
            "non_recording.self_approval"
        );
        assert!(decide(State::Approved, UserId(1), UserId(2), true).is_err());
    }
}
