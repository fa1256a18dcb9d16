//! Review (REV-00..03), violation records and notices (NOT-01..03), objections (APL-01..03),
//! the inspection interface (NOT-03), exemptions and the embedded vehicle registry. Every
//! route is checked against a role and the person's unit scope in the service it calls.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use roadwarden_domain::FieldError;
use serde::Deserialize;

use crate::auth::{CurrentUser, Require};
use crate::context::RequestMeta;
use crate::edge::{record_id, JsonBody, ListQuery, MultipartBody, Path, Query, RecordId};
use crate::error::AppResult;
use crate::policy::{
    ExemptionKeepers, InterfaceClients, NoticeClerks, ObjectionHandlers, ObjectionReaders,
    ReviewOverseers, Reviewers, ViolationReaders,
};
use crate::services::captures::capture_list::{self, CaptureListQuery};
use crate::services::captures::exemptions::{self, ExemptionInput};
use crate::services::captures::forms;
use crate::services::captures::inspection::{self, BlockedPage, InspectionAnswer};
use crate::services::captures::objections::{self, ObjectionDecision, ObjectionInput};
use crate::services::captures::outbox;
use crate::services::captures::public_lookup::{self, PublicRecord};
use crate::services::captures::records;
use crate::services::captures::registry::{self, VehicleInput};
use crate::services::captures::review::{
    self, CaptureView, DecisionInput, DecisionOutcome, QueuePage,
};
use crate::services::captures::violation_list::{self, ViolationListQuery};
use crate::services::captures::violations::{self, ClerkAction};
use crate::state::AppState;
use crate::views::captures::{
    views, CreatedId, ExemptionView, NoticeView, ObjectionView, ReviewerStatsView, VehicleRecorded,
    ViolationDetailView, ViolationView,
};
use crate::views::lists::CaptureListView;

// ---- review --------------------------------------------------------------------------------

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct NextQuery {
    /// The capture passed over: the next one after it by deadline.
    pub after: Option<String>,
    /// A capture whose decision the client still holds for undo: stepped over this once,
    /// kept claimed, and not counted as a skip.
    pub holding: Option<String>,
}

/// The next capture to review, held for this reviewer for a few minutes; 204 when none.
#[utoipa::path(get, path = "/api/v1/review/next", tag = "review", params(NextQuery),
    responses((status = 200, body = CaptureView), (status = 204, description = "the queue is empty")))]
pub async fn next(
    State(state): State<AppState>,
    user: Require<Reviewers>,
    meta: RequestMeta,
    Query(q): Query<NextQuery>,
) -> AppResult<Response> {
    let after = q
        .after
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(|s| record_id("after", s))
        .transpose()?;
    let holding = q
        .holding
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(|s| record_id("holding", s))
        .transpose()?;
    Ok(
        match review::next(&state, &user, &meta, after, holding).await? {
            Some(v) => Json(v).into_response(),
            None => StatusCode::NO_CONTENT.into_response(),
        },
    )
}

#[utoipa::path(get, path = "/api/v1/review/queue", tag = "review", responses((status = 200, body = QueuePage)))]
pub async fn queue(
    State(state): State<AppState>,
    user: Require<Reviewers>,
) -> AppResult<Json<QueuePage>> {
    Ok(Json(review::queue(&state, &user, 50).await?))
}

/// SUP-07a: accuracy and timeliness by reviewer, last 30 days.
#[utoipa::path(get, path = "/api/v1/review/stats", tag = "review", responses((status = 200, body = Vec<ReviewerStatsView>)))]
pub async fn stats(
    State(state): State<AppState>,
    user: Require<ReviewOverseers>,
) -> AppResult<Json<Vec<ReviewerStatsView>>> {
    Ok(Json(views(review::stats(&state, &user).await?)))
}

#[utoipa::path(get, path = "/api/v1/captures/{id}", tag = "review", params(("id" = i64, Path, description = "The capture")), responses((status = 200, body = CaptureView), (status = 404)))]
pub async fn show(
    State(state): State<AppState>,
    user: Require<ViolationReaders>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
) -> AppResult<Json<CaptureView>> {
    Ok(Json(review::show(&state, &user, &meta, id).await?))
}

