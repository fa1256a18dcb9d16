//! The device lifecycle as a state machine (DEV-02..07, DEV-13, SUP-04..06), and the gate every
//! capture passes: only a device in formal use produces captures that may become fines.
//!
//! ```text
//! draft ─file─▶ under_review ─all three approve─▶ public_notice ─5 days─▶ trial ─≥15 days─▶ in_use
//!   ▲              │ return                        (fixed enforcing)     (enforcing)       │ 3 months
//!   └── returned ◀─┘                                                                      ▼
//! in_use ◀─kept── evaluation_due ─stopped─▶ stopped ─file (re-enable)─▶ under_review
//! trial/in_use/evaluation_due ─suspend─▶ suspended ─rectified─▶ (where it was)
//! trial/in_use/evaluation_due/suspended ─circuit break (upper unit)─▶ circuit_broken ─file─▶ under_review
//! any ─retire─▶ retired
//! ```

use crate::codes::Code;
use chrono::{DateTime, Days, Months, NaiveTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::DeviceKind;
use crate::calendar::start_of_local_day;
use crate::org::UnitPath;
use crate::{FieldError, RuleViolation};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceState {
    Draft,
    UnderReview,
    Returned,
    PublicNotice,
    Trial,
    InUse,
    EvaluationDue,
    Suspended,
    CircuitBroken,
    Stopped,
    Retired,
}

impl DeviceState {
    pub const ALL: [DeviceState; 11] = [
        DeviceState::Draft,
        DeviceState::UnderReview,
        DeviceState::Returned,
        DeviceState::PublicNotice,
        DeviceState::Trial,
        DeviceState::InUse,
        DeviceState::EvaluationDue,
        DeviceState::Suspended,
        DeviceState::CircuitBroken,
        DeviceState::Stopped,
        DeviceState::Retired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DeviceState::Draft => "draft",
            DeviceState::UnderReview => "under_review",
            DeviceState::Returned => "returned",
            DeviceState::PublicNotice => "public_notice",
            DeviceState::Trial => "trial",
            DeviceState::InUse => "in_use",
            DeviceState::EvaluationDue => "evaluation_due",
            DeviceState::Suspended => "suspended",
            DeviceState::CircuitBroken => "circuit_broken",
            DeviceState::Stopped => "stopped",
            DeviceState::Retired => "retired",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == raw.trim())
            .ok_or_else(|| FieldError::new("state", "is not a device state"))
    }

    /// Published on the public list of fixed devices (DEV-04): from the notice on, while the
    /// device may capture.
    pub fn is_published(self) -> bool {
        matches!(
            self,
            DeviceState::PublicNotice
                | DeviceState::Trial
                | DeviceState::InUse
                | DeviceState::EvaluationDue
        )
    }

    /// Location and description may be edited only before an assessment is under review.
    pub fn is_editable(self) -> bool {
        matches!(self, DeviceState::Draft | DeviceState::Returned)
    }
}

/// What a capture from the device may become (DEV-05, CAP-03, CAP-04). Ordered from least to
/// most permissive, so the stricter of two answers is the minimum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CaptureUse {
    /// Not entered for enforcement at all: not in service, suspended, circuit-broken.
    Refuse,
    /// Publicity, education, reminders and warnings only; never a fine (DEV-05).
    WarnOnly,
    /// May become a violation record and a penalty after review.
    Enforce,
}

impl CaptureUse {
    pub const ALL: [CaptureUse; 3] = [
        CaptureUse::Refuse,
        CaptureUse::WarnOnly,
        CaptureUse::Enforce,
    ];

    /// The word a capture row keeps in `usage` and the API shows.
    pub fn as_str(self) -> &'static str {
        match self {
            CaptureUse::Refuse => "refuse",
            CaptureUse::WarnOnly => "warn_only",
            CaptureUse::Enforce => "enforce",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|u| u.as_str() == raw.trim())
            .ok_or_else(|| FieldError::new("usage", "must be enforce, warn_only or refuse"))
    }
}

crate::stored_as_text!(CaptureUse, DeviceState, AssessmentPurpose);

