//! Body-worn recorder evidence: the recorder ledger (BWC-01/04/12), the library and player
//! (BWC-11, ranged reads for seeking), access requests and exports (BWC-08..10, SEC-07),
//! retention (BWC-06), duties, work records and supervision (BWC-02/03/13/14). Uploads are in
//! `evidence_uploads` (tus). Every route is checked against a role and the unit scope in the
//! service it calls.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, NaiveDate, Utc};
use roadwarden_domain::evidence::ledger::{PreUseCheck, RepairDestination};
use roadwarden_domain::FieldError;
use roadwarden_store::duty_records::{Duty, WorkRecord};
use roadwarden_store::evidence::{Deletion, Evidence};
use serde::Deserialize;
use tokio_util::io::ReaderStream;

use crate::auth::CurrentUser;
use crate::context::RequestMeta;
use crate::edge::{record_id, JsonBody, Query};
use crate::error::{AppError, AppResult};
use crate::services::evidence::access::{self, Decision, RequestInput, RequestView};
use crate::services::evidence::library::{self, EvidencePage, LibraryItem, LibraryQuery};
use crate::services::evidence::recorders::{
    self, NewRecorderInput, RecorderPage, RecorderView, Step,
};
use crate::services::evidence::retention::{self, Calendar};
use crate::services::evidence::supervision::{self, DutyInput, Report, WorkRecordInput};
use crate::state::AppState;

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
    user: CurrentUser,
) -> AppResult<Json<Vec<RecorderView>>> {
    Ok(Json(recorders::list(&state, &user).await?))
}

#[utoipa::path(post, path = "/api/v1/recorders", tag = "evidence", request_body = NewRecorder,
    responses((status = 201, body = RecorderView), (status = 409), (status = 422)))]
pub async fn register_recorder(
    State(state): State<AppState>,
    user: CurrentUser,
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

#[utoipa::path(get, path = "/api/v1/recorders/{id}", tag = "evidence", responses((status = 200, body = RecorderPage)))]
pub async fn show_recorder(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Json<RecorderPage>> {
    Ok(Json(
        recorders::show(&state, &user, record_id("id", &id)?).await?,
    ))
}

/// One ledger step: `check` (BWC-04 items), `issue` (to an officer), `return`, `damage`,
/// `send_for_repair` (destination), `repaired`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LedgerStep {
    pub step: String,
    pub officer_id: Option<i64>,
    #[serde(default)]
    pub condition: String,
    pub destination: Option<String>,
    pub fault_free: Option<bool>,
    pub main_battery_charged: Option<bool>,
    pub spare_battery_charged: Option<bool>,
    pub storage_sufficient: Option<bool>,
    pub time_and_place_stamp_correct: Option<bool>,
}

impl LedgerStep {
    pub fn into_step(self) -> Result<Step, FieldError> {
        let item = |v: Option<bool>, f: &'static str| {
            v.ok_or_else(|| FieldError::new(f, "answer every item of the check (true or false)"))
        };
        Ok(match self.step.as_str() {
            "check" => Step::Check {
                officer_id: self.officer_id,
                check: PreUseCheck {
                    fault_free: item(self.fault_free, "fault_free")?,
                    main_battery_charged: item(self.main_battery_charged, "main_battery_charged")?,
                    spare_battery_charged: item(
                        self.spare_battery_charged,
                        "spare_battery_charged",
                    )?,
                    storage_sufficient: item(self.storage_sufficient, "storage_sufficient")?,
                    time_and_place_stamp_correct: item(
                        self.time_and_place_stamp_correct,
                        "time_and_place_stamp_correct",
                    )?,
                },
            },
            "issue" => Step::Issue {
                officer_id: self
                    .officer_id
                    .ok_or_else(|| FieldError::new("officer_id", "name the officer"))?,
                condition: self.condition,
            },
            "return" => Step::Return {
                condition: self.condition,
            },
            "damage" => Step::Damage {
                condition: self.condition,
            },
            "send_for_repair" => Step::SendForRepair {
                destination: RepairDestination::parse(self.destination.as_deref().unwrap_or(""))?,
            },
            "repaired" => Step::Repaired {
                condition: self.condition,
            },
            _ => {
                return Err(FieldError::new(
                    "step",
                    "must be check, issue, return, damage, send_for_repair or repaired",
                ))
            }
        })
    }
}

#[utoipa::path(post, path = "/api/v1/recorders/{id}/ledger", tag = "evidence", request_body = LedgerStep,
    responses((status = 200, body = RecorderPage), (status = 409, description = "the recorder changed meanwhile"), (status = 422)))]
pub async fn ledger_step(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<LedgerStep>,
) -> AppResult<Json<RecorderPage>> {
    let step = b.into_step()?;
    Ok(Json(
        recorders::step(&state, &user, &meta, record_id("id", &id)?, step).await?,
    ))
}