/// Approve, or reject with a REV-03 reason.
#[utoipa::path(post, path = "/api/v1/captures/{id}/decision", tag = "review", params(("id" = i64, Path, description = "The capture")), request_body = DecisionInput,
    responses((status = 200, body = DecisionOutcome), (status = 422, description = "REV-00..03 refused")))]
pub async fn decide(
    State(state): State<AppState>,
    user: Require<ViolationReaders>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    JsonBody(input): JsonBody<DecisionInput>,
) -> AppResult<Json<DecisionOutcome>> {
    Ok(Json(
        review::decide(&state, &user, &meta, id, &input).await?,
    ))
}

/// An image of a capture (JPEG); the read is recorded.
#[utoipa::path(get, path = "/api/v1/captures/{id}/images/{position}", tag = "review", params(("id" = i64, Path, description = "The capture"), ("position" = i32, Path, description = "The image's position, from 0")), responses((status = 200, content_type = "image/jpeg")))]
pub async fn image(
    State(state): State<AppState>,
    user: Require<ViolationReaders>,
    meta: RequestMeta,
    Path(params): Path<(RecordId, String)>,
) -> AppResult<Response> {
    let (RecordId(id), position) = params;
    let position = position
        .parse::<i32>()
        .ok()
        .filter(|p| *p >= 0)
        .ok_or_else(|| FieldError::new("position", "must be a whole number"))?;
    let bytes = review::image(&state, &user, &meta, id, position).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/jpeg"),
            (header::CACHE_CONTROL, "private, max-age=300"),
        ],
        bytes,
    )
        .into_response())
}

/// The captures list's query (all text, so a bad value is a 422 naming its field).
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct CaptureQuery {
    /// A capture state: `not_entered`, `pending`, `second_review`, `approved`, `rejected`.
    pub state: Option<String>,
    /// A unit inside your scope: its captures and those of the units below it.
    pub unit_id: Option<String>,
    /// A device's number, exactly.
    pub device: Option<String>,
    /// Part of a plate.
    pub search: Option<String>,
    /// First day, YYYY-MM-DD, in your unit's time zone.
    pub from: Option<String>,
    /// Last day, YYYY-MM-DD, in your unit's time zone.
    pub to: Option<String>,
    /// `time` (default), `plate`, `state`, `device` or `due`.
    pub sort: Option<String>,
    /// `asc` or `desc` (default).
    pub dir: Option<String>,
    /// The page, from 1.
    pub page: Option<String>,
    /// Rows per page, 1 to 200 (default 50).
    pub per_page: Option<String>,
}

impl From<CaptureQuery> for CaptureListQuery {
    fn from(q: CaptureQuery) -> Self {
        CaptureListQuery {
            list: ListQuery {
                search: q.search,
                from: q.from,
                to: q.to,
                sort: q.sort,
                dir: q.dir,
                page: q.page,
                per_page: q.per_page,
                application: None,
            },
            state: q.state,
            unit_id: q.unit_id,
            device: q.device,
        }
    }
}

/// A page of the captures in your scope (reviewers, unit heads, supervisors);
/// `X-Total-Count` says how many match (a count past 10,000 reads as 10,001).
#[utoipa::path(get, path = "/api/v1/captures", tag = "review", params(CaptureQuery), responses((status = 200, body = Vec<CaptureListView>, headers(("X-Total-Count" = i64, description = "Matching captures, up to 10,001"))), (status = 422)))]
pub async fn list_captures(
    State(state): State<AppState>,
    user: Require<ReviewOverseers>,
    meta: RequestMeta,
    Query(q): Query<CaptureQuery>,
) -> AppResult<Response> {
    let q = CaptureListQuery::from(q).parse()?;
    let page = capture_list::list_in_scope(&state, &user, &meta, &q).await?;
    Ok((
        [("x-total-count", page.total.to_string())],
        Json(views::<_, CaptureListView>(page.rows)),
    )
        .into_response())
}

// ---- violations ------------------------------------------------------------------------------

