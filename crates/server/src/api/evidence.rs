//! Body-worn recorder evidence: the recorder ledger (BWC-01/04/12), the library and player
//! (BWC-11, ranged reads for seeking), access requests and exports (BWC-08..10, SEC-07),
//! retention (BWC-06), duties, work records and supervision (BWC-02/03/13/14). Uploads are in
//! `evidence_uploads` (tus). Every route is checked against a role and the unit scope in the
//! service it calls.
//!
//! Long (over 600 lines) because it is one job: the thin edge of 26 routes, each a request
//! shape, a utoipa annotation and one service call; the logic lives in `services::evidence`.

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use roadwarden_domain::FieldError;
use serde::Deserialize;
use tokio_util::io::ReaderStream;

use crate::auth::{CurrentUser, Require};
use crate::context::RequestMeta;
use crate::edge::{JsonBody, Path, Query, RecordId};
use crate::error::{AppError, AppResult};
use crate::policy::{FootageBrowsers, FootageKeepers, RecorderAdmins, RecorderReaders, UnitHeads};
use crate::services::evidence::access::{self, Decision, RequestInput, RequestView};
use crate::services::evidence::export_sheet;
use crate::services::evidence::library::{self, EvidencePage, LibraryItem, LibraryParams};
use crate::services::evidence::recorders::{
    self, LedgerStep, NewRecorderInput, RecorderPage, RecorderView,
};
use crate::services::evidence::retention::{self, Calendar, ReasonPath};
use crate::services::evidence::supervision::{self, DutyInput, Report, WorkRecordInput};
use crate::state::AppState;
use crate::views::evidence::{DeletionView, DutyView, EvidenceView, WorkRecordView};

// ---- recorders -------------------------------------------------------------------------------

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

// ---- library and player ------------------------------------------------------------------------

#[utoipa::path(get, path = "/api/v1/evidence", tag = "evidence", params(LibraryParams), responses((status = 200, body = Vec<LibraryItem>)))]
pub async fn list(
    State(state): State<AppState>,
    user: Require<FootageBrowsers>,
    meta: RequestMeta,
    Query(q): Query<LibraryParams>,
) -> AppResult<Json<Vec<LibraryItem>>> {
    Ok(Json(
        library::list(&state, &user, &meta, &q.parse()?).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/evidence/{id}", tag = "evidence", params(("id" = i64, Path, description = "The footage")), responses((status = 200, body = EvidencePage)))]
pub async fn show(
    State(state): State<AppState>,
    user: Require<FootageBrowsers>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
) -> AppResult<Json<EvidencePage>> {
    Ok(Json(library::show(&state, &user, &meta, id).await?))
}

/// BWC-07: always refused, and the attempt recorded for supervision.
#[utoipa::path(delete, path = "/api/v1/evidence/{id}", tag = "evidence", params(("id" = i64, Path, description = "The footage")), responses((status = 422, description = "BWC-07: footage is write-once")))]
pub async fn delete(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
) -> AppResult<StatusCode> {
    library::refuse_delete(&state, &user, &meta, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `Range: bytes=a-b`, `bytes=a-` or `bytes=-n` (one range); anything else reads the whole file.
pub fn parse_range(headers: &HeaderMap, len: u64) -> Option<(u64, Option<u64>)> {
    let raw = headers.get(header::RANGE)?.to_str().ok()?.trim();
    let spec = raw.strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None;
    }
    let (a, b) = spec.split_once('-')?;
    match (a.trim(), b.trim()) {
        ("", n) => {
            let n: u64 = n.parse().ok()?;
            Some((len.saturating_sub(n), None))
        }
        (a, "") => Some((a.parse().ok()?, None)),
        (a, b) => {
            let (a, b): (u64, u64) = (a.parse().ok()?, b.parse().ok()?);
            (b >= a).then_some((a, Some(b)))
        }
    }
}

/// The footage for the player, with ranged reads for seeking. Needs a live approval.
#[utoipa::path(get, path = "/api/v1/evidence/{id}/content", tag = "evidence", params(("id" = i64, Path, description = "The footage")),
    responses((status = 200, description = "the whole file"), (status = 206, description = "the range asked"), (status = 422, description = "no approved request")))]
pub async fn content(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    headers: HeaderMap,
) -> AppResult<Response> {
    // The length is needed to read a suffix range; the service checks access before any byte.
    let len = library::stored_length(&state, id).await?;
    let range = parse_range(&headers, len);
    let c = library::content(&state, &user, &meta, id, range).await?;
    let total = c.evidence.length as u64;
    let status = if range.is_some() {
        StatusCode::PARTIAL_CONTENT
    } else {
        StatusCode::OK
    };
    let mut resp = Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, c.evidence.mime.as_str())
        .header(header::CONTENT_LENGTH, c.end - c.start)
        .header(header::ACCEPT_RANGES, "bytes")
        .header(header::CACHE_CONTROL, "private, no-store")
        .header(
            "x-roadwarden-watermark",
            HeaderValue::from_str(&ascii_only(&c.watermark))
                .unwrap_or(HeaderValue::from_static("")),
        );
    if range.is_some() {
        resp = resp.header(
            header::CONTENT_RANGE,
            format!("bytes {}-{}/{}", c.start, c.end.saturating_sub(1), total),
        );
    }
    resp.body(Body::from_stream(ReaderStream::with_capacity(
        c.reader,
        256 << 10,
    )))
    .map_err(|e| AppError::Internal(e.into()))
}

fn ascii_only(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '?'
            }
        })
        .collect()
}

// ---- retention --------------------------------------------------------------------------------

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

