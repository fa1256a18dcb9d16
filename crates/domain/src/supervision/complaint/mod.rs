//! AUD-09: complaints from phone, web and media, checked, tracked and answered in time.
//!
//! ```text
//! registered ─start check─▶ checking ─answer (upheld / not upheld)─▶ answered ─close─▶ closed
//! ```
//! A complaint is against a device, a record or a unit and is handled by a unit that covers
//! it (ORG-02). It is due within `answer_days` calendar days of registration (TIME-01: a
//! deadline falling on a closed day moves to the next working day) and overdue while
//! unanswered after that. Complaints against a device count in its monthly analysis
//! (`DayFigures::complaints`, on the local day of registration).

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::checklist::{Actor, Note};
use crate::calendar::{calendar_day_deadline, Calendar, Deadline};
use crate::codes::Code;
use crate::org::UnitPath;
use crate::{DeviceId, FieldError, RuleViolation, UnitId, UserId};

/// How the complaint reached us (AUD-09).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Phone,
    Web,
    Media,
}

impl Channel {
    pub const ALL: [Channel; 3] = [Channel::Phone, Channel::Web, Channel::Media];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Phone => "phone",
            Channel::Web => "web",
            Channel::Media => "media",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|c| c.as_str() == raw.trim())
            .ok_or_else(|| FieldError::new("channel", "must be phone, web or media"))
    }
}

crate::stored_as_text!(Channel);

/// What a complaint is about, kept as a kind and an id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    Device,
    /// A capture or violation record.
    Record,
    Unit,
}

impl TargetKind {
    pub const ALL: [TargetKind; 3] = [TargetKind::Device, TargetKind::Record, TargetKind::Unit];

    pub fn as_str(self) -> &'static str {
        match self {
            TargetKind::Device => "device",
            TargetKind::Record => "record",
            TargetKind::Unit => "unit",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == raw.trim())
            .ok_or_else(|| FieldError::new("target_kind", "must be device, record or unit"))
    }
}

crate::stored_as_text!(TargetKind);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Target {
    Device(DeviceId),
    /// The id of the capture the record was made from.
    Record(i64),
    Unit(UnitId),
}

impl Target {
    /// From the two columns the store keeps; ids are positive.
    pub fn from_parts(kind: TargetKind, id: i64) -> Result<Self, FieldError> {
        if id <= 0 {
            return Err(FieldError::new(
                "target_id",
                "must be a positive whole number",
            ));
        }
        Ok(match kind {
            TargetKind::Device => Target::Device(DeviceId(id)),
            TargetKind::Record => Target::Record(id),
            TargetKind::Unit => Target::Unit(UnitId(id)),
        })
    }

    pub fn kind(self) -> TargetKind {
        match self {
            Target::Device(_) => TargetKind::Device,
            Target::Record(_) => TargetKind::Record,
            Target::Unit(_) => TargetKind::Unit,
        }
    }

    pub fn id(self) -> i64 {
        match self {
            Target::Device(DeviceId(id)) | Target::Record(id) | Target::Unit(UnitId(id)) => id,
        }
    }

    /// The device whose analysis this complaint counts in; a record's device is resolved by
    /// the caller from the record.
    pub fn device(self) -> Option<DeviceId> {
        match self {
            Target::Device(id) => Some(id),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComplaintState {
    Registered,
    Checking,
    Answered,
    Closed,
}

impl ComplaintState {
    pub const ALL: [ComplaintState; 4] = [
        ComplaintState::Registered,
        ComplaintState::Checking,
        ComplaintState::Answered,
        ComplaintState::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ComplaintState::Registered => "registered",
            ComplaintState::Checking => "checking",
            ComplaintState::Answered => "answered",
            ComplaintState::Closed => "closed",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == raw.trim())
            .ok_or_else(|| FieldError::new("state", "is not a complaint state"))
    }

    /// Still waiting for its answer.
    pub fn is_unanswered(self) -> bool {
        matches!(self, ComplaintState::Registered | ComplaintState::Checking)
    }
}

crate::stored_as_text!(ComplaintState);

/// What the check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Upheld,
    NotUpheld,
}

impl Outcome {
    pub const ALL: [Outcome; 2] = [Outcome::Upheld, Outcome::NotUpheld];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Upheld => "upheld",
            Outcome::NotUpheld => "not_upheld",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|o| o.as_str() == raw.trim())
            .ok_or_else(|| FieldError::new("outcome", "must be upheld or not_upheld"))
    }
}

crate::stored_as_text!(Outcome);

/// AUD-09 *(config)*. **Interpretation**: the source says "checked, tracked and answered"
/// without a number; 15 calendar days is our default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ComplaintConfig {
    pub answer_days: u32,
}

