//! `/api/v1/devices` and friends: the device registry, lifecycle, upkeep, reports, the
//! registration export and ledger imports (DEV-01..15, SUP-04..06, ORG-03), scoped by unit.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine;
use roadwarden_domain::{DeviceId, FieldError};
use serde::{Deserialize, Serialize};

use crate::auth::{CurrentUser, Require};
use crate::context::RequestMeta;
use crate::edge::{paging, JsonBody, Path, Query, RecordId};
use crate::error::AppResult;
use crate::policy::{DeviceActors, DeviceManagers, DeviceReviewers};
use crate::services::devices::credentials::{self, IssuedCredential};
use crate::services::devices::ledger::{self, ImportOptions, ImportReport};
use crate::services::devices::lifecycle::{
    self, ActionInput, AssessmentInput, RegistrationInput, ReviewInput,
};
use crate::services::devices::reads::{self, DeviceQuery, TOTAL_CAP};
use crate::services::devices::registry::{self, DeviceInput};
use crate::services::devices::upkeep::{
    self, CalibrationInput, CleanupDecision, FaultInput, FixInput, OperationInput, PatrolInput,
    Report, Scan,
};
use crate::services::Authority;
use crate::state::AppState;
use crate::views::devices::{
    AlertView, CalibrationView, CleanupItemView, Created, DeviceDetail, DevicePage, DeviceView,
    InboxItem, MapPointView,
};
use crate::views::registration::RegistrationView;

/// Devices in the caller's scope (ORG-02), by managing unit and number.
#[utoipa::path(get, path = "/api/v1/devices", tag = "devices", params(DeviceQuery), responses((status = 200, body = DevicePage)))]
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<DeviceQuery>,
) -> AppResult<Json<DevicePage>> {
    let (limit, offset) = paging(q.limit.as_deref(), q.offset.as_deref(), 500)?;
    let with_total = q.total.as_deref() != Some("false");
    let filter = q.filter(&state, &user).await?;
    let (found, total) =
        registry::list_devices(&state, &user, &filter, limit, offset, with_total).await?;
    let cap = TOTAL_CAP;
    Ok(Json(DevicePage {
        total: total.map_or(-1, |t| t.min(cap)),
        total_is_exact: total.is_some_and(|t| t <= cap),
        items: found.into_iter().map(DeviceView::from).collect(),
        limit,
        offset,
    }))
}

/// Proposes a device (draft, DEV-02 next).
#[utoipa::path(post, path = "/api/v1/devices", tag = "devices", request_body = DeviceInput,
    responses((status = 201, body = DeviceView), (status = 409, body = crate::error::ErrorEnvelope), (status = 422, body = crate::error::ErrorEnvelope)))]
pub async fn create(
    State(state): State<AppState>,
    user: Require<DeviceManagers>,
    meta: RequestMeta,
    JsonBody(input): JsonBody<DeviceInput>,
) -> AppResult<(StatusCode, Json<DeviceView>)> {
    let device = registry::create_device(&state, Authority::User(&user), &meta, &input).await?;
    Ok((StatusCode::CREATED, Json(device.into())))
}

#[utoipa::path(get, path = "/api/v1/devices/{id}", tag = "devices", params(("id" = i64, Path, description = "The device")), responses((status = 200, body = DeviceDetail), (status = 404, body = crate::error::ErrorEnvelope)))]
pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(RecordId(id)): Path<RecordId>,
) -> AppResult<Json<DeviceDetail>> {
    Ok(Json(
        reads::detail(&state, &user, DeviceId(id)).await?.into(),
    ))
}

/// Edits a device; place and violation types only before a new assessment (DEV-02).
#[utoipa::path(put, path = "/api/v1/devices/{id}", tag = "devices", params(("id" = i64, Path, description = "The device")), request_body = DeviceInput, responses((status = 200, body = DeviceView)))]
pub async fn update(
    State(state): State<AppState>,
    user: Require<DeviceManagers>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    JsonBody(input): JsonBody<DeviceInput>,
) -> AppResult<Json<DeviceView>> {
    Ok(Json(
        registry::update_device(&state, &user, &meta, DeviceId(id), &input)
            .await?
            .into(),
    ))
}

