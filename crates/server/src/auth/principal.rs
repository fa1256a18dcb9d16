//! The signed-in person behind a request, with their roles and unit scope (ORG-02).

use roadwarden_domain::account::ChangeReason;
use roadwarden_domain::org::UnitPath;
use roadwarden_domain::roles::Role;
use roadwarden_store::users::User;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthVia {
    /// Browser session cookie: state-changing requests must carry the CSRF token.
    Cookie,
    /// `Authorization: Bearer` API token: no ambient credentials, so no CSRF check.
    Bearer,
}

#[derive(Debug, Clone)]
pub struct Principal {
    pub user: User,
    pub roles: Vec<Role>,
    pub session_id: i64,
    pub csrf_token: String,
    pub via: AuthVia,
    /// SEC-02: set when the password must be changed before anything else.
    pub must_change: Option<ChangeReason>,
}

impl Principal {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    pub fn has_any(&self, roles: &[Role]) -> bool {
        roles.iter().any(|r| self.has(*r))
    }

    /// Holds a role of the set `R` (see `policy`).
    pub fn may<R: crate::policy::RoleSet>(&self) -> bool {
        self.has_any(R::ROLES)
    }

    /// ORG-02: the subtree this person may see.
    pub fn scope(&self) -> &UnitPath {
        &self.user.unit_path
    }

    pub fn covers(&self, path: &UnitPath) -> bool {
        self.scope().covers(path)
    }

    /// Acts for the root of the unit tree (sees the system's own audit entries).
    pub fn at_root(&self) -> bool {
        self.scope().depth() == 1
    }
}
