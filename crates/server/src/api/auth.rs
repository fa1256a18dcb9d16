//! Tokens for API clients, password changes and "who am I".

use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::auth::SignedIn;
use crate::context::RequestMeta;
use crate::edge::{JsonBody, Path, RecordId};
use crate::error::AppResult;
use crate::services::accounts;
use crate::services::signin::{self, SessionKind};
use crate::state::AppState;
use crate::views::accounts::UserView;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TokenRequest {
    pub username: String,
    pub password: String,
    /// A name for the token, e.g. the client program.
    #[serde(default)]
    pub label: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokenResponse {
    /// Send as `Authorization: Bearer <token>`. Shown once; only its hash is kept.
    pub token: String,
    pub expires_at: DateTime<Utc>,
    /// SEC-02: when true, only `POST /auth/password` is allowed until the password is changed.
    pub must_change_password: bool,
}

/// Signs in and issues a bearer token (SEC-02 lock-out applies).
#[utoipa::path(post, path = "/api/v1/auth/token", tag = "auth", request_body = TokenRequest, security(()),
    responses((status = 201, body = TokenResponse),
              (status = 401, description = "wrong username or password", body = crate::error::ErrorEnvelope),
              (status = 403, description = "the account is not active, or its confidentiality agreement is not on file", body = crate::error::ErrorEnvelope),
              (status = 423, description = "account locked", body = crate::error::ErrorEnvelope),
              (status = 429, description = "SEC-02: too many sign-in attempts from this address or for this name", body = crate::error::ErrorEnvelope),
              (status = 503, description = "every password-hashing turn is taken; retry in a moment", body = crate::error::ErrorEnvelope)))]
pub async fn create_token(
    state: axum::extract::State<AppState>,
    meta: RequestMeta,
    JsonBody(req): JsonBody<TokenRequest>,
) -> AppResult<(StatusCode, Json<TokenResponse>)> {
    let label: String = req
        .label
        .as_deref()
        .unwrap_or("api")
        .chars()
        .take(64)
        .collect();
    let issued = signin::sign_in(
        &state,
        &meta,
        &req.username,
        &req.password,
        SessionKind::Api,
        &label,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(TokenResponse {
            token: issued.token,
            expires_at: issued.expires_at,
            must_change_password: issued.must_change.is_some(),
        }),
    ))
}

/// Revokes the token (or session) this request is made with.
#[utoipa::path(delete, path = "/api/v1/auth/token", tag = "auth", responses((status = 204)))]
pub async fn revoke_token(
    state: axum::extract::State<AppState>,
    meta: RequestMeta,
    SignedIn(p): SignedIn,
) -> AppResult<StatusCode> {
    signin::sign_out(&state, &p, &meta, p.session_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

/// Changes the caller's password (SEC-02); other sessions end.
#[utoipa::path(post, path = "/api/v1/auth/password", tag = "auth", request_body = PasswordChange,
    responses((status = 204), (status = 422, body = crate::error::ErrorEnvelope),
              (status = 503, description = "every password-hashing turn is taken; retry in a moment", body = crate::error::ErrorEnvelope)))]
pub async fn change_password(
    state: axum::extract::State<AppState>,
    meta: RequestMeta,
    SignedIn(p): SignedIn,
    JsonBody(req): JsonBody<PasswordChange>,
) -> AppResult<StatusCode> {
    accounts::change_own_password(&state, &p, &meta, &req.current_password, &req.new_password)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Me {
    pub user: UserView,
    pub must_change_password: bool,
}

/// The signed-in account.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth", responses((status = 200, body = Me)))]
pub async fn me(SignedIn(p): SignedIn) -> Json<Me> {
    Json(Me {
        user: UserView::full(&p.user, &p.roles),
        must_change_password: p.must_change.is_some(),
    })
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SessionView {
    pub id: i64,
    /// browser or api.
    pub kind: String,
    pub label: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub ip: String,
    /// The session this request is made with.
    pub current: bool,
}

/// The caller's live browser sessions and API tokens.
#[utoipa::path(get, path = "/api/v1/me/sessions", tag = "auth",
    responses((status = 200, body = Vec<SessionView>)))]
pub async fn sessions(
    state: axum::extract::State<AppState>,
    SignedIn(p): SignedIn,
) -> AppResult<Json<Vec<SessionView>>> {
    let live = signin::live_sessions(&state, &p).await?;
    Ok(Json(
        live.into_iter()
            .map(|s| SessionView {
                current: s.id == p.session_id,
                id: s.id,
                kind: s.kind,
                label: s.label,
                created_at: s.created_at,
                last_seen_at: s.last_seen_at,
                expires_at: s.expires_at,
                ip: s.ip,
            })
            .collect(),
    ))
}

/// Revokes one of the caller's sessions or tokens (e.g. a browser left signed in elsewhere).
#[utoipa::path(delete, path = "/api/v1/me/sessions/{id}", tag = "auth",
    params(("id" = i64, Path, description = "The session or token")),
    responses((status = 204), (status = 404, body = crate::error::ErrorEnvelope)))]
pub async fn revoke_session(
    state: axum::extract::State<AppState>,
    meta: RequestMeta,
    SignedIn(p): SignedIn,
    Path(RecordId(id)): Path<RecordId>,
) -> AppResult<StatusCode> {
    signin::sign_out(&state, &p, &meta, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