/// The violations list's query (all text, so a bad value is a 422 naming its field).
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct ViolationQuery {
    /// A violation state, e.g. `entered`, `notified`.
    pub state: Option<String>,
    /// A unit inside your scope: its records and those of the units below it.
    pub unit_id: Option<String>,
    /// Part of a plate.
    pub search: Option<String>,
    /// First day, YYYY-MM-DD, in your unit's time zone.
    pub from: Option<String>,
    /// Last day, YYYY-MM-DD, in your unit's time zone.
    pub to: Option<String>,
    /// `time` (default), `plate` or `state`.
    pub sort: Option<String>,
    /// `asc` or `desc` (default).
    pub dir: Option<String>,
    /// The page, from 1.
    pub page: Option<String>,
    /// Rows per page, 1 to 200 (default 50).
    pub per_page: Option<String>,
}

impl From<ViolationQuery> for ViolationListQuery {
    fn from(q: ViolationQuery) -> Self {
        ViolationListQuery {
            list: ListQuery {
                search: q.search,
                from: q.from,
                to: q.to,
                sort: q.sort,
                dir: q.dir,
                page: q.page,
                per_page: q.per_page,
                application: None,
            },
            state: q.state,
            unit_id: q.unit_id,
        }
    }
}

/// A page of the records in your scope; `X-Total-Count` says how many match (a count past
/// 10,000 reads as 10,001).
#[utoipa::path(get, path = "/api/v1/violations", tag = "violations", params(ViolationQuery), responses((status = 200, body = Vec<ViolationView>, headers(("X-Total-Count" = i64, description = "Matching records, up to 10,001"))), (status = 422)))]
pub async fn list_violations(
    State(state): State<AppState>,
    user: Require<ViolationReaders>,
    meta: RequestMeta,
    Query(q): Query<ViolationQuery>,
) -> AppResult<Response> {
    let q = ViolationListQuery::from(q).parse()?;
    let page = violation_list::list_in_scope(&state, &user, &meta, &q).await?;
    Ok((
        [("x-total-count", page.total.to_string())],
        Json(views::<_, ViolationView>(page.rows)),
    )
        .into_response())
}

#[utoipa::path(get, path = "/api/v1/violations/{id}", tag = "violations", params(("id" = i64, Path, description = "The violation record")), responses((status = 200, body = ViolationDetailView), (status = 404)))]
pub async fn show_violation(
    State(state): State<AppState>,
    user: Require<ViolationReaders>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
) -> AppResult<Json<ViolationDetailView>> {
    Ok(Json(
        records::violation_detail(&state, &user, &meta, id)
            .await?
            .into(),
    ))
}

/// A clerk's step: notify (posted), extend (NOT-02b), handle, pay (NOT-02d), eliminate (REV-04).
#[utoipa::path(post, path = "/api/v1/violations/{id}/actions", tag = "violations", params(("id" = i64, Path, description = "The violation record")), request_body = ClerkAction,
    responses((status = 200, body = ViolationView), (status = 422)))]
pub async fn act(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    JsonBody(action): JsonBody<ClerkAction>,
) -> AppResult<Json<ViolationView>> {
    Ok(Json(
        violations::act(&state, &user, &meta, id, action)
            .await?
            .into(),
    ))
}

