//! REV-00..06: review of a capture by the police of the place, by someone who did not collect it.

use crate::codes::Code;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::calendar::{working_day_deadline, Calendar, Deadline};
use crate::device::CaptureUse;
use crate::org::UnitPath;
use crate::{FieldError, RuleViolation, UserId};

/// Where a capture stands. Approved captures become violations (or warnings, CAP-03).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaptureState {
    /// CAP-04 / CAP-01 / DEV-13: kept as a record of what the device did, never reviewed.
    NotEntered,
    Pending,
    /// Approved once and drawn for a second look (the configurable share).
    SecondReview,
    Approved,
    Rejected,
}

impl CaptureState {
    pub const ALL: [CaptureState; 5] = [
        CaptureState::NotEntered,
        CaptureState::Pending,
        CaptureState::SecondReview,
        CaptureState::Approved,
        CaptureState::Rejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CaptureState::NotEntered => "not_entered",
            CaptureState::Pending => "pending",
            CaptureState::SecondReview => "second_review",
            CaptureState::Approved => "approved",
            CaptureState::Rejected => "rejected",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == raw)
            .ok_or_else(|| FieldError::new("state", "is not a capture state"))
    }

    pub fn awaits_review(self) -> bool {
        matches!(self, CaptureState::Pending | CaptureState::SecondReview)
    }
}

crate::stored_as_text!(CaptureState);

/// REV-03: the coded reasons a reviewer rejects a capture for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectReason {
    /// (1) a condition of OP art. 31(3) holds.
    ProcedureCondition,
    /// (2) road works, an accident, another party or a hidden signal prevented normal passage.
    PassagePrevented,
    /// (3) the vehicle cannot be identified.
    VehicleUnidentifiable,
    /// (4) the vehicle was permitted to pass or stop and was captured in error.
    PermittedVehicle,
    /// (5) any other failure of evidence rules, or a case unsuited to non-site enforcement.
    EvidenceInsufficient,
}

impl RejectReason {
    pub const ALL: [RejectReason; 5] = [
        RejectReason::ProcedureCondition,
        RejectReason::PassagePrevented,
        RejectReason::VehicleUnidentifiable,
        RejectReason::PermittedVehicle,
        RejectReason::EvidenceInsufficient,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RejectReason::ProcedureCondition => "procedure_condition",
            RejectReason::PassagePrevented => "passage_prevented",
            RejectReason::VehicleUnidentifiable => "vehicle_unidentifiable",
            RejectReason::PermittedVehicle => "permitted_vehicle",
            RejectReason::EvidenceInsufficient => "evidence_insufficient",
        }
    }

    /// The item of REV-03 (1..5), shown next to the reason.
    pub fn item(self) -> u8 {
        self as u8 + 1
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == raw.trim())
            .ok_or_else(|| FieldError::new("reason", "is not a REV-03 rejection reason"))
    }
}

/// REV-04: why a record already entered is eliminated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EliminationReason {
    EmergencyOnDuty,
    StolenOrCloned,
    RescueOrDanger,
    HandledOnSpot,
    ConflictingSignals,
    ElementsUnclear,
    PlateMismatch,
    Other,
}

impl EliminationReason {
    pub const ALL: [EliminationReason; 8] = [
        EliminationReason::EmergencyOnDuty,
        EliminationReason::StolenOrCloned,
        EliminationReason::RescueOrDanger,
        EliminationReason::HandledOnSpot,
        EliminationReason::ConflictingSignals,
        EliminationReason::ElementsUnclear,
        EliminationReason::PlateMismatch,
        EliminationReason::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EliminationReason::EmergencyOnDuty => "emergency_on_duty",
            EliminationReason::StolenOrCloned => "stolen_or_cloned",
            EliminationReason::RescueOrDanger => "rescue_or_danger",
            EliminationReason::HandledOnSpot => "handled_on_spot",
            EliminationReason::ConflictingSignals => "conflicting_signals",
            EliminationReason::ElementsUnclear => "elements_unclear",
            EliminationReason::PlateMismatch => "plate_mismatch",
            EliminationReason::Other => "other",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == raw.trim())
            .ok_or_else(|| FieldError::new("reason", "is not a REV-04 elimination reason"))
    }
}

/// REV-04: elimination within 3 working days of verification.
pub const ELIMINATION_WORKING_DAYS: u32 = 3;

/// REV-04: once a reason for elimination is verified, the record is eliminated by the end of
/// the third working day after (TIME-01).
pub fn elimination_deadline(
    verified_at: chrono::DateTime<chrono::Utc>,
    calendar: &crate::calendar::Calendar,
    tz: chrono_tz::Tz,
) -> crate::calendar::Deadline {
    crate::calendar::working_day_deadline(verified_at, ELIMINATION_WORKING_DAYS, calendar, tz)
}

/// A reviewer's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Reject(RejectReason),
}

