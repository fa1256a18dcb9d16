//! Reading accounts under scope; names and numbers are personal data, so every read and
//! listing is an audit entry (SEC-05).

use roadwarden_domain::account::{required_agreement, AccountStatus, AgreementKind};
use roadwarden_domain::roles::Role;
use roadwarden_domain::{UnitId, UserId};
use roadwarden_store::units;
use roadwarden_store::users::{self, User, UserFilter};
use serde::Deserialize;
use serde_json::json;

use super::{user_event, user_in_scope};
use crate::auth::Principal;
use crate::context::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::services::audit::{record, Actor, Event};
use crate::services::context::ServiceContext;
use crate::services::Authority;

/// An account with its roles, grant history and agreements, for its page.
#[derive(Debug, serde::Serialize)]
pub struct UserDetail {
    pub user: User,
    pub roles: Vec<Role>,
    pub grants: Vec<users::GrantRecord>,
    pub agreements: Vec<users::Agreement>,
    pub required_agreement: Option<AgreementKind>,
}

/// Reads one account. It holds personal data, so the read is an audit entry (SEC-05).
pub async fn read_user(
    ctx: &ServiceContext,
    principal: &Principal,
    meta: &RequestMeta,
    user_id: UserId,
) -> AppResult<UserDetail> {
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let user = user_in_scope(&mut tx, Authority::User(principal), user_id).await?;
    let roles = users::roles_of(&mut tx, user.id).await?;
    let grants = users::grant_history(&mut tx, user.id).await?;
    let agreements = users::agreements_of(&mut tx, user.id).await?;
    record(
        &mut tx,
        &Actor::user(principal, meta),
        user_event(
            "user.read",
            user.id,
            user.unit_id,
            json!({ "username": user.username }),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    let required_agreement = required_agreement(user.person_kind, roles.contains(&Role::Admin));
    Ok(UserDetail {
        user,
        roles,
        grants,
        agreements,
        required_agreement,
    })
}

/// A page of accounts in scope. Names are personal data: the listing is an audit entry.
pub async fn list_users(
    ctx: &ServiceContext,
    principal: &Principal,
    meta: &RequestMeta,
    filter: &UserFilter,
    limit: i64,
    offset: i64,
) -> AppResult<(Vec<(User, Vec<Role>)>, i64)> {
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    if let Some(unit) = filter.unit_id {
        let unit = units::get(&mut tx, unit)
            .await?
            .ok_or(AppError::NotFound("unit"))?;
        if !principal.covers(&unit.path) {
            return Err(AppError::NotFound("unit"));
        }
    }
    let (found, total) = users::list_in_scope(
        &mut tx,
        principal.scope(),
        filter,
        limit.clamp(1, 500),
        offset.max(0),
    )
    .await?;
    let mut out = Vec::with_capacity(found.len());
    for user in found {
        let roles = users::roles_of(&mut tx, user.id).await?;
        out.push((user, roles));
    }
    record(
        &mut tx,
        &Actor::user(principal, meta),
        Event {
            action: "user.list",
            object_type: "user",
            object_id: String::new(),
            unit_id: Some(principal.user.unit_id),
            detail: json!({
                "search": filter.search,
                "unit_id": filter.unit_id,
                "returned": out.len(),
            }),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok((out, total))
}

/// The account list's query, as the API and the page parse it.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct UserQuery {
    pub search: Option<String>,
    pub unit_id: Option<String>,
    pub status: Option<String>,
    pub limit: Option<String>,
    pub offset: Option<String>,
}

impl UserQuery {
    pub fn filter(&self) -> AppResult<UserFilter> {
        let nonempty =
            |v: &Option<String>| v.as_deref().filter(|s| !s.is_empty()).map(str::to_owned);
        Ok(UserFilter {
            search: crate::edge::search_text(self.search.as_deref())?,
            unit_id: nonempty(&self.unit_id)
                .map(|u| UnitId::parse(&u))
                .transpose()?,
            status: nonempty(&self.status)
                .map(|s| AccountStatus::parse(&s))
                .transpose()?,
        })
    }
}