/// The capture gate for a device in `state`.
pub fn capture_use(state: DeviceState) -> CaptureUse {
    match state {
        DeviceState::InUse | DeviceState::EvaluationDue => CaptureUse::Enforce,
        DeviceState::Trial => CaptureUse::WarnOnly,
        _ => CaptureUse::Refuse,
    }
}

/// The gate for a device of `kind`: a kind that enforces nothing (counting, surveillance,
/// recorders, terminals) never produces a capture that becomes a fine.
pub fn capture_use_for(kind: DeviceKind, state: DeviceState) -> CaptureUse {
    if kind.enforces() {
        capture_use(state)
    } else {
        CaptureUse::Refuse
    }
}

/// The state a device was in at `t`, from its history of `(since, state)` in time order.
pub fn state_at(history: &[(DateTime<Utc>, DeviceState)], t: DateTime<Utc>) -> Option<DeviceState> {
    history
        .iter()
        .take_while(|(since, _)| *since <= t)
        .last()
        .map(|(_, s)| *s)
}

/// The gate for one capture: the stricter of the device's state when the capture says it was
/// taken and when it reached us, so neither a slow upload nor a wrong device clock can turn a
/// trial capture into a fine.
pub fn capture_use_at(
    history: &[(DateTime<Utc>, DeviceState)],
    captured_at: DateTime<Utc>,
    received_at: DateTime<Utc>,
) -> CaptureUse {
    let at = |t| state_at(history, t).map_or(CaptureUse::Refuse, capture_use);
    at(captured_at).min(at(received_at))
}

/// SUP-04: why a device is suspended (SUP-05 is `CalibrationInvalid`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SuspensionReason {
    ImageBelowStandard,
    SignalsNonStandard,
    CalibrationInvalid,
    NotRegistered,
    EvidenceIncomplete,
    LowAccuracy,
    PreconditionsChanged,
    /// DEV-04, DEV-05: taken over from a ledger as in use without the dates that prove its
    /// public notice and full trial; it waits for review and goes through them again.
    FormalUseNotProven,
    Other,
}

impl SuspensionReason {
    pub const ALL: [SuspensionReason; 9] = [
        SuspensionReason::ImageBelowStandard,
        SuspensionReason::SignalsNonStandard,
        SuspensionReason::CalibrationInvalid,
        SuspensionReason::NotRegistered,
        SuspensionReason::EvidenceIncomplete,
        SuspensionReason::LowAccuracy,
        SuspensionReason::PreconditionsChanged,
        SuspensionReason::FormalUseNotProven,
        SuspensionReason::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SuspensionReason::ImageBelowStandard => "image_below_standard",
            SuspensionReason::SignalsNonStandard => "signals_non_standard",
            SuspensionReason::CalibrationInvalid => "calibration_invalid",
            SuspensionReason::NotRegistered => "not_registered",
            SuspensionReason::EvidenceIncomplete => "evidence_incomplete",
            SuspensionReason::LowAccuracy => "low_accuracy",
            SuspensionReason::PreconditionsChanged => "preconditions_changed",
            SuspensionReason::FormalUseNotProven => "formal_use_not_proven",
            SuspensionReason::Other => "other",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == raw.trim())
            .ok_or_else(|| FieldError::new("reason_code", "is not one of the SUP-04 reasons"))
    }
}

/// Why an assessment is filed (DEV-02).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssessmentPurpose {
    Add,
    Move,
    ReEnable,
}

impl AssessmentPurpose {
    pub const ALL: [AssessmentPurpose; 3] = [Self::Add, Self::Move, Self::ReEnable];

    pub fn as_str(self) -> &'static str {
        match self {
            AssessmentPurpose::Add => "add",
            AssessmentPurpose::Move => "move",
            AssessmentPurpose::ReEnable => "re_enable",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        match raw.trim() {
            "add" => Ok(Self::Add),
            "move" => Ok(Self::Move),
            "re_enable" => Ok(Self::ReEnable),
            _ => Err(FieldError::new("purpose", "must be add, move or re_enable")),
        }
    }
}

