//! SUP-02, SUP-03, SUP-07: the check list and the rectification list.
//!
//! ```text
//! raised (analysis, or an upper unit's warning) ─recheck─▶ rechecked
//! rechecked ─fix on the spot─▶ fixed_on_spot ─accept─▶ accepted
//!                                   └─send back─▶ rechecked
//! rechecked ─plan (deadline)─▶ planned ─progress (0..n)─▶ planned ─submit─▶ submitted
//! submitted ─accept─▶ accepted            submitted ─send back─▶ planned
//! ```
//! The managing unit re-checks, fixes, plans, reports and submits; the unit that raised the
//! item accepts or sends back, and nobody accepts a rectification they planned or carried out
//! (SUP-07). Every step names the person who took it. Items on the rectification list are
//! `planned` and `submitted`. Deadlines, escalation and the circuit breaker are in `deadline`.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::codes::Code;
use crate::device::lifecycle::{check_oversight, Oversight, Step};
use crate::device::SuspensionReason;
use crate::org::UnitPath;
use crate::{FieldError, RuleViolation, UserId};

mod deadline;
mod input;

pub use deadline::{
    check_circuit_break, circuit_breaker_grounds, days_overdue, escalation_level, waiting_on,
    BreakerGrounds, ListConfig, Party,
};
pub use input::{Answer, Note, Plan, Recheck};

#[cfg(test)]
mod tests;

/// How a device came onto the check list (SUP-02).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// The monthly (or on-demand) analysis found abnormal data.
    Analysis,
    /// An upper unit sent a warning notice (ORG-03).
    Warning,
}

impl Origin {
    pub const ALL: [Origin; 2] = [Origin::Analysis, Origin::Warning];

    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Analysis => "analysis",
            Origin::Warning => "warning",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|o| o.as_str() == raw.trim())
            .ok_or_else(|| FieldError::new("origin", "must be analysis or warning"))
    }
}

crate::stored_as_text!(Origin);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemState {
    Raised,
    Rechecked,
    FixedOnSpot,
    Planned,
    Submitted,
    Accepted,
}

impl ItemState {
    pub const ALL: [ItemState; 6] = [
        ItemState::Raised,
        ItemState::Rechecked,
        ItemState::FixedOnSpot,
        ItemState::Planned,
        ItemState::Submitted,
        ItemState::Accepted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ItemState::Raised => "raised",
            ItemState::Rechecked => "rechecked",
            ItemState::FixedOnSpot => "fixed_on_spot",
            ItemState::Planned => "planned",
            ItemState::Submitted => "submitted",
            ItemState::Accepted => "accepted",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == raw.trim())
            .ok_or_else(|| FieldError::new("state", "is not a check-list state"))
    }

    /// SUP-03: on the rectification list (a plan with a deadline, not yet accepted).
    pub fn on_rectification_list(self) -> bool {
        matches!(self, ItemState::Planned | ItemState::Submitted)
    }

    pub fn is_open(self) -> bool {
        self != ItemState::Accepted
    }
}

crate::stored_as_text!(ItemState);

/// What a step did, as the item's history keeps it (SUP-07).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    Raise,
    Warn,
    Recheck,
    FixOnSpot,
    Plan,
    ReportProgress,
    Submit,
    Accept,
    SendBack,
}

impl StepKind {
    pub const ALL: [StepKind; 9] = [
        StepKind::Raise,
        StepKind::Warn,
        StepKind::Recheck,
        StepKind::FixOnSpot,
        StepKind::Plan,
        StepKind::ReportProgress,
        StepKind::Submit,
        StepKind::Accept,
        StepKind::SendBack,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::Raise => "raise",
            StepKind::Warn => "warn",
            StepKind::Recheck => "recheck",
            StepKind::FixOnSpot => "fix_on_spot",
            StepKind::Plan => "plan",
            StepKind::ReportProgress => "report_progress",
            StepKind::Submit => "submit",
            StepKind::Accept => "accept",
            StepKind::SendBack => "send_back",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == raw.trim())
            .ok_or_else(|| FieldError::new("step", "is not a check-list step"))
    }
}

crate::stored_as_text!(StepKind);

/// A person acting for a unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user: UserId,
    pub unit: UnitPath,
}

/// "Now", in the two forms the list needs: the instant a step is recorded at, and the unit's
/// local date deadlines are counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Moment {
    pub at: DateTime<Utc>,
    pub today: NaiveDate,
}

