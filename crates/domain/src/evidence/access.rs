//! BWC-08, BWC-09, SEC-07: nobody views or copies footage without an approved request.
//!
//! The officer (or an outside body) applies with a reason; the head of the footage's unit
//! approves. Courts and procuratorates are entered in a register of who, why and when; public
//! use needs the discipline committee's approval on file; footage touching secrets or privacy
//! needs a second approval by another head (BWC-09). An approval is valid for a set number of
//! days and can be revoked; every view and copy under it is audited by the caller.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::{FieldError, RuleViolation, UserId};

/// Who is asking (BWC-08 gives each its own flow and register).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Requester {
    /// An officer of the force, for a case or an inquiry.
    Officer,
    /// A superior body's retrieval.
    SuperiorBody,
    Court,
    Procuratorate,
    /// Showing footage to the public (press, publicity).
    PublicUse,
}

impl Requester {
    pub const ALL: [Requester; 5] = [
        Requester::Officer,
        Requester::SuperiorBody,
        Requester::Court,
        Requester::Procuratorate,
        Requester::PublicUse,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Requester::Officer => "officer",
            Requester::SuperiorBody => "superior_body",
            Requester::Court => "court",
            Requester::Procuratorate => "procuratorate",
            Requester::PublicUse => "public_use",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == raw.trim())
            .ok_or_else(|| FieldError::new("requester", "is not a kind of requester"))
    }

    /// Outside bodies are entered in the register with their document (BWC-08).
    pub fn needs_register(self) -> bool {
        matches!(
            self,
            Requester::SuperiorBody | Requester::Court | Requester::Procuratorate
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// Watch it in the player.
    View,
    /// An evidence copy (an export with its recording sheet, BWC-10; SEC-07).
    Copy,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::View => "view",
            Purpose::Copy => "copy",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        match raw.trim() {
            "view" => Ok(Purpose::View),
            "copy" => Ok(Purpose::Copy),
            _ => Err(FieldError::new("purpose", "must be view or copy")),
        }
    }
}

/// BWC-09: classes handled under secrecy rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Restriction {
    None,
    StateSecret,
    CommercialSecret,
    Privacy,
}

impl Restriction {
    pub fn as_str(self) -> &'static str {
        match self {
            Restriction::None => "none",
            Restriction::StateSecret => "state_secret",
            Restriction::CommercialSecret => "commercial_secret",
            Restriction::Privacy => "privacy",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        match raw.trim() {
            "" | "none" => Ok(Restriction::None),
            "state_secret" => Ok(Restriction::StateSecret),
            "commercial_secret" => Ok(Restriction::CommercialSecret),
            "privacy" => Ok(Restriction::Privacy),
            _ => Err(FieldError::new("restriction", "is not a restricted class")),
        }
    }

    /// How many different heads must approve (BWC-09: restricted classes need more).
    pub fn approvals_needed(self) -> usize {
        if self == Restriction::None {
            1
        } else {
            2
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccessState {
    Pending,
    Approved,
    Refused,
    Revoked,
}

impl AccessState {
    pub fn as_str(self) -> &'static str {
        match self {
            AccessState::Pending => "pending",
            AccessState::Approved => "approved",
            AccessState::Refused => "refused",
            AccessState::Revoked => "revoked",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        match raw {
            "pending" => Ok(AccessState::Pending),
            "approved" => Ok(AccessState::Approved),
            "refused" => Ok(AccessState::Refused),
            "revoked" => Ok(AccessState::Revoked),
            _ => Err(FieldError::new("state", "is not a request state")),
        }
    }
}

/// What a request asks, as filed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Application {
    pub requester: Requester,
    pub purpose: Purpose,
    pub reason: String,
    /// Register entry for outside bodies: the body, the person, and their document number.
    pub register: Option<String>,
    /// The discipline committee's approval reference for public use.
    pub committee_approval: Option<String>,
}

/// BWC-08, SEC-07: a request must say why, and outside flows need their papers.
pub fn check_application(a: &Application) -> Result<(), FieldError> {
    if a.reason.trim().chars().count() < 10 {
        return Err(FieldError::new(
            "reason",
            "say why the footage is needed (at least 10 characters)",
        ));
    }
    let filled = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.trim().is_empty());
    if a.requester.needs_register() && !filled(&a.register) {
        return Err(FieldError::new(
            "register",
            "courts, procuratorates and superior bodies are registered: body, person and document number",
        ));
    }
    if a.requester == Requester::PublicUse && !filled(&a.committee_approval) {
        return Err(FieldError::new(
            "committee_approval",
            "public use needs the discipline committee's approval (BWC-08)",
        ));
    }
    Ok(())
}

/// What an approval step produces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Approval {
    /// Enough heads have approved.
    Granted { expires_at: DateTime<Utc> },
    /// One more head must approve (BWC-09).
    NeedsAnother,
}

