//! Roles (DESIGN.md "Who uses it") and the step-by-step granting rule of SEC-03.

use crate::codes::Code;
use serde::{Deserialize, Serialize};

use crate::org::{UnitKind, UnitPath};
use crate::{FieldError, RuleViolation};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// System operator: units, accounts, calendars (SEC-04: a registered police officer).
    Admin,
    DeviceManager,
    TechReviewer,
    LegalReviewer,
    OpinionReviewer,
    Collector,
    Reviewer,
    NoticeClerk,
    ObjectionHandler,
    Supervisor,
    EbikeOfficer,
    GridWorker,
    RecorderAdmin,
    UnitHead,
    Auditor,
    /// An outside body using the interfaces it has been granted.
    InterfaceClient,
}

impl Role {
    pub const ALL: [Role; 16] = [
        Role::Admin,
        Role::DeviceManager,
        Role::TechReviewer,
        Role::LegalReviewer,
        Role::OpinionReviewer,
        Role::Collector,
        Role::Reviewer,
        Role::NoticeClerk,
        Role::ObjectionHandler,
        Role::Supervisor,
        Role::EbikeOfficer,
        Role::GridWorker,
        Role::RecorderAdmin,
        Role::UnitHead,
        Role::Auditor,
        Role::InterfaceClient,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::DeviceManager => "device_manager",
            Role::TechReviewer => "tech_reviewer",
            Role::LegalReviewer => "legal_reviewer",
            Role::OpinionReviewer => "opinion_reviewer",
            Role::Collector => "collector",
            Role::Reviewer => "reviewer",
            Role::NoticeClerk => "notice_clerk",
            Role::ObjectionHandler => "objection_handler",
            Role::Supervisor => "supervisor",
            Role::EbikeOfficer => "ebike_officer",
            Role::GridWorker => "grid_worker",
            Role::RecorderAdmin => "recorder_admin",
            Role::UnitHead => "unit_head",
            Role::Auditor => "auditor",
            Role::InterfaceClient => "interface_client",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == raw.trim())
            .ok_or_else(|| FieldError::new("role", "is not a known role"))
    }

    /// Roles that only a police officer may hold in a unit of `kind` (SEC-04 operators, REV-02
    /// reviewers, collectors, and the heads of police units; a township's or village's head is
    /// not a police officer).
    pub fn requires_police_officer(self, kind: UnitKind) -> bool {
        match self {
            Role::Admin | Role::Reviewer | Role::Collector => true,
            Role::UnitHead => kind.is_police(),
            _ => false,
        }
    }

    /// Which kinds of unit a role can be held in (ORG-05: outside bodies have narrow roles).
    pub fn allowed_in(self, kind: UnitKind) -> bool {
        use UnitKind as K;
        match self {
            Role::TechReviewer => matches!(kind, K::TechnologyDepartment | K::Police),
            Role::LegalReviewer => matches!(kind, K::LegalDepartment | K::Police),
            Role::OpinionReviewer => matches!(kind, K::PublicOpinionCentre | K::Police),
            // Police units hold these too, so they can be granted step by step (SEC-03) down
            // to the villages and outside bodies that use them.
            Role::GridWorker => {
                matches!(
                    kind,
                    K::Township | K::Village | K::GridTeam | K::Employer | K::Police
                )
            }
            Role::InterfaceClient | Role::Auditor => true,
            // RID-10, RID-11: the township's head assesses its villages and grid workers and
            // hears of overdue tasks; the village's (community's) head is told of them too.
            Role::UnitHead => matches!(kind, K::Police | K::Township | K::Village),
            _ => kind.is_police(),
        }
    }
}

/// A role held at a unit, as the granter holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holding {
    pub role: Role,
    pub unit_path: UnitPath,
}

/// SEC-03: a role is granted step by step. The granter must hold the same role at a unit
/// strictly above the grantee's unit; holding it at the same unit, a sibling or below is not
/// enough.
pub fn check_grant(
    granter: &[Holding],
    role: Role,
    grantee_unit: &UnitPath,
) -> Result<(), RuleViolation> {
    let held_above = granter
        .iter()
        .any(|h| h.role == role && h.unit_path.is_ancestor_of(grantee_unit));
    if held_above {
        Ok(())
    } else {
        Err(RuleViolation::new(
            "SEC-03",
            Code::RoleGrantNotHeldAbove,
            format!(
                "only someone who holds the role '{}' at a higher unit may grant it",
                role.as_str()
            ),
        ))
    }
}

/// REV-02: collection and review are separate posts ("不得由采集岗位人员兼任审核岗位"): a
/// person who holds one of the two roles may not be given the other.
pub fn check_separation(held: &[Role], adding: Role) -> Result<(), RuleViolation> {
    let other = match adding {
        Role::Collector => Role::Reviewer,
        Role::Reviewer => Role::Collector,
        _ => return Ok(()),
    };
    if held.contains(&other) {
        return Err(RuleViolation::new(
            "REV-02",
            Code::RoleCollectorReviewerSeparated,
            format!(
                "collection and review are separate posts: a person holding '{}' may not also hold '{}'",
                other.as_str(),
                adding.as_str()
            ),
        ));
    }
    Ok(())
}

/// SEC-03: the console grants roles to nobody once a tree is running. It only bootstraps a
/// tree (a province, a country) that has no active operator: its first operator, at its root.
/// Every later account and role is granted step by step by someone who holds the role above.
pub fn check_console_bootstrap(
    roles: &[Role],
    unit_is_root: bool,
    active_operators_in_tree: i64,
) -> Result<(), RuleViolation> {
    if active_operators_in_tree > 0 {
        return Err(RuleViolation::new(
            "SEC-03",
            Code::UserConsoleBootstrapOnly,
            "this unit tree already has an active operator: accounts and roles are now granted \
             step by step by people who hold them above, not from the console",
        ));
    }
    if !unit_is_root || !roles.contains(&Role::Admin) {
        return Err(RuleViolation::new(
            "SEC-03",
            Code::UserConsoleFirstOperatorOnly,
            "the console creates only the first operator of a unit tree: an account with the \
             role 'admin' at the tree's root",
        ));
    }
    Ok(())
}