impl Moment {
    pub fn new(at: DateTime<Utc>, tz: Tz) -> Self {
        Self {
            at,
            today: at.with_timezone(&tz).date_naive(),
        }
    }
}

/// One entry of a device's check or rectification list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub state: ItemState,
    pub origin: Origin,
    /// The device's managing unit: it re-checks and rectifies.
    pub device_unit: UnitPath,
    /// The unit that raised the item: it accepts or sends back (the managing unit itself when
    /// its own analysis raised it).
    pub raised_by_unit: UnitPath,
    /// None when the analysis job raised it.
    pub raised_by: Option<UserId>,
    pub raised_on: NaiveDate,
    /// The last day for the next step of the managing unit: the re-check and decision, then the
    /// plan's deadline.
    pub deadline: NaiveDate,
    pub planned_by: Option<UserId>,
    /// Who fixed it on the spot or submitted the rectification.
    pub fixed_by: Option<UserId>,
    /// SUP-04: the re-check found this; the device stays suspended until accepted.
    pub suspended_for: Option<SuspensionReason>,
    pub progress_percent: u8,
}

/// One step as the history of decisions shows it (SUP-07): who, for which unit, when, what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepRecord {
    pub step: StepKind,
    /// None only for an item the analysis job raised.
    pub by: Option<UserId>,
    pub unit: UnitPath,
    pub at: DateTime<Utc>,
    /// The step's text (what was done, the plan, the reason for sending back), if any.
    pub note: Option<String>,
}

/// An allowed step: the item after it, the record to keep, and what the device lifecycle must
/// do (SUP-04: suspend on a re-check finding, resume on acceptance).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub item: Item,
    pub record: StepRecord,
    pub device_step: Option<Step>,
}

/// What a person asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Recheck(Recheck),
    FixOnSpot {
        done: Note,
    },
    Plan(Plan),
    ReportProgress {
        note: Note,
        percent: u8,
    },
    Submit {
        summary: Note,
    },
    Accept,
    /// Back to the managing unit with the reason; a submitted plan may get a new deadline.
    SendBack {
        reason: Note,
        new_deadline: Option<Plan>,
    },
}

impl Action {
    pub fn kind(&self) -> StepKind {
        match self {
            Action::Recheck(_) => StepKind::Recheck,
            Action::FixOnSpot { .. } => StepKind::FixOnSpot,
            Action::Plan(_) => StepKind::Plan,
            Action::ReportProgress { .. } => StepKind::ReportProgress,
            Action::Submit { .. } => StepKind::Submit,
            Action::Accept => StepKind::Accept,
            Action::SendBack { .. } => StepKind::SendBack,
        }
    }
}

fn new_item(
    origin: Origin,
    device_unit: UnitPath,
    raised_by: (&UnitPath, Option<UserId>),
    today: NaiveDate,
    cfg: &ListConfig,
) -> Item {
    Item {
        state: ItemState::Raised,
        origin,
        device_unit,
        raised_by_unit: raised_by.0.clone(),
        raised_by: raised_by.1,
        raised_on: today,
        deadline: cfg.recheck_deadline(today),
        planned_by: None,
        fixed_by: None,
        suspended_for: None,
        progress_percent: 0,
    }
}

/// SUP-02: the analysis found abnormal data; the device joins its managing unit's check list.
/// The findings themselves are kept with the item by the caller.
pub fn raise_from_analysis(device_unit: UnitPath, now: Moment, cfg: &ListConfig) -> Transition {
    let item = new_item(
        Origin::Analysis,
        device_unit.clone(),
        (&device_unit, None),
        now.today,
        cfg,
    );
    Transition {
        item,
        record: StepRecord {
            step: StepKind::Raise,
            by: None,
            unit: device_unit,
            at: now.at,
            note: None,
        },
        device_step: None,
    }
}

/// SUP-02, ORG-03: an upper unit that sees a lower unit's abnormal device sends a warning
/// notice, which puts the device on the check list. Only a unit strictly above the managing
/// unit may warn.
pub fn raise_warning(
    device_unit: UnitPath,
    warner: &Actor,
    notice: Note,
    now: Moment,
    cfg: &ListConfig,
) -> Result<Transition, RuleViolation> {
    check_oversight(&warner.unit, &device_unit, Oversight::Above, "warn")?;
    let item = new_item(
        Origin::Warning,
        device_unit,
        (&warner.unit, Some(warner.user)),
        now.today,
        cfg,
    );
    Ok(Transition {
        item,
        record: StepRecord {
            step: StepKind::Warn,
            by: Some(warner.user),
            unit: warner.unit.clone(),
            at: now.at,
            note: Some(notice.into_string()),
        },
        device_step: None,
    })
}