/// Who is reviewing, as the service knows them.
#[derive(Debug, Clone)]
pub struct Reviewer<'a> {
    pub user: UserId,
    pub is_police: bool,
    pub holds_review_role: bool,
    /// The units where the reviewer holds the role.
    pub scopes: &'a [UnitPath],
}

/// The capture, as the review rule needs it.
#[derive(Debug, Clone)]
pub struct UnderReview<'a> {
    pub state: CaptureState,
    /// The police unit of the place of the violation (REV-00).
    pub place_unit: &'a UnitPath,
    /// Who collected it: the officer of a handheld/mobile/recorder upload, none for a camera.
    pub collected_by: Option<UserId>,
    /// Who approved it first (a second review must be someone else).
    pub first_reviewer: Option<UserId>,
}

/// REV-00 and REV-02: may this person review this capture?
pub fn check_reviewer(r: &Reviewer<'_>, c: &UnderReview<'_>) -> Result<(), RuleViolation> {
    if !r.is_police || !r.holds_review_role {
        return Err(RuleViolation::new(
            "REV-02",
            Code::ReviewNotAReviewer,
            "reviewers are police officers holding the review role",
        ));
    }
    if c.collected_by == Some(r.user) {
        return Err(RuleViolation::new(
            "REV-02",
            Code::ReviewOwnCollection,
            "the person who collected a record may not review it",
        ));
    }
    if !r.scopes.iter().any(|s| s.covers(c.place_unit)) {
        return Err(RuleViolation::new(
            "REV-00",
            Code::ReviewNotPlaceOfViolation,
            "review happens at the police of the place where the violation occurred",
        ));
    }
    if !c.state.awaits_review() {
        return Err(RuleViolation::new(
            "REV-01",
            Code::ReviewAlreadyDecided,
            "this capture has already been decided",
        ));
    }
    if c.state == CaptureState::SecondReview && c.first_reviewer == Some(r.user) {
        return Err(RuleViolation::new(
            "REV-02",
            Code::ReviewSecondByFirst,
            "a second review must be done by another reviewer",
        ));
    }
    Ok(())
}

/// The state after `decision`. `draw_second` says whether this approval was drawn for a
/// second review (only a first approval can be).
pub fn decide(state: CaptureState, decision: Decision, draw_second: bool) -> CaptureState {
    match decision {
        Decision::Reject(_) => CaptureState::Rejected,
        Decision::Approve if state == CaptureState::Pending && draw_second => {
            CaptureState::SecondReview
        }
        Decision::Approve => CaptureState::Approved,
    }
}

/// REV-01: reviewed within `n` working days of upload (5 by default).
pub fn review_deadline(
    uploaded_at: DateTime<Utc>,
    n: u32,
    calendar: &Calendar,
    tz: Tz,
) -> Deadline {
    working_day_deadline(uploaded_at, n, calendar, tz)
}

/// Whether an approval of capture `id` is drawn for a second review, for a share of
/// `percent`. Deterministic (a hash of the id), so the draw cannot be replayed until it
/// comes out the way a reviewer wants.
pub fn drawn_for_second_review(id: i64, percent: u8) -> bool {
    if percent == 0 {
        return false;
    }
    let digest = Sha256::digest(id.to_be_bytes());
    u32::from(digest[0]) * 100 / 256 < u32::from(percent.min(100))
}

/// What an approved capture becomes: a violation, or a warning only (CAP-03).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Violation,
    Warning,
}

impl Outcome {
    pub const ALL: [Outcome; 2] = [Outcome::Violation, Outcome::Warning];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Violation => "violation",
            Outcome::Warning => "warning",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|o| o.as_str() == raw.trim())
            .ok_or_else(|| FieldError::new("outcome", "must be violation or warning"))
    }
}

crate::stored_as_text!(Outcome);

pub fn outcome(usage: CaptureUse) -> Outcome {
    if usage == CaptureUse::Enforce {
        Outcome::Violation
    } else {
        Outcome::Warning
    }
}

/// REV-06: the party a record is attributed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    Owner,
    /// The actual driver, once established.
    Driver,
}

impl Party {
    pub const ALL: [Party; 2] = [Party::Owner, Party::Driver];

    pub fn as_str(self) -> &'static str {
        match self {
            Party::Owner => "owner",
            Party::Driver => "driver",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == raw.trim())
            .ok_or_else(|| FieldError::new("party", "must be owner or driver"))
    }
}

