//! Extractors that state the privilege a handler needs (the role sets are in `policy`). A
//! handler that takes `Require<Admins>` cannot run for anyone who is not an administrator; one that forgets to ask for a principal
//! has no user to act for, so it cannot reach scoped data at all.

use roadwarden_domain::codes::Code;
use std::marker::PhantomData;
use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use super::Principal;
use crate::error::AppError;
use crate::policy::RoleSet;

/// Anyone with a live session, even one who must change their password first.
pub struct SignedIn(pub Arc<Principal>);

/// A signed-in user whose password is current (SEC-02).
pub struct CurrentUser(pub Arc<Principal>);

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

fn principal(parts: &Parts) -> Result<Arc<Principal>, AppError> {
    parts
        .extensions
        .get::<Option<Arc<Principal>>>()
        .cloned()
        .flatten()
        .ok_or(AppError::Unauthenticated)
}

impl<S: Send + Sync> FromRequestParts<S> for SignedIn {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        principal(parts).map(SignedIn)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        let p = principal(parts)?;
        if p.must_change.is_some() {
            return Err(AppError::PasswordChangeRequired);
        }
        Ok(CurrentUser(p))
    }
}

impl<R: RoleSet, S: Send + Sync> FromRequestParts<S> for Require<R> {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let CurrentUser(p) = CurrentUser::from_request_parts(parts, state).await?;
        if !p.has_any(R::ROLES) {
            let names: Vec<&str> = R::ROLES.iter().map(|r| r.as_str()).collect();
            return Err(AppError::forbidden(
                Code::RoleMissing,
                format!("this needs one of the roles: {}", names.join(", ")),
            ));
        }
        Ok(Require(p, PhantomData))
    }
}

/// Whoever opens a public page: nobody, or a signed-in person. A public page asks only for
/// the CSRF token of a browser session, so that its forms post like any other page's (a
/// cookie-authenticated write carries the token, `middleware::check_csrf`).
pub struct Visitor(pub Option<Arc<Principal>>);

impl Visitor {
    /// The token a form of a public page carries for a signed-in browser, if any.
    pub fn csrf(&self) -> Option<String> {
        self.0
            .as_ref()
            .filter(|p| p.via == super::AuthVia::Cookie)
            .map(|p| p.csrf_token.clone())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Visitor {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        Ok(Visitor(principal(parts).ok()))
    }
}
