//! `/api/v1/users`: accounts, roles, agreements and standing (SEC-01..04).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use roadwarden_domain::account::AccountStatus;
use roadwarden_domain::roles::Role;
use roadwarden_domain::{UnitId, UserId};
use roadwarden_store::users::{Agreement, GrantRecord, User, UserFilter};
use serde::{Deserialize, Serialize};

use super::Page;
use crate::auth::Require;
use crate::context::RequestMeta;
use crate::edge::{paging, JsonBody, Query};
use crate::error::AppResult;
use crate::policy::{AccountReaders, Admins};
use crate::services::accounts::{self, AccountAction, AgreementInput, CreateUserInput};
use crate::services::Authority;
use crate::state::AppState;

/// An account as the API shows it. Lists carry the identity number masked; the full number
/// is only in the (audited) detail read.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UserView {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub username: String,
    pub full_name: String,
    pub id_number: String,
    pub phone: Option<String>,
    pub person_kind: String,
    pub badge_number: Option<String>,
    pub status: String,
    pub roles: Vec<String>,
    pub locked_until: Option<DateTime<Utc>>,
    pub failed_attempts: i32,
    pub must_change_password: bool,
    pub password_changed_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

impl UserView {
    pub fn full(u: &User, roles: &[Role]) -> Self {
        Self {
            id: u.id.0,
            unit_id: u.unit_id.0,
            unit_name: u.unit_name.clone(),
            username: u.username.clone(),
            full_name: u.full_name.clone(),
            id_number: u.id_number.clone(),
            phone: u.phone.clone(),
            person_kind: u.person_kind.as_str().into(),
            badge_number: u.badge_number.clone(),
            status: u.status.as_str().into(),
            roles: roles.iter().map(|r| r.as_str().to_owned()).collect(),
            locked_until: u.locked_until,
            failed_attempts: u.failed_attempts,
            must_change_password: u.must_change_password,
            password_changed_at: u.password_changed_at,
            created_at: u.created_at,
        }
    }

    pub fn masked(u: &User, roles: &[Role]) -> Self {
        let mut v = Self::full(u, roles);
        v.id_number = mask(&u.id_number);
        v.phone = u.phone.as_deref().map(mask);
        v
    }
}

fn mask(s: &str) -> String {
    let n = s.chars().count();
    if n <= 5 {
        return "*".repeat(n);
    }
    s.chars()
        .enumerate()
        .map(|(i, c)| if i < 3 || i >= n - 2 { c } else { '*' })
        .collect()
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UserDetailView {
    pub user: UserView,
    #[schema(value_type = Vec<Object>)]
    pub grants: Vec<GrantRecord>,
    #[schema(value_type = Vec<Object>)]
    pub agreements: Vec<Agreement>,
    pub required_agreement: Option<String>,
}

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

/// Accounts in the caller's scope (the listing is audited: names are personal data).
#[utoipa::path(get, path = "/api/v1/users", tag = "users", params(UserQuery),
    responses((status = 200, body = Page<UserView>)))]
pub async fn list(
    State(state): State<AppState>,
    reader: Require<AccountReaders>,
    meta: RequestMeta,
    Query(q): Query<UserQuery>,
) -> AppResult<Json<Page<UserView>>> {
    let (limit, offset) = paging(q.limit.as_deref(), q.offset.as_deref(), 500)?;
    let (found, total) =
        accounts::list_users(&state, &reader, &meta, &q.filter()?, limit, offset).await?;
    let items = found.iter().map(|(u, r)| UserView::masked(u, r)).collect();
    Ok(Json(Page {
        items,
        total,
        limit,
        offset,
    }))
}

/// One account with its grant history and agreements (audited read of personal data).
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users",
    responses((status = 200, body = UserDetailView), (status = 404, body = crate::error::ErrorEnvelope)))]
pub async fn show(
    State(state): State<AppState>,
    reader: Require<AccountReaders>,
    meta: RequestMeta,
    Path(id): Path<String>,
) -> AppResult<Json<UserDetailView>> {
    let d = accounts::read_user(&state, &reader, &meta, UserId::parse(&id)?).await?;
    Ok(Json(UserDetailView {
        user: UserView::full(&d.user, &d.roles),
        grants: d.grants,
        agreements: d.agreements,
        required_agreement: d.required_agreement.map(|a| a.as_str().to_owned()),
    }))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedUser {
    pub user: UserView,
    /// The generated temporary password when none was given; shown once.
    pub temporary_password: Option<String>,
}

/// Creates an account (SEC-01 one per person; roles granted under SEC-03; SEC-04 pending
/// until the required agreement is filed).
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = CreateUserInput,
    responses((status = 201, body = CreatedUser), (status = 409, body = crate::error::ErrorEnvelope),
              (status = 422, body = crate::error::ErrorEnvelope)))]
