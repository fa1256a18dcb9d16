//! BWC-06, BWC-06a, AUD-05: how long footage is kept, and the purge that ends it.
//!
//! A file's period comes from every reason that applies to it; the longest wins. Ordinary
//! footage is kept a configured number of months (at least the 3 of AUD-05; a deployment that
//! follows the national rule of BWC-06a keeps at least 6). Footage that is case evidence is kept
//! as long as the case file, footage with a long-term trigger of BWC-06 is kept permanently,
//! and a legal hold stops the clock. Nothing is deleted outside the scheduled purge; a purged
//! file can be restored for a window before its bytes are destroyed.

use crate::codes::Code;
use chrono::{DateTime, Months, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::calendar::start_of_local_day;
use crate::{FieldError, RuleViolation};

/// AUD-05: raw recorder footage is kept at least 3 months.
pub const MIN_GENERAL_MONTHS: u32 = 3;
/// BWC-06a: the national rule keeps field footage at least 6 months.
pub const NATIONAL_GENERAL_MONTHS: u32 = 6;

/// The retention rules of one deployment (configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// The local period for ordinary footage (BWC-06: 3, some units 6).
    pub general_months: u32,
    /// Whether the national minimum of BWC-06a applies; then the stricter period wins.
    pub national_minimum: bool,
    /// Days before the purge on which a file appears on the warning list.
    pub warning_days: u32,
    /// Days after the purge during which a purged file can still be restored.
    pub restore_days: u32,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            general_months: MIN_GENERAL_MONTHS,
            national_minimum: true,
            warning_days: 7,
            restore_days: 7,
        }
    }
}

impl Policy {
    pub fn validate(self) -> Result<Self, FieldError> {
        if self.general_months < MIN_GENERAL_MONTHS {
            return Err(FieldError::new(
                "evidence.general_months",
                "raw footage is kept at least 3 months (AUD-05)",
            ));
        }
        if self.restore_days == 0 || self.restore_days > 90 {
            return Err(FieldError::new(
                "evidence.restore_days",
                "must be between 1 and 90",
            ));
        }
        if self.warning_days == 0 || self.warning_days > 90 {
            return Err(FieldError::new(
                "evidence.warning_days",
                "must be between 1 and 90",
            ));
        }
        Ok(self)
    }

    /// The period ordinary footage is kept: the stricter of the local and national periods.
    pub fn effective_general_months(self) -> u32 {
        if self.national_minimum {
            self.general_months.max(NATIONAL_GENERAL_MONTHS)
        } else {
            self.general_months
        }
    }
}

/// BWC-06's reasons for keeping footage long term.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LongTermTrigger {
    /// The party objects, complains or petitions.
    PartyObjection,
    /// Someone obstructs, insults or assaults officers.
    ObstructionOfOfficers,
    /// Emergencies and group (mass) incidents.
    EmergencyOrGroupIncident,
    /// Police are involved in the matter.
    PoliceInvolved,
    /// Coercive measures were taken.
    CoerciveMeasures,
    /// Other important or complex cases.
    OtherImportant,
}

impl LongTermTrigger {
    pub const ALL: [LongTermTrigger; 6] = [
        LongTermTrigger::PartyObjection,
        LongTermTrigger::ObstructionOfOfficers,
        LongTermTrigger::EmergencyOrGroupIncident,
        LongTermTrigger::PoliceInvolved,
        LongTermTrigger::CoerciveMeasures,
        LongTermTrigger::OtherImportant,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LongTermTrigger::PartyObjection => "party_objection",
            LongTermTrigger::ObstructionOfOfficers => "obstruction_of_officers",
            LongTermTrigger::EmergencyOrGroupIncident => "emergency_or_group_incident",
            LongTermTrigger::PoliceInvolved => "police_involved",
            LongTermTrigger::CoerciveMeasures => "coercive_measures",
            LongTermTrigger::OtherImportant => "other_important",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == raw.trim())
            .ok_or_else(|| FieldError::new("trigger", "is not a long-term reason of BWC-06"))
    }
}

/// Everything that bears on one file's period.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reasons {
    /// Linked to a case whose file is still kept (BWC-06: as long as the case file).
    pub case_evidence: bool,
    /// Long-term triggers set by staff or by events.
    pub long_term: Vec<LongTermTrigger>,
    /// Active legal holds.
    pub holds: u32,
}

/// The category that decided the period, for display and for the retention calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    General,
    CaseEvidence,
    LongTerm,
    LegalHold,
}

