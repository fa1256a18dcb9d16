//! `/api/v1/users`: accounts, roles, agreements and standing (SEC-01..04).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use roadwarden_domain::roles::Role;
use roadwarden_domain::UserId;
use serde::{Deserialize, Serialize};

use super::Page;
use crate::auth::Require;
use crate::context::RequestMeta;
use crate::edge::{paging, JsonBody, Path, Query, RecordId};
use crate::error::AppResult;
use crate::policy::{AccountReaders, Admins};
use crate::services::accounts::{self, AccountAction, AgreementInput, CreateUserInput, UserQuery};
use crate::services::Authority;
use crate::state::AppState;
use crate::views::accounts::{UserDetailView, UserView};

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
    params(("id" = i64, Path, description = "The account")),
    responses((status = 200, body = UserDetailView), (status = 404, body = crate::error::ErrorEnvelope)))]
pub async fn show(
    State(state): State<AppState>,
    reader: Require<AccountReaders>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
) -> AppResult<Json<UserDetailView>> {
    let d = accounts::read_user(&state, &reader, &meta, UserId(id)).await?;
    Ok(Json(UserDetailView {
        user: UserView::full(&d.user, &d.roles),
        grants: d.grants.into_iter().map(Into::into).collect(),
        agreements: d.agreements.into_iter().map(Into::into).collect(),
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
    params(("id" = i64, Path, description = "The account")),
    responses((status = 204), (status = 409, description = "the account already holds the role", body = crate::error::ErrorEnvelope),
              (status = 422, body = crate::error::ErrorEnvelope)))]
pub async fn grant(
    State(state): State<AppState>,
    admin: Require<Admins>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    JsonBody(req): JsonBody<GrantRequest>,
) -> AppResult<StatusCode> {
    accounts::grant_role(
        &state,
        Authority::User(&admin),
        &meta,
        UserId(id),
        &req.role,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/api/v1/users/{id}/roles/{role}", tag = "users",
    params(("id" = i64, Path, description = "The account"), ("role" = String, Path, description = "The role to revoke")),
    responses((status = 204)))]
pub async fn revoke(
    State(state): State<AppState>,
    admin: Require<Admins>,
    meta: RequestMeta,
    Path((id, role)): Path<(RecordId, String)>,
) -> AppResult<StatusCode> {
    accounts::revoke_role(&state, Authority::User(&admin), &meta, UserId(id.0), &role).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Files a signed agreement (SEC-04).
#[utoipa::path(post, path = "/api/v1/users/{id}/agreements", tag = "users", request_body = AgreementInput,
    params(("id" = i64, Path, description = "The account")),
    responses((status = 204)))]
pub async fn file_agreement(
    State(state): State<AppState>,
    admin: Require<Admins>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    JsonBody(req): JsonBody<AgreementInput>,
) -> AppResult<StatusCode> {
    accounts::file_agreement(&state, Authority::User(&admin), &meta, UserId(id), &req).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct StandingRequest {
    /// activate, disable, lock or unlock.
    pub action: String,
}

/// Activates, disables, locks or unlocks an account.
#[utoipa::path(post, path = "/api/v1/users/{id}/standing", tag = "users", request_body = StandingRequest,
    params(("id" = i64, Path, description = "The account")),
    responses((status = 204), (status = 422, body = crate::error::ErrorEnvelope)))]
pub async fn standing(
    State(state): State<AppState>,
    admin: Require<Admins>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    JsonBody(req): JsonBody<StandingRequest>,
) -> AppResult<StatusCode> {
    let action = AccountAction::parse(&req.action)?;
    accounts::change_standing(&state, Authority::User(&admin), &meta, UserId(id), action).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ResetResponse {
    pub temporary_password: String,
}

/// Resets a password to a temporary one that must be changed at the next sign-in.
#[utoipa::path(post, path = "/api/v1/users/{id}/password-reset", tag = "users",
    params(("id" = i64, Path, description = "The account")),
    responses((status = 200, body = ResetResponse)))]
pub async fn reset_password(
    State(state): State<AppState>,
    admin: Require<Admins>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
) -> AppResult<Json<ResetResponse>> {
    let temporary_password =
        accounts::reset_password(&state, Authority::User(&admin), &meta, UserId(id)).await?;
    Ok(Json(ResetResponse { temporary_password }))
}
