//! RID-09..11: the task board, the loop's steps, result photos and the township's assessment.

use axum::extract::State;
use axum::response::Response;
use axum::Json;
use roadwarden_domain::rider::TaskState;
use roadwarden_domain::FieldError;
use serde::Deserialize;

use crate::auth::Require;
use crate::context::RequestMeta;
use crate::edge::{JsonBody, MultipartBody, Path, Query, RecordId};
use crate::error::AppResult;
use crate::policy::{GridWorkers, RiderAssessors, RiderOfficers, RiderTaskActors};
use crate::services::riders::tasks::{self, StepInput};
use crate::state::AppState;
use crate::views::riders::{Assessment, RiderTaskView};

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct BoardQuery {
    /// dispatched, accepted, reported or passed; the open tasks when absent.
    pub state: Option<String>,
}

/// RID-10 c, RID-11: an officer's tasks in their units, or a grid worker's village's.
#[utoipa::path(get, path = "/api/v1/rider-tasks", tag = "riders", params(BoardQuery),
    responses((status = 200, body = Vec<RiderTaskView>), (status = 403), (status = 422)))]
pub async fn board(
    State(state): State<AppState>,
    user: Require<RiderTaskActors>,
    meta: RequestMeta,
    Query(q): Query<BoardQuery>,
) -> AppResult<Json<Vec<RiderTaskView>>> {
    let wanted = match q.state.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(TaskState::parse(s)?),
        None => None,
    };
    Ok(Json(tasks::board(&state, &user, &meta, wanted).await?))
}

/// RID-11: a grid worker of the task's village takes it.
#[utoipa::path(post, path = "/api/v1/rider-tasks/{id}/accept", tag = "riders", params(("id" = i64, Path, description = "The task")),
    responses((status = 200, body = RiderTaskView), (status = 403), (status = 404), (status = 422, description = "out of order or not the village's grid worker (RID-11)")))]
pub async fn accept(
    State(state): State<AppState>,
    user: Require<GridWorkers>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
) -> AppResult<Json<RiderTaskView>> {
    Ok(Json(
        tasks::step(&state, &user, &meta, id, StepInput::Accept).await?,
    ))
}

/// RID-11: the grid worker reports the result: a multipart form with `result` (text) and up
/// to 9 `photos` (JPEG), stored write-once.
#[utoipa::path(post, path = "/api/v1/rider-tasks/{id}/report", tag = "riders", params(("id" = i64, Path, description = "The task")),
    request_body(content_type = "multipart/form-data", description = "result: text; photos: up to 9 JPEG files"),
    responses((status = 200, body = RiderTaskView), (status = 403), (status = 404), (status = 413), (status = 422)))]
pub async fn report(
    State(state): State<AppState>,
    user: Require<GridWorkers>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    MultipartBody(form): MultipartBody,
) -> AppResult<Json<RiderTaskView>> {
    let input = tasks::result_form(&state, form).await?;
    Ok(Json(tasks::step(&state, &user, &meta, id, input).await?))
}

/// RID-11: an officer passes the result; the loop is closed.
#[utoipa::path(post, path = "/api/v1/rider-tasks/{id}/pass", tag = "riders", params(("id" = i64, Path, description = "The task")),
    responses((status = 200, body = RiderTaskView), (status = 403), (status = 404), (status = 422)))]
pub async fn pass(
    State(state): State<AppState>,
    user: Require<RiderOfficers>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
) -> AppResult<Json<RiderTaskView>> {
    Ok(Json(
        tasks::step(&state, &user, &meta, id, StepInput::Pass).await?,
    ))
}

/// Why a result goes back to the grid worker.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendBack {
    pub reason: String,
}

/// RID-11: an officer sends the result back, saying why.
#[utoipa::path(post, path = "/api/v1/rider-tasks/{id}/send-back", tag = "riders", params(("id" = i64, Path, description = "The task")),
    request_body = SendBack,
    responses((status = 200, body = RiderTaskView), (status = 403), (status = 404), (status = 422)))]
pub async fn send_back(
    State(state): State<AppState>,
    user: Require<RiderOfficers>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    JsonBody(b): JsonBody<SendBack>,
) -> AppResult<Json<RiderTaskView>> {
    let input = StepInput::SendBack { reason: b.reason };
    Ok(Json(tasks::step(&state, &user, &meta, id, input).await?))
}

/// A result's photo `n` (from 1); audited.
#[utoipa::path(get, path = "/api/v1/rider-tasks/{id}/photos/{n}", tag = "riders",
    params(("id" = i64, Path, description = "The task"), ("n" = i32, Path, description = "The photo, from 1")),
    responses((status = 200, content_type = "image/jpeg"), (status = 403), (status = 404), (status = 422)))]
pub async fn photo(
    State(state): State<AppState>,
    user: Require<RiderTaskActors>,
    meta: RequestMeta,
    Path(params): Path<(RecordId, String)>,
) -> AppResult<Response> {
    let (RecordId(id), n) = params;
    let n = n
        .parse::<usize>()
        .ok()
        .filter(|n| (1..=9).contains(n))
        .ok_or_else(|| FieldError::new("n", "must be a photo number from 1 to 9"))?;
    let bytes = tasks::photo(&state, &user, &meta, id, n).await?;
    Ok(super::jpeg(bytes))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct MonthQuery {
    /// YYYY-MM in the reader's time zone; this month when absent.
    pub month: Option<String>,
}

/// RID-10 c: the township's monthly assessment of its villages.
#[utoipa::path(get, path = "/api/v1/rider-assessment", tag = "riders", params(MonthQuery),
    responses((status = 200, body = Assessment), (status = 403), (status = 422)))]
pub async fn assessment(
    State(state): State<AppState>,
    user: Require<RiderAssessors>,
    meta: RequestMeta,
    Query(q): Query<MonthQuery>,
) -> AppResult<Json<Assessment>> {
    Ok(Json(
        tasks::assessment(&state, &user, &meta, q.month.as_deref()).await?,
    ))
}