impl Category {
    pub const ALL: [Category; 4] = [
        Category::General,
        Category::CaseEvidence,
        Category::LongTerm,
        Category::LegalHold,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::General => "general",
            Category::CaseEvidence => "case_evidence",
            Category::LongTerm => "long_term",
            Category::LegalHold => "legal_hold",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|c| c.as_str() == raw.trim())
            .ok_or_else(|| FieldError::new("retention_category", "is not a retention category"))
    }
}

/// How long one file is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    pub category: Category,
    /// The first instant the purge may take the file; `None` while it must be kept.
    pub purge_from: Option<DateTime<Utc>>,
}

/// BWC-06 and BWC-06a: the longest reason wins. `recorded_at` is the end of the recording;
/// the period runs in whole local days, so a file recorded on 3 March at 23:59 (local time) and
/// kept 3 months may go from 4 June 00:00.
pub fn retention(
    policy: Policy,
    reasons: &Reasons,
    recorded_at: DateTime<Utc>,
    tz: Tz,
) -> Retention {
    if reasons.holds > 0 {
        return Retention {
            category: Category::LegalHold,
            purge_from: None,
        };
    }
    if !reasons.long_term.is_empty() {
        return Retention {
            category: Category::LongTerm,
            purge_from: None,
        };
    }
    if reasons.case_evidence {
        return Retention {
            category: Category::CaseEvidence,
            purge_from: None,
        };
    }
    let day = recorded_at.with_timezone(&tz).date_naive();
    Retention {
        category: Category::General,
        purge_from: Some(general_purge_from(
            day,
            policy.effective_general_months(),
            tz,
        )),
    }
}

fn general_purge_from(recorded_on: NaiveDate, months: u32, tz: Tz) -> DateTime<Utc> {
    // The period ends with the same day number `months` later (the last day of a shorter
    // month when it has no such day); the file may go the day after.
    let last_day = recorded_on
        .checked_add_months(Months::new(months))
        .unwrap_or(NaiveDate::MAX);
    start_of_local_day(last_day.succ_opt().unwrap_or(last_day), tz)
}

/// Where a file is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LifeState {
    Kept,
    /// Taken by the purge; the bytes survive until `restore_until` (the restore window).
    Purged,
    /// The bytes are gone for good.
    Destroyed,
}

impl LifeState {
    pub const ALL: [LifeState; 3] = [LifeState::Kept, LifeState::Purged, LifeState::Destroyed];

    pub fn as_str(self) -> &'static str {
        match self {
            LifeState::Kept => "kept",
            LifeState::Purged => "purged",
            LifeState::Destroyed => "destroyed",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        match raw {
            "kept" => Ok(LifeState::Kept),
            "purged" => Ok(LifeState::Purged),
            "destroyed" => Ok(LifeState::Destroyed),
            _ => Err(FieldError::new("state", "is not a footage state")),
        }
    }
}

crate::stored_as_text!(Category, LifeState);

/// An early deletion (before the period ends) approved by two different people (BWC-06).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EarlyDeletion {
    pub first_approver: crate::UserId,
    pub second_approver: crate::UserId,
}

/// BWC-06: only general footage may be deleted before its period ends. Case evidence is kept as
/// long as the case file and long-term footage permanently; two heads cannot shorten either
/// (a legal hold is refused too). Checked when an early deletion is asked for, when it is
/// approved, and again by the purge that would carry it out.
pub fn check_early_deletion(category: Category) -> Result<(), RuleViolation> {
    match category {
        Category::General => Ok(()),
        Category::LegalHold => Err(RuleViolation::new(
            "BWC-06",
            Code::RetentionOnHold,
            "this footage is under a legal hold",
        )),
        Category::CaseEvidence | Category::LongTerm => Err(RuleViolation::new(
            "BWC-06",
            Code::RetentionEarlyDeletionNotGeneral,
            "only general footage may be deleted early; case evidence and long-term footage are kept for their whole period",
        )),
    }
}

