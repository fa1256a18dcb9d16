//! DEV-03: an assessment is reviewed by the technology department, the legal department and
//! the public-opinion centre; each approves or returns it with a reason; all three must approve.
//!
//! **Interpretation**: review is a check from outside the proposing unit (S0 art. 6: the
//! bureau's departments review what the squads file). A reviewer may not review an assessment
//! they filed, nor one proposed by their own unit or a unit below it.

use crate::codes::Code;
use serde::{Deserialize, Serialize};

use crate::org::{UnitKind, UnitPath};
use crate::roles::Role;
use crate::{FieldError, RuleViolation, UserId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Department {
    Technology,
    Legal,
    PublicOpinion,
}

impl Department {
    pub const ALL: [Department; 3] = [
        Department::Technology,
        Department::Legal,
        Department::PublicOpinion,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Department::Technology => "technology",
            Department::Legal => "legal",
            Department::PublicOpinion => "public_opinion",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|d| d.as_str() == raw.trim())
            .ok_or_else(|| {
                FieldError::new("department", "must be technology, legal or public_opinion")
            })
    }

    /// The role that reviews for this department.
    pub fn role(self) -> Role {
        match self {
            Department::Technology => Role::TechReviewer,
            Department::Legal => Role::LegalReviewer,
            Department::PublicOpinion => Role::OpinionReviewer,
        }
    }

    pub fn of_role(role: Role) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.role() == role)
    }

    /// What this department checks (DEV-03), shown to the reviewer.
    pub fn checks(self) -> &'static str {
        match self {
            Department::Technology => "technical conformity, acceptance, maintenance, evidence standards",
            Department::Legal => "legality, the plan to publish the location, whether records show vehicle type, plate, features, time, place and facts",
            Department::PublicOpinion => "public-opinion risk",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Approve,
    Return,
}

impl Decision {
    pub const ALL: [Decision; 2] = [Decision::Approve, Decision::Return];

    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Approve => "approve",
            Decision::Return => "return",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        match raw.trim() {
            "approve" => Ok(Self::Approve),
            "return" => Ok(Self::Return),
            _ => Err(FieldError::new("decision", "must be approve or return")),
        }
    }
}

/// The devices a reviewer sees in their inbox: a department unit (legal, technology,
/// public-opinion) serves the police unit it belongs to, so it reviews that unit's subtree;
/// a reviewer in a police unit reviews below their own unit.
pub fn review_scope(unit_path: &UnitPath, unit_kind: UnitKind) -> UnitPath {
    match unit_kind {
        UnitKind::LegalDepartment
        | UnitKind::TechnologyDepartment
        | UnitKind::PublicOpinionCentre => unit_path.parent(),
        _ => unit_path.clone(),
    }
}

/// Who is reviewing, and what.
#[derive(Debug, Clone)]
pub struct ReviewAttempt<'a> {
    pub department: Department,
    pub reviewer: UserId,
    pub reviewer_roles: &'a [Role],
    pub reviewer_unit: &'a UnitPath,
    pub reviewer_unit_kind: UnitKind,
    pub filed_by: Option<UserId>,
    /// The unit that filed the assessment (may be above the managing unit).
    pub filing_unit: Option<&'a UnitPath>,
    pub managing_unit: &'a UnitPath,
    /// The reviewer already decided this round for another department.
    pub decided_other_department: bool,
    /// The department has already decided this round.
    pub already_decided: bool,
    pub reason: &'a str,
    pub decision: Decision,
}

pub fn check_review(a: &ReviewAttempt<'_>) -> Result<(), RuleViolation> {
    let refuse = |code, msg: String| Err(RuleViolation::new("DEV-03", code, msg));
    if !a.reviewer_roles.contains(&a.department.role()) {
        return refuse(
            Code::ReviewRoleMissing,
            format!(
                "reviewing for the {} department needs the role {}",
                a.department.as_str(),
                a.department.role().as_str()
            ),
        );
    }
    if a.filed_by == Some(a.reviewer) {
        return refuse(
            Code::ReviewOwnAssessment,
            "nobody reviews an assessment they filed".into(),
        );
    }
    if a.reviewer_unit == a.managing_unit || a.filing_unit == Some(a.reviewer_unit) {
        return refuse(
            Code::ReviewOwnUnit,
            "a unit does not review its own proposal".into(),
        );
    }
    if a.decided_other_department {
        return refuse(
            Code::ReviewOneDepartmentPerPerson,
            "one person reviews for one department per round: the three reviews are three people's"
                .into(),
        );
    }
    if !review_scope(a.reviewer_unit, a.reviewer_unit_kind).covers(a.managing_unit) {
        return refuse(
            Code::ReviewOutOfScope,
            "this assessment is outside the reviewer's jurisdiction".into(),
        );
    }
    if a.already_decided {
        return refuse(
            Code::ReviewAlreadyDecided,
            format!(
                "the {} department has already decided this round",
                a.department.as_str()
            ),
        );
    }
    if a.decision == Decision::Return && a.reason.trim().chars().count() < 2 {
        return Err(RuleViolation::new(
            "DEV-03",
            Code::ReviewReasonRequired,
            "a returned assessment states its reason",
        ));
    }
    Ok(())
}

/// Where a round of review stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundOutcome {
    Pending,
    Approved,
    Returned,
}