/// DEV-02: files an assessment (adding, moving or re-enabling).
#[utoipa::path(post, path = "/api/v1/devices/{id}/assessments", tag = "devices", params(("id" = i64, Path, description = "The device")), request_body = AssessmentInput, responses((status = 200, body = DeviceView)))]
pub async fn file_assessment(
    State(state): State<AppState>,
    user: Require<DeviceManagers>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    JsonBody(input): JsonBody<AssessmentInput>,
) -> AppResult<Json<DeviceView>> {
    Ok(Json(
        lifecycle::file_assessment(&state, &user, &meta, DeviceId(id), &input)
            .await?
            .into(),
    ))
}

/// DEV-03: one department approves or returns the assessment under review.
#[utoipa::path(post, path = "/api/v1/devices/{id}/reviews", tag = "devices", params(("id" = i64, Path, description = "The device")), request_body = ReviewInput, responses((status = 200, body = DeviceView)))]
pub async fn review(
    State(state): State<AppState>,
    user: Require<DeviceReviewers>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    JsonBody(input): JsonBody<ReviewInput>,
) -> AppResult<Json<DeviceView>> {
    Ok(Json(
        lifecycle::review(&state, &user, &meta, DeviceId(id), &input)
            .await?
            .into(),
    ))
}

/// A lifecycle step: start_formal_use, evaluate_keep/stop, suspend, resume, circuit_break,
/// stop, retire; or, from an upper unit, warn and order_rectification (ORG-03).
#[utoipa::path(post, path = "/api/v1/devices/{id}/actions", tag = "devices", params(("id" = i64, Path, description = "The device")), request_body = ActionInput, responses((status = 200, body = DeviceView), (status = 422, body = crate::error::ErrorEnvelope)))]
pub async fn act(
    State(state): State<AppState>,
    user: Require<DeviceActors>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    JsonBody(input): JsonBody<ActionInput>,
) -> AppResult<Json<DeviceView>> {
    Ok(Json(
        lifecycle::act(&state, &user, &meta, DeviceId(id), &input)
            .await?
            .into(),
    ))
}

/// DEV-07: the command platform confirmed the registration.
#[utoipa::path(post, path = "/api/v1/devices/{id}/registration", tag = "devices", params(("id" = i64, Path, description = "The device")), request_body = RegistrationInput, responses((status = 200, body = DeviceView)))]
pub async fn register(
    State(state): State<AppState>,
    user: Require<DeviceManagers>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    JsonBody(input): JsonBody<RegistrationInput>,
) -> AppResult<Json<DeviceView>> {
    Ok(Json(
        lifecycle::confirm_registration(&state, &user, &meta, DeviceId(id), &input)
            .await?
            .into(),
    ))
}

/// Issues a push credential (the secret is shown once) and revokes older ones.
#[utoipa::path(post, path = "/api/v1/devices/{id}/credentials", tag = "devices", params(("id" = i64, Path, description = "The device")), responses((status = 201, body = IssuedCredential)))]
pub async fn issue_credential(
    State(state): State<AppState>,
    user: Require<DeviceManagers>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
) -> AppResult<(StatusCode, Json<IssuedCredential>)> {
    Ok((
        StatusCode::CREATED,
        Json(credentials::issue(&state, &user, &meta, DeviceId(id)).await?),
    ))
}

#[utoipa::path(delete, path = "/api/v1/devices/{id}/credentials/{credential}", tag = "devices", params(("id" = i64, Path, description = "The device"), ("credential" = i64, Path, description = "The credential")), responses((status = 204)))]
pub async fn revoke_credential(
    State(state): State<AppState>,
    user: Require<DeviceManagers>,
    meta: RequestMeta,
    Path(ids): Path<(RecordId, RecordId)>,
) -> AppResult<StatusCode> {
    let (RecordId(id), RecordId(cid)) = ids;
    credentials::revoke(&state, &user, &meta, DeviceId(id), cid).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CalibrationBody {
    #[serde(flatten)]
    pub certificate: CalibrationInput,
    /// The scan's file name and its bytes in base64, optional.
    #[serde(default)]
    pub scan_name: String,
    #[serde(default)]
    pub scan_base64: String,
}

/// DEV-13: records a calibration certificate.
#[utoipa::path(post, path = "/api/v1/devices/{id}/calibrations", tag = "devices", params(("id" = i64, Path, description = "The device")), request_body = CalibrationBody,
    responses((status = 201, body = CalibrationView), (status = 409, description = "this issuer's certificate number is already filed")))]