// ---- library and player ------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct LibraryParams {
    /// A local day, YYYY-MM-DD.
    pub day: Option<String>,
    pub unit_id: Option<String>,
    pub officer_id: Option<String>,
    pub case_ref: Option<String>,
    /// kept (default), purged or destroyed.
    pub state: Option<String>,
}

impl LibraryParams {
    pub fn parse(&self) -> Result<LibraryQuery, AppError> {
        let opt_id = |f: &'static str, v: &Option<String>| -> Result<Option<i64>, AppError> {
            match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                None => Ok(None),
                Some(s) => record_id(f, s).map(Some),
            }
        };
        let day = match self.day.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => Some(
                NaiveDate::parse_from_str(s, "%Y-%m-%d")
                    .map_err(|_| FieldError::new("day", "must be YYYY-MM-DD"))?,
            ),
        };
        let state = self.state.clone().filter(|s| !s.is_empty());
        if let Some(s) = &state {
            roadwarden_domain::evidence::retention::LifeState::parse(s)?;
        }
        Ok(LibraryQuery {
            day,
            unit_id: opt_id("unit_id", &self.unit_id)?,
            officer_id: opt_id("officer_id", &self.officer_id)?,
            case_ref: self.case_ref.clone(),
            life_state: state,
        })
    }
}

