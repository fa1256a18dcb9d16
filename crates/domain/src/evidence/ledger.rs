//! BWC-01, BWC-04, BWC-12: the recorder register.
//!
//! Each recorder is numbered and registered to its unit; the ledger records who holds it and
//! every hand-over. Before use the officer checks it (BWC-04); a recorder that fails the check,
//! or was not checked, is not issued. A damaged recorder goes to the logistics department for
//! repair within 24 hours, never to an outside shop (BWC-12).

use crate::codes::Code;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::{FieldError, RuleViolation};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecorderState {
    /// In the unit's store, available to issue.
    InStore,
    /// Held by an officer.
    Issued,
    /// Reported damaged; waiting to be sent to logistics.
    Damaged,
    /// At the logistics department.
    InRepair,
    Retired,
}

impl RecorderState {
    pub fn as_str(self) -> &'static str {
        match self {
            RecorderState::InStore => "in_store",
            RecorderState::Issued => "issued",
            RecorderState::Damaged => "damaged",
            RecorderState::InRepair => "in_repair",
            RecorderState::Retired => "retired",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        match raw {
            "in_store" => Ok(RecorderState::InStore),
            "issued" => Ok(RecorderState::Issued),
            "damaged" => Ok(RecorderState::Damaged),
            "in_repair" => Ok(RecorderState::InRepair),
            "retired" => Ok(RecorderState::Retired),
            _ => Err(FieldError::new("state", "is not a recorder state")),
        }
    }
}

crate::stored_as_text!(RecorderState);

/// BWC-01: a recorder number: letters, digits and dashes, 4 to 32 characters.
pub fn parse_number(raw: &str) -> Result<String, FieldError> {
    let n = raw.trim().to_uppercase();
    let ok =
        (4..=32).contains(&n.len()) && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if ok {
        Ok(n)
    } else {
        Err(FieldError::new(
            "number",
            "a recorder number is 4 to 32 letters, digits or dashes",
        ))
    }
}

/// BWC-04: the pre-use check, item by item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreUseCheck {
    pub fault_free: bool,
    pub main_battery_charged: bool,
    pub spare_battery_charged: bool,
    pub storage_sufficient: bool,
    pub time_and_place_stamp_correct: bool,
}

impl PreUseCheck {
    /// The items that failed, by their form field names.
    pub fn failures(self) -> Vec<&'static str> {
        [
            ("fault_free", self.fault_free),
            ("main_battery_charged", self.main_battery_charged),
            ("spare_battery_charged", self.spare_battery_charged),
            ("storage_sufficient", self.storage_sufficient),
            (
                "time_and_place_stamp_correct",
                self.time_and_place_stamp_correct,
            ),
        ]
        .into_iter()
        .filter(|(_, ok)| !ok)
        .map(|(name, _)| name)
        .collect()
    }

    pub fn passed(self) -> bool {
        self.failures().is_empty()
    }
}

/// A check counts for the shift it was made for: twelve hours.
pub const CHECK_VALID_HOURS: i64 = 12;

/// BWC-01, BWC-04: a recorder may be issued to an officer only from the store, and only after a
/// passed pre-use check within the last twelve hours.
pub fn check_issue(
    state: RecorderState,
    last_check: Option<(DateTime<Utc>, PreUseCheck)>,
    now: DateTime<Utc>,
) -> Result<(), RuleViolation> {
    if state != RecorderState::InStore {
        return Err(RuleViolation::new(
            "BWC-01",
            Code::RecorderNotInStore,
            format!(
                "the recorder is {}, not in the store; it must be handed back first",
                state.as_str()
            ),
        ));
    }
    match last_check {
        Some((at, check)) if now - at <= Duration::hours(CHECK_VALID_HOURS) && at <= now => {
            if check.passed() {
                Ok(())
            } else {
                Err(RuleViolation::new(
                    "BWC-04",
                    Code::RecorderCheckFailed,
                    format!(
                        "the last pre-use check failed: {}",
                        check.failures().join(", ")
                    ),
                ))
            }
        }
        _ => Err(RuleViolation::new(
            "BWC-04",
            Code::RecorderNotChecked,
            "the recorder has no pre-use check in the last 12 hours",
        )),
    }
}

/// BWC-01: a recorder comes back to the store only from the officer who holds it.
pub fn check_return(state: RecorderState) -> Result<(), RuleViolation> {
    if state == RecorderState::Issued {
        Ok(())
    } else {
        Err(RuleViolation::new(
            "BWC-01",
            Code::RecorderNotIssued,
            "the recorder is not held by an officer",
        ))
    }
}

/// BWC-12: a damaged recorder is sent for repair within 24 hours.
pub const REPAIR_SEND_HOURS: i64 = 24;

/// Where a damaged recorder may go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RepairDestination {
    LogisticsDepartment,
    OutsideShop,
}

