//! DEV-04, DEV-05: a device taken over from a ledger. Its recorded way into service (notice,
//! trial, formal use) is checked in order, and a way not proven holds it for review.

use super::*;

/// The dates a device taken over from a ledger shows for its way into service.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EntryHistory {
    /// DEV-04: the day its public notice began (fixed enforcing devices).
    pub notice_started: Option<DateTime<Utc>>,
    /// DEV-05: the day its trial began.
    pub trial_started: Option<DateTime<Utc>>,
    /// The day formal use began.
    pub in_use_since: Option<DateTime<Utc>>,
}

/// DEV-04: a fixed enforcing device's trial began only after its whole public notice.
pub fn check_notice_before_trial(
    kind: DeviceKind,
    history: &EntryHistory,
    periods: &Periods,
    tz: Tz,
) -> Result<(), RuleViolation> {
    if !kind.needs_public_notice() {
        return Ok(());
    }
    let Some(notice) = history.notice_started else {
        return Err(RuleViolation::new(
            "DEV-04",
            Code::DeviceNoticeNotProven,
            "no public notice of this device is on record; a fixed device is announced to the public before its trial",
        ));
    };
    // Without a trial on record there is nothing to compare; the trial check says so.
    let Some(trial) = history.trial_started else {
        return Ok(());
    };
    let ends = after_days(notice, periods.notice_days, tz);
    if trial < ends {
        return Err(RuleViolation::new(
            "DEV-04",
            Code::DeviceNoticeTooShort,
            format!(
                "the public notice runs {} days, until {}; the trial began before it ended",
                periods.notice_days,
                local(ends, tz)
            ),
        ));
    }
    Ok(())
}

/// DEV-04, DEV-05: every way into formal use honours the notice and the full trial. A device
/// taken over from a ledger as in use must show both; the same periods as `apply` apply, so an
/// import cannot do what a step could not. Kinds that enforce nothing need neither.
pub fn check_formal_use_history(
    kind: DeviceKind,
    history: &EntryHistory,
    periods: &Periods,
    tz: Tz,
) -> Result<(), RuleViolation> {
    if !kind.enforces() {
        return Ok(());
    }
    // The notice comes first: a device without one goes back through it, then the trial.
    check_notice_before_trial(kind, history, periods, tz)?;
    let (Some(trial), Some(in_use)) = (history.trial_started, history.in_use_since) else {
        return Err(trial_not_proven());
    };
    let min_end = after_days(trial, periods.trial_days, tz);
    if in_use < min_end {
        return Err(RuleViolation::new(
            "DEV-05",
            Code::DeviceTrialTooShort,
            format!(
                "the trial lasts at least {} days, until {}; formal use began before it ended",
                periods.trial_days,
                local(min_end, tz)
            ),
        ));
    }
    Ok(())
}

/// Where a device whose way into service is not proven waits, suspended for review, and what
/// it goes through once the review resumes it: the whole notice when the notice is not
/// proven, otherwise the whole trial (the clock runs from the resumption, see `Resume`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReviewHold {
    pub resume_to: DeviceState,
    pub notice_ends_at: Option<DateTime<Utc>>,
    pub trial_min_end_at: Option<DateTime<Utc>>,
}

pub fn hold_for_review(
    unproven: &RuleViolation,
    now: DateTime<Utc>,
    periods: &Periods,
    tz: Tz,
) -> ReviewHold {
    if unproven.rule == "DEV-04" {
        ReviewHold {
            resume_to: DeviceState::PublicNotice,
            notice_ends_at: Some(after_days(now, periods.notice_days, tz)),
            trial_min_end_at: None,
        }
    } else {
        ReviewHold {
            resume_to: DeviceState::Trial,
            notice_ends_at: None,
            trial_min_end_at: Some(after_days(now, periods.trial_days, tz)),
        }
    }
}
