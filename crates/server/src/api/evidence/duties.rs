//! Duties, work records and supervision (BWC-02/03/13/14).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::auth::{CurrentUser, Require};
use crate::context::RequestMeta;
use crate::edge::{JsonBody, Path, Query, RecordId};
use crate::error::AppResult;
use crate::policy::{RecorderReaders, UnitHeads};
use crate::services::evidence::supervision::{self, DutyInput, Report, WorkRecordInput};
use crate::state::AppState;
use crate::views::evidence::{DutyView, WorkRecordView};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDuty {
    pub officer_id: Option<i64>,
    pub activity: String,
    #[serde(default)]
    pub place: String,
    pub started_at: DateTime<Utc>,
    pub ended_at: DateTime<Utc>,
    pub recorder_id: Option<i64>,
}

#[utoipa::path(post, path = "/api/v1/duties", tag = "evidence", request_body = NewDuty, responses((status = 201, body = DutyView)))]
pub async fn file_duty(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    JsonBody(b): JsonBody<NewDuty>,
) -> AppResult<(StatusCode, Json<DutyView>)> {
    let input = DutyInput {
        officer_id: b.officer_id,
        activity: b.activity,
        place: b.place,
        started_at: b.started_at,
        ended_at: b.ended_at,
        recorder_id: b.recorder_id,
    };
    Ok((
        StatusCode::CREATED,
        Json(
            supervision::file_duty(&state, &user, &meta, input)
                .await?
                .into(),
        ),
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWorkRecord {
    /// A BWC-03 reason.
    pub reason: String,
    pub basis: String,
    pub stopped_at: DateTime<Utc>,
    pub resumed_at: Option<DateTime<Utc>>,
}

#[utoipa::path(post, path = "/api/v1/non-recording", tag = "evidence", request_body = NewWorkRecord, responses((status = 201, body = WorkRecordView)))]
pub async fn file_work_record(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    JsonBody(b): JsonBody<NewWorkRecord>,
) -> AppResult<(StatusCode, Json<WorkRecordView>)> {
    let input = WorkRecordInput {
        reason: b.reason,
        basis: b.basis,
        stopped_at: b.stopped_at,
        resumed_at: b.resumed_at,
    };
    Ok((
        StatusCode::CREATED,
        Json(
            supervision::file_work_record(&state, &user, &meta, input)
                .await?
                .into(),
        ),
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct WorkRecordParams {
    pub state: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/non-recording", tag = "evidence", params(WorkRecordParams), responses((status = 200, body = Vec<WorkRecordView>)))]
pub async fn work_records(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<WorkRecordParams>,
) -> AppResult<Json<Vec<WorkRecordView>>> {
    Ok(Json(
        supervision::work_records(&state, &user, q.state.as_deref().filter(|s| !s.is_empty()))
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkRecordDecision {
    pub approve: bool,
}

#[utoipa::path(post, path = "/api/v1/non-recording/{id}/decision", tag = "evidence", params(("id" = i64, Path, description = "The work record")), request_body = WorkRecordDecision,
    responses((status = 200, body = WorkRecordView), (status = 409, description = "decided meanwhile")))]
pub async fn decide_work_record(
    State(state): State<AppState>,
    user: Require<UnitHeads>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    JsonBody(b): JsonBody<WorkRecordDecision>,
) -> AppResult<Json<WorkRecordView>> {
    Ok(Json(
        supervision::decide_work_record(&state, &user, &meta, id, b.approve)
            .await?
            .into(),
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ReportParams {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

#[utoipa::path(get, path = "/api/v1/evidence-supervision", tag = "evidence", params(ReportParams), responses((status = 200, body = Report)))]
pub async fn report(
    State(state): State<AppState>,
    user: Require<RecorderReaders>,
    meta: RequestMeta,
    Query(q): Query<ReportParams>,
) -> AppResult<Json<Report>> {
    Ok(Json(
        supervision::report(&state, &user, &meta, q.from, q.to).await?,
    ))
}
