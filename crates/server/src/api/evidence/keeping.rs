//! Retention (BWC-06): reasons to keep, early deletion, restore and the retention calendar.

use axum::extract::State;
use axum::Json;
use serde::Deserialize;

use crate::auth::Require;
use crate::context::RequestMeta;
use crate::edge::{JsonBody, Path, Query, RecordId};
use crate::error::AppResult;
use crate::policy::{FootageKeepers, RecorderReaders, UnitHeads};
use crate::services::evidence::retention::{self, Calendar, ReasonPath};
use crate::state::AppState;
use crate::views::evidence::{DeletionView, EvidenceView};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonInput {
    /// long_term or hold.
    pub kind: String,
    /// For long_term: a BWC-06 trigger.
    #[serde(default)]
    pub trigger: String,
    #[serde(default)]
    pub note: String,
}

#[utoipa::path(post, path = "/api/v1/evidence/{id}/reasons", tag = "evidence", params(("id" = i64, Path, description = "The footage")), request_body = ReasonInput, responses((status = 200, body = EvidenceView)))]
pub async fn add_reason(
    State(state): State<AppState>,
    user: Require<FootageKeepers>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    JsonBody(b): JsonBody<ReasonInput>,
) -> AppResult<Json<EvidenceView>> {
    Ok(Json(
        retention::add_reason(&state, &user, &meta, id, &b.kind, &b.trigger, &b.note)
            .await?
            .into(),
    ))
}

#[utoipa::path(post, path = "/api/v1/evidence/{id}/reasons/{reason}/release", tag = "evidence", params(("id" = i64, Path, description = "The footage"), ("reason" = i64, Path, description = "The reason to release")), responses((status = 200, body = EvidenceView)))]
pub async fn release_reason(
    State(state): State<AppState>,
    user: Require<UnitHeads>,
    meta: RequestMeta,
    Path(ReasonPath {
        id: RecordId(id),
        reason: RecordId(reason),
    }): Path<ReasonPath>,
) -> AppResult<Json<EvidenceView>> {
    Ok(Json(
        retention::release_reason(&state, &user, &meta, id, reason)
            .await?
            .into(),
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteInput {
    #[serde(default)]
    pub reason: String,
}

#[utoipa::path(post, path = "/api/v1/evidence/{id}/deletion", tag = "evidence", params(("id" = i64, Path, description = "The footage")), request_body = NoteInput,
    responses((status = 200, body = DeletionView), (status = 409, description = "an early deletion is already asked for")))]
pub async fn request_deletion(
    State(state): State<AppState>,
    user: Require<FootageKeepers>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    JsonBody(b): JsonBody<NoteInput>,
) -> AppResult<Json<DeletionView>> {
    Ok(Json(
        retention::request_deletion(&state, &user, &meta, id, &b.reason)
            .await?
            .into(),
    ))
}

#[utoipa::path(post, path = "/api/v1/evidence/{id}/deletion/approve", tag = "evidence", params(("id" = i64, Path, description = "The footage")),
    responses((status = 200, body = DeletionView), (status = 409, description = "already approved, or approved meanwhile")))]
pub async fn approve_deletion(
    State(state): State<AppState>,
    user: Require<UnitHeads>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
) -> AppResult<Json<DeletionView>> {
    Ok(Json(
        retention::approve_deletion(&state, &user, &meta, id)
            .await?
            .into(),
    ))
}

#[utoipa::path(post, path = "/api/v1/evidence/{id}/restore", tag = "evidence", params(("id" = i64, Path, description = "The footage")), request_body = NoteInput,
    responses((status = 200, body = EvidenceView), (status = 409, description = "the footage changed meanwhile")))]
pub async fn restore(
    State(state): State<AppState>,
    user: Require<UnitHeads>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    JsonBody(b): JsonBody<NoteInput>,
) -> AppResult<Json<EvidenceView>> {
    Ok(Json(
        retention::restore(&state, &user, &meta, id, &b.reason)
            .await?
            .into(),
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct CalendarParams {
    pub days: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/evidence-retention", tag = "evidence", params(CalendarParams), responses((status = 200, body = Calendar)))]
pub async fn calendar(
    State(state): State<AppState>,
    user: Require<RecorderReaders>,
    Query(q): Query<CalendarParams>,
) -> AppResult<Json<Calendar>> {
    Ok(Json(
        retention::calendar(&state, &user, q.days.unwrap_or(30)).await?,
    ))
}