/// One step a person or a job asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Step {
    /// DEV-02: an assessment is filed (adding, moving or re-enabling).
    FileAssessment,
    /// DEV-03: the technology, legal and public-opinion reviews have all approved.
    ReviewsApproved,
    /// DEV-03: a reviewing department returned the assessment with a reason.
    ReviewReturned,
    /// DEV-04: the public notice period has run (moved by a job).
    NoticeEnded,
    /// DEV-05: formal use after the trial.
    StartFormalUse,
    /// DEV-06: the effectiveness evaluation falls due (moved by a job).
    EvaluationFallsDue,
    /// DEV-06: the evaluation decided.
    Evaluate {
        keep: bool,
    },
    /// SUP-04 / SUP-05.
    Suspend {
        reason: SuspensionReason,
    },
    /// SUP-04: rectification accepted.
    Resume,
    /// SUP-06 / ORG-03: applied by an upper unit.
    CircuitBreak,
    /// Taken out of use by its managing unit (停用).
    Stop,
    Retire,
}

impl Step {
    pub fn name(self) -> &'static str {
        match self {
            Step::FileAssessment => "file_assessment",
            Step::ReviewsApproved => "reviews_approved",
            Step::ReviewReturned => "review_returned",
            Step::NoticeEnded => "notice_ended",
            Step::StartFormalUse => "start_formal_use",
            Step::EvaluationFallsDue => "evaluation_falls_due",
            Step::Evaluate { keep: true } => "evaluation_kept",
            Step::Evaluate { keep: false } => "evaluation_stopped",
            Step::Suspend { .. } => "suspend",
            Step::Resume => "resume",
            Step::CircuitBreak => "circuit_break",
            Step::Stop => "stop",
            Step::Retire => "retire",
        }
    }
}

/// The periods of DEV-04..06 *(config)*.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Periods {
    pub notice_days: u32,
    pub trial_days: u32,
    pub evaluation_months: u32,
}

impl Default for Periods {
    fn default() -> Self {
        Self {
            notice_days: 5,
            trial_days: 15,
            evaluation_months: 3,
        }
    }
}

/// What the machine needs to know about a device to decide a step.
#[derive(Debug, Clone)]
pub struct Facts {
    pub kind: DeviceKind,
    pub state: DeviceState,
    /// When the device entered `state` (a trial suspended for a while is extended by that time).
    pub state_since: DateTime<Utc>,
    /// Where a suspended device returns when rectification is accepted.
    pub resume_to: Option<DeviceState>,
    pub suspension_reason: Option<SuspensionReason>,
    /// The purpose of the assessment round in progress or last returned.
    pub round_purpose: Option<AssessmentPurpose>,
    pub notice_ends_at: Option<DateTime<Utc>>,
    pub trial_min_end_at: Option<DateTime<Utc>>,
    pub evaluation_due_at: Option<DateTime<Utc>>,
    /// DEV-07: registered with the integrated command platform.
    pub registered: bool,
    /// DEV-13: a measuring device (needs a valid calibration certificate).
    pub measuring: bool,
    /// DEV-13: a certificate valid now.
    pub calibration_valid: bool,
    pub tz: Tz,
}

/// The outcome of an allowed step: the new state and the dates it sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub from: DeviceState,
    pub to: DeviceState,
    pub resume_to: Option<DeviceState>,
    pub suspension_reason: Option<SuspensionReason>,
    pub purpose: Option<AssessmentPurpose>,
    pub notice_ends_at: Option<DateTime<Utc>>,
    pub trial_min_end_at: Option<DateTime<Utc>>,
    pub evaluation_due_at: Option<DateTime<Utc>>,
    /// Set when the step starts formal use.
    pub in_use_since: Option<DateTime<Utc>>,
}