/// BWC-08, BWC-09: a head's approval. `approvals` are the heads who approved before; the
/// requester never approves their own request, and one head counts once.
pub fn approve(
    state: AccessState,
    requester: UserId,
    approver: UserId,
    approvals: &[UserId],
    restriction: Restriction,
    valid_days: u32,
    now: DateTime<Utc>,
) -> Result<Approval, RuleViolation> {
    if state != AccessState::Pending {
        return Err(RuleViolation::new(
            "BWC-08",
            "access.not_pending",
            format!("this request is {}, not pending", state.as_str()),
        ));
    }
    if approver == requester {
        return Err(RuleViolation::new(
            "BWC-08",
            "access.self_approval",
            "nobody approves their own request",
        ));
    }
    if approvals.contains(&approver) {
        return Err(RuleViolation::new(
            "BWC-09",
            "access.same_approver",
            "restricted footage needs the approval of a second, different head",
        ));
    }
    if approvals.len() + 1 >= restriction.approvals_needed() {
        Ok(Approval::Granted {
            expires_at: now + Duration::days(i64::from(valid_days)),
        })
    } else {
        Ok(Approval::NeedsAnother)
    }
}

/// BWC-08: refusing needs a reason too.
pub fn refuse(state: AccessState, reason: &str) -> Result<AccessState, RuleViolation> {
    if state != AccessState::Pending {
        return Err(RuleViolation::new(
            "BWC-08",
            "access.not_pending",
            format!("this request is {}, not pending", state.as_str()),
        ));
    }
    if reason.trim().chars().count() < 5 {
        return Err(RuleViolation::new(
            "BWC-08",
            "access.refusal_needs_reason",
            "a refusal says why",
        ));
    }
    Ok(AccessState::Refused)
}

/// SEC-07: the approving head (or a higher one) can withdraw an approval.
pub fn revoke(state: AccessState) -> Result<AccessState, RuleViolation> {
    match state {
        AccessState::Approved | AccessState::Pending => Ok(AccessState::Revoked),
        other => Err(RuleViolation::new(
            "SEC-07",
            "access.not_revocable",
            format!("this request is {}", other.as_str()),
        )),
    }
}