/// BWC-06, BWC-07: whether the scheduled purge may take this file now. Only the purge job calls
/// this; there is no other way to delete footage.
pub fn check_purge(
    state: LifeState,
    retention: Retention,
    early: Option<EarlyDeletion>,
    now: DateTime<Utc>,
) -> Result<(), RuleViolation> {
    if state != LifeState::Kept {
        return Err(RuleViolation::new(
            "BWC-06",
            Code::RetentionNotKept,
            "this footage has already been purged",
        ));
    }
    if retention.category == Category::LegalHold {
        return Err(RuleViolation::new(
            "BWC-06",
            Code::RetentionOnHold,
            "this footage is under a legal hold",
        ));
    }
    let due = retention.purge_from.is_some_and(|from| now >= from);
    if due {
        return Ok(());
    }
    if early.is_some() {
        check_early_deletion(retention.category)?;
    }
    match early {
        Some(e) if e.first_approver != e.second_approver => Ok(()),
        Some(_) => Err(RuleViolation::new(
            "BWC-06",
            Code::RetentionSameApprover,
            "an early deletion needs two different approvers",
        )),
        None => Err(RuleViolation::new(
            "BWC-06",
            Code::RetentionNotDue,
            match retention.purge_from {
                Some(_) => "this footage must still be kept: its retention period has not ended",
                None => "this footage is kept without an end date (case evidence or long-term)",
            },
        )),
    }
}

