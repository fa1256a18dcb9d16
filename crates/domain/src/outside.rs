//! RID-10, SHR-04: requests to outside systems (civility credit, the party-member pioneer
//! index, the grassroots-governance platform), each sent, retried with back-off, and read back
//! until the outside system says it is done. Pure rules: which system a measure goes to, the
//! states a request moves through, and when the next attempt is due. Time is a parameter.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::rider::Disposition;
use crate::FieldError;

/// The attempts (sends and read-backs that failed) after which a request is given up and an
/// officer looks at it.
pub const MAX_ATTEMPTS: i32 = 8;
/// The first wait after a failed attempt; it doubles each time up to [`MAX_BACKOFF`].
pub const FIRST_BACKOFF_SECS: i64 = 30;
/// The longest wait between two attempts.
pub const MAX_BACKOFF_SECS: i64 = 6 * 3600;
/// How often a request the outside system accepted is read back while it says "pending".
pub const READ_BACK_EVERY_SECS: i64 = 300;

/// The outside systems the programme's dispositions reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutsideSystem {
    /// RID-10 b: civility credit points (incorrigible riders).
    CivilityCredit,
    /// RID-10 a: the party-member pioneer index (frequent riders who are party members).
    PartyIndex,
    /// SHR-04: the grassroots-governance platform (lists and tasks out, results back).
    Grassroots,
}

impl OutsideSystem {
    pub const ALL: [OutsideSystem; 3] = [
        OutsideSystem::CivilityCredit,
        OutsideSystem::PartyIndex,
        OutsideSystem::Grassroots,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OutsideSystem::CivilityCredit => "civility_credit",
            OutsideSystem::PartyIndex => "party_index",
            OutsideSystem::Grassroots => "grassroots",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == raw.trim())
            .ok_or_else(|| FieldError::new("system", "is not a known outside system"))
    }

    /// RID-10: the system a cross-agency measure is deducted in.
    pub fn for_disposition(d: Disposition) -> Option<Self> {
        match d {
            Disposition::CivilityCreditDeduction => Some(OutsideSystem::CivilityCredit),
            Disposition::PartyIndexDeduction => Some(OutsideSystem::PartyIndex),
            _ => None,
        }
    }
}

crate::stored_as_text!(OutsideSystem);

/// What a request asks of the outside system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutsideKind {
    /// Deduct points (civility credit, party index); read back until applied or refused.
    Deduction,
    /// A task for the village's grid workers; read back until the result comes.
    Task,
    /// The list of riders by tier for a village; accepted is done.
    List,
}

impl OutsideKind {
    pub const ALL: [OutsideKind; 3] =
        [OutsideKind::Deduction, OutsideKind::Task, OutsideKind::List];

    pub fn as_str(self) -> &'static str {
        match self {
            OutsideKind::Deduction => "deduction",
            OutsideKind::Task => "task",
            OutsideKind::List => "list",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == raw.trim())
            .ok_or_else(|| FieldError::new("kind", "must be deduction, task or list"))
    }

    /// Whether the request is finished once the outside system accepts it (a list), or only
    /// once it is read back (RID-10 "the deduction is read back to confirm").
    pub fn needs_read_back(self) -> bool {
        !matches!(self, OutsideKind::List)
    }
}

crate::stored_as_text!(OutsideKind);

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutsideState {
    /// Waiting to be sent (or sent again after a failure).
    Queued,
    /// The outside system accepted it and gave its id; waiting for the read-back.
    Sent,
    /// Read back: the deduction is in place, the task's result came back, the list arrived.
    Acknowledged,
    /// Refused by the outside system, or given up after [`MAX_ATTEMPTS`].
    Failed,
}

impl OutsideState {
    pub const ALL: [OutsideState; 4] = [
        OutsideState::Queued,
        OutsideState::Sent,
        OutsideState::Acknowledged,
        OutsideState::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OutsideState::Queued => "queued",
            OutsideState::Sent => "sent",
            OutsideState::Acknowledged => "acknowledged",
            OutsideState::Failed => "failed",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == raw.trim())
            .ok_or_else(|| FieldError::new("state", "must be queued, sent, acknowledged or failed"))
    }

    pub fn is_open(self) -> bool {
        matches!(self, OutsideState::Queued | OutsideState::Sent)
    }
}

crate::stored_as_text!(OutsideState);

/// The wait after the `attempts`-th failed attempt: 30 s, 60 s, 120 s … capped at six hours.
pub fn backoff(attempts: i32) -> Duration {
    let shift = attempts.clamp(1, 20) - 1;
    let secs = FIRST_BACKOFF_SECS.saturating_mul(1_i64 << shift);
    Duration::seconds(secs.min(MAX_BACKOFF_SECS))
}

/// What follows a failed attempt (a refused connection, a timeout, a 5xx answer): the same
/// state again at the next back-off, or given up once the attempts are spent.
pub fn after_failure(
    state: OutsideState,
    attempts: i32,
    now: DateTime<Utc>,
) -> (OutsideState, DateTime<Utc>) {
    if attempts >= MAX_ATTEMPTS {
        (OutsideState::Failed, now)
    } else {
        (state, now + backoff(attempts))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn rid_10_each_cross_agency_measure_has_its_outside_system() {
        assert_eq!(
            OutsideSystem::for_disposition(Disposition::CivilityCreditDeduction),
            Some(OutsideSystem::CivilityCredit)
        );
        assert_eq!(
            OutsideSystem::for_disposition(Disposition::PartyIndexDeduction),
            Some(OutsideSystem::PartyIndex)
        );
        for d in Disposition::ALL {
            assert_eq!(
                OutsideSystem::for_disposition(d).is_some(),
                d.is_cross_agency(),
                "{d:?}"
            );
        }
    }

    #[test]
    fn rid_11_failed_attempts_back_off_and_are_given_up() {
        assert_eq!(backoff(1), Duration::seconds(30));
        assert_eq!(backoff(2), Duration::seconds(60));
        assert_eq!(backoff(3), Duration::seconds(120));
        assert_eq!(backoff(40), Duration::seconds(MAX_BACKOFF_SECS));
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
        assert_eq!(
            after_failure(OutsideState::Queued, 1, now),
            (OutsideState::Queued, now + Duration::seconds(30))
        );
        assert_eq!(
            after_failure(OutsideState::Sent, MAX_ATTEMPTS, now),
            (OutsideState::Failed, now)
        );
    }

    #[test]
    fn shr_04_lists_need_no_read_back_and_names_round_trip() {
        assert!(!OutsideKind::List.needs_read_back());
        assert!(OutsideKind::Task.needs_read_back());
        assert!(OutsideKind::Deduction.needs_read_back());
        for s in OutsideSystem::ALL {
            assert_eq!(OutsideSystem::try_from(s.as_str().to_owned()), Ok(s));
        }
        for k in OutsideKind::ALL {
            assert_eq!(OutsideKind::try_from(k.as_str().to_owned()), Ok(k));
        }
        for s in OutsideState::ALL {
            assert_eq!(OutsideState::try_from(s.as_str().to_owned()), Ok(s));
        }
        assert!(OutsideState::Sent.is_open());
        assert!(!OutsideState::Acknowledged.is_open());
    }
}