impl RepairDestination {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        match raw.trim() {
            "logistics_department" => Ok(RepairDestination::LogisticsDepartment),
            "outside_shop" => Ok(RepairDestination::OutsideShop),
            _ => Err(FieldError::new(
                "destination",
                "must be logistics_department or outside_shop",
            )),
        }
    }
}

/// BWC-12: report damage on a recorder in the store or held by an officer.
pub fn check_report_damage(state: RecorderState) -> Result<(), RuleViolation> {
    match state {
        RecorderState::InStore | RecorderState::Issued => Ok(()),
        other => Err(RuleViolation::new(
            "BWC-12",
            Code::RecorderCannotReportDamage,
            format!("the recorder is {}", other.as_str()),
        )),
    }
}

/// BWC-12: only to logistics, and only a recorder reported damaged.
pub fn check_send_for_repair(
    state: RecorderState,
    destination: RepairDestination,
) -> Result<(), RuleViolation> {
    if destination == RepairDestination::OutsideShop {
        return Err(RuleViolation::new(
            "BWC-12",
            Code::RecorderOutsideRepairForbidden,
            "recorders are repaired by the logistics department, never by an outside shop",
        ));
    }
    if state != RecorderState::Damaged {
        return Err(RuleViolation::new(
            "BWC-12",
            Code::RecorderNotDamaged,
            "only a recorder reported damaged is sent for repair",
        ));
    }
    Ok(())
}

/// BWC-12: whether the 24 hours to send a damaged recorder have run out (`sent_at` None =
/// still not sent).
pub fn repair_overdue(
    damaged_at: DateTime<Utc>,
    sent_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> bool {
    let deadline = damaged_at + Duration::hours(REPAIR_SEND_HOURS);
    sent_at.unwrap_or(now) > deadline
}

/// A flag on a recorder's ledger page and on the supervision report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LedgerFlag {
    /// Issued without a passing check in the 12 hours before (BWC-04).
    IssuedWithoutCheck,
    /// Held by an officer longer than a shift without a hand-over back (BWC-01).
    HeldWithoutHandOver,
    /// Damaged and not sent to logistics within 24 hours (BWC-12).
    RepairOverdue,
}

impl LedgerFlag {
    pub fn as_str(self) -> &'static str {
        match self {
            LedgerFlag::IssuedWithoutCheck => "issued_without_check",
            LedgerFlag::HeldWithoutHandOver => "held_without_hand_over",
            LedgerFlag::RepairOverdue => "repair_overdue",
        }
    }
}

/// A recorder held longer than this without coming back is flagged.
pub const MAX_HOLD_HOURS: i64 = 24;

/// What the ledger knows about one recorder, for flagging.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LedgerFacts {
    pub state: RecorderState,
    pub issued_at: Option<DateTime<Utc>>,
    /// The last passed check before the issue, if any.
    pub check_before_issue: Option<DateTime<Utc>>,
    pub damaged_at: Option<DateTime<Utc>>,
    pub sent_for_repair_at: Option<DateTime<Utc>>,
}

/// BWC-01, BWC-04, BWC-12: the flags a recorder carries now.
pub fn flags(f: LedgerFacts, now: DateTime<Utc>) -> Vec<LedgerFlag> {
    let mut out = Vec::new();
    if let (RecorderState::Issued, Some(issued)) = (f.state, f.issued_at) {
        let checked = f
            .check_before_issue
            .is_some_and(|c| c <= issued && issued - c <= Duration::hours(CHECK_VALID_HOURS));
        if !checked {
            out.push(LedgerFlag::IssuedWithoutCheck);
        }
        if now - issued > Duration::hours(MAX_HOLD_HOURS) {
            out.push(LedgerFlag::HeldWithoutHandOver);
        }
    }
    if let Some(damaged) = f.damaged_at {
        let pending = matches!(f.state, RecorderState::Damaged | RecorderState::InRepair);
        if pending && repair_overdue(damaged, f.sent_for_repair_at, now) {
            out.push(LedgerFlag::RepairOverdue);
        }
    }
    out
}

