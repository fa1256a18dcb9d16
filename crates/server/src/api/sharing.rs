//! DAT-02, DAT-03, SEC-07, SEC-08: applications for outside queries, statistics and exports,
//! signed off by the unit head, run by technology, handed over with the head's consent.
//! SHR-01, SHR-02, STO-02: the interface registry with its data catalogue, partners and their
//! grants. The services check unit scope and the two-person rules.

use axum::extract::State;
use axum::http::{header, HeaderName, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use roadwarden_domain::sharing::catalogue::INTERFACES;
use roadwarden_domain::sharing::AppState as ApplicationState;
use serde::Deserialize;

use crate::auth::Require;
use crate::context::RequestMeta;
use crate::edge::{JsonBody, Path, Query, RecordId};
use crate::error::AppResult;
use crate::policy::{
    PartnerKeepers, PartnerReaders, SharingApplicants, SharingApprovers, SharingOperators,
    SharingReaders,
};
use crate::services::sharing::applications::{self, AppRefusal, ApplicationInput, ReleaseInput};
use crate::services::sharing::partners::{self, GrantInput, GrantStep, NewPartner, PartnerInput};
use crate::state::AppState;
use crate::views::sharing::{
    ApplicationView, GrantView, InterfaceView, PartnerDetailView, PartnerView,
};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ApplicationQuery {
    /// requested, approved, refused, run, released or exported; all when absent.
    pub state: Option<String>,
}

/// The applications under the person's units, newest first (at most 200).
#[utoipa::path(get, path = "/api/v1/sharing/applications", tag = "sharing", params(ApplicationQuery),
    responses((status = 200, body = Vec<ApplicationView>), (status = 403), (status = 422)))]
pub async fn list(
    State(state): State<AppState>,
    user: Require<SharingReaders>,
    meta: RequestMeta,
    Query(q): Query<ApplicationQuery>,
) -> AppResult<Json<Vec<ApplicationView>>> {
    let wanted = match q.state.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(ApplicationState::parse(s)?),
        None => None,
    };
    let rows = applications::list(&state, &user, &meta, wanted).await?;
    Ok(Json(rows.into_iter().map(Into::into).collect()))
}

/// DAT-02 / SEC-07 / SEC-08: files an outside body's query or statistics application, or an
/// export application, with the purpose and the span.
#[utoipa::path(post, path = "/api/v1/sharing/applications", tag = "sharing", request_body = ApplicationInput,
    responses((status = 201, body = ApplicationView), (status = 403), (status = 422)))]
pub async fn create(
    State(state): State<AppState>,
    user: Require<SharingApplicants>,
    meta: RequestMeta,
    JsonBody(input): JsonBody<ApplicationInput>,
) -> AppResult<(StatusCode, Json<ApplicationView>)> {
    let a = applications::file(&state, &user, &meta, &input).await?;
    Ok((StatusCode::CREATED, Json(a.into())))
}

#[utoipa::path(get, path = "/api/v1/sharing/applications/{id}", tag = "sharing", params(("id" = i64, Path, description = "The application")),
    responses((status = 200, body = ApplicationView), (status = 403), (status = 404)))]
pub async fn show(
    State(state): State<AppState>,
    user: Require<SharingReaders>,
    Path(RecordId(id)): Path<RecordId>,
) -> AppResult<Json<ApplicationView>> {
    Ok(Json(applications::get(&state, &user, id).await?.into()))
}

/// DAT-02: the unit head signs off (never their own application).
#[utoipa::path(post, path = "/api/v1/sharing/applications/{id}/approve", tag = "sharing", params(("id" = i64, Path, description = "The application")),
    responses((status = 200, body = ApplicationView), (status = 403), (status = 404), (status = 422)))]
pub async fn approve(
    State(state): State<AppState>,
    user: Require<SharingApprovers>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
) -> AppResult<Json<ApplicationView>> {
    let a = applications::decide(&state, &user, &meta, id, None).await?;
    Ok(Json(a.into()))
}