#[utoipa::path(get, path = "/api/v1/evidence", tag = "evidence", params(LibraryParams), responses((status = 200, body = Vec<LibraryItem>)))]
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Query(q): Query<LibraryParams>,
) -> AppResult<Json<Vec<LibraryItem>>> {
    Ok(Json(
        library::list(&state, &user, &meta, &q.parse()?).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/evidence/{id}", tag = "evidence", responses((status = 200, body = EvidencePage)))]
pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<String>,
) -> AppResult<Json<EvidencePage>> {
    Ok(Json(
        library::show(&state, &user, &meta, record_id("id", &id)?).await?,
    ))
}

/// BWC-07: always refused, and the attempt recorded for supervision.
#[utoipa::path(delete, path = "/api/v1/evidence/{id}", tag = "evidence", responses((status = 422, description = "BWC-07: footage is write-once")))]
pub async fn delete(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    library::refuse_delete(&state, &user, &meta, record_id("id", &id)?).await?;
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
#[utoipa::path(get, path = "/api/v1/evidence/{id}/content", tag = "evidence",
    responses((status = 200, description = "the whole file"), (status = 206, description = "the range asked"), (status = 422, description = "no approved request")))]
pub async fn content(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let id = record_id("id", &id)?;
    // The length is needed to read a suffix range; the service checks access before any byte.
    let len = {
        let mut tx = state.store.begin_read().await?;
        roadwarden_store::evidence::get(&mut tx, id)
            .await?
            .map(|e| e.length as u64)
            .unwrap_or(0)
    };
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

#[utoipa::path(post, path = "/api/v1/evidence/{id}/reasons", tag = "evidence", request_body = ReasonInput, responses((status = 200, body = Object)))]
pub async fn add_reason(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<ReasonInput>,
) -> AppResult<Json<Evidence>> {
    Ok(Json(
        retention::add_reason(
            &state,
            &user,
            &meta,
            record_id("id", &id)?,
            &b.kind,
            &b.trigger,
            &b.note,
        )
        .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/evidence/{id}/reasons/{reason}/release", tag = "evidence", responses((status = 200, body = Object)))]
pub async fn release_reason(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Path((id, reason)): Path<(String, String)>,
) -> AppResult<Json<Evidence>> {
    Ok(Json(
        retention::release_reason(
            &state,
            &user,
            &meta,
            record_id("id", &id)?,
            record_id("reason", &reason)?,
        )
        .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteInput {
    #[serde(default)]
    pub reason: String,
}

#[utoipa::path(post, path = "/api/v1/evidence/{id}/deletion", tag = "evidence", request_body = NoteInput,
    responses((status = 200, body = Object), (status = 409, description = "an early deletion is already asked for")))]
pub async fn request_deletion(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<NoteInput>,
) -> AppResult<Json<Deletion>> {
    Ok(Json(
        retention::request_deletion(&state, &user, &meta, record_id("id", &id)?, &b.reason).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/evidence/{id}/deletion/approve", tag = "evidence",
    responses((status = 200, body = Object), (status = 409, description = "already approved, or approved meanwhile")))]
pub async fn approve_deletion(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<String>,
) -> AppResult<Json<Deletion>> {
    Ok(Json(
        retention::approve_deletion(&state, &user, &meta, record_id("id", &id)?).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/evidence/{id}/restore", tag = "evidence", request_body = NoteInput,
    responses((status = 200, body = Object), (status = 409, description = "the footage changed meanwhile")))]
pub async fn restore(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<NoteInput>,
) -> AppResult<Json<Evidence>> {
    Ok(Json(
        retention::restore(&state, &user, &meta, record_id("id", &id)?, &b.reason).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct CalendarParams {
    pub days: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/evidence-retention", tag = "evidence", params(CalendarParams), responses((status = 200, body = Calendar)))]
pub async fn calendar(
    State(state): State<AppState>,
    user: CurrentUser,
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
    user: CurrentUser,
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

#[utoipa::path(get, path = "/api/v1/access-requests/{id}", tag = "evidence", responses((status = 200, body = RequestView)))]
pub async fn show_request(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Json<RequestView>> {
    Ok(Json(
        access::show(&state, &user, record_id("id", &id)?).await?,
    ))
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
#[utoipa::path(post, path = "/api/v1/access-requests/{id}/decision", tag = "evidence", request_body = DecisionInput,
    responses((status = 200, body = RequestView), (status = 409, description = "the request was decided meanwhile"), (status = 422)))]
pub async fn decide_request(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<DecisionInput>,
) -> AppResult<Json<RequestView>> {
    let decision = match b.decision.as_str() {
        "approve" => Decision::Approve,
        "refuse" => Decision::Refuse { reason: b.reason },
        "revoke" => Decision::Revoke,
        _ => return Err(FieldError::new("decision", "must be approve, refuse or revoke").into()),
    };
    Ok(Json(
        access::decide(&state, &user, &meta, record_id("id", &id)?, decision).await?,
    ))
}

/// BWC-08, BWC-10: the recorder administrator provides the evidence copy under an approved copy
/// request and records the retrieval; the requester then downloads the sheet and the files.
#[utoipa::path(post, path = "/api/v1/access-requests/{id}/exports", tag = "evidence",
    responses((status = 201, body = RequestView), (status = 422)))]
pub async fn export(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<String>,
) -> AppResult<(StatusCode, Json<RequestView>)> {
    Ok((
        StatusCode::CREATED,
        Json(access::export(&state, &user, &meta, record_id("id", &id)?).await?),
    ))
}

/// BWC-10: the recording sheets, the SHA-256 manifest and the chain of custody, as a PDF.
#[utoipa::path(get, path = "/api/v1/exports/{id}/sheet", tag = "evidence", responses((status = 200, content_type = "application/pdf")))]
pub async fn export_sheet(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id = record_id("id", &id)?;
    let pdf = access::sheet(&state, &user, &meta, id).await?;
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

/// One file of an export, unaltered, named with who copied it and when.
#[utoipa::path(get, path = "/api/v1/exports/{id}/files/{evidence}", tag = "evidence", responses((status = 200, description = "the file")))]
pub async fn export_file(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Path((id, evidence)): Path<(String, String)>,
) -> AppResult<Response> {
    let (e, reader, name) = access::export_file(
        &state,
        &user,
        &meta,
        record_id("id", &id)?,
        record_id("evidence", &evidence)?,
    )
    .await?;
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

#[utoipa::path(post, path = "/api/v1/duties", tag = "evidence", request_body = NewDuty, responses((status = 201, body = Object)))]
pub async fn file_duty(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    JsonBody(b): JsonBody<NewDuty>,
) -> AppResult<(StatusCode, Json<Duty>)> {
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
        Json(supervision::file_duty(&state, &user, &meta, input).await?),
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

#[utoipa::path(post, path = "/api/v1/non-recording", tag = "evidence", request_body = NewWorkRecord, responses((status = 201, body = Object)))]
pub async fn file_work_record(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    JsonBody(b): JsonBody<NewWorkRecord>,
) -> AppResult<(StatusCode, Json<WorkRecord>)> {
    let input = WorkRecordInput {
        reason: b.reason,
        basis: b.basis,
        stopped_at: b.stopped_at,
        resumed_at: b.resumed_at,
    };
    Ok((
        StatusCode::CREATED,
        Json(supervision::file_work_record(&state, &user, &meta, input).await?),
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct WorkRecordParams {
    pub state: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/non-recording", tag = "evidence", params(WorkRecordParams), responses((status = 200, body = Vec<Object>)))]
pub async fn work_records(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<WorkRecordParams>,
) -> AppResult<Json<Vec<WorkRecord>>> {
    Ok(Json(
        supervision::work_records(&state, &user, q.state.as_deref().filter(|s| !s.is_empty()))
            .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkRecordDecision {
    pub approve: bool,
}

#[utoipa::path(post, path = "/api/v1/non-recording/{id}/decision", tag = "evidence", request_body = WorkRecordDecision,
    responses((status = 200, body = Object), (status = 409, description = "decided meanwhile")))]
pub async fn decide_work_record(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<WorkRecordDecision>,
) -> AppResult<Json<WorkRecord>> {
    Ok(Json(
        supervision::decide_work_record(&state, &user, &meta, record_id("id", &id)?, b.approve)
            .await?,
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
    user: CurrentUser,
    meta: RequestMeta,
    Query(q): Query<ReportParams>,
) -> AppResult<Json<Report>> {
    Ok(Json(
        supervision::report(&state, &user, &meta, q.from, q.to).await?,
    ))
}