/// The printable letter (PDF) once the outbox produced it.
#[utoipa::path(get, path = "/api/v1/notices/{id}/letter", tag = "violations", params(("id" = i64, Path, description = "The notice")), responses((status = 200, content_type = "application/pdf")))]
pub async fn letter(
    State(state): State<AppState>,
    user: Require<ViolationReaders>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
) -> AppResult<Response> {
    let bytes = records::letter_bytes(&state, &user, &meta, id).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf"),
            (
                header::CONTENT_DISPOSITION,
                "inline; filename=\"notice.pdf\"",
            ),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct NoticeQuery {
    /// queued, sent or failed (default failed: what needs a clerk).
    pub state: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/notices", tag = "violations", params(NoticeQuery), responses((status = 200, body = Vec<NoticeView>)))]
pub async fn notices(
    State(state): State<AppState>,
    user: Require<NoticeClerks>,
    meta: RequestMeta,
    Query(q): Query<NoticeQuery>,
) -> AppResult<Json<Vec<NoticeView>>> {
    let wanted = match q.state.as_deref().map(str::trim) {
        None | Some("") | Some("failed") => "failed",
        Some("queued") => "queued",
        Some("sent") => "sent",
        Some(_) => return Err(FieldError::new("state", "must be queued, sent or failed").into()),
    };
    Ok(Json(views(
        records::notices(&state, &user, &meta, wanted).await?,
    )))
}

/// Puts a given-up notice back in the queue.
#[utoipa::path(post, path = "/api/v1/notices/{id}/retry", tag = "violations", params(("id" = i64, Path, description = "The notice")), responses((status = 204)))]
pub async fn retry_notice(
    State(state): State<AppState>,
    user: Require<NoticeClerks>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
) -> AppResult<StatusCode> {
    records::retry_notice(&state, &user, &meta, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Runs the outbox now (the job does this every few seconds).
#[utoipa::path(post, path = "/api/v1/notices/send", tag = "violations", responses((status = 200, body = outbox::DrainReport)))]
pub async fn send_now(
    State(state): State<AppState>,
    _user: Require<NoticeClerks>,
) -> AppResult<Json<outbox::DrainReport>> {
    Ok(Json(outbox::drain(&state).await?))
}

// ---- objections ------------------------------------------------------------------------------

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ObjectionQuery {
    /// true (default): only those awaiting a decision.
    pub open: Option<bool>,
}

#[utoipa::path(get, path = "/api/v1/objections", tag = "objections", params(ObjectionQuery), responses((status = 200, body = Vec<ObjectionView>)))]
pub async fn list_objections(
    State(state): State<AppState>,
    user: Require<ObjectionReaders>,
    meta: RequestMeta,
    Query(q): Query<ObjectionQuery>,
) -> AppResult<Json<Vec<ObjectionView>>> {
    Ok(Json(views(
        objections::list(&state, &user, &meta, q.open.unwrap_or(true)).await?,
    )))
}

#[utoipa::path(post, path = "/api/v1/objections/{id}/decision", tag = "objections", params(("id" = i64, Path, description = "The objection")), request_body = ObjectionDecision,
    responses((status = 200, body = ObjectionView), (status = 422)))]
pub async fn decide_objection(
    State(state): State<AppState>,
    user: Require<ObjectionHandlers>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    JsonBody(input): JsonBody<ObjectionDecision>,
) -> AppResult<Json<ObjectionView>> {
    Ok(Json(
        objections::decide(&state, &user, &meta, id, &input)
            .await?
            .into(),
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WindowObjection {
    pub violation_id: i64,
    pub text: String,
    #[serde(default)]
    pub contact: String,
}

/// APL-02: an objection taken in at a window, forwarded to the place of violation at once.
#[utoipa::path(post, path = "/api/v1/objections", tag = "objections", request_body = WindowObjection,
    responses((status = 201, body = ObjectionView), (status = 404, description = "no such violation"),
              (status = 409, description = "an objection to this violation is already open"), (status = 422)))]
pub async fn lodge_at_window(
    State(state): State<AppState>,
    user: Require<ObjectionHandlers>,
    meta: RequestMeta,
    JsonBody(input): JsonBody<WindowObjection>,
) -> AppResult<(StatusCode, Json<ObjectionView>)> {
    let o = objections::lodge_at_window(
        &state,
        &user,
        &meta,
        ObjectionInput {
            violation_id: input.violation_id,
            text: input.text,
            contact: input.contact,
            ..ObjectionInput::default()
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(o.into())))
}

// ---- the public --------------------------------------------------------------------------

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct PublicQuery {
    pub plate: String,
    /// The last 6 characters of the vehicle identification number.
    pub vin_tail: String,
    pub lang: Option<String>,
}

/// NOT-02a: an owner's records, by plate and the last 6 characters of the VIN.
#[utoipa::path(get, path = "/api/v1/public/violations", tag = "public", params(PublicQuery), security(()),
    responses((status = 200, body = Vec<PublicRecord>), (status = 404, description = "no record for this plate and VIN tail"),
              (status = 429, description = "too many failed attempts for this plate; try again later")))]
pub async fn public_lookup(
    State(state): State<AppState>,
    meta: RequestMeta,
    Query(q): Query<PublicQuery>,
) -> AppResult<Json<Vec<PublicRecord>>> {
    let lang = q.lang.as_deref().unwrap_or("zh-CN");
    Ok(Json(
        public_lookup::public_lookup(&state, &meta, &q.plate, &q.vin_tail, lang).await?,
    ))
}

/// APL-02 by website: multipart with violation_id, plate, vin_tail, text, contact and up to
/// three JPEG photos.
#[utoipa::path(post, path = "/api/v1/public/objections", tag = "public", security(()),
    responses((status = 201, body = ObjectionView), (status = 404, description = "no such violation for this plate and VIN tail"),
              (status = 409, description = "an objection to this violation is already open"), (status = 422),
              (status = 429, description = "too many failed attempts for this plate; try again later")))]