// ---- access requests and exports ----------------------------------------------------------------

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRequest {
    pub evidence_ids: Vec<i64>,
    /// officer, superior_body, court, procuratorate, public_use.
    #[serde(default = "officer")]
    pub requester: String,
    /// view or copy.
    pub purpose: String,
    pub reason: String,
    #[serde(default)]
    pub register: String,
    #[serde(default)]
    pub committee_approval: String,
}

fn officer() -> String {
    "officer".into()
}

#[utoipa::path(post, path = "/api/v1/access-requests", tag = "evidence", request_body = NewRequest,
    responses((status = 201, body = RequestView), (status = 422)))]
pub async fn file_request(
    State(state): State<AppState>,
    user: Require<FootageBrowsers>,
    meta: RequestMeta,
    JsonBody(b): JsonBody<NewRequest>,
) -> AppResult<(StatusCode, Json<RequestView>)> {
    let input = RequestInput {
        evidence_ids: b.evidence_ids,
        requester_kind: b.requester,
        purpose: b.purpose,
        reason: b.reason,
        register: b.register,
        committee_approval: b.committee_approval,
    };
    Ok((
        StatusCode::CREATED,
        Json(access::file(&state, &user, &meta, input).await?),
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct RequestParams {
    /// inbox (a head's pending requests in scope) or mine (default).
    pub r#box: Option<String>,
    pub state: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/access-requests", tag = "evidence", params(RequestParams), responses((status = 200, body = Vec<RequestView>)))]
pub async fn list_requests(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Query(q): Query<RequestParams>,
) -> AppResult<Json<Vec<RequestView>>> {
    let inbox = q.r#box.as_deref() == Some("inbox");
    Ok(Json(
        access::list(
            &state,
            &user,
            &meta,
            inbox,
            q.state.as_deref().unwrap_or(""),
        )
        .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/access-requests/{id}", tag = "evidence", params(("id" = i64, Path, description = "The access request")), responses((status = 200, body = RequestView)))]
pub async fn show_request(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(RecordId(id)): Path<RecordId>,
) -> AppResult<Json<RequestView>> {
    Ok(Json(access::show(&state, &user, id).await?))
}

/// A decision on an access request (named `AccessDecisionInput` in the OpenAPI document; the
/// review desk's `DecisionInput` is another shape).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = AccessDecisionInput)]
pub struct DecisionInput {
    /// approve, refuse or revoke.
    pub decision: String,
    #[serde(default)]
    pub reason: String,
}

/// BWC-08: approve or refuse (a head of the footage's own unit), or revoke (that head, a head
/// above it, or the requester withdrawing their own request).
#[utoipa::path(post, path = "/api/v1/access-requests/{id}/decision", tag = "evidence", params(("id" = i64, Path, description = "The access request")), request_body = DecisionInput,
    responses((status = 200, body = RequestView), (status = 409, description = "the request was decided meanwhile"), (status = 422)))]
pub async fn decide_request(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    JsonBody(b): JsonBody<DecisionInput>,
) -> AppResult<Json<RequestView>> {
    let decision = match b.decision.as_str() {
        "approve" => Decision::Approve,
        "refuse" => Decision::Refuse { reason: b.reason },
        "revoke" => Decision::Revoke,
        _ => return Err(FieldError::new("decision", "must be approve, refuse or revoke").into()),
    };
    Ok(Json(
        access::decide(&state, &user, &meta, id, decision).await?,
    ))
}

/// BWC-08, BWC-10: the recorder administrator provides the evidence copy under an approved copy
/// request and records the retrieval; the requester then downloads the sheet and the files.
#[utoipa::path(post, path = "/api/v1/access-requests/{id}/exports", tag = "evidence", params(("id" = i64, Path, description = "The access request")),
    responses((status = 201, body = RequestView), (status = 422)))]
pub async fn export(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
) -> AppResult<(StatusCode, Json<RequestView>)> {
    Ok((
        StatusCode::CREATED,
        Json(access::export(&state, &user, &meta, id).await?),
    ))
}

/// BWC-10: the recording sheets, the SHA-256 manifest and the chain of custody, as a PDF.
#[utoipa::path(get, path = "/api/v1/exports/{id}/sheet", tag = "evidence", params(("id" = i64, Path, description = "The export")), responses((status = 200, content_type = "application/pdf")))]
pub async fn export_sheet(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
) -> AppResult<Response> {
    let pdf = export_sheet::sheet(&state, &user, &meta, id).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"evidence-export-{id}.pdf\""),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        pdf,
    )
        .into_response())
}

/// `/exports/{id}/files/{evidence}`: each id parsed under its own name.
#[derive(Debug, Deserialize)]
pub struct ExportFilePath {
    pub id: RecordId,
    pub evidence: RecordId,
}

/// One file of an export, unaltered, named with who copied it and when.
#[utoipa::path(get, path = "/api/v1/exports/{id}/files/{evidence}", tag = "evidence", params(("id" = i64, Path, description = "The export"), ("evidence" = i64, Path, description = "The footage file of the export")), responses((status = 200, description = "the file")))]
pub async fn export_file(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Path(ExportFilePath {
        id: RecordId(id),
        evidence: RecordId(evidence),
    }): Path<ExportFilePath>,
) -> AppResult<Response> {
    let (e, reader, name) = access::export_file(&state, &user, &meta, id, evidence).await?;
    Response::builder()
        .header(header::CONTENT_TYPE, e.mime.as_str())
        .header(header::CONTENT_LENGTH, e.length)
        .header(
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}\"", ascii_only(&name)),
        )
        .header(header::CACHE_CONTROL, "private, no-store")
        .header("x-content-sha256", e.sha256.as_str())
        .body(Body::from_stream(ReaderStream::with_capacity(
            reader,
            256 << 10,
        )))
        .map_err(|e| AppError::Internal(e.into()))
}

// ---- duties, work records, supervision -------------------------------------------------------------

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
