//! Review (REV-00..03), violation records and notices (NOT-01..03), objections (APL-01..03),
//! the inspection interface (NOT-03), exemptions and the embedded vehicle registry. Every
//! route is checked against a role and the person's unit scope in the service it calls.

use axum::extract::{Multipart, Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use roadwarden_domain::capture::intake::ExemptionKind;
use roadwarden_domain::capture::plate::{
    plate_key, query_key, read_plate, PlateColour, PlateReading,
};
use roadwarden_domain::codes::Code;
use roadwarden_domain::device::text;
use roadwarden_domain::org::{Country, UnitPath};
use roadwarden_domain::FieldError;
use roadwarden_store::captures::{self, ExemptionRow, ReviewerStats};
use roadwarden_store::units;
use roadwarden_store::violations::{
    self as store_violations, Notice, Objection, Vehicle, Violation, ViolationEvent,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{record_id, JsonBody, MultipartBody, Query};
use crate::auth::{CurrentUser, Principal, Require};
use crate::context::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::policy::{ExemptionKeepers, NoticeClerks, ViolationReaders};
use crate::services::audit::{record, record_list_read, Actor, Event};
use crate::services::captures::inspection::{self, BlockedPage, InspectionAnswer};
use crate::services::captures::objections::{self, ObjectionDecision, ObjectionInput};
use crate::services::captures::outbox;
use crate::services::captures::public_lookup::{self, PublicRecord};
use crate::services::captures::review::{
    self, CaptureView, DecisionInput, DecisionOutcome, QueuePage,
};
use crate::services::captures::violations::{self, ClerkAction};
use crate::state::AppState;

// ---- review --------------------------------------------------------------------------------

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct NextQuery {
    /// The capture passed over: the next one after it by deadline.
    pub after: Option<String>,
}

/// The next capture to review, held for this reviewer for a few minutes; 204 when none.
#[utoipa::path(get, path = "/api/v1/review/next", tag = "review", params(NextQuery),
    responses((status = 200, body = CaptureView), (status = 204, description = "the queue is empty")))]
pub async fn next(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Query(q): Query<NextQuery>,
) -> AppResult<Response> {
    let after = q
        .after
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(|s| record_id("after", s))
        .transpose()?;
    Ok(match review::next(&state, &user, &meta, after).await? {
        Some(v) => Json(v).into_response(),
        None => StatusCode::NO_CONTENT.into_response(),
    })
}

#[utoipa::path(get, path = "/api/v1/review/queue", tag = "review", responses((status = 200, body = QueuePage)))]
pub async fn queue(State(state): State<AppState>, user: CurrentUser) -> AppResult<Json<QueuePage>> {
    Ok(Json(review::queue(&state, &user, 50).await?))
}

/// SUP-07a: accuracy and timeliness by reviewer, last 30 days.
#[utoipa::path(get, path = "/api/v1/review/stats", tag = "review", responses((status = 200, body = Vec<Object>)))]
pub async fn stats(
    State(state): State<AppState>,
    user: CurrentUser,
) -> AppResult<Json<Vec<ReviewerStats>>> {
    Ok(Json(review::stats(&state, &user).await?))
}

#[utoipa::path(get, path = "/api/v1/captures/{id}", tag = "review", responses((status = 200, body = CaptureView), (status = 404)))]
pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<String>,
) -> AppResult<Json<CaptureView>> {
    Ok(Json(
        review::show(&state, &user, &meta, record_id("id", &id)?).await?,
    ))
}

/// Approve, or reject with a REV-03 reason.
#[utoipa::path(post, path = "/api/v1/captures/{id}/decision", tag = "review", request_body = DecisionInput,
    responses((status = 200, body = DecisionOutcome), (status = 422, description = "REV-00..03 refused")))]
pub async fn decide(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<DecisionInput>,
) -> AppResult<Json<DecisionOutcome>> {
    Ok(Json(
        review::decide(&state, &user, &meta, record_id("id", &id)?, &input).await?,
    ))
}

