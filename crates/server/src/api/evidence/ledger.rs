//! Recorders and their ledger (BWC-01/04/12): the thin edge; the logic is in `services::evidence::recorders`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;

use crate::auth::Require;
use crate::context::RequestMeta;
use crate::edge::{JsonBody, Path, RecordId};
use crate::error::AppResult;
use crate::policy::{RecorderAdmins, RecorderReaders};
use crate::services::evidence::recorders::{
    self, LedgerStep, NewRecorderInput, RecorderPage, RecorderView,
};
use crate::state::AppState;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRecorder {
    pub number: String,
    pub unit_id: Option<i64>,
    pub brand: String,
    pub model: String,
}

#[utoipa::path(get, path = "/api/v1/recorders", tag = "evidence", responses((status = 200, body = Vec<RecorderView>)))]
pub async fn list_recorders(
    State(state): State<AppState>,
    user: Require<RecorderReaders>,
) -> AppResult<Json<Vec<RecorderView>>> {
    Ok(Json(recorders::list(&state, &user).await?))
}

#[utoipa::path(post, path = "/api/v1/recorders", tag = "evidence", request_body = NewRecorder,
    responses((status = 201, body = RecorderView), (status = 409), (status = 422)))]
pub async fn register_recorder(
    State(state): State<AppState>,
    user: Require<RecorderAdmins>,
    meta: RequestMeta,
    JsonBody(b): JsonBody<NewRecorder>,
) -> AppResult<(StatusCode, Json<RecorderView>)> {
    let input = NewRecorderInput {
        number: b.number,
        unit_id: b.unit_id,
        brand: b.brand,
        model: b.model,
    };
    Ok((
        StatusCode::CREATED,
        Json(recorders::register(&state, &user, &meta, input).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/recorders/{id}", tag = "evidence", params(("id" = i64, Path, description = "The recorder")), responses((status = 200, body = RecorderPage)))]
pub async fn show_recorder(
    State(state): State<AppState>,
    user: Require<RecorderReaders>,
    Path(RecordId(id)): Path<RecordId>,
) -> AppResult<Json<RecorderPage>> {
    Ok(Json(recorders::show(&state, &user, id).await?))
}

#[utoipa::path(post, path = "/api/v1/recorders/{id}/ledger", tag = "evidence", params(("id" = i64, Path, description = "The recorder")), request_body = LedgerStep,
    responses((status = 200, body = RecorderPage), (status = 409, description = "the recorder changed meanwhile"), (status = 422)))]
pub async fn ledger_step(
    State(state): State<AppState>,
    user: Require<RecorderAdmins>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    JsonBody(b): JsonBody<LedgerStep>,
) -> AppResult<Json<RecorderPage>> {
    let step = b.into_step()?;
    Ok(Json(recorders::step(&state, &user, &meta, id, step).await?))
}