/// SUP-03, SUP-07: decides `action` by `actor` on `item` at `now`.
pub fn apply(
    item: &Item,
    action: Action,
    actor: &Actor,
    now: Moment,
) -> Result<Transition, RuleViolation> {
    use ItemState as S;
    let step = action.kind();
    match step {
        StepKind::Accept | StepKind::SendBack => check_raising_unit(item, actor)?,
        _ => check_managing_unit(item, actor)?,
    }
    let mut next = item.clone();
    let mut device_step = None;
    let note = match (item.state, action) {
        (S::Raised, Action::Recheck(r)) => {
            next.state = S::Rechecked;
            if let Some(reason) = r.suspend_for {
                next.suspended_for = Some(reason);
                device_step = Some(Step::Suspend { reason });
            }
            Some(r.to_json())
        }
        (S::Rechecked, Action::FixOnSpot { done }) => {
            next.state = S::FixedOnSpot;
            next.fixed_by = Some(actor.user);
            Some(done.into_string())
        }
        (S::Rechecked, Action::Plan(plan)) => {
            next.state = S::Planned;
            next.deadline = plan.deadline();
            next.planned_by = Some(actor.user);
            next.progress_percent = 0;
            Some(plan.into_text())
        }
        (S::Planned, Action::ReportProgress { note, percent }) => {
            next.progress_percent = percent.min(100);
            Some(note.into_string())
        }
        (S::Planned, Action::Submit { summary }) => {
            next.state = S::Submitted;
            next.fixed_by = Some(actor.user);
            next.progress_percent = 100;
            Some(summary.into_string())
        }
        (S::FixedOnSpot | S::Submitted, Action::Accept) => {
            next.state = S::Accepted;
            if item.suspended_for.is_some() {
                device_step = Some(Step::Resume);
            }
            next.suspended_for = None;
            None
        }
        (S::FixedOnSpot, Action::SendBack { reason, .. }) => {
            next.state = S::Rechecked;
            next.fixed_by = None;
            Some(reason.into_string())
        }
        (
            S::Submitted,
            Action::SendBack {
                reason,
                new_deadline,
            },
        ) => {
            next.state = S::Planned;
            next.fixed_by = None;
            if let Some(plan) = new_deadline {
                next.deadline = plan.deadline();
            }
            Some(reason.into_string())
        }
        (state, _) => return Err(out_of_order(state, step)),
    };
    Ok(Transition {
        item: next,
        record: StepRecord {
            step,
            by: Some(actor.user),
            unit: actor.unit.clone(),
            at: now.at,
            note,
        },
        device_step,
    })
}

/// SUP-03: the managing unit re-checks and rectifies its own device.
fn check_managing_unit(item: &Item, actor: &Actor) -> Result<(), RuleViolation> {
    if actor.unit == item.device_unit {
        Ok(())
    } else {
        Err(RuleViolation::new(
            "SUP-03",
            Code::SupervisionNotManagingUnit,
            "the device's managing unit re-checks and rectifies it",
        ))
    }
}

/// SUP-03, SUP-07: the unit that raised the item accepts, and never the person who planned or
/// carried out the rectification.
fn check_raising_unit(item: &Item, actor: &Actor) -> Result<(), RuleViolation> {
    if actor.unit != item.raised_by_unit {
        return Err(RuleViolation::new(
            "SUP-03",
            Code::SupervisionNotRaisingUnit,
            "plan and progress are reported to the unit that raised the item; it accepts or sends back",
        ));
    }
    if item.fixed_by == Some(actor.user) || item.planned_by == Some(actor.user) {
        return Err(RuleViolation::new(
            "SUP-07",
            Code::SupervisionOwnFix,
            "nobody accepts a rectification they planned or carried out",
        ));
    }
    Ok(())
}

fn out_of_order(state: ItemState, step: StepKind) -> RuleViolation {
    RuleViolation::new(
        "SUP-03",
        Code::SupervisionStepOutOfOrder,
        format!(
            "'{}' is not possible for a list item in state '{}'",
            step.as_str(),
            state.as_str()
        ),
    )
}