/// Decides `step` for a device described by `facts` at `now`: the new state, or the rule the
/// step would break.
pub fn apply(
    facts: &Facts,
    step: Step,
    now: DateTime<Utc>,
    periods: &Periods,
) -> Result<Transition, RuleViolation> {
    use DeviceState as S;
    let from = facts.state;
    let mut t = Transition {
        from,
        to: from,
        resume_to: facts.resume_to,
        suspension_reason: facts.suspension_reason,
        purpose: facts.round_purpose,
        notice_ends_at: facts.notice_ends_at,
        trial_min_end_at: facts.trial_min_end_at,
        evaluation_due_at: facts.evaluation_due_at,
        in_use_since: None,
    };
    match (from, step) {
        (S::Retired, _) => return Err(out_of_order(from, step, "a retired device takes no further step")),
        (_, Step::Retire) => {
            t.to = S::Retired;
            t.resume_to = None;
            t.suspension_reason = None;
        }
        (S::Draft, Step::FileAssessment) => {
            t.to = S::UnderReview;
            t.purpose = Some(AssessmentPurpose::Add);
        }
        (S::Returned, Step::FileAssessment) => {
            t.to = S::UnderReview;
            t.purpose = Some(facts.round_purpose.unwrap_or(AssessmentPurpose::Add));
        }
        (S::InUse | S::EvaluationDue | S::Suspended, Step::FileAssessment) => {
            t.to = S::UnderReview;
            t.purpose = Some(AssessmentPurpose::Move);
            t.resume_to = None;
            t.suspension_reason = None;
            t.evaluation_due_at = None;
        }
        (S::CircuitBroken | S::Stopped, Step::FileAssessment) => {
            // SUP-06: after a circuit break the device goes through DEV-02..05 again.
            t.to = S::UnderReview;
            t.purpose = Some(AssessmentPurpose::ReEnable);
        }
        (S::UnderReview, Step::ReviewReturned) => t.to = S::Returned,
        (S::UnderReview, Step::ReviewsApproved) => {
            if facts.kind.needs_public_notice() {
                t.to = S::PublicNotice;
                t.notice_ends_at = Some(after_days(now, periods.notice_days, facts.tz));
            } else if facts.kind.enforces() {
                t.to = S::Trial;
                t.trial_min_end_at = Some(after_days(now, periods.trial_days, facts.tz));
            } else {
                t.to = S::InUse;
                t.in_use_since = Some(now);
            }
        }
        (S::PublicNotice, Step::NoticeEnded) => {
            let ends = facts.notice_ends_at.unwrap_or(now);
            if now < ends {
                return Err(RuleViolation::new(
                    "DEV-04",
                    Code::DeviceNoticeRunning,
                    format!("the public notice runs until {}", local(ends, facts.tz)),
                ));
            }
            t.to = S::Trial;
            // The trial counts from the notice's end when the job moves it within the day (it
            // runs every few minutes); a job that was down for longer starts the trial late.
            let start = if now - ends < chrono::Duration::days(1) { ends } else { now };
            t.trial_min_end_at = Some(after_days(start, periods.trial_days, facts.tz));
        }
        (S::Trial, Step::StartFormalUse) => {
            // DEV-05: a trial with no recorded end proves nothing; it never counts as served.
            let min_end = facts.trial_min_end_at.ok_or_else(trial_not_proven)?;
            if now < min_end {
                return Err(RuleViolation::new(
                    "DEV-05",
                    Code::DeviceTrialTooShort,
                    format!(
                        "the trial lasts at least {} days, until {}; its captures only warn until then",
                        periods.trial_days,
                        local(min_end, facts.tz)
                    ),
                ));
            }
            if facts.kind.is_fixed() && !facts.registered {
                return Err(RuleViolation::new(
                    "DEV-07",
                    Code::DeviceNotRegistered,
                    "a fixed device is registered with the integrated command platform before formal use",
                ));
            }
            if facts.measuring && !facts.calibration_valid {
                return Err(calibration_missing());
            }
            t.to = S::InUse;
            t.in_use_since = Some(now);
            t.evaluation_due_at = Some(after_months(now, periods.evaluation_months, facts.tz));
        }
        (S::InUse, Step::EvaluationFallsDue) => {
            match facts.evaluation_due_at {
                Some(due) if now >= due => t.to = S::EvaluationDue,
                Some(due) => {
                    return Err(RuleViolation::new(
                        "DEV-06",
                        Code::DeviceEvaluationNotDue,
                        format!("the effectiveness evaluation falls due on {}", local(due, facts.tz)),
                    ))
                }
                None => return Err(out_of_order(from, step, "this device has no evaluation pending")),
            }
        }
        (S::EvaluationDue, Step::Evaluate { keep }) => {
            t.evaluation_due_at = None;
            t.to = if keep { S::InUse } else { S::Stopped };
        }
        (S::Trial | S::InUse | S::EvaluationDue, Step::Suspend { reason }) => {
            t.to = S::Suspended;
            t.resume_to = Some(from);
            t.suspension_reason = Some(reason);
        }
        (S::Suspended, Step::Resume) => {
            let back = facts.resume_to.unwrap_or(S::InUse);
            // Whatever the suspension was for, a device goes back to capturing only if it
            // still meets what formal use or the trial required.
            if facts.measuring && !facts.calibration_valid {
                return Err(RuleViolation::new(
                    if facts.suspension_reason == Some(SuspensionReason::CalibrationInvalid) { "SUP-05" } else { "DEV-13" },
                    Code::DeviceCalibrationStillInvalid,
                    "record a valid calibration certificate before the device resumes",
                ));
            }
            if facts.kind.is_fixed() && matches!(back, S::InUse | S::EvaluationDue) && !facts.registered {
                return Err(RuleViolation::new(
                    if facts.suspension_reason == Some(SuspensionReason::NotRegistered) { "SUP-04" } else { "DEV-07" },
                    Code::DeviceStillNotRegistered,
                    "register the device with the command platform before it resumes",
                ));
            }
            if back == S::Trial {
                // Days spent suspended do not count towards the trial (DEV-05).
                t.trial_min_end_at = facts.trial_min_end_at.map(|end| end + (now - facts.state_since).max(chrono::Duration::zero()));
            }
            if back == S::PublicNotice {
                // Nor towards the public notice (DEV-04): a device taken over without proof of
                // its notice serves the whole notice after review.
                t.notice_ends_at = facts.notice_ends_at.map(|end| end + (now - facts.state_since).max(chrono::Duration::zero()));
            }
            t.to = back;
            t.resume_to = None;
            t.suspension_reason = None;
        }
        (S::Trial | S::InUse | S::EvaluationDue | S::Suspended, Step::CircuitBreak) => {
            t.to = S::CircuitBroken;
            t.resume_to = None;
            t.suspension_reason = None;
            t.evaluation_due_at = None;
        }
        (S::Trial | S::InUse | S::EvaluationDue | S::Suspended, Step::Stop) => {
            t.to = S::Stopped;
            t.resume_to = None;
            t.suspension_reason = None;
            t.evaluation_due_at = None;
        }
        (S::CircuitBroken, Step::Resume) => {
            return Err(RuleViolation::new(
                "SUP-06",
                Code::DeviceCircuitBroken,
                "a circuit-broken device is re-enabled only through a new assessment, review, notice and trial",
            ))
        }
        _ => return Err(out_of_order(from, step, "")),
    }
    Ok(t)
}