/// An image of a capture (JPEG); the read is recorded.
#[utoipa::path(get, path = "/api/v1/captures/{id}/images/{position}", tag = "review", responses((status = 200, content_type = "image/jpeg")))]
pub async fn image(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Path((id, position)): Path<(String, String)>,
) -> AppResult<Response> {
    let position = position
        .parse::<i32>()
        .ok()
        .filter(|p| *p >= 0)
        .ok_or_else(|| FieldError::new("position", "must be a whole number"))?;
    let bytes = review::image(&state, &user, &meta, record_id("id", &id)?, position).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/jpeg"),
            (header::CACHE_CONTROL, "private, max-age=300"),
        ],
        bytes,
    )
        .into_response())
}

// ---- violations ------------------------------------------------------------------------------

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ViolationQuery {
    pub state: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/violations", tag = "violations", params(ViolationQuery), responses((status = 200, body = Vec<Object>)))]
pub async fn list_violations(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Query(q): Query<ViolationQuery>,
) -> AppResult<Json<Vec<Violation>>> {
    Ok(Json(
        list_in_scope(&state, &user, &meta, q.state.as_deref()).await?,
    ))
}

pub async fn list_in_scope(
    state: &AppState,
    p: &Principal,
    meta: &RequestMeta,
    wanted: Option<&str>,
) -> AppResult<Vec<Violation>> {
    check_violation_reader(p)?;
    let wanted = match wanted.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => Some(roadwarden_domain::capture::notice::ViolationState::parse(s)?.as_str()),
        None => None,
    };
    let now = state.clock.now();
    let mut tx = state.store.begin().await?;
    let rows = store_violations::list(&mut tx, p.scope(), wanted, 200).await?;
    // SEC-05: a list of plates is personal data.
    record_list_read(
        &mut tx,
        p,
        meta,
        "violation.list",
        "violation",
        json!({ "state": wanted, "count": rows.len() }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(rows)
}

fn check_violation_reader(p: &Principal) -> AppResult<()> {
    if p.may::<ViolationReaders>() {
        Ok(())
    } else {
        Err(AppError::forbidden(
            Code::RoleMissing,
            "violation records are for clerks, reviewers, objection handlers and supervisors",
        ))
    }
}

/// A record with its timeline, notices and objections.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ViolationDetail {
    #[schema(value_type = Object)]
    pub violation: Violation,
    #[schema(value_type = Vec<Object>)]
    pub events: Vec<ViolationEvent>,
    #[schema(value_type = Vec<Object>)]
    pub notices: Vec<Notice>,
    #[schema(value_type = Vec<Object>)]
    pub objections: Vec<Objection>,
    #[schema(value_type = Option<Object>)]
    pub owner: Option<Vehicle>,
    pub late_fee_today: String,
}

pub async fn violation_detail(
    state: &AppState,
    p: &Principal,
    meta: &RequestMeta,
    id: i64,
) -> AppResult<ViolationDetail> {
    check_violation_reader(p)?;
    let now = state.clock.now();
    let mut tx = state.store.begin().await?;
    let v = violations::readable(&mut tx, p, id).await?;
    let events = store_violations::events(&mut tx, id).await?;
    let notices = store_violations::notices_of(&mut tx, id).await?;
    let objections = store_violations::objections_of(&mut tx, id).await?;
    let owner = match v.vehicle_id {
        Some(vid) => store_violations::vehicle(&mut tx, vid).await?,
        None => None,
    };
    record(
        &mut tx,
        &Actor::user(p, meta),
        Event {
            action: "violation.view",
            object_type: "violation",
            object_id: id.to_string(),
            unit_id: Some(roadwarden_domain::UnitId(v.unit_id)),
            detail: json!({ "plate": v.plate }),
        },
        now,
    )
    .await?;
    let tz = roadwarden_store::units::get(&mut tx, roadwarden_domain::UnitId(v.unit_id))
        .await?
        .map_or(chrono_tz::Asia::Shanghai, |u| u.tz());
    tx.commit().await?;
    let lang = if v.country == "VN" { "vi" } else { "zh-CN" };
    let today = now.with_timezone(&tz).date_naive();
    let late_fee_today = public_lookup::public_record(&v, String::new(), &[], lang, today).late_fee;
    Ok(ViolationDetail {
        violation: v,
        events,
        notices,
        objections,
        owner,
        late_fee_today,
    })
}

#[utoipa::path(get, path = "/api/v1/violations/{id}", tag = "violations", responses((status = 200, body = ViolationDetail), (status = 404)))]
pub async fn show_violation(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<String>,
) -> AppResult<Json<ViolationDetail>> {
    Ok(Json(
        violation_detail(&state, &user, &meta, record_id("id", &id)?).await?,
    ))
}

/// A clerk's step: notify (posted), extend (NOT-02b), handle, pay (NOT-02d), eliminate (REV-04).
#[utoipa::path(post, path = "/api/v1/violations/{id}/actions", tag = "violations", request_body = ClerkAction,
    responses((status = 200, body = Object), (status = 422)))]
