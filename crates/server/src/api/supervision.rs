//! SUP-02, SUP-03, SUP-06, SUP-07, AUD-09 over the API: the check and rectification list, the
//! on-demand analysis, warnings, the circuit breaker and complaints.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use roadwarden_domain::DeviceId;
use serde::Deserialize;

use crate::auth::Require;
use crate::context::RequestMeta;
use crate::edge::{JsonBody, Path, Query, RecordId};
use crate::error::AppResult;
use crate::policy::{CheckListActors, CheckListReaders, ComplaintHandlers, Supervisors};
use crate::services::supervision::analysis::{self, RunInput};
use crate::services::supervision::complaints::{self, ComplaintStepInput, RegisterInput};
use crate::services::supervision::items::{self, BreakInput, StepInput, WarnInput};
use crate::services::supervision::views::{ComplaintView, ItemPage, ItemView, RunReport};
use crate::state::AppState;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Only items not yet accepted.
    #[serde(default)]
    pub open: bool,
    /// One device's items (its history of decisions).
    #[serde(default)]
    pub device_id: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/supervision/items", tag = "supervision", params(ListQuery),
    responses((status = 200, body = Vec<ItemView>),
        (status = 404, description = "the device asked for is not in your units", body = crate::error::ErrorEnvelope)))]
pub async fn list(
    State(state): State<AppState>,
    user: Require<CheckListReaders>,
    Query(q): Query<ListQuery>,
) -> AppResult<Json<Vec<ItemView>>> {
    Ok(Json(match q.device_id {
        Some(d) => items::of_device(&state, &user, DeviceId(d)).await?,
        None => items::list(&state, &user, q.open).await?,
    }))
}

#[utoipa::path(get, path = "/api/v1/supervision/items/{id}", tag = "supervision",
    params(("id" = i64, Path, description = "The check-list item")),
    responses((status = 200, body = ItemPage), (status = 404, body = crate::error::ErrorEnvelope)))]
pub async fn show(
    State(state): State<AppState>,
    user: Require<CheckListReaders>,
    Path(RecordId(id)): Path<RecordId>,
) -> AppResult<Json<ItemPage>> {
    Ok(Json(items::show(&state, &user, id).await?))
}

#[utoipa::path(post, path = "/api/v1/supervision/items/{id}/steps", tag = "supervision",
    params(("id" = i64, Path, description = "The check-list item")), request_body = StepInput,
    responses((status = 200, body = ItemPage), (status = 422, body = crate::error::ErrorEnvelope)))]
pub async fn step(
    State(state): State<AppState>,
    user: Require<CheckListActors>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    JsonBody(input): JsonBody<StepInput>,
) -> AppResult<Json<ItemPage>> {
    Ok(Json(items::act(&state, &user, &meta, id, &input).await?))
}

#[utoipa::path(post, path = "/api/v1/supervision/items/{id}/circuit-break", tag = "supervision",
    params(("id" = i64, Path, description = "The check-list item")), request_body = BreakInput,
    responses((status = 200, body = ItemPage), (status = 422, body = crate::error::ErrorEnvelope)))]
pub async fn circuit_break(
    State(state): State<AppState>,
    user: Require<Supervisors>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    JsonBody(input): JsonBody<BreakInput>,
) -> AppResult<Json<ItemPage>> {
    Ok(Json(
        items::circuit_break(&state, &user, &meta, id, &input).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/supervision/warnings", tag = "supervision",
    request_body = WarnInput,
    responses((status = 201, body = ItemPage), (status = 404, body = crate::error::ErrorEnvelope), (status = 422, body = crate::error::ErrorEnvelope)))]
pub async fn warn(
    State(state): State<AppState>,
    user: Require<Supervisors>,
    meta: RequestMeta,
    JsonBody(input): JsonBody<WarnInput>,
) -> AppResult<(StatusCode, Json<ItemPage>)> {
    Ok((
        StatusCode::CREATED,
        Json(items::warn(&state, &user, &meta, &input).await?),
    ))
}

#[utoipa::path(post, path = "/api/v1/supervision/analysis", tag = "supervision",
    request_body = RunInput, responses((status = 200, body = RunReport), (status = 422, body = crate::error::ErrorEnvelope)))]
pub async fn run_analysis(
    State(state): State<AppState>,
    user: Require<Supervisors>,
    meta: RequestMeta,
    JsonBody(input): JsonBody<RunInput>,
) -> AppResult<Json<RunReport>> {
    Ok(Json(
        analysis::run_on_demand(&state, &user, &meta, &input).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/supervision/complaints", tag = "supervision",
    responses((status = 200, body = Vec<ComplaintView>)))]
pub async fn list_complaints(
    State(state): State<AppState>,
    user: Require<ComplaintHandlers>,
) -> AppResult<Json<Vec<ComplaintView>>> {
    Ok(Json(complaints::list(&state, &user).await?))
}

#[utoipa::path(post, path = "/api/v1/supervision/complaints", tag = "supervision",
    request_body = RegisterInput,
    responses((status = 201, body = ComplaintView), (status = 422, body = crate::error::ErrorEnvelope)))]
pub async fn register_complaint(
    State(state): State<AppState>,
    user: Require<ComplaintHandlers>,
    meta: RequestMeta,
    JsonBody(input): JsonBody<RegisterInput>,
) -> AppResult<(StatusCode, Json<ComplaintView>)> {
    Ok((
        StatusCode::CREATED,
        Json(complaints::register(&state, &user, &meta, &input).await?),
    ))
}

#[utoipa::path(post, path = "/api/v1/supervision/complaints/{id}/steps", tag = "supervision",
    params(("id" = i64, Path, description = "The complaint")), request_body = ComplaintStepInput,
    responses((status = 200, body = ComplaintView), (status = 422, body = crate::error::ErrorEnvelope)))]
pub async fn complaint_step(
    State(state): State<AppState>,
    user: Require<ComplaintHandlers>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    JsonBody(input): JsonBody<ComplaintStepInput>,
) -> AppResult<Json<ComplaintView>> {
    Ok(Json(
        complaints::act(&state, &user, &meta, id, &input).await?,
    ))
}