crate::stored_as_text!(Party);

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone};

    fn path(ids: &[i64]) -> UnitPath {
        let mut p = UnitPath::root(crate::UnitId(ids[0]));
        for id in &ids[1..] {
            p = p.child(crate::UnitId(*id));
        }
        p
    }

    #[test]
    fn rev_02_collector_never_reviews_own_capture() {
        let scope = [path(&[1, 2])];
        let place = path(&[1, 2, 3]);
        let r = Reviewer {
            user: UserId(7),
            is_police: true,
            holds_review_role: true,
            scopes: &scope,
        };
        let mut c = UnderReview {
            state: CaptureState::Pending,
            place_unit: &place,
            collected_by: Some(UserId(7)),
            first_reviewer: None,
        };
        assert_eq!(
            check_reviewer(&r, &c).unwrap_err().code,
            "review.own_collection"
        );
        c.collected_by = Some(UserId(8));
        assert!(check_reviewer(&r, &c).is_ok());
        let civilian = Reviewer {
            is_police: false,
            ..r.clone()
        };
        assert_eq!(check_reviewer(&civilian, &c).unwrap_err().rule, "REV-02");
        c.state = CaptureState::SecondReview;
        c.first_reviewer = Some(UserId(7));
        assert_eq!(
            check_reviewer(&r, &c).unwrap_err().code,
            "review.second_by_first"
        );
    }

    #[test]
    fn rev_00_review_at_the_place_of_violation() {
        let scope = [path(&[1, 9])];
        let place = path(&[1, 2, 3]);
        let r = Reviewer {
            user: UserId(7),
            is_police: true,
            holds_review_role: true,
            scopes: &scope,
        };
        let c = UnderReview {
            state: CaptureState::Pending,
            place_unit: &place,
            collected_by: None,
            first_reviewer: None,
        };
        assert_eq!(check_reviewer(&r, &c).unwrap_err().rule, "REV-00");
    }

    #[test]
    fn rev_01_five_working_days_from_upload() {
        // Friday 2026-11-20 10:00 Beijing: five working days end Friday 2026-11-27.
        let cal = Calendar::new([]);
        let tz: Tz = "Asia/Shanghai".parse().unwrap();
        let up = Utc.with_ymd_and_hms(2026, 11, 20, 2, 0, 0).unwrap();
        let d = review_deadline(up, 5, &cal, tz);
        assert_eq!(d.last_day, NaiveDate::from_ymd_opt(2026, 11, 27).unwrap());
        assert_eq!(
            d.overdue_at,
            Utc.with_ymd_and_hms(2026, 11, 27, 16, 0, 0).unwrap()
        );
    }

    #[test]
    fn rev_03_every_reason_is_coded_and_numbered() {
        for (i, r) in RejectReason::ALL.into_iter().enumerate() {
            assert_eq!(RejectReason::parse(r.as_str()), Ok(r));
            assert_eq!(usize::from(r.item()), i + 1);
        }
        assert!(RejectReason::parse("looks fine to me").is_err());
        assert_eq!(
            decide(
                CaptureState::Pending,
                Decision::Reject(RejectReason::VehicleUnidentifiable),
                true
            ),
            CaptureState::Rejected
        );
    }

    #[test]
    fn rev_04_elimination_reasons_are_coded() {
        for r in EliminationReason::ALL {
            assert_eq!(EliminationReason::parse(r.as_str()), Ok(r));
        }
        assert!(EliminationReason::parse("").is_err());
    }

    #[test]
    fn rev_05_second_review_share_is_deterministic_and_about_right() {
        assert_eq!(
            decide(CaptureState::Pending, Decision::Approve, true),
            CaptureState::SecondReview
        );
        assert_eq!(
            decide(CaptureState::SecondReview, Decision::Approve, true),
            CaptureState::Approved
        );
        let drawn = (0..10_000)
            .filter(|i| drawn_for_second_review(*i, 10))
            .count();
        assert!((800..1200).contains(&drawn), "{drawn}");
        assert!(!(0..1000).any(|i| drawn_for_second_review(i, 0)));
        assert_eq!(
            drawn_for_second_review(42, 10),
            drawn_for_second_review(42, 10)
        );
    }

    #[test]
    fn stored_words_round_trip() {
        for s in CaptureState::ALL {
            assert_eq!(CaptureState::parse(s.as_str()), Ok(s));
            assert_eq!(CaptureState::try_from(s.as_str().to_owned()), Ok(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        for o in Outcome::ALL {
            assert_eq!(Outcome::try_from(o.as_str().to_owned()), Ok(o));
            assert_eq!(serde_json::to_value(o).unwrap(), o.as_str());
        }
        for p in Party::ALL {
            assert_eq!(Party::try_from(p.as_str().to_owned()), Ok(p));
            assert_eq!(serde_json::to_value(p).unwrap(), p.as_str());
        }
        assert!(CaptureState::parse("ignored").is_err());
        assert!(Outcome::parse("fine").is_err());
        assert!(Party::parse("").is_err());
    }

    #[test]
    fn cap_03_approved_trial_capture_is_a_warning() {
        assert_eq!(outcome(CaptureUse::WarnOnly), Outcome::Warning);
        assert_eq!(outcome(CaptureUse::Enforce), Outcome::Violation);
    }
}