pub async fn act(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<String>,
    JsonBody(action): JsonBody<ClerkAction>,
) -> AppResult<Json<Violation>> {
    Ok(Json(
        violations::act(&state, &user, &meta, record_id("id", &id)?, action).await?,
    ))
}

/// The printable letter (PDF) once the outbox produced it.
#[utoipa::path(get, path = "/api/v1/notices/{id}/letter", tag = "violations", responses((status = 200, content_type = "application/pdf")))]
pub async fn letter(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let bytes = letter_bytes(&state, &user, &meta, record_id("id", &id)?).await?;
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

/// A notice of a record this person may read; another unit's or country's notice is "not
/// found" exactly like one that does not exist (issue 12 item 3: no enumeration by answers).
async fn readable_notice(
    tx: &mut roadwarden_store::Tx,
    p: &Principal,
    id: i64,
) -> AppResult<Notice> {
    let n = store_violations::notice(tx, id)
        .await?
        .ok_or(AppError::NotFound("notice"))?;
    match violations::readable(tx, p, n.violation_id).await {
        Ok(_) => Ok(n),
        Err(AppError::NotFound(_)) => Err(AppError::NotFound("notice")),
        Err(e) => Err(e),
    }
}

pub async fn letter_bytes(
    state: &AppState,
    p: &Principal,
    meta: &RequestMeta,
    id: i64,
) -> AppResult<Vec<u8>> {
    check_violation_reader(p)?;
    let now = state.clock.now();
    let mut tx = state.store.begin().await?;
    let n = readable_notice(&mut tx, p, id).await?;
    let blob = n.blob_id.clone().ok_or(AppError::NotFound("letter"))?;
    record(
        &mut tx,
        &Actor::user(p, meta),
        Event {
            action: "notice.letter",
            object_type: "notice",
            object_id: id.to_string(),
            unit_id: Some(p.user.unit_id),
            detail: json!({ "violation": n.violation_id }),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    let id = roadwarden_blob::BlobId::parse(&blob).map_err(AppError::internal)?;
    state.blobs.get(&id).await.map_err(AppError::internal)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct NoticeQuery {
    /// queued, sent or failed (default failed: what needs a clerk).
    pub state: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/notices", tag = "violations", params(NoticeQuery), responses((status = 200, body = Vec<Object>)))]
pub async fn notices(
    State(state): State<AppState>,
    user: Require<NoticeClerks>,
    meta: RequestMeta,
    Query(q): Query<NoticeQuery>,
) -> AppResult<Json<Vec<Notice>>> {
    let wanted = match q.state.as_deref().map(str::trim) {
        None | Some("") | Some("failed") => "failed",
        Some("queued") => "queued",
        Some("sent") => "sent",
        Some(_) => return Err(FieldError::new("state", "must be queued, sent or failed").into()),
    };
    let now = state.clock.now();
    let mut tx = state.store.begin().await?;
    let rows = store_violations::notices_in_scope(&mut tx, user.scope(), wanted, 200).await?;
    // SEC-05: recipients are phone numbers, e-mail and postal addresses.
    record_list_read(
        &mut tx,
        &user,
        &meta,
        "notice.list",
        "notice",
        json!({ "state": wanted, "count": rows.len() }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Json(rows))
}

/// Puts a given-up notice back in the queue.
#[utoipa::path(post, path = "/api/v1/notices/{id}/retry", tag = "violations", responses((status = 204)))]
pub async fn retry_notice(
    State(state): State<AppState>,
    user: Require<NoticeClerks>,
    meta: RequestMeta,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    let id = record_id("id", &id)?;
    let now = state.clock.now();
    let mut tx = state.store.begin().await?;
    readable_notice(&mut tx, &user, id).await?;
    if !store_violations::requeue_notice(&mut tx, id, now).await? {
        return Err(FieldError::new("id", "only a notice that was given up can be retried").into());
    }
    record(
        &mut tx,
        &Actor::user(&user, &meta),
        Event {
            action: "notice.retry",
            object_type: "notice",
            object_id: id.to_string(),
            unit_id: Some(user.user.unit_id),
            detail: json!({}),
        },
        now,
    )
    .await?;
    tx.commit().await?;
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

#[utoipa::path(get, path = "/api/v1/objections", tag = "objections", params(ObjectionQuery), responses((status = 200, body = Vec<Object>)))]
pub async fn list_objections(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Query(q): Query<ObjectionQuery>,
) -> AppResult<Json<Vec<Objection>>> {
    Ok(Json(
        objections::list(&state, &user, &meta, q.open.unwrap_or(true)).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/objections/{id}/decision", tag = "objections", request_body = ObjectionDecision,
    responses((status = 200, body = Object), (status = 422)))]
pub async fn decide_objection(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<ObjectionDecision>,
) -> AppResult<Json<Objection>> {
    Ok(Json(
        objections::decide(&state, &user, &meta, record_id("id", &id)?, &input).await?,
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
    responses((status = 201, body = Object), (status = 404, description = "no such violation"),
              (status = 409, description = "an objection to this violation is already open"), (status = 422)))]
pub async fn lodge_at_window(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    JsonBody(input): JsonBody<WindowObjection>,
) -> AppResult<(StatusCode, Json<Objection>)> {
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
    Ok((StatusCode::CREATED, Json(o)))
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
    responses((status = 201, body = Object), (status = 404, description = "no such violation for this plate and VIN tail"),
              (status = 409, description = "an objection to this violation is already open"), (status = 422),
              (status = 429, description = "too many failed attempts for this plate; try again later")))]
pub async fn public_objection(
    State(state): State<AppState>,
    meta: RequestMeta,
    MultipartBody(form): MultipartBody,
) -> AppResult<(StatusCode, Json<Objection>)> {
    let input = objection_form(form).await?;
    let o = objections::lodge_public(&state, &meta, input).await?;
    Ok((StatusCode::CREATED, Json(o)))
}

/// Reads the objection form (shared with the public page).
pub async fn objection_form(mut form: Multipart) -> AppResult<ObjectionInput> {
    let mut input = ObjectionInput::default();
    let bad = || FieldError::new("body", "is not a readable form");
    while let Some(field) = form.next_field().await.map_err(|_| bad())? {
        let name = field.name().unwrap_or_default().to_owned();
        let is_file = field.file_name().is_some_and(|f| !f.is_empty());
        let bytes = field.bytes().await.map_err(|_| bad())?;
        if name == "photos" {
            if is_file && !bytes.is_empty() {
                input.photos.push(bytes);
            }
            continue;
        }
        let value = String::from_utf8(bytes.to_vec()).map_err(|_| bad())?;
        match name.as_str() {
            "violation_id" => input.violation_id = record_id("violation_id", &value)?,
            "plate" => input.plate = value,
            "vin_tail" => input.vin_tail = value,
            "text" => input.text = value,
            "contact" => input.contact = value,
            _ => {}
        }
    }
    Ok(input)
}

// ---- the inspection interface (NOT-03) -------------------------------------------------------

#[utoipa::path(get, path = "/api/v1/inspection/vehicles/{plate}", tag = "inspection",
    responses((status = 200, body = InspectionAnswer)))]
pub async fn inspection_vehicle(
    State(state): State<AppState>,
    user: CurrentUser,
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
    user: CurrentUser,
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

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExemptionInput {
    pub plate: String,
    /// emergency or permitted.
    pub kind: String,
    pub valid_from: DateTime<Utc>,
    pub valid_until: Option<DateTime<Utc>>,
    #[serde(default)]
    pub note: String,
}

#[utoipa::path(get, path = "/api/v1/exemptions", tag = "review", responses((status = 200, body = Vec<Object>)))]
pub async fn exemptions(
    State(state): State<AppState>,
    user: Require<ViolationReaders>,
    meta: RequestMeta,
) -> AppResult<Json<Vec<ExemptionRow>>> {
    let now = state.clock.now();
    let mut tx = state.store.begin().await?;
    let rows = captures::exemptions_in_scope(&mut tx, user.scope()).await?;
    // SEC-05: which vehicles may pass is sensitive.
    record_list_read(
        &mut tx,
        &user,
        &meta,
        "exemption.list",
        "exemption",
        json!({ "count": rows.len() }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Json(rows))
}

/// REV-03(4), REV-04: lists a vehicle that may pass (a supervisor or unit head of the unit).
#[utoipa::path(post, path = "/api/v1/exemptions", tag = "review", request_body = ExemptionInput, responses((status = 201, body = Object)))]
pub async fn add_exemption(
    State(state): State<AppState>,
    user: Require<ExemptionKeepers>,
    meta: RequestMeta,
    JsonBody(input): JsonBody<ExemptionInput>,
) -> AppResult<(StatusCode, Json<serde_json::Value>)> {
    let kind = ExemptionKind::parse(&input.kind)?;
    let key = query_key(&input.plate)?;
    if input.valid_until.is_some_and(|u| u <= input.valid_from) {
        return Err(FieldError::new("valid_until", "must be after valid_from").into());
    }
    let note = text("note", &input.note, 200, false)?;
    let now = state.clock.now();
    let mut tx = state.store.begin().await?;
    let id = captures::add_exemption(
        &mut tx,
        user.user.unit_id,
        user.scope(),
        &key,
        kind.as_str(),
        input.valid_from,
        input.valid_until,
        &note,
        Some(user.user.id),
        now,
    )
    .await?;
    record(
        &mut tx,
        &Actor::user(&user, &meta),
        Event {
            action: "exemption.add",
            object_type: "exemption",
            object_id: id.to_string(),
            unit_id: Some(user.user.unit_id),
            detail: json!({ "plate": key, "kind": kind.as_str() }),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VehicleInput {
    pub plate: String,
    #[serde(default)]
    pub plate_colour: String,
    /// CN or VN.
    pub country: String,
    #[serde(default)]
    pub vehicle_type: String,
    pub vin: String,
    pub owner_name: String,
    #[serde(default)]
    pub owner_address: String,
    #[serde(default)]
    pub owner_phone: String,
    #[serde(default)]
    pub owner_email: String,
    #[serde(default)]
    pub division_code: String,
}

/// The embedded registry (for deployments without a registry connection, and the demo):
/// notice clerks record an owner.
#[utoipa::path(post, path = "/api/v1/vehicles", tag = "violations", request_body = VehicleInput, responses((status = 201, body = Object)))]
pub async fn add_vehicle(
    State(state): State<AppState>,
    user: Require<NoticeClerks>,
    meta: RequestMeta,
    JsonBody(input): JsonBody<VehicleInput>,
) -> AppResult<(StatusCode, Json<serde_json::Value>)> {
    let mut v = vehicle_of(&input)?;
    v.unit_path = user.scope().as_str().to_owned();
    let now = state.clock.now();
    let mut tx = state.store.begin().await?;
    // A plate is its country's: only that country's police record its owner (issue 12 item 2:
    // a foreign unit could take a plate over and have its notices name the wrong person).
    let own_country = units::get(&mut tx, user.user.unit_id)
        .await?
        .map(|u| u.country.code());
    if own_country != Some(v.country.as_str()) {
        return Err(AppError::forbidden(
            Code::VehicleOtherCountry,
            "this plate is another country's; only that country's police record its owner",
        ));
    }
    // ORG-02: an entry recorded by another unit is changed there (or above), never from a
    // sibling, so nobody can redirect another unit's owner notices. An entry no unit owns (from
    // before entries had one, and used by no record) is changed only by a top-level unit.
    let before =
        store_violations::vehicle_by_plate(&mut tx, &v.country, &v.plate_key, &v.plate_colour)
            .await?;
    if let Some(b) = &before {
        let allowed = if b.unit_path.is_empty() {
            user.scope().depth() == 1
        } else {
            user.scope()
                .covers(&UnitPath::from_stored(b.unit_path.clone()))
        };
        if !allowed {
            return Err(AppError::forbidden(
                Code::VehicleOtherUnit,
                "this vehicle was recorded by another unit; that unit or one above it may change it",
            ));
        }
        // An upper unit's change leaves the entry with the unit that recorded it.
        if !b.unit_path.is_empty() {
            v.unit_path.clone_from(&b.unit_path);
        }
    }
    let owner = before
        .as_ref()
        .map_or(v.unit_path.as_str(), |b| b.unit_path.as_str())
        .to_owned();
    let Some(id) = store_violations::upsert_vehicle(&mut tx, &v, &owner).await? else {
        // Another unit recorded the plate between the read and the write.
        return Err(AppError::Conflict {
            field: "plate".into(),
        });
    };
    record(
        &mut tx,
        &Actor::user(&user, &meta),
        Event {
            action: if before.is_some() {
                "vehicle.update"
            } else {
                "vehicle.create"
            },
            object_type: "vehicle",
            object_id: id.to_string(),
            unit_id: Some(user.user.unit_id),
            detail: json!({ "plate": v.plate, "changed": changed_fields(before.as_ref(), &v) }),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "id": id, "plate": v.plate })),
    ))
}

/// The registry fields a change touches (their names only: the values are personal data).
fn changed_fields(before: Option<&Vehicle>, after: &Vehicle) -> Vec<&'static str> {
    let Some(b) = before else {
        return Vec::new();
    };
    [
        ("plate", b.plate == after.plate),
        ("plate_colour", b.plate_colour == after.plate_colour),
        ("country", b.country == after.country),
        ("vehicle_type", b.vehicle_type == after.vehicle_type),
        ("vin", b.vin == after.vin),
        ("owner_name", b.owner_name == after.owner_name),
        ("owner_address", b.owner_address == after.owner_address),
        ("owner_phone", b.owner_phone == after.owner_phone),
        ("owner_email", b.owner_email == after.owner_email),
        ("division_code", b.division_code == after.division_code),
    ]
    .into_iter()
    .filter_map(|(name, same)| (!same).then_some(name))
    .collect()
}

/// Validates a registry entry (also used by the demo seed).
pub fn vehicle_of(input: &VehicleInput) -> AppResult<Vehicle> {
    let country = match input.country.trim() {
        "CN" => Country::China,
        "VN" => Country::Vietnam,
        _ => return Err(FieldError::new("country", "must be CN or VN").into()),
    };
    let colour = PlateColour::parse(&input.plate_colour)?;
    // The colour is part of the plate (it says the plate type): a registry entry names it.
    if colour == PlateColour::Unknown {
        return Err(FieldError::new("plate_colour", "give the plate's colour").into());
    }
    let PlateReading::Read(plate) = read_plate(country, &input.plate, colour)? else {
        return Err(FieldError::new("plate", "is required").into());
    };
    let vin = input.vin.trim().to_ascii_uppercase();
    if vin.len() != 17 || !vin.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(
            FieldError::new("vin", "must be the 17-character identification number").into(),
        );
    }
    let email = text("owner_email", &input.owner_email, 254, false)?;
    if !email.is_empty() && !crate::services::captures::smtp::valid_address(&email) {
        return Err(FieldError::new("owner_email", "is not an e-mail address").into());
    }
    Ok(Vehicle {
        id: 0,
        plate_key: plate_key(&plate.number),
        plate: plate.number,
        plate_colour: plate.colour.as_str().to_owned(),
        country: country.code().to_owned(),
        vehicle_type: text("vehicle_type", &input.vehicle_type, 32, false)?,
        vin,
        owner_name: text("owner_name", &input.owner_name, 64, true)?,
        owner_address: text("owner_address", &input.owner_address, 300, false)?,
        owner_phone: text("owner_phone", &input.owner_phone, 32, false)?,
        owner_email: email,
        division_code: text("division_code", &input.division_code, 12, false)?,
        unit_path: String::new(),
    })
}