/// DAT-02: the unit head refuses, with the reason.
#[utoipa::path(post, path = "/api/v1/sharing/applications/{id}/refuse", tag = "sharing", params(("id" = i64, Path, description = "The application")),
    request_body = AppRefusal, responses((status = 200, body = ApplicationView), (status = 403), (status = 404), (status = 422)))]
pub async fn refuse(
    State(state): State<AppState>,
    user: Require<SharingApprovers>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    JsonBody(input): JsonBody<AppRefusal>,
) -> AppResult<Json<ApplicationView>> {
    let a = applications::decide(&state, &user, &meta, id, Some(&input.reason)).await?;
    Ok(Json(a.into()))
}

/// DAT-02: the technology department runs an approved query or statistics application; the
/// result file is kept with its SHA-256.
#[utoipa::path(post, path = "/api/v1/sharing/applications/{id}/run", tag = "sharing", params(("id" = i64, Path, description = "The application")),
    responses((status = 200, body = ApplicationView), (status = 403), (status = 404), (status = 422)))]
pub async fn run(
    State(state): State<AppState>,
    user: Require<SharingOperators>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
) -> AppResult<Json<ApplicationView>> {
    Ok(Json(
        applications::run(&state, &user, &meta, id).await?.into(),
    ))
}

/// DAT-03: the head of the providing unit consents to hand the result over, naming who
/// receives it; the record keeps what, to whom, why and the file's SHA-256.
#[utoipa::path(post, path = "/api/v1/sharing/applications/{id}/release", tag = "sharing", params(("id" = i64, Path, description = "The application")),
    request_body = ReleaseInput, responses((status = 200, body = ApplicationView), (status = 403), (status = 404), (status = 422)))]
pub async fn release(
    State(state): State<AppState>,
    user: Require<SharingApprovers>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    JsonBody(input): JsonBody<ReleaseInput>,
) -> AppResult<Json<ApplicationView>> {
    let a = applications::release(&state, &user, &meta, id, &input).await?;
    Ok(Json(a.into()))
}

/// DAT-03: the released result file (CSV); `X-Content-SHA256` carries the recorded hash. Each
/// download is audited.
#[utoipa::path(get, path = "/api/v1/sharing/applications/{id}/result", tag = "sharing", params(("id" = i64, Path, description = "The application")),
    responses((status = 200, content_type = "text/csv", body = String), (status = 403), (status = 404), (status = 422)))]
pub async fn result(
    State(state): State<AppState>,
    user: Require<SharingReaders>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
) -> AppResult<Response> {
    let (name, bytes) = applications::result(&state, &user, &meta, id).await?;
    let sha = crate::services::sharing::sha256_hex(&bytes);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (HeaderName::from_static("x-content-sha256"), sha),
        ],
        bytes,
    )
        .into_response())
}

/// SHR-01 / STO-02: every interface the platform offers, with its data type's fields.
#[utoipa::path(get, path = "/api/v1/sharing/interfaces", tag = "sharing",
    responses((status = 200, body = Vec<InterfaceView>), (status = 403)))]
pub async fn interfaces(_user: Require<PartnerReaders>) -> Json<Vec<InterfaceView>> {
    Json(INTERFACES.iter().map(Into::into).collect())
}

/// The partners of the person's units.
#[utoipa::path(get, path = "/api/v1/sharing/partners", tag = "sharing",
    responses((status = 200, body = Vec<PartnerView>), (status = 403)))]
pub async fn partners_list(
    State(state): State<AppState>,
    user: Require<PartnerReaders>,
) -> AppResult<Json<Vec<PartnerView>>> {
    let rows = partners::list(&state, &user).await?;
    Ok(Json(rows.into_iter().map(Into::into).collect()))
}

/// SHR-02: registers a partner; its key is in this answer only.
#[utoipa::path(post, path = "/api/v1/sharing/partners", tag = "sharing", request_body = PartnerInput,
    responses((status = 201, body = NewPartner), (status = 403), (status = 422)))]