impl RoundOutcome {
    pub const ALL: [RoundOutcome; 3] = [
        RoundOutcome::Pending,
        RoundOutcome::Approved,
        RoundOutcome::Returned,
    ];

    /// The assessment's `outcome` as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            RoundOutcome::Pending => "pending",
            RoundOutcome::Approved => "approved",
            RoundOutcome::Returned => "returned",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|o| o.as_str() == raw.trim())
            .ok_or_else(|| FieldError::new("outcome", "must be pending, approved or returned"))
    }
}

crate::stored_as_text!(Department, Decision, RoundOutcome);

/// DEV-03: all three approve → approved; any return → returned; else pending.
pub fn round_outcome(decisions: &[(Department, Decision)]) -> RoundOutcome {
    if decisions.iter().any(|(_, d)| *d == Decision::Return) {
        return RoundOutcome::Returned;
    }
    let approved = |dept| {
        decisions
            .iter()
            .any(|(d, dec)| *d == dept && *dec == Decision::Approve)
    };
    if Department::ALL.into_iter().all(approved) {
        RoundOutcome::Approved
    } else {
        RoundOutcome::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::UnitId;

    fn path(ids: &[i64]) -> UnitPath {
        let mut p = UnitPath::root(UnitId(ids[0]));
        for id in &ids[1..] {
            p = p.child(UnitId(*id));
        }
        p
    }

    #[test]
    fn dev_03_all_three_departments_must_approve() {
        use Decision::*;
        use Department::*;
        assert_eq!(round_outcome(&[]), RoundOutcome::Pending);
        assert_eq!(
            round_outcome(&[(Technology, Approve), (Legal, Approve)]),
            RoundOutcome::Pending
        );
        assert_eq!(
            round_outcome(&[
                (Technology, Approve),
                (Legal, Approve),
                (PublicOpinion, Approve)
            ]),
            RoundOutcome::Approved
        );
        assert_eq!(
            round_outcome(&[
                (Technology, Approve),
                (Legal, Return),
                (PublicOpinion, Approve)
            ]),
            RoundOutcome::Returned
        );
    }

    #[test]
    fn dev_03_reviewers_review_from_outside_the_proposing_unit() {
        let county = path(&[1, 2, 3]);
        let squad = path(&[1, 2, 3, 4]);
        let legal_dept = path(&[1, 2, 3, 5]);
        let roles = [Role::LegalReviewer];
        let attempt = ReviewAttempt {
            department: Department::Legal,
            reviewer: UserId(7),
            reviewer_roles: &roles,
            reviewer_unit: &legal_dept,
            reviewer_unit_kind: UnitKind::LegalDepartment,
            filed_by: Some(UserId(9)),
            filing_unit: Some(&squad),
            decided_other_department: false,
            managing_unit: &squad,
            already_decided: false,
            reason: "",
            decision: Decision::Approve,
        };
        assert!(check_review(&attempt).is_ok());
        // The legal department reviews its county's squads, not another county's.
        let other_squad = path(&[1, 2, 8, 9]);
        assert_eq!(
            check_review(&ReviewAttempt {
                managing_unit: &other_squad,
                ..attempt.clone()
            })
            .unwrap_err()
            .code,
            "review.out_of_scope"
        );
        // Own unit, own assessment, wrong department, twice, no reason.
        assert_eq!(
            check_review(&ReviewAttempt {
                reviewer_unit: &squad,
                reviewer_unit_kind: UnitKind::Police,
                ..attempt.clone()
            })
            .unwrap_err()
            .code,
            "review.own_unit"
        );
        assert_eq!(
            check_review(&ReviewAttempt {
                filed_by: Some(UserId(7)),
                ..attempt.clone()
            })
            .unwrap_err()
            .code,
            "review.own_assessment"
        );
        assert_eq!(
            check_review(&ReviewAttempt {
                department: Department::Technology,
                ..attempt.clone()
            })
            .unwrap_err()
            .code,
            "review.role_missing"
        );
        assert_eq!(
            check_review(&ReviewAttempt {
                already_decided: true,
                ..attempt.clone()
            })
            .unwrap_err()
            .code,
            "review.already_decided"
        );
        assert_eq!(
            check_review(&ReviewAttempt {
                decided_other_department: true,
                ..attempt.clone()
            })
            .unwrap_err()
            .code,
            "review.one_department_per_person"
        );
        // Filed by the county for the squad: the county does not review it either.
        assert_eq!(
            check_review(&ReviewAttempt {
                filing_unit: Some(&county),
                reviewer_unit: &county,
                reviewer_unit_kind: UnitKind::Police,
                ..attempt.clone()
            })
            .unwrap_err()
            .code,
            "review.own_unit"
        );
        assert_eq!(
            check_review(&ReviewAttempt {
                decision: Decision::Return,
                ..attempt.clone()
            })
            .unwrap_err()
            .code,
            "review.reason_required"
        );
        // A police reviewer at the county reviews a squad's proposal below it.
        let county_roles = [Role::TechReviewer];
        assert!(check_review(&ReviewAttempt {
            department: Department::Technology,
            reviewer_roles: &county_roles,
            reviewer_unit: &county,
            reviewer_unit_kind: UnitKind::Police,
            ..attempt
        })
        .is_ok());
    }
}
