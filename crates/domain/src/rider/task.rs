//! RID-11: every task is closed in a loop. A task is dispatched to the rider's unit, a grid
//! worker of that unit accepts it and reports the result (text and photos), and an e-bike
//! officer evaluates it: passed closes it, sent back returns it to the grid worker. A task not
//! passed by its due date is overdue, and counts against its village (RID-10 c).

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::capture::objection::Photos;
use crate::codes::Code;
use crate::roles::Role;
use crate::{FieldError, RuleViolation, UnitId};

/// The most photos one result carries.
pub const MAX_RESULT_PHOTOS: usize = 9;
/// The longest result text, in characters.
pub const MAX_RESULT_CHARS: usize = 2_000;
/// The longest reason for sending a result back, in characters.
pub const MAX_REASON_CHARS: usize = 500;
/// The longest photo (blob) id.
const MAX_PHOTO_ID_CHARS: usize = 128;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskState {
    /// Sent to the unit; no grid worker has taken it yet.
    Dispatched,
    /// A grid worker took it (or it was sent back to them).
    Accepted,
    /// The result is in, waiting for the officer's evaluation.
    Reported,
    /// Evaluated and passed: the loop is closed.
    Passed,
}

impl TaskState {
    pub const ALL: [TaskState; 4] = [
        TaskState::Dispatched,
        TaskState::Accepted,
        TaskState::Reported,
        TaskState::Passed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TaskState::Dispatched => "dispatched",
            TaskState::Accepted => "accepted",
            TaskState::Reported => "reported",
            TaskState::Passed => "passed",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == raw.trim())
            .ok_or_else(|| {
                FieldError::new("state", "must be dispatched, accepted, reported or passed")
            })
    }

    pub fn is_open(self) -> bool {
        self != TaskState::Passed
    }
}

crate::stored_as_text!(TaskState);

/// A step someone takes on a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStep {
    Accept,
    Report,
    Pass,
    SendBack,
}

impl TaskStep {
    pub const ALL: [TaskStep; 4] = [
        TaskStep::Accept,
        TaskStep::Report,
        TaskStep::Pass,
        TaskStep::SendBack,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TaskStep::Accept => "accept",
            TaskStep::Report => "report",
            TaskStep::Pass => "pass",
            TaskStep::SendBack => "send_back",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == raw.trim())
            .ok_or_else(|| FieldError::new("step", "must be accept, report, pass or send_back"))
    }

    /// The state a task must be in for this step, and the state it leaves it in.
    fn transition(self) -> (TaskState, TaskState) {
        match self {
            TaskStep::Accept => (TaskState::Dispatched, TaskState::Accepted),
            TaskStep::Report => (TaskState::Accepted, TaskState::Reported),
            TaskStep::Pass => (TaskState::Reported, TaskState::Passed),
            TaskStep::SendBack => (TaskState::Reported, TaskState::Accepted),
        }
    }
}

crate::stored_as_text!(TaskStep);

/// What the rules need to know about a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskFacts {
    pub state: TaskState,
    /// The unit (village or community) the task was dispatched to.
    pub unit: UnitId,
    pub due_at: DateTime<Utc>,
}

/// Who takes a step: their unit and roles.
#[derive(Debug, Clone, Copy)]
pub struct TaskActor<'a> {
    pub unit: UnitId,
    pub roles: &'a [Role],
}

/// RID-11: the state after `step`, or why `actor` may not take it. A grid worker of the task's
/// own unit accepts and reports; an e-bike officer evaluates (their unit scope, ORG-02, is
/// the service's check).
pub fn take_step(
    task: &TaskFacts,
    step: TaskStep,
    actor: &TaskActor<'_>,
) -> Result<TaskState, RuleViolation> {
    match step {
        TaskStep::Accept | TaskStep::Report => {
            if !(actor.roles.contains(&Role::GridWorker) && actor.unit == task.unit) {
                return Err(RuleViolation::new(
                    "RID-11",
                    Code::RiderTaskNotGridWorker,
                    "only a grid worker of the task's village or community may take it and report its result",
                ));
            }
        }
        TaskStep::Pass | TaskStep::SendBack => {
            if !actor.roles.contains(&Role::EbikeOfficer) {
                return Err(RuleViolation::new(
                    "RID-11",
                    Code::RiderTaskNotOfficer,
                    "only an e-bike officer evaluates a task's result",
                ));
            }
        }
    }
    let (from, to) = step.transition();
    if task.state != from {
        return Err(RuleViolation::new(
            "RID-11",
            Code::RiderTaskOutOfOrder,
            format!(
                "a task that is {} cannot take the step {}",
                task.state.as_str(),
                step.as_str()
            ),
        ));
    }
    Ok(to)
}

/// RID-10 c, RID-11: past its due date and not yet passed.
pub fn is_overdue(state: TaskState, due_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    state.is_open() && now > due_at
}

/// The due date of a task dispatched at `dispatched_at` with `days` to finish *(config)*.
pub fn due_at(dispatched_at: DateTime<Utc>, days: u32) -> DateTime<Utc> {
    dispatched_at + Duration::days(i64::from(days))
}

/// A grid worker's result: what was done, with up to [`MAX_RESULT_PHOTOS`] photos (blob ids).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskResult {
    pub text: String,
    pub photos: Photos,
}

impl TaskResult {
    pub fn parse(text: &str, photos: Vec<String>) -> Result<Self, FieldError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(FieldError::new("result", "say what was done (RID-11)"));
        }
        if text.chars().count() > MAX_RESULT_CHARS {
            return Err(FieldError::new("result", "is longer than 2000 characters"));
        }
        if photos.len() > MAX_RESULT_PHOTOS {
            return Err(FieldError::new("photos", "at most 9 photos"));
        }
        if photos
            .iter()
            .any(|p| p.trim().is_empty() || p.len() > MAX_PHOTO_ID_CHARS)
        {
            return Err(FieldError::new("photos", "is not a stored photo"));
        }
        Ok(Self {
            text: text.to_owned(),
            photos: Photos(photos),
        })
    }
}

/// RID-11: a result is sent back with the reason the grid worker is told.
pub fn send_back_reason(raw: &str) -> Result<String, RuleViolation> {
    let reason = raw.trim();
    if reason.is_empty() || reason.chars().count() > MAX_REASON_CHARS {
        return Err(RuleViolation::new(
            "RID-11",
            Code::RiderTaskReasonRequired,
            "say in at most 500 characters why the result is sent back",
        ));
    }
    Ok(reason.to_owned())
}

#[cfg(test)]
#[path = "task_tests.rs"]
mod tests;