/// BWC-08, SEC-07: whether an approved request still allows `wanted` now. A copy approval
/// allows viewing; a view approval does not allow a copy.
pub fn check_use(
    state: AccessState,
    granted: Purpose,
    expires_at: Option<DateTime<Utc>>,
    wanted: Purpose,
    now: DateTime<Utc>,
) -> Result<(), RuleViolation> {
    match state {
        AccessState::Approved => {}
        AccessState::Revoked => {
            return Err(RuleViolation::new(
                "SEC-07",
                "access.revoked",
                "this approval was revoked",
            ))
        }
        AccessState::Pending => {
            return Err(RuleViolation::new(
                "BWC-08",
                "access.not_approved",
                "this request has not been approved yet",
            ))
        }
        AccessState::Refused => {
            return Err(RuleViolation::new(
                "BWC-08",
                "access.refused",
                "this request was refused",
            ))
        }
    }
    if expires_at.is_none_or(|e| now >= e) {
        return Err(RuleViolation::new(
            "BWC-08",
            "access.expired",
            "this approval has expired; file a new request",
        ));
    }
    if wanted == Purpose::Copy && granted == Purpose::View {
        return Err(RuleViolation::new(
            "SEC-07",
            "access.view_only",
            "this approval allows viewing, not copying",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 2, 8, 0, 0).unwrap()
    }

    fn app(requester: Requester) -> Application {
        Application {
            requester,
            purpose: Purpose::Copy,
            reason: "evidence for case 2026-118".into(),
            register: None,
            committee_approval: None,
        }
    }

    #[test]
    fn bwc_08_a_request_needs_a_reason_and_outside_bodies_a_register_entry() {
        assert!(check_application(&app(Requester::Officer)).is_ok());
        let short = Application {
            reason: "need".into(),
            ..app(Requester::Officer)
        };
        assert_eq!(check_application(&short).unwrap_err().field, "reason");
        assert_eq!(
            check_application(&app(Requester::Court)).unwrap_err().field,
            "register"
        );
        let registered = Application {
            register: Some("Xihu court, judge Li, (2026) Zhe 0106 No. 12".into()),
            ..app(Requester::Court)
        };
        assert!(check_application(&registered).is_ok());
        assert_eq!(
            check_application(&app(Requester::PublicUse))
                .unwrap_err()
                .field,
            "committee_approval"
        );
    }

    #[test]
    fn bwc_08_the_head_approves_and_never_their_own_request() {
        let got = approve(
            AccessState::Pending,
            UserId(1),
            UserId(2),
            &[],
            Restriction::None,
            7,
            now(),
        );
        assert_eq!(
            got.unwrap(),
            Approval::Granted {
                expires_at: now() + Duration::days(7)
            }
        );
        let own = approve(
            AccessState::Pending,
            UserId(1),
            UserId(1),
            &[],
            Restriction::None,
            7,
            now(),
        );
        assert_eq!(own.unwrap_err().code, "access.self_approval");
        let done = approve(
            AccessState::Refused,
            UserId(1),
            UserId(2),
            &[],
            Restriction::None,
            7,
            now(),
        );
        assert_eq!(done.unwrap_err().code, "access.not_pending");
        assert_eq!(
            refuse(AccessState::Pending, "no").unwrap_err().code,
            "access.refusal_needs_reason"
        );
        assert_eq!(
            refuse(AccessState::Pending, "not related to the case").unwrap(),
            AccessState::Refused
        );
    }

    #[test]
    fn bwc_09_restricted_footage_needs_two_different_heads() {
        let first = approve(
            AccessState::Pending,
            UserId(1),
            UserId(2),
            &[],
            Restriction::Privacy,
            7,
            now(),
        );
        assert_eq!(first.unwrap(), Approval::NeedsAnother);
        let same = approve(
            AccessState::Pending,
            UserId(1),
            UserId(2),
            &[UserId(2)],
            Restriction::Privacy,
            7,
            now(),
        );
        assert_eq!(same.unwrap_err().code, "access.same_approver");
        let second = approve(
            AccessState::Pending,
            UserId(1),
            UserId(3),
            &[UserId(2)],
            Restriction::StateSecret,
            7,
            now(),
        );
        assert!(matches!(second.unwrap(), Approval::Granted { .. }));
    }

    #[test]
    fn sec_07_use_only_under_a_live_approval_of_the_right_purpose() {
        let exp = Some(now() + Duration::days(1));
        assert!(check_use(
            AccessState::Approved,
            Purpose::Copy,
            exp,
            Purpose::View,
            now()
        )
        .is_ok());
        assert!(check_use(
            AccessState::Approved,
            Purpose::Copy,
            exp,
            Purpose::Copy,
            now()
        )
        .is_ok());
        assert_eq!(
            check_use(
                AccessState::Approved,
                Purpose::View,
                exp,
                Purpose::Copy,
                now()
            )
            .unwrap_err()
            .code,
            "access.view_only"
        );
        assert_eq!(
            check_use(
                AccessState::Approved,
                Purpose::View,
                exp,
                Purpose::View,
                now() + Duration::days(1)
            )
            .unwrap_err()
            .code,
            "access.expired"
        );
        assert_eq!(
            check_use(
                AccessState::Revoked,
                Purpose::View,
                exp,
                Purpose::View,
                now()
            )
            .unwrap_err()
            .code,
            "access.revoked"
        );
        assert_eq!(
            check_use(
                AccessState::Pending,
                Purpose::View,
                None,
                Purpose::View,
                now()
            )
            .unwrap_err()
            .code,
            "access.not_approved"
        );
        assert_eq!(revoke(AccessState::Approved).unwrap(), AccessState::Revoked);
        assert!(revoke(AccessState::Refused).is_err());
    }
}