/// BWC-01: who a recorder may be handed to (and who may check it before use): an active
/// account of a police officer or auxiliary, not a grid worker or an interface account, nor
/// an account still pending or disabled.
pub fn may_carry_recorder(
    kind: crate::account::PersonKind,
    status: crate::account::AccountStatus,
    roles: &[crate::roles::Role],
) -> bool {
    use crate::account::{AccountStatus, PersonKind};
    use crate::roles::Role;
    matches!(kind, PersonKind::PoliceOfficer | PersonKind::Staff)
        && status == AccountStatus::Active
        && roles
            .iter()
            .any(|r| !matches!(r, Role::GridWorker | Role::InterfaceClient))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(h: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 2, 0, 0, 0).unwrap() + Duration::hours(h)
    }

    const GOOD: PreUseCheck = PreUseCheck {
        fault_free: true,
        main_battery_charged: true,
        spare_battery_charged: true,
        storage_sufficient: true,
        time_and_place_stamp_correct: true,
    };

    #[test]
    fn bwc_01_recorder_numbers_are_normalised_and_checked() {
        assert_eq!(parse_number(" zj-bwc-0001 ").unwrap(), "ZJ-BWC-0001");
        assert!(parse_number("a b").is_err());
        assert!(parse_number("x").is_err());
    }

    #[test]
    fn bwc_01_issue_only_from_the_store_and_return_only_when_issued() {
        let err = check_issue(RecorderState::Issued, Some((t(0), GOOD)), t(1)).unwrap_err();
        assert_eq!(
            (err.rule, err.code.as_str()),
            ("BWC-01", "recorder.not_in_store")
        );
        assert!(check_return(RecorderState::Issued).is_ok());
        assert_eq!(
            check_return(RecorderState::InStore).unwrap_err().code,
            "recorder.not_issued"
        );
    }

    #[test]
    fn bwc_04_no_issue_without_a_passed_check_in_the_last_twelve_hours() {
        assert!(check_issue(RecorderState::InStore, Some((t(0), GOOD)), t(1)).is_ok());
        let stale = check_issue(RecorderState::InStore, Some((t(0), GOOD)), t(13)).unwrap_err();
        assert_eq!(
            (stale.rule, stale.code.as_str()),
            ("BWC-04", "recorder.not_checked")
        );
        assert_eq!(
            check_issue(RecorderState::InStore, None, t(1))
                .unwrap_err()
                .code,
            "recorder.not_checked"
        );
        let flat = PreUseCheck {
            spare_battery_charged: false,
            ..GOOD
        };
        let err = check_issue(RecorderState::InStore, Some((t(0), flat)), t(1)).unwrap_err();
        assert_eq!(err.code, "recorder.check_failed");
        assert!(err.message.contains("spare_battery_charged"));
    }

    #[test]
    fn bwc_12_repairs_go_to_logistics_within_24_hours() {
        assert_eq!(
            check_send_for_repair(RecorderState::Damaged, RepairDestination::OutsideShop)
                .unwrap_err()
                .code,
            "recorder.outside_repair_forbidden"
        );
        assert!(check_send_for_repair(
            RecorderState::Damaged,
            RepairDestination::LogisticsDepartment
        )
        .is_ok());
        assert!(check_send_for_repair(
            RecorderState::InStore,
            RepairDestination::LogisticsDepartment
        )
        .is_err());
        assert!(!repair_overdue(t(0), Some(t(24)), t(30)));
        assert!(repair_overdue(t(0), Some(t(25)), t(30)));
        assert!(repair_overdue(t(0), None, t(25)));
        assert!(!repair_overdue(t(0), None, t(23)));
    }

    #[test]
    fn bwc_01_bwc_04_bwc_12_ledger_flags() {
        let issued = LedgerFacts {
            state: RecorderState::Issued,
            issued_at: Some(t(10)),
            check_before_issue: Some(t(9)),
            damaged_at: None,
            sent_for_repair_at: None,
        };
        assert!(flags(issued, t(11)).is_empty());
        let unchecked = LedgerFacts {
            check_before_issue: None,
            ..issued
        };
        assert_eq!(
            flags(unchecked, t(11)),
            vec![LedgerFlag::IssuedWithoutCheck]
        );
        assert_eq!(flags(issued, t(35)), vec![LedgerFlag::HeldWithoutHandOver]);
        let damaged = LedgerFacts {
            state: RecorderState::Damaged,
            issued_at: None,
            check_before_issue: None,
            damaged_at: Some(t(0)),
            sent_for_repair_at: None,
        };
        assert_eq!(flags(damaged, t(25)), vec![LedgerFlag::RepairOverdue]);
    }

    #[test]
    fn bwc_01_recorders_go_only_to_active_officers_and_auxiliaries() {
        use crate::account::{AccountStatus, PersonKind};
        use crate::roles::Role;
        let active = AccountStatus::Active;
        assert!(may_carry_recorder(
            PersonKind::PoliceOfficer,
            active,
            &[Role::Collector]
        ));
        assert!(may_carry_recorder(
            PersonKind::Staff,
            active,
            &[Role::Reviewer]
        ));
        assert!(!may_carry_recorder(
            PersonKind::PoliceOfficer,
            AccountStatus::Pending,
            &[Role::Collector]
        ));
        assert!(!may_carry_recorder(
            PersonKind::PoliceOfficer,
            AccountStatus::Disabled,
            &[Role::Collector]
        ));
        assert!(!may_carry_recorder(
            PersonKind::Staff,
            active,
            &[Role::GridWorker]
        ));
        assert!(!may_carry_recorder(
            PersonKind::Staff,
            active,
            &[Role::InterfaceClient]
        ));
        assert!(!may_carry_recorder(
            PersonKind::TechnicalPartner,
            active,
            &[Role::Admin]
        ));
        assert!(!may_carry_recorder(PersonKind::PoliceOfficer, active, &[]));
    }
}