/// BWC-06: a purged file can come back while its restore window is open.
pub fn check_restore(
    state: LifeState,
    restore_until: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(), RuleViolation> {
    match (state, restore_until) {
        (LifeState::Purged, Some(until)) if now < until => Ok(()),
        (LifeState::Purged, _) | (LifeState::Destroyed, _) => Err(RuleViolation::new(
            "BWC-06",
            Code::RetentionRestoreWindowClosed,
            "the restore window has closed; the footage is destroyed",
        )),
        (LifeState::Kept, _) => Err(RuleViolation::new(
            "BWC-06",
            Code::RetentionNotPurged,
            "this footage has not been purged",
        )),
    }
}

/// The end of the restore window for a purge at `purged_at`.
pub fn restore_until(policy: Policy, purged_at: DateTime<Utc>) -> DateTime<Utc> {
    purged_at + chrono::Duration::days(i64::from(policy.restore_days))
}

/// Whether a file belongs on the warning list (purge within `warning_days`).
pub fn in_warning_window(policy: Policy, retention: Retention, now: DateTime<Utc>) -> bool {
    retention.purge_from.is_some_and(|from| {
        now < from && from - now <= chrono::Duration::days(i64::from(policy.warning_days))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::UserId;
    use chrono::TimeZone;

    const TZ: Tz = chrono_tz::Asia::Shanghai;

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        TZ.with_ymd_and_hms(y, m, d, h, min, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn local_only() -> Policy {
        Policy {
            national_minimum: false,
            ..Policy::default()
        }
    }

    #[test]
    fn bwc_06_general_footage_kept_three_months_in_local_days() {
        let r = retention(
            local_only(),
            &Reasons::default(),
            at(2026, 3, 3, 23, 59),
            TZ,
        );
        assert_eq!(r.category, Category::General);
        assert_eq!(r.purge_from, Some(at(2026, 6, 4, 0, 0)));
        // 30 November + 3 months has no 30 February... it is 28 February (2027 is not a leap year).
        let r = retention(
            local_only(),
            &Reasons::default(),
            at(2026, 11, 30, 10, 0),
            TZ,
        );
        assert_eq!(r.purge_from, Some(at(2027, 3, 1, 0, 0)));
    }

    #[test]
    fn bwc_06_some_units_keep_six_months() {
        let p = Policy {
            general_months: 6,
            ..local_only()
        };
        let r = retention(p, &Reasons::default(), at(2026, 1, 15, 9, 0), TZ);
        assert_eq!(r.purge_from, Some(at(2026, 7, 16, 0, 0)));
    }

    #[test]
    fn bwc_06a_the_stricter_of_local_and_national_periods_wins() {
        let p = Policy::default();
        assert_eq!(p.effective_general_months(), 6);
        let r = retention(p, &Reasons::default(), at(2026, 1, 15, 9, 0), TZ);
        assert_eq!(r.purge_from, Some(at(2026, 7, 16, 0, 0)));
        let longer = Policy {
            general_months: 12,
            ..p
        };
        assert_eq!(longer.effective_general_months(), 12);
    }

    #[test]
    fn aud_05_raw_footage_is_kept_at_least_three_months() {
        let p = Policy {
            general_months: 2,
            ..Policy::default()
        };
        assert_eq!(p.validate().unwrap_err().field, "evidence.general_months");
        assert!(Policy::default().validate().is_ok());
    }

    #[test]
    fn bwc_06_when_reasons_overlap_the_longest_wins() {
        let t = at(2026, 1, 1, 8, 0);
        let case = Reasons {
            case_evidence: true,
            ..Reasons::default()
        };
        assert_eq!(
            retention(Policy::default(), &case, t, TZ).category,
            Category::CaseEvidence
        );
        assert_eq!(retention(Policy::default(), &case, t, TZ).purge_from, None);
        let long = Reasons {
            case_evidence: true,
            long_term: vec![LongTermTrigger::ObstructionOfOfficers],
            holds: 0,
        };
        assert_eq!(
            retention(Policy::default(), &long, t, TZ).category,
            Category::LongTerm
        );
        let held = Reasons { holds: 1, ..long };
        assert_eq!(
            retention(Policy::default(), &held, t, TZ).category,
            Category::LegalHold
        );
    }

    #[test]
    fn bwc_06_purge_only_when_due_or_with_two_approvers() {
        let policy = local_only();
        let r = retention(policy, &Reasons::default(), at(2026, 1, 1, 8, 0), TZ);
        let before = at(2026, 4, 1, 23, 59);
        let due = at(2026, 4, 2, 0, 0);
        assert_eq!(
            check_purge(LifeState::Kept, r, None, before)
                .unwrap_err()
                .code,
            "retention.not_due"
        );
        assert!(check_purge(LifeState::Kept, r, None, due).is_ok());
        let same = EarlyDeletion {
            first_approver: UserId(1),
            second_approver: UserId(1),
        };
        assert_eq!(
            check_purge(LifeState::Kept, r, Some(same), before)
                .unwrap_err()
                .code,
            "retention.same_approver"
        );
        let two = EarlyDeletion {
            first_approver: UserId(1),
            second_approver: UserId(2),
        };
        assert!(check_purge(LifeState::Kept, r, Some(two), before).is_ok());
        assert_eq!(
            check_purge(LifeState::Purged, r, None, due)
                .unwrap_err()
                .code,
            "retention.not_kept"
        );
        let held = retention(
            policy,
            &Reasons {
                holds: 1,
                ..Reasons::default()
            },
            at(2026, 1, 1, 8, 0),
            TZ,
        );
        assert_eq!(
            check_purge(LifeState::Kept, held, Some(two), due)
                .unwrap_err()
                .code,
            "retention.on_hold"
        );
    }

    #[test]
    fn bwc_06_only_general_footage_may_be_deleted_early() {
        let t = at(2026, 1, 1, 8, 0);
        let before = at(2026, 2, 1, 0, 0);
        let two = EarlyDeletion {
            first_approver: UserId(1),
            second_approver: UserId(2),
        };
        let case = retention(
            Policy::default(),
            &Reasons {
                case_evidence: true,
                ..Reasons::default()
            },
            t,
            TZ,
        );
        let long = retention(
            Policy::default(),
            &Reasons {
                long_term: vec![LongTermTrigger::PartyObjection],
                ..Reasons::default()
            },
            t,
            TZ,
        );
        for r in [case, long] {
            assert_eq!(
                check_early_deletion(r.category).unwrap_err().code,
                "retention.early_deletion_not_general"
            );
            assert_eq!(
                check_purge(LifeState::Kept, r, Some(two), before)
                    .unwrap_err()
                    .code,
                "retention.early_deletion_not_general",
                "two heads cannot delete {:?} footage early",
                r.category
            );
        }
        let general = retention(Policy::default(), &Reasons::default(), t, TZ);
        assert!(check_early_deletion(general.category).is_ok());
        assert!(check_purge(LifeState::Kept, general, Some(two), before).is_ok());
        assert_eq!(
            check_early_deletion(Category::LegalHold).unwrap_err().code,
            "retention.on_hold"
        );
    }

    #[test]
    fn bwc_06_restore_window_and_warning_list() {
        let policy = Policy::default();
        let purged = at(2026, 7, 16, 2, 0);
        let until = restore_until(policy, purged);
        assert!(check_restore(LifeState::Purged, Some(until), purged).is_ok());
        assert_eq!(
            check_restore(LifeState::Purged, Some(until), until)
                .unwrap_err()
                .code,
            "retention.restore_window_closed"
        );
        assert!(check_restore(LifeState::Kept, None, purged).is_err());
        let r = retention(policy, &Reasons::default(), at(2026, 1, 15, 9, 0), TZ);
        assert!(in_warning_window(policy, r, at(2026, 7, 10, 0, 0)));
        assert!(!in_warning_window(policy, r, at(2026, 7, 8, 23, 0)));
        assert!(!in_warning_window(policy, r, at(2026, 7, 16, 0, 0)));
    }

    #[test]
    fn bwc_06_long_term_triggers_round_trip() {
        for t in LongTermTrigger::ALL {
            assert_eq!(LongTermTrigger::parse(t.as_str()).unwrap(), t);
        }
        assert!(LongTermTrigger::parse("forever").is_err());
    }
}