fn trial_not_proven() -> RuleViolation {
    RuleViolation::new(
        "DEV-05",
        Code::DeviceTrialNotProven,
        "no trial of this device is on record; formal use follows a full trial",
    )
}

fn calibration_missing() -> RuleViolation {
    RuleViolation::new(
        "DEV-13",
        Code::DeviceCalibrationInvalid,
        "a measuring device needs a valid calibration certificate",
    )
}

fn out_of_order(from: DeviceState, step: Step, why: &str) -> RuleViolation {
    let rule = match step {
        Step::FileAssessment => "DEV-02",
        Step::ReviewsApproved | Step::ReviewReturned => "DEV-03",
        Step::NoticeEnded => "DEV-04",
        Step::StartFormalUse => "DEV-05",
        Step::EvaluationFallsDue | Step::Evaluate { .. } => "DEV-06",
        Step::Suspend { .. } | Step::Resume => "SUP-04",
        Step::CircuitBreak => "SUP-06",
        Step::Stop | Step::Retire => "DEV-12",
    };
    let mut message = format!(
        "'{}' is not possible for a device in state '{}'",
        step.name(),
        from.as_str()
    );
    if !why.is_empty() {
        message = format!("{message}: {why}");
    }
    RuleViolation::new(rule, Code::DeviceTransitionOutOfOrder, message)
}

mod entry;
mod oversight;
mod periods;
pub use entry::{
    check_formal_use_history, check_notice_before_trial, hold_for_review, EntryHistory, ReviewHold,
};
pub use oversight::{check_oversight, Oversight};
use periods::local;
pub use periods::{after_days, after_months};

#[cfg(test)]
mod tests;
