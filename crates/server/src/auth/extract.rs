//! Extractors that state the privilege a handler needs. A handler that takes `Require<Admins>`
//! cannot run for anyone who is not an administrator; one that forgets to ask for a principal
//! has no user to act for, so it cannot reach scoped data at all.

use std::marker::PhantomData;
use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use roadwarden_domain::roles::Role;

use super::Principal;
use crate::error::AppError;
use crate::state::AppState;

/// Anyone with a live session, even one who must change their password first.
pub struct SignedIn(pub Arc<Principal>);

/// A signed-in user whose password is current (SEC-02).
pub struct CurrentUser(pub Arc<Principal>);

/// A set of roles, any of which grants access.
pub trait RoleSet: Send + Sync + 'static {
    const ROLES: &'static [Role];
}

/// A current user holding at least one role of `R`.
pub struct Require<R: RoleSet>(pub Arc<Principal>, PhantomData<R>);

impl<R: RoleSet> std::ops::Deref for Require<R> {
    type Target = Principal;
    fn deref(&self) -> &Principal {
        &self.0
    }
}

impl std::ops::Deref for CurrentUser {
    type Target = Principal;
    fn deref(&self) -> &Principal {
        &self.0
    }
}

/// System operators: units, accounts, calendars.
pub struct Admins;
impl RoleSet for Admins {
    const ROLES: &'static [Role] = &[Role::Admin];
}

/// Who may read the audit trail: discipline / audit, unit heads, operators.
pub struct AuditReaders;
impl RoleSet for AuditReaders {
    const ROLES: &'static [Role] = &[Role::Auditor, Role::UnitHead, Role::Admin];
}

/// Who may see the organisation's accounts: operators, unit heads, auditors.
pub struct AccountReaders;
impl RoleSet for AccountReaders {
    const ROLES: &'static [Role] = &[Role::Admin, Role::UnitHead, Role::Auditor];
}

fn principal(parts: &Parts) -> Result<Arc<Principal>, AppError> {
    parts
        .extensions
        .get::<Option<Arc<Principal>>>()
        .cloned()
        .flatten()
        .ok_or(AppError::Unauthenticated)
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, AppError> {
        principal(parts).map(SignedIn)
    }
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, AppError> {
        let p = principal(parts)?;
        if p.must_change.is_some() {
            return Err(AppError::PasswordChangeRequired);
        }
        Ok(CurrentUser(p))
    }
}

impl<R: RoleSet> FromRequestParts<AppState> for Require<R> {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let CurrentUser(p) = CurrentUser::from_request_parts(parts, state).await?;
        if !p.has_any(R::ROLES) {
            let names: Vec<&str> = R::ROLES.iter().map(|r| r.as_str()).collect();
            return Err(AppError::forbidden(
                "role.missing",
                format!("this needs one of the roles: {}", names.join(", ")),
            ));
        }
        Ok(Require(p, PhantomData))
    }
}

/// Who proposes and keeps devices (DEV-02, DEV-10, DEV-13, DEV-15).
pub struct DeviceManagers;
impl RoleSet for DeviceManagers {
    const ROLES: &'static [Role] = &[Role::DeviceManager];
}

/// The three reviewing departments of DEV-03.
pub struct DeviceReviewers;
impl RoleSet for DeviceReviewers {
    const ROLES: &'static [Role] = &[
        Role::TechReviewer,
        Role::LegalReviewer,
        Role::OpinionReviewer,
    ];
}

/// Who acts on devices: managers, and supervisors of upper units (SUP-04..06, ORG-03).
pub struct DeviceActors;
impl RoleSet for DeviceActors {
    const ROLES: &'static [Role] = &[Role::DeviceManager, Role::Supervisor];
}