pub async fn add_calibration(
    State(state): State<AppState>,
    user: Require<DeviceManagers>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    JsonBody(body): JsonBody<CalibrationBody>,
) -> AppResult<(StatusCode, Json<CalibrationView>)> {
    let scan = if body.scan_base64.trim().is_empty() {
        None
    } else {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(body.scan_base64.trim())
            .map_err(|_| FieldError::new("scan_base64", "is not base64"))?;
        Some(Scan {
            name: body.scan_name.clone(),
            bytes,
        })
    };
    let cal = upkeep::add_calibration(&state, &user, &meta, DeviceId(id), &body.certificate, scan)
        .await?;
    Ok((StatusCode::CREATED, Json(cal.into())))
}

/// The scanned certificate (the read is recorded).
#[utoipa::path(get, path = "/api/v1/devices/{id}/calibrations/{calibration}/scan", tag = "devices", params(("id" = i64, Path, description = "The device"), ("calibration" = i64, Path, description = "The calibration")), responses((status = 200)))]
pub async fn calibration_scan(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Path(ids): Path<(RecordId, RecordId)>,
) -> AppResult<Response> {
    let (RecordId(id), RecordId(cid)) = ids;
    let (name, bytes) = upkeep::calibration_scan(&state, &user, &meta, DeviceId(id), cid).await?;
    let kind = if name.to_ascii_lowercase().ends_with(".pdf") {
        "application/pdf"
    } else if name.to_ascii_lowercase().ends_with(".png") {
        "image/png"
    } else {
        "image/jpeg"
    };
    let safe: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        .collect();
    Ok((
        [
            (header::CONTENT_TYPE, kind.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{safe}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// DEV-10: a patrol record.
#[utoipa::path(post, path = "/api/v1/devices/{id}/patrols", tag = "devices", params(("id" = i64, Path, description = "The device")), request_body = PatrolInput, responses((status = 201, body = Created)))]
pub async fn add_patrol(
    State(state): State<AppState>,
    user: Require<DeviceManagers>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    JsonBody(input): JsonBody<PatrolInput>,
) -> AppResult<(StatusCode, Json<Created>)> {
    let id = upkeep::add_patrol(&state, &user, &meta, DeviceId(id), &input).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// DEV-10: opens a fault.
#[utoipa::path(post, path = "/api/v1/devices/{id}/faults", tag = "devices", params(("id" = i64, Path, description = "The device")), request_body = FaultInput, responses((status = 201, body = Created)))]
pub async fn open_fault(
    State(state): State<AppState>,
    user: Require<DeviceManagers>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    JsonBody(input): JsonBody<FaultInput>,
) -> AppResult<(StatusCode, Json<Created>)> {
    let id = upkeep::open_fault(&state, &user, &meta, DeviceId(id), &input).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// DEV-10: closes a fault (the time to fix is recorded).
#[utoipa::path(post, path = "/api/v1/devices/{id}/faults/{fault}/fix", tag = "devices", params(("id" = i64, Path, description = "The device"), ("fault" = i64, Path, description = "The fault")), request_body = FixInput, responses((status = 204)))]
pub async fn fix_fault(
    State(state): State<AppState>,
    user: Require<DeviceManagers>,
    meta: RequestMeta,
    Path(ids): Path<(RecordId, RecordId)>,
    JsonBody(input): JsonBody<FixInput>,
) -> AppResult<StatusCode> {
    let (RecordId(id), RecordId(fid)) = ids;
    upkeep::fix_fault(&state, &user, &meta, DeviceId(id), fid, &input).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// DEV-15: an operation-log entry with the confirmed status.
#[utoipa::path(post, path = "/api/v1/devices/{id}/operations", tag = "devices", params(("id" = i64, Path, description = "The device")), request_body = OperationInput, responses((status = 201, body = Created)))]
pub async fn log_operation(
    State(state): State<AppState>,
    user: Require<DeviceManagers>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    JsonBody(input): JsonBody<OperationInput>,
) -> AppResult<(StatusCode, Json<Created>)> {
    let id = upkeep::log_operation(&state, &user, &meta, DeviceId(id), &input).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct InboxQuery {
    /// technology, legal or public_opinion; the caller's own department when omitted.
    pub department: Option<String>,
}

/// DEV-03: assessments waiting for the caller's department.
#[utoipa::path(get, path = "/api/v1/device-reviews/inbox", tag = "devices", params(InboxQuery), responses((status = 200, body = Vec<InboxItem>)))]
pub async fn inbox(
    State(state): State<AppState>,
    user: Require<DeviceReviewers>,
    Query(q): Query<InboxQuery>,
) -> AppResult<Json<Vec<InboxItem>>> {
    let found = reads::review_inbox(&state, &user, q.department.as_deref()).await?;
    Ok(Json(found.into_iter().map(InboxItem::from).collect()))
}

/// Positions for the map.
#[utoipa::path(get, path = "/api/v1/device-map", tag = "devices", params(DeviceQuery), responses((status = 200, body = Vec<MapPointView>)))]
pub async fn map(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<DeviceQuery>,
) -> AppResult<Json<Vec<MapPointView>>> {
    let points = registry::map_points(&state, &user, &q.filter(&state, &user).await?).await?;
    Ok(Json(points.into_iter().map(MapPointView::from).collect()))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ReportQuery {
    /// YYYY-MM; this month when omitted.
    pub month: Option<String>,
    pub maintainer: Option<String>,
}

/// DEV-11: conformity and intact rates per device, maintaining unit and month.
#[utoipa::path(get, path = "/api/v1/device-report", tag = "devices", params(ReportQuery), responses((status = 200, body = Report)))]
pub async fn report(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ReportQuery>,
) -> AppResult<Json<Report>> {
    Ok(Json(
        upkeep::report(&state, &user, q.month.as_deref(), q.maintainer.as_deref()).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct CleanupQuery {
    pub year: Option<String>,
}

/// DEV-12: the clean-up list of a year.
#[utoipa::path(get, path = "/api/v1/device-cleanup", tag = "devices", params(CleanupQuery), responses((status = 200, body = Vec<CleanupItemView>)))]
pub async fn cleanup(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<CleanupQuery>,
) -> AppResult<Json<Vec<CleanupItemView>>> {
    use chrono::Datelike;
    let year = match q.year.as_deref().map(str::trim).filter(|y| !y.is_empty()) {
        Some(y) => y
            .parse::<i32>()
            .ok()
            .filter(|y| (2000..=2200).contains(y))
            .ok_or_else(|| FieldError::new("year", "must be a year like 2026"))?,
        None => state.clock.now().year(),
    };
    let items = upkeep::cleanup_list(&state, &user, year).await?;
    Ok(Json(items.into_iter().map(CleanupItemView::from).collect()))
}

#[utoipa::path(post, path = "/api/v1/device-cleanup/{item}", tag = "devices", params(("item" = i64, Path, description = "The clean-up item")), request_body = CleanupDecision, responses((status = 204)))]
pub async fn resolve_cleanup(
    State(state): State<AppState>,
    user: Require<DeviceManagers>,
    meta: RequestMeta,
    Path(RecordId(item)): Path<RecordId>,
    JsonBody(input): JsonBody<CleanupDecision>,
) -> AppResult<StatusCode> {
    upkeep::resolve_cleanup(&state, &user, &meta, item, &input).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct RegistrationQuery {
    /// Records after this id (the cursor the platform keeps).
    pub after: Option<String>,
    /// json (default) or csv
    pub format: Option<String>,
    pub limit: Option<String>,
    /// SEC-07: with `format=csv`, the approved export application this file is made under.
    pub application: Option<String>,
}

/// DEV-07: registration records for the command platform, in order, in the documented format.
/// SEC-07: the CSV file is a bulk export: it needs an approved export application of
/// `device_registrations` filed by the caller (`application=<id>`), used once; its SHA-256 is
/// recorded, and a refusal (`sharing.export_needs_approval`, `sharing.export_used`) is audited.
#[utoipa::path(get, path = "/api/v1/device-registrations", tag = "devices", params(RegistrationQuery),
    responses((status = 200, body = Vec<RegistrationView>, description = "JSON, or CSV with `format=csv`"),
              (status = 422, description = "a wrong parameter, or a CSV export without an approved export application")))]
pub async fn registrations(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Query(q): Query<RegistrationQuery>,
) -> AppResult<Response> {
    let records = reads::registrations(
        &state,
        &user,
        number_param("after", q.after.as_deref(), 0, i64::MAX)?,
        number_param("limit", q.limit.as_deref(), 1000, 10_000)?.max(1),
    )
    .await?;
    if q.format.as_deref() == Some("csv") {
        let body = reads::registrations_csv(&records)?;
        let application = match q.application.as_deref().filter(|s| !s.is_empty()) {
            Some(_) => Some(number_param(
                "application",
                q.application.as_deref(),
                0,
                i64::MAX,
            )?),
            None => None,
        };
        let rows = i64::try_from(records.len()).unwrap_or(i64::MAX);
        let file = ("device-registrations.csv", body.as_slice(), rows);
        crate::services::sharing::applications::export(
            &state,
            &user,
            &meta,
            application,
            roadwarden_domain::sharing::Dataset::DeviceRegistrations,
            file,
        )
        .await?;
        return Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], body).into_response());
    }
    Ok(Json(reads::registration_views(&records)?).into_response())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ImportQuery {
    pub file_name: Option<String>,
    /// true: import the good rows and report the bad ones.
    pub skip_bad_rows: Option<String>,
}

/// A refused import: the report naming the bad rows, or the error body for a wrong parameter.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(untagged)]
#[allow(dead_code)] // documentation only
pub enum ImportRefusal {
    Report(ImportReport),
    Error(crate::error::ErrorEnvelope),
}

/// Imports a ledger (CSV in UTF-8 or GBK, or XLSX) sent as the request body. Bad rows are
/// reported with their line and reason; nothing is imported unless `skip_bad_rows=true`.
#[utoipa::path(post, path = "/api/v1/device-imports", tag = "devices", params(ImportQuery), request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = ImportReport),
              (status = 422, body = ImportRefusal, description = "bad rows (the report), or a wrong parameter (the error)")))]
pub async fn import(
    State(state): State<AppState>,
    user: Require<DeviceManagers>,
    meta: RequestMeta,
    Query(q): Query<ImportQuery>,
    body: Bytes,
) -> AppResult<(StatusCode, Json<ImportReport>)> {
    let name = q.file_name.unwrap_or_else(|| "ledger".into());
    let report = ledger::import(
        &state,
        Authority::User(&user),
        &meta,
        &name,
        &body,
        ImportOptions {
            skip_bad_rows: match q.skip_bad_rows.as_deref().map(str::trim) {
                None | Some("" | "false" | "0") => false,
                Some("true" | "1") => true,
                Some(_) => {
                    return Err(FieldError::new("skip_bad_rows", "must be true or false").into())
                }
            },
        },
        &|_, _| {},
    )
    .await?;
    let status = if report.committed {
        StatusCode::CREATED
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, Json(report)))
}

/// Open alerts for the devices in scope (calibration, evaluation, warnings).
#[utoipa::path(get, path = "/api/v1/device-alerts", tag = "devices", responses((status = 200, body = Vec<AlertView>)))]
pub async fn alerts(
    State(state): State<AppState>,
    user: CurrentUser,
) -> AppResult<Json<Vec<AlertView>>> {
    let found = reads::alerts(&state, &user, 200).await?;
    Ok(Json(found.into_iter().map(AlertView::from).collect()))
}

/// An optional whole-number query value within `0..=max`.
fn number_param(field: &'static str, raw: Option<&str>, default: i64, max: i64) -> AppResult<i64> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(default),
        Some(s) => s
            .parse::<i64>()
            .ok()
            .filter(|n| (0..=max).contains(n))
            .ok_or_else(|| {
                FieldError::new(field, format!("must be a whole number from 0 to {max}")).into()
            }),
    }
}