pub async fn create(
    State(state): State<AppState>,
    admin: Require<Admins>,
    meta: RequestMeta,
    JsonBody(input): JsonBody<CreateUserInput>,
) -> AppResult<(StatusCode, Json<CreatedUser>)> {
    let created =
        accounts::create_user(&state, Authority::User(&admin), &meta, &input, true).await?;
    let roles: Vec<Role> = input
        .roles
        .iter()
        .filter_map(|r| Role::parse(r).ok())
        .collect();
    Ok((
        StatusCode::CREATED,
        Json(CreatedUser {
            user: UserView::full(&created.user, &roles),
            temporary_password: created.temporary_password,
        }),
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct GrantRequest {
    pub role: String,
}

/// Grants a role (SEC-03: the caller must hold it at a higher unit).
#[utoipa::path(post, path = "/api/v1/users/{id}/roles", tag = "users", request_body = GrantRequest,
    responses((status = 204), (status = 409, description = "the account already holds the role", body = crate::error::ErrorEnvelope),
              (status = 422, body = crate::error::ErrorEnvelope)))]
pub async fn grant(
    State(state): State<AppState>,
    admin: Require<Admins>,
    meta: RequestMeta,
    Path(id): Path<String>,
    JsonBody(req): JsonBody<GrantRequest>,
) -> AppResult<StatusCode> {
    accounts::grant_role(
        &state,
        Authority::User(&admin),
        &meta,
        UserId::parse(&id)?,
        &req.role,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/api/v1/users/{id}/roles/{role}", tag = "users", responses((status = 204)))]
pub async fn revoke(
    State(state): State<AppState>,
    admin: Require<Admins>,
    meta: RequestMeta,
    Path((id, role)): Path<(String, String)>,
) -> AppResult<StatusCode> {
    accounts::revoke_role(
        &state,
        Authority::User(&admin),
        &meta,
        UserId::parse(&id)?,
        &role,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Files a signed agreement (SEC-04).
#[utoipa::path(post, path = "/api/v1/users/{id}/agreements", tag = "users", request_body = AgreementInput,
    responses((status = 204)))]
pub async fn file_agreement(
    State(state): State<AppState>,
    admin: Require<Admins>,
    meta: RequestMeta,
    Path(id): Path<String>,
    JsonBody(req): JsonBody<AgreementInput>,
) -> AppResult<StatusCode> {
    accounts::file_agreement(
        &state,
        Authority::User(&admin),
        &meta,
        UserId::parse(&id)?,
        &req,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct StandingRequest {
    /// activate, disable, lock or unlock.
    pub action: String,
}

/// Activates, disables, locks or unlocks an account.
#[utoipa::path(post, path = "/api/v1/users/{id}/standing", tag = "users", request_body = StandingRequest,
    responses((status = 204), (status = 422, body = crate::error::ErrorEnvelope)))]
pub async fn standing(
    State(state): State<AppState>,
    admin: Require<Admins>,
    meta: RequestMeta,
    Path(id): Path<String>,
    JsonBody(req): JsonBody<StandingRequest>,
) -> AppResult<StatusCode> {
    let action = AccountAction::parse(&req.action)?;
    accounts::change_standing(
        &state,
        Authority::User(&admin),
        &meta,
        UserId::parse(&id)?,
        action,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ResetResponse {
    pub temporary_password: String,
}

/// Resets a password to a temporary one that must be changed at the next sign-in.
#[utoipa::path(post, path = "/api/v1/users/{id}/password-reset", tag = "users",
    responses((status = 200, body = ResetResponse)))]
pub async fn reset_password(
    State(state): State<AppState>,
    admin: Require<Admins>,
    meta: RequestMeta,
    Path(id): Path<String>,
) -> AppResult<Json<ResetResponse>> {
    let temporary_password =
        accounts::reset_password(&state, Authority::User(&admin), &meta, UserId::parse(&id)?)
            .await?;
    Ok(Json(ResetResponse { temporary_password }))
}
