//! SUP-03, SUP-06: deadlines, escalation and the circuit breaker after an unheeded warning.

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use super::{Actor, Item, ItemState, Origin};
use crate::codes::Code;
use crate::device::lifecycle::{check_oversight, Oversight};
use crate::RuleViolation;

/// The list's periods *(config)*. **Interpretation**: S0 art. 20 says "within a set time"
/// without a number; these defaults are ours.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ListConfig {
    /// Days the managing unit has to re-check and then fix or file a plan.
    pub recheck_days: u32,
    /// Days overdue at which an item escalates one level further (ascending).
    pub escalation_days: Vec<u32>,
    /// SUP-06: days after a warning without a rectification before the upper unit may apply
    /// the circuit breaker.
    pub rectify_after_warning_days: u32,
}

impl Default for ListConfig {
    fn default() -> Self {
        Self {
            recheck_days: 10,
            escalation_days: vec![1, 7, 15],
            rectify_after_warning_days: 30,
        }
    }
}

impl ListConfig {
    pub(super) fn recheck_deadline(&self, today: NaiveDate) -> NaiveDate {
        today
            .checked_add_days(Days::new(u64::from(self.recheck_days)))
            .unwrap_or(today)
    }
}

/// Whose move it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    /// The managing unit: re-check, fix, plan, report, submit.
    ManagingUnit,
    /// The unit that raised the item: accept or send back.
    RaisingUnit,
    /// Accepted: nobody.
    Nobody,
}

pub fn waiting_on(item: &Item) -> Party {
    match item.state {
        ItemState::Raised | ItemState::Rechecked | ItemState::Planned => Party::ManagingUnit,
        ItemState::FixedOnSpot | ItemState::Submitted => Party::RaisingUnit,
        ItemState::Accepted => Party::Nobody,
    }
}

/// Whole days past the deadline on `today`, for an item not yet accepted; none when not late.
pub fn days_overdue(item: &Item, today: NaiveDate) -> Option<u32> {
    if !item.state.is_open() || today <= item.deadline {
        return None;
    }
    Some(u32::try_from((today - item.deadline).num_days()).unwrap_or(u32::MAX))
}

/// The escalation level on `today`: 0 when not overdue, then one more for each configured
/// number of days overdue reached. The inbox messages the level's recipients (the job's work).
pub fn escalation_level(item: &Item, today: NaiveDate, cfg: &ListConfig) -> u8 {
    let Some(late) = days_overdue(item, today) else {
        return 0;
    };
    let passed = cfg.escalation_days.iter().filter(|d| late >= **d).count();
    u8::try_from(passed).unwrap_or(u8::MAX)
}

/// SUP-06: why the upper unit may apply the circuit breaker to a warned device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "ground", rename_all = "snake_case")]
pub enum BreakerGrounds {
    /// The configured time after the warning ran out with no rectification submitted.
    NoRectificationAfterWarning { days_since_warning: u32 },
    /// The rectification plan's deadline passed without a rectification submitted.
    PlanOverdue { days_overdue: u32 },
}

/// SUP-06: grounds for the circuit breaker from a warning nobody acted on. A rectification
/// fixed or submitted and waiting for acceptance is not "no rectification". Seriously abnormal
/// data (`Analysis::is_serious`) is the other ground, checked by the caller.
pub fn circuit_breaker_grounds(
    item: &Item,
    today: NaiveDate,
    cfg: &ListConfig,
) -> Option<BreakerGrounds> {
    if item.origin != Origin::Warning
        || !matches!(
            item.state,
            ItemState::Raised | ItemState::Rechecked | ItemState::Planned
        )
    {
        return None;
    }
    let since = u32::try_from((today - item.raised_on).num_days().max(0)).unwrap_or(u32::MAX);
    if since >= cfg.rectify_after_warning_days {
        return Some(BreakerGrounds::NoRectificationAfterWarning {
            days_since_warning: since,
        });
    }
    if item.state == ItemState::Planned {
        if let Some(days_overdue) = days_overdue(item, today) {
            return Some(BreakerGrounds::PlanOverdue { days_overdue });
        }
    }
    None
}

/// SUP-06, ORG-03: the circuit breaker over an unheeded warning is applied by a unit above the
/// device's managing unit, and only once there are grounds.
pub fn check_circuit_break(
    item: &Item,
    actor: &Actor,
    today: NaiveDate,
    cfg: &ListConfig,
) -> Result<BreakerGrounds, RuleViolation> {
    check_oversight(
        &actor.unit,
        &item.device_unit,
        Oversight::Above,
        "circuit_break",
    )?;
    circuit_breaker_grounds(item, today, cfg).ok_or_else(|| {
        RuleViolation::new(
            "SUP-06",
            Code::SupervisionBreakerNotDue,
            "the circuit breaker follows a warning left without rectification past its time",
        )
    })
}