pub async fn public_objection(
    State(state): State<AppState>,
    meta: RequestMeta,
    MultipartBody(form): MultipartBody,
) -> AppResult<(StatusCode, Json<ObjectionView>)> {
    let input = forms::objection_form(form).await?;
    let o = objections::lodge_public(&state, &meta, input).await?;
    Ok((StatusCode::CREATED, Json(o.into())))
}

// ---- the inspection interface (NOT-03) -------------------------------------------------------

#[utoipa::path(get, path = "/api/v1/inspection/vehicles/{plate}", tag = "inspection", params(("plate" = String, Path, description = "The plate number")),
    responses((status = 200, body = InspectionAnswer)))]
pub async fn inspection_vehicle(
    State(state): State<AppState>,
    user: Require<InterfaceClients>,
    meta: RequestMeta,
    Path(plate): Path<String>,
) -> AppResult<Json<InspectionAnswer>> {
    Ok(Json(
        inspection::inspection_query(&state, &user, &meta, &plate).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct FeedQuery {
    /// The last id already read (0 or more).
    pub after: Option<i64>,
    /// 1 to 1,000 (500 when omitted).
    pub limit: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/inspection/blocked", tag = "inspection", params(FeedQuery),
    responses((status = 200, body = BlockedPage)))]
pub async fn inspection_feed(
    State(state): State<AppState>,
    user: Require<InterfaceClients>,
    meta: RequestMeta,
    Query(q): Query<FeedQuery>,
) -> AppResult<Json<BlockedPage>> {
    // Out-of-range values are refused as on every other list, not quietly clamped.
    if q.limit.is_some_and(|l| !(1..=1000).contains(&l)) {
        return Err(FieldError::new("limit", "must be 1 to 1000").into());
    }
    if q.after.is_some_and(|a| a < 0) {
        return Err(FieldError::new("after", "must be 0 or more").into());
    }
    Ok(Json(
        inspection::blocked_feed(
            &state,
            &user,
            &meta,
            q.after.unwrap_or(0),
            q.limit.unwrap_or(500),
        )
        .await?,
    ))
}

// ---- exemptions and the registry ---------------------------------------------------------

#[utoipa::path(get, path = "/api/v1/exemptions", tag = "review", responses((status = 200, body = Vec<ExemptionView>)))]
pub async fn exemptions(
    State(state): State<AppState>,
    user: Require<ViolationReaders>,
    meta: RequestMeta,
) -> AppResult<Json<Vec<ExemptionView>>> {
    Ok(Json(views(exemptions::list(&state, &user, &meta).await?)))
}

/// REV-03(4), REV-04: lists a vehicle that may pass (a supervisor or unit head of the unit).
#[utoipa::path(post, path = "/api/v1/exemptions", tag = "review", request_body = ExemptionInput, responses((status = 201, body = CreatedId)))]
pub async fn add_exemption(
    State(state): State<AppState>,
    user: Require<ExemptionKeepers>,
    meta: RequestMeta,
    JsonBody(input): JsonBody<ExemptionInput>,
) -> AppResult<(StatusCode, Json<CreatedId>)> {
    let id = exemptions::add(&state, &user, &meta, &input).await?;
    Ok((StatusCode::CREATED, Json(CreatedId { id })))
}

/// The embedded registry (for deployments without a registry connection, and the demo):
/// notice clerks record an owner.
#[utoipa::path(post, path = "/api/v1/vehicles", tag = "violations", request_body = VehicleInput, responses((status = 201, body = VehicleRecorded)))]
pub async fn add_vehicle(
    State(state): State<AppState>,
    user: Require<NoticeClerks>,
    meta: RequestMeta,
    JsonBody(input): JsonBody<VehicleInput>,
) -> AppResult<(StatusCode, Json<VehicleRecorded>)> {
    let (id, plate) = registry::record_owner(&state, &user, &meta, &input).await?;
    Ok((StatusCode::CREATED, Json(VehicleRecorded { id, plate })))
}