impl Default for ComplaintConfig {
    fn default() -> Self {
        Self { answer_days: 15 }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Complaint {
    pub state: ComplaintState,
    pub channel: Channel,
    pub target: Target,
    /// The unit that checks and answers it.
    pub handling_unit: UnitPath,
    pub registered_at: DateTime<Utc>,
    pub registered_by: UserId,
    pub due: Deadline,
    pub outcome: Option<Outcome>,
}

impl Complaint {
    /// AUD-09: overdue while unanswered past its due date.
    pub fn is_overdue(&self, now: DateTime<Utc>) -> bool {
        self.state.is_unanswered() && self.due.is_overdue(now)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComplaintStep {
    Register,
    StartCheck,
    Answer,
    Close,
}

impl ComplaintStep {
    pub const ALL: [ComplaintStep; 4] = [
        ComplaintStep::Register,
        ComplaintStep::StartCheck,
        ComplaintStep::Answer,
        ComplaintStep::Close,
    ];

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == raw.trim())
            .ok_or_else(|| FieldError::new("step", "is not a complaint step"))
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ComplaintStep::Register => "register",
            ComplaintStep::StartCheck => "start_check",
            ComplaintStep::Answer => "answer",
            ComplaintStep::Close => "close",
        }
    }
}

crate::stored_as_text!(ComplaintStep);

/// One step as the complaint's history keeps it: who, when, what was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ComplaintRecord {
    pub step: ComplaintStep,
    pub by: UserId,
    pub unit: UnitPath,
    pub at: DateTime<Utc>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ComplaintAction {
    StartCheck,
    /// The answer given to the complainant, with what the check found.
    Answer {
        outcome: Outcome,
        reply: Note,
    },
    Close,
}

/// AUD-09: registers a complaint, due `answer_days` calendar days on. The person registering
/// acts for the handling unit or a unit above it.
#[allow(clippy::too_many_arguments)]
pub fn register(
    channel: Channel,
    target: Target,
    handling_unit: UnitPath,
    summary: Note,
    by: &Actor,
    now: DateTime<Utc>,
    calendar: &Calendar,
    tz: Tz,
    cfg: &ComplaintConfig,
) -> Result<(Complaint, ComplaintRecord), RuleViolation> {
    check_scope(&handling_unit, by)?;
    let complaint = Complaint {
        state: ComplaintState::Registered,
        channel,
        target,
        handling_unit,
        registered_at: now,
        registered_by: by.user,
        due: calendar_day_deadline(now, cfg.answer_days, calendar, tz),
        outcome: None,
    };
    Ok((
        complaint,
        record(
            ComplaintStep::Register,
            by,
            now,
            Some(summary.into_string()),
        ),
    ))
}

/// AUD-09: the next step of a complaint.
pub fn apply(
    c: &Complaint,
    action: ComplaintAction,
    by: &Actor,
    now: DateTime<Utc>,
) -> Result<(Complaint, ComplaintRecord), RuleViolation> {
    use ComplaintState as S;
    check_scope(&c.handling_unit, by)?;
    let mut next = c.clone();
    let (step, note) = match (c.state, action) {
        (S::Registered, ComplaintAction::StartCheck) => {
            next.state = S::Checking;
            (ComplaintStep::StartCheck, None)
        }
        (S::Checking, ComplaintAction::Answer { outcome, reply }) => {
            next.state = S::Answered;
            next.outcome = Some(outcome);
            (ComplaintStep::Answer, Some(reply.into_string()))
        }
        (S::Answered, ComplaintAction::Close) => {
            next.state = S::Closed;
            (ComplaintStep::Close, None)
        }
        (state, action) => {
            return Err(RuleViolation::new(
                "AUD-09",
                Code::ComplaintStepOutOfOrder,
                format!(
                    "'{}' is not possible for a complaint in state '{}'",
                    action_name(&action),
                    state.as_str()
                ),
            ))
        }
    };
    Ok((next, record(step, by, now, note)))
}

fn action_name(a: &ComplaintAction) -> &'static str {
    match a {
        ComplaintAction::StartCheck => ComplaintStep::StartCheck.as_str(),
        ComplaintAction::Answer { .. } => ComplaintStep::Answer.as_str(),
        ComplaintAction::Close => ComplaintStep::Close.as_str(),
    }
}

fn record(
    step: ComplaintStep,
    by: &Actor,
    at: DateTime<Utc>,
    note: Option<String>,
) -> ComplaintRecord {
    ComplaintRecord {
        step,
        by: by.user,
        unit: by.unit.clone(),
        at,
        note,
    }
}

/// ORG-02: the handling unit or a unit above it.
fn check_scope(handling_unit: &UnitPath, by: &Actor) -> Result<(), RuleViolation> {
    if by.unit.covers(handling_unit) {
        Ok(())
    } else {
        Err(RuleViolation::new(
            "AUD-09",
            Code::ComplaintOutOfScope,
            "this complaint is handled outside your unit",
        ))
    }
}

#[cfg(test)]
mod tests;