/// ORG-05 and SEC-04: whether this person, in this unit, may hold the role at all.
pub fn check_role_fits(
    role: Role,
    unit_kind: UnitKind,
    is_police_officer: bool,
) -> Result<(), RuleViolation> {
    if !role.allowed_in(unit_kind) {
        return Err(RuleViolation::new(
            "ORG-05",
            Code::RoleNotAllowedInUnitKind,
            format!(
                "the role '{}' cannot be held in a unit of kind '{}'",
                role.as_str(),
                unit_kind.as_str()
            ),
        ));
    }
    if role.requires_police_officer(unit_kind) && !is_police_officer {
        return Err(RuleViolation::new(
            "SEC-04",
            Code::RoleRequiresPoliceOfficer,
            format!(
                "the role '{}' may only be held by a police officer",
                role.as_str()
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::UnitId;

    fn p(ids: &[i64]) -> UnitPath {
        ids[1..]
            .iter()
            .fold(UnitPath::root(UnitId(ids[0])), |acc, id| {
                acc.child(UnitId(*id))
            })
    }

    #[test]
    fn sec_03_console_creates_only_the_first_operator_of_a_tree() {
        assert!(check_console_bootstrap(&[Role::Admin], true, 0).is_ok());
        let running = check_console_bootstrap(&[Role::Admin], true, 1).unwrap_err();
        assert_eq!(
            (running.rule, running.code.as_str()),
            ("SEC-03", "user.console_bootstrap_only")
        );
        for (roles, root) in [(&[Role::Reviewer][..], true), (&[Role::Admin][..], false)] {
            let e = check_console_bootstrap(roles, root, 0).unwrap_err();
            assert_eq!(e.code, "user.console_first_operator_only");
        }
    }

    #[test]
    fn sec_03_role_granted_only_by_holder_at_a_higher_unit() {
        let granter = vec![Holding {
            role: Role::Reviewer,
            unit_path: p(&[1, 2]),
        }];
        assert!(check_grant(&granter, Role::Reviewer, &p(&[1, 2, 3])).is_ok());
        assert!(check_grant(&granter, Role::Reviewer, &p(&[1, 2, 3, 4])).is_ok());
        let same_unit = check_grant(&granter, Role::Reviewer, &p(&[1, 2])).unwrap_err();
        assert_eq!(same_unit.rule, "SEC-03");
        assert!(
            check_grant(&granter, Role::Reviewer, &p(&[1, 5])).is_err(),
            "sibling branch"
        );
        assert!(
            check_grant(&granter, Role::Collector, &p(&[1, 2, 3])).is_err(),
            "not held"
        );
    }

    #[test]
    fn sec_04_operator_and_reviewer_roles_need_a_police_officer() {
        assert_eq!(
            check_role_fits(Role::Admin, UnitKind::Police, false)
                .unwrap_err()
                .rule,
            "SEC-04"
        );
        assert!(check_role_fits(Role::Admin, UnitKind::Police, true).is_ok());
        assert!(check_role_fits(Role::Reviewer, UnitKind::Police, false).is_err());
    }

    #[test]
    fn org_05_outside_bodies_hold_only_narrow_roles() {
        let err = check_role_fits(Role::Reviewer, UnitKind::Court, true).unwrap_err();
        assert_eq!(err.rule, "ORG-05");
        assert!(check_role_fits(Role::LegalReviewer, UnitKind::LegalDepartment, false).is_ok());
        assert!(check_role_fits(Role::GridWorker, UnitKind::Village, false).is_ok());
        assert!(check_role_fits(Role::InterfaceClient, UnitKind::InspectionStation, false).is_ok());
        assert!(check_role_fits(Role::GridWorker, UnitKind::Court, false).is_err());
    }

    /// RID-10, RID-11: a township's or village's head holds `unit_head` there without being a
    /// police officer; a police unit's head is still an officer, and no other body has one.
    #[test]
    fn rid_10_township_and_village_heads_are_unit_heads_without_a_badge() {
        assert!(check_role_fits(Role::UnitHead, UnitKind::Township, false).is_ok());
        assert!(check_role_fits(Role::UnitHead, UnitKind::Village, false).is_ok());
        let err = check_role_fits(Role::UnitHead, UnitKind::Police, false).unwrap_err();
        assert_eq!(err.rule, "SEC-04");
        let err = check_role_fits(Role::UnitHead, UnitKind::Employer, false).unwrap_err();
        assert_eq!(err.rule, "ORG-05");
    }

    #[test]
    fn roles_round_trip_their_codes() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()).unwrap(), role);
        }
        assert!(Role::parse("superuser").is_err());
    }

    #[test]
    fn rev_02_one_person_never_holds_collection_and_review() {
        assert!(check_separation(&[Role::Collector], Role::Reviewer).is_err());
        assert!(check_separation(&[Role::Reviewer, Role::Admin], Role::Collector).is_err());
        assert!(check_separation(&[Role::Collector], Role::NoticeClerk).is_ok());
        assert!(check_separation(&[Role::Reviewer], Role::Reviewer).is_ok());
        let err = check_separation(&[Role::Collector], Role::Reviewer).unwrap_err();
        assert_eq!(
            (err.rule, err.code.as_str()),
            ("REV-02", "role.collector_reviewer_separated")
        );
    }
}
