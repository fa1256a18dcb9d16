//! BWC-08, BWC-09, SEC-07: nobody views or copies footage without an approved request.
//!
//! The officer (or an outside body) applies with a reason; the head of the footage's own unit
//! approves (a head of a unit above it does not). Courts and procuratorates are entered in a
//! register of who, why and when; a superior body's retrieval is filed from its own unit and
//! recorded as its retrieval; public use needs the discipline committee's approval on file;
//! footage touching secrets or privacy needs a second approval by another head (BWC-09). The
//! recorder administrator provides the copy and records the retrieval; the requester receives
//! it. An approval is valid for a set number of days and can be revoked; every view and copy
//! under it is audited by the caller.

use crate::codes::Code;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::org::UnitPath;
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
    pub const ALL: [Purpose; 2] = [Purpose::View, Purpose::Copy];

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
    pub const ALL: [Restriction; 4] = [
        Restriction::None,
        Restriction::StateSecret,
        Restriction::CommercialSecret,
        Restriction::Privacy,
    ];

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
    pub const ALL: [AccessState; 4] = [
        AccessState::Pending,
        AccessState::Approved,
        AccessState::Refused,
        AccessState::Revoked,
    ];

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

crate::stored_as_text!(Requester, Purpose, Restriction, AccessState);

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

/// BWC-08: a superior body's retrieval comes from a unit above the footage's unit; the request
/// keeps that requesting unit, so the retrieval is recorded as the superior body's.
pub fn check_requesting_unit(
    requester: Requester,
    requesting_unit: &UnitPath,
    footage_unit: &UnitPath,
) -> Result<(), RuleViolation> {
    if requester == Requester::SuperiorBody && !requesting_unit.is_ancestor_of(footage_unit) {
        return Err(RuleViolation::new(
            "BWC-08",
            Code::AccessNotSuperiorBody,
            "a superior body's retrieval is filed by a person of a unit above the footage's unit",
        ));
    }
    Ok(())
}

/// BWC-08: the head of the footage's own unit decides a request; a head of a unit above it does
/// not (a superior body retrieves through the footage unit's head, and it is recorded as its).
pub fn check_deciding_head(
    head_unit: &UnitPath,
    footage_unit: &UnitPath,
) -> Result<(), RuleViolation> {
    if head_unit != footage_unit {
        return Err(RuleViolation::new(
            "BWC-08",
            Code::AccessNotUnitHead,
            "a footage request is decided by the head of the footage's own unit",
        ));
    }
    Ok(())
}

/// BWC-08: the recorder administrator provides the evidence copy and records the retrieval;
/// the requester receives it and does not make it. An administrator who filed a court's or a
/// procuratorate's request on its behalf (the register names the body) provides that copy.
pub fn check_provider(
    provider: UserId,
    provider_is_recorder_admin: bool,
    requester: UserId,
    kind: Requester,
) -> Result<(), RuleViolation> {
    if !provider_is_recorder_admin {
        return Err(RuleViolation::new(
            "BWC-08",
            Code::AccessCopyByRecorderAdmin,
            "the recorder administrator provides the evidence copy; the requester receives it",
        ));
    }
    if provider == requester && !matches!(kind, Requester::Court | Requester::Procuratorate) {
        return Err(RuleViolation::new(
            "BWC-08",
            Code::AccessCopyByRecorderAdmin,
            "the recorder administrator provides the evidence copy; the requester does not make their own",
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
            Code::AccessNotPending,
            format!("this request is {}, not pending", state.as_str()),
        ));
    }
    if approver == requester {
        return Err(RuleViolation::new(
            "BWC-08",
            Code::AccessSelfApproval,
            "nobody approves their own request",
        ));
    }
    if approvals.contains(&approver) {
        return Err(RuleViolation::new(
            "BWC-09",
            Code::AccessSameApprover,
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
            Code::AccessNotPending,
            format!("this request is {}, not pending", state.as_str()),
        ));
    }
    if reason.trim().chars().count() < 5 {
        return Err(RuleViolation::new(
            "BWC-08",
            Code::AccessRefusalNeedsReason,
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
            Code::AccessNotRevocable,
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
                Code::AccessRevoked,
                "this approval was revoked",
            ))
        }
        AccessState::Pending => {
            return Err(RuleViolation::new(
                "BWC-08",
                Code::AccessNotApproved,
                "this request has not been approved yet",
            ))
        }
        AccessState::Refused => {
            return Err(RuleViolation::new(
                "BWC-08",
                Code::AccessRefused,
                "this request was refused",
            ))
        }
    }
    if expires_at.is_none_or(|e| now >= e) {
        return Err(RuleViolation::new(
            "BWC-08",
            Code::AccessExpired,
            "this approval has expired; file a new request",
        ));
    }
    if wanted == Purpose::Copy && granted == Purpose::View {
        return Err(RuleViolation::new(
            "SEC-07",
            Code::AccessViewOnly,
            "this approval allows viewing, not copying",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