pub async fn partner_create(
    State(state): State<AppState>,
    user: Require<PartnerKeepers>,
    meta: RequestMeta,
    JsonBody(input): JsonBody<PartnerInput>,
) -> AppResult<(StatusCode, Json<NewPartner>)> {
    let p = partners::register(&state, &user, &meta, &input).await?;
    Ok((StatusCode::CREATED, Json(p)))
}

/// A partner with its grants and its usage per grant.
#[utoipa::path(get, path = "/api/v1/sharing/partners/{id}", tag = "sharing", params(("id" = i64, Path, description = "The partner")),
    responses((status = 200, body = PartnerDetailView), (status = 403), (status = 404)))]
pub async fn partner_show(
    State(state): State<AppState>,
    user: Require<PartnerReaders>,
    Path(RecordId(id)): Path<RecordId>,
) -> AppResult<Json<PartnerDetailView>> {
    let (p, grants, usage) = partners::show(&state, &user, id).await?;
    Ok(Json(PartnerDetailView {
        partner: p.into(),
        grants: grants.into_iter().map(Into::into).collect(),
        usage: usage.into_iter().map(Into::into).collect(),
    }))
}

/// SHR-02: proposes a grant (interface, scope, span, categories, include-only fields with
/// masks, purpose, expiry); a second person approves it.
#[utoipa::path(post, path = "/api/v1/sharing/partners/{id}/grants", tag = "sharing", params(("id" = i64, Path, description = "The partner")),
    request_body = GrantInput, responses((status = 201, body = GrantView), (status = 403), (status = 404), (status = 422)))]
pub async fn grant_create(
    State(state): State<AppState>,
    user: Require<PartnerKeepers>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    JsonBody(input): JsonBody<GrantInput>,
) -> AppResult<(StatusCode, Json<GrantView>)> {
    let g = partners::propose(&state, &user, &meta, id, &input).await?;
    Ok((StatusCode::CREATED, Json(g.into())))
}

async fn grant_step(
    state: AppState,
    user: &crate::auth::Principal,
    meta: &RequestMeta,
    id: i64,
    what: GrantStep,
) -> AppResult<Json<GrantView>> {
    Ok(Json(
        partners::step(&state, user, meta, id, what).await?.into(),
    ))
}

/// SHR-02: a second person approves the grant (never its creator).
#[utoipa::path(post, path = "/api/v1/sharing/grants/{id}/approve", tag = "sharing", params(("id" = i64, Path, description = "The grant")),
    responses((status = 200, body = GrantView), (status = 403), (status = 404), (status = 422)))]
pub async fn grant_approve(
    State(state): State<AppState>,
    user: Require<PartnerKeepers>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
) -> AppResult<Json<GrantView>> {
    grant_step(state, &user, &meta, id, GrantStep::Approve).await
}

/// SHR-02: refuses a proposed grant.
#[utoipa::path(post, path = "/api/v1/sharing/grants/{id}/refuse", tag = "sharing", params(("id" = i64, Path, description = "The grant")),
    responses((status = 200, body = GrantView), (status = 403), (status = 404), (status = 422)))]
pub async fn grant_refuse(
    State(state): State<AppState>,
    user: Require<PartnerKeepers>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
) -> AppResult<Json<GrantView>> {
    grant_step(state, &user, &meta, id, GrantStep::Refuse).await
}

/// SHR-02: revokes an approved grant; the partner's next call is refused.
#[utoipa::path(post, path = "/api/v1/sharing/grants/{id}/revoke", tag = "sharing", params(("id" = i64, Path, description = "The grant")),
    responses((status = 200, body = GrantView), (status = 403), (status = 404), (status = 422)))]
pub async fn grant_revoke(
    State(state): State<AppState>,
    user: Require<PartnerKeepers>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
) -> AppResult<Json<GrantView>> {
    grant_step(state, &user, &meta, id, GrantStep::Revoke).await
}
