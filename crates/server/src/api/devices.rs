//! `/api/v1/devices` and friends: the device registry, lifecycle, upkeep, reports, the
//! registration export and ledger imports (DEV-01..15, SUP-04..06, ORG-03), scoped by unit.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine;
use roadwarden_domain::codes::Code;
use roadwarden_domain::device::lifecycle::capture_use_for;
use roadwarden_domain::device::review::Department;
use roadwarden_domain::device::{DeviceKind, DeviceState};
use roadwarden_domain::{DeviceId, FieldError, UnitId};
use roadwarden_store::device_records::{
    self, Assessment, Calibration, Credential, DeviceEvent, Fault, Operation, Patrol, Review,
};
use roadwarden_store::devices::{Device, DeviceFilter};
use roadwarden_store::units;
use serde::{Deserialize, Serialize};

use crate::auth::{CurrentUser, Principal, Require};
use crate::context::RequestMeta;
use crate::edge::{paging, record_id, search_text, JsonBody, Query};
use crate::error::{AppError, AppResult};
use crate::policy::{DeviceManagers, DeviceReviewers};
use crate::services::devices::credentials::{self, IssuedCredential};
use crate::services::devices::ledger::{self, ImportOptions, ImportReport};
use crate::services::devices::lifecycle::{
    self, ActionInput, AssessmentInput, RegistrationInput, ReviewInput,
};
use crate::services::devices::registry::{self, DeviceInput};
use crate::services::devices::upkeep::{
    self, CalibrationInput, CleanupDecision, FaultInput, FixInput, OperationInput, PatrolInput,
    Report, Scan,
};
use crate::services::Authority;
use crate::state::AppState;

/// A device as the API shows it, with what its captures may become now.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DeviceView {
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub device: Device,
    /// enforce, warn_only or refuse (DEV-05, CAP-03, CAP-04).
    pub capture_use: String,
}

impl From<Device> for DeviceView {
    fn from(device: Device) -> Self {
        let capture_use = serde_json::to_value(capture_use_for(device.kind, device.state))
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        Self {
            device,
            capture_use,
        }
    }
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct DeviceQuery {
    /// One state or several separated by commas, e.g. `trial,in_use`.
    pub state: Option<String>,
    pub kind: Option<String>,
    /// Only devices managed at or below this unit.
    pub unit_id: Option<String>,
    /// Matches number, name or road.
    pub search: Option<String>,
    pub maintainer: Option<String>,
    pub limit: Option<String>,
    pub offset: Option<String>,
    /// `false` skips counting the total (faster on large registries).
    pub total: Option<String>,
}

impl DeviceQuery {
    /// The filter, with `unit_id` checked against the reader's scope: a unit outside it is
    /// "not found", as on every other list (ORG-02), never silently ignored.
    pub async fn filter(&self, state: &AppState, reader: &Principal) -> AppResult<DeviceFilter> {
        let nonempty = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let states = match nonempty(&self.state) {
            Some(s) => s
                .split(',')
                .map(DeviceState::parse)
                .collect::<Result<Vec<_>, _>>()?,
            None => Vec::new(),
        };
        let unit = match nonempty(&self.unit_id) {
            Some(id) => {
                let mut tx = state.store.begin_read().await?;
                let unit = units::get(&mut tx, UnitId::parse(&id)?)
                    .await?
                    .filter(|u| reader.covers(&u.path))
                    .ok_or(AppError::NotFound("unit"))?;
                Some(unit.path)
            }
            None => None,
        };
        Ok(DeviceFilter {
            states,
            kind: nonempty(&self.kind)
                .map(|k| DeviceKind::parse(&k))
                .transpose()?,
            unit,
            search: search_text(self.search.as_deref())?,
            maintainer: search_text(self.maintainer.as_deref())?,
        })
    }
}

/// A page of devices. `total` is exact up to 10,000; beyond that it is 10,000 and
/// `total_is_exact` is false (counting a whole province's registry on every page is not worth it).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DevicePage {
    pub items: Vec<DeviceView>,
    pub total: i64,
    pub total_is_exact: bool,
    pub limit: i64,
    pub offset: i64,
}

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
    let cap = roadwarden_store::devices::TOTAL_CAP;
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

/// Everything about one device: its lifecycle timeline and its records.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DeviceDetail {
    #[serde(flatten)]
    pub view: DeviceView,
    #[schema(value_type = Vec<Object>)]
    pub timeline: Vec<DeviceEvent>,
    #[schema(value_type = Vec<Object>)]
    pub assessments: Vec<Assessment>,
    #[schema(value_type = Vec<Object>)]
    pub reviews: Vec<Review>,
    #[schema(value_type = Vec<Object>)]
    pub calibrations: Vec<Calibration>,
    #[schema(value_type = Vec<Object>)]
    pub patrols: Vec<Patrol>,
    #[schema(value_type = Vec<Object>)]
    pub faults: Vec<Fault>,
    #[schema(value_type = Vec<Object>)]
    pub operations: Vec<Operation>,
    #[schema(value_type = Vec<Object>)]
    pub credentials: Vec<Credential>,
    #[schema(value_type = Vec<Object>)]
    pub alerts: Vec<device_records::Alert>,
    /// The steps the caller may take now.
    pub actions: Vec<&'static str>,
}

pub async fn detail(state: &AppState, p: &Principal, id: DeviceId) -> AppResult<DeviceDetail> {
    let device = registry::get_device(state, p, id).await?;
    let actions = lifecycle::available_actions(state, p, &device).await?;
    let mut tx = state.store.begin_read().await?;
    let scope = device.unit_path.clone();
    Ok(DeviceDetail {
        timeline: device_records::events(&mut tx, id).await?,
        assessments: device_records::assessments(&mut tx, id).await?,
        reviews: device_records::reviews(&mut tx, id).await?,
        calibrations: device_records::calibrations(&mut tx, id).await?,
        patrols: device_records::patrols(&mut tx, id, 100).await?,
        faults: device_records::faults(&mut tx, id, 100).await?,
        operations: device_records::operations(&mut tx, id, 100).await?,
        credentials: device_records::credentials(&mut tx, id).await?,
        alerts: device_records::alerts(&mut tx, &scope, Some(id), 50).await?,
        actions,
        view: device.into(),
    })
}

#[utoipa::path(get, path = "/api/v1/devices/{id}", tag = "devices", responses((status = 200, body = DeviceDetail), (status = 404, body = crate::error::ErrorEnvelope)))]
pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Json<DeviceDetail>> {
    Ok(Json(detail(&state, &user, DeviceId::parse(&id)?).await?))
}

/// Edits a device; place and violation types only before a new assessment (DEV-02).
#[utoipa::path(put, path = "/api/v1/devices/{id}", tag = "devices", request_body = DeviceInput, responses((status = 200, body = DeviceView)))]
pub async fn update(
    State(state): State<AppState>,
    user: Require<DeviceManagers>,
    meta: RequestMeta,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<DeviceInput>,
) -> AppResult<Json<DeviceView>> {
    Ok(Json(
        registry::update_device(&state, &user, &meta, DeviceId::parse(&id)?, &input)
            .await?
            .into(),
    ))
}

/// DEV-02: files an assessment (adding, moving or re-enabling).
#[utoipa::path(post, path = "/api/v1/devices/{id}/assessments", tag = "devices", request_body = AssessmentInput, responses((status = 200, body = DeviceView)))]
pub async fn file_assessment(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<AssessmentInput>,
) -> AppResult<Json<DeviceView>> {
    Ok(Json(
        lifecycle::file_assessment(&state, &user, &meta, DeviceId::parse(&id)?, &input)
            .await?
            .into(),
    ))
}

/// DEV-03: one department approves or returns the assessment under review.
#[utoipa::path(post, path = "/api/v1/devices/{id}/reviews", tag = "devices", request_body = ReviewInput, responses((status = 200, body = DeviceView)))]
pub async fn review(
    State(state): State<AppState>,
    user: Require<DeviceReviewers>,
    meta: RequestMeta,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<ReviewInput>,
) -> AppResult<Json<DeviceView>> {
    Ok(Json(
        lifecycle::review(&state, &user, &meta, DeviceId::parse(&id)?, &input)
            .await?
            .into(),
    ))
}

/// A lifecycle step: start_formal_use, evaluate_keep/stop, suspend, resume, circuit_break,
/// stop, retire; or, from an upper unit, warn and order_rectification (ORG-03).
#[utoipa::path(post, path = "/api/v1/devices/{id}/actions", tag = "devices", request_body = ActionInput, responses((status = 200, body = DeviceView), (status = 422, body = crate::error::ErrorEnvelope)))]
pub async fn act(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<ActionInput>,
) -> AppResult<Json<DeviceView>> {
    Ok(Json(
        lifecycle::act(&state, &user, &meta, DeviceId::parse(&id)?, &input)
            .await?
            .into(),
    ))
}

/// DEV-07: the command platform confirmed the registration.
#[utoipa::path(post, path = "/api/v1/devices/{id}/registration", tag = "devices", request_body = RegistrationInput, responses((status = 200, body = DeviceView)))]
pub async fn register(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<RegistrationInput>,
) -> AppResult<Json<DeviceView>> {
    Ok(Json(
        lifecycle::confirm_registration(&state, &user, &meta, DeviceId::parse(&id)?, &input)
            .await?
            .into(),
    ))
}

/// Issues a push credential (the secret is shown once) and revokes older ones.
#[utoipa::path(post, path = "/api/v1/devices/{id}/credentials", tag = "devices", responses((status = 201, body = IssuedCredential)))]
pub async fn issue_credential(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<String>,
) -> AppResult<(StatusCode, Json<IssuedCredential>)> {
    Ok((
        StatusCode::CREATED,
        Json(credentials::issue(&state, &user, &meta, DeviceId::parse(&id)?).await?),
    ))
}

#[utoipa::path(delete, path = "/api/v1/devices/{id}/credentials/{credential}", tag = "devices", responses((status = 204)))]
pub async fn revoke_credential(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Path((id, cid)): Path<(String, String)>,
) -> AppResult<StatusCode> {
    credentials::revoke(
        &state,
        &user,
        &meta,
        DeviceId::parse(&id)?,
        record_id("credential", &cid)?,
    )
    .await?;
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
#[utoipa::path(post, path = "/api/v1/devices/{id}/calibrations", tag = "devices", request_body = CalibrationBody,
    responses((status = 201, body = Object), (status = 409, description = "this issuer's certificate number is already filed")))]
pub async fn add_calibration(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<CalibrationBody>,
) -> AppResult<(StatusCode, Json<Calibration>)> {
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
    let cal = upkeep::add_calibration(
        &state,
        &user,
        &meta,
        DeviceId::parse(&id)?,
        &body.certificate,
        scan,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(cal)))
}

/// The scanned certificate (the read is recorded).
#[utoipa::path(get, path = "/api/v1/devices/{id}/calibrations/{calibration}/scan", tag = "devices", responses((status = 200)))]
pub async fn calibration_scan(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Path((id, cid)): Path<(String, String)>,
) -> AppResult<Response> {
    let (name, bytes) = upkeep::calibration_scan(
        &state,
        &user,
        &meta,
        DeviceId::parse(&id)?,
        record_id("calibration", &cid)?,
    )
    .await?;
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

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Created {
    pub id: i64,
}

/// DEV-10: a patrol record.
#[utoipa::path(post, path = "/api/v1/devices/{id}/patrols", tag = "devices", request_body = PatrolInput, responses((status = 201, body = Created)))]
pub async fn add_patrol(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<PatrolInput>,
) -> AppResult<(StatusCode, Json<Created>)> {
    let id = upkeep::add_patrol(&state, &user, &meta, DeviceId::parse(&id)?, &input).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// DEV-10: opens a fault.
#[utoipa::path(post, path = "/api/v1/devices/{id}/faults", tag = "devices", request_body = FaultInput, responses((status = 201, body = Created)))]
pub async fn open_fault(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<FaultInput>,
) -> AppResult<(StatusCode, Json<Created>)> {
    let id = upkeep::open_fault(&state, &user, &meta, DeviceId::parse(&id)?, &input).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// DEV-10: closes a fault (the time to fix is recorded).
#[utoipa::path(post, path = "/api/v1/devices/{id}/faults/{fault}/fix", tag = "devices", request_body = FixInput, responses((status = 204)))]
pub async fn fix_fault(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Path((id, fid)): Path<(String, String)>,
    JsonBody(input): JsonBody<FixInput>,
) -> AppResult<StatusCode> {
    upkeep::fix_fault(
        &state,
        &user,
        &meta,
        DeviceId::parse(&id)?,
        record_id("fault", &fid)?,
        &input,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// DEV-15: an operation-log entry with the confirmed status.
#[utoipa::path(post, path = "/api/v1/devices/{id}/operations", tag = "devices", request_body = OperationInput, responses((status = 201, body = Created)))]
pub async fn log_operation(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<OperationInput>,
) -> AppResult<(StatusCode, Json<Created>)> {
    let id = upkeep::log_operation(&state, &user, &meta, DeviceId::parse(&id)?, &input).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct InboxQuery {
    /// technology, legal or public_opinion; the caller's own department when omitted.
    pub department: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InboxItem {
    pub department: String,
    pub assessment_id: i64,
    pub filed_at: chrono::DateTime<chrono::Utc>,
    pub device: DeviceView,
}

/// DEV-03: assessments waiting for the caller's department.
#[utoipa::path(get, path = "/api/v1/device-reviews/inbox", tag = "devices", params(InboxQuery), responses((status = 200, body = Vec<InboxItem>)))]
pub async fn inbox(
    State(state): State<AppState>,
    user: Require<DeviceReviewers>,
    Query(q): Query<InboxQuery>,
) -> AppResult<Json<Vec<InboxItem>>> {
    Ok(Json(
        review_inbox(&state, &user, q.department.as_deref()).await?,
    ))
}

pub async fn review_inbox(
    state: &AppState,
    p: &Principal,
    department: Option<&str>,
) -> AppResult<Vec<InboxItem>> {
    let departments: Vec<Department> = match department.filter(|d| !d.is_empty()) {
        Some(d) => vec![Department::parse(d)?],
        None => Department::ALL
            .into_iter()
            .filter(|d| p.has(d.role()))
            .collect(),
    };
    let scopes = registry::scopes_for(state, p).await?;
    let mut items = Vec::new();
    let mut tx = state.store.begin_read().await?;
    for dept in departments {
        if !p.has(dept.role()) {
            return Err(AppError::forbidden(
                Code::RoleMissing,
                format!(
                    "the {} inbox needs the role {}",
                    dept.as_str(),
                    dept.role().as_str()
                ),
            ));
        }
        for scope in &scopes {
            for (device_id, assessment_id, filed_at) in
                device_records::review_inbox(&mut tx, scope, dept.as_str(), 500).await?
            {
                if items.iter().any(|i: &InboxItem| {
                    i.assessment_id == assessment_id && i.department == dept.as_str()
                }) {
                    continue;
                }
                if let Some(device) =
                    roadwarden_store::devices::get(&mut tx, DeviceId(device_id)).await?
                {
                    // A unit never reviews its own proposal (DEV-03): not in its inbox either.
                    if device.unit_id == p.user.unit_id {
                        continue;
                    }
                    items.push(InboxItem {
                        department: dept.as_str().into(),
                        assessment_id,
                        filed_at,
                        device: device.into(),
                    });
                }
            }
        }
    }
    items.sort_by_key(|i| i.filed_at);
    Ok(items)
}

/// Positions for the map.
#[utoipa::path(get, path = "/api/v1/device-map", tag = "devices", params(DeviceQuery), responses((status = 200, body = Vec<Object>)))]
pub async fn map(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<DeviceQuery>,
) -> AppResult<Json<Vec<roadwarden_store::devices::MapPoint>>> {
    Ok(Json(
        registry::map_points(&state, &user, &q.filter(&state, &user).await?).await?,
    ))
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
#[utoipa::path(get, path = "/api/v1/device-cleanup", tag = "devices", params(CleanupQuery), responses((status = 200, body = Vec<Object>)))]
pub async fn cleanup(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<CleanupQuery>,
) -> AppResult<Json<Vec<device_records::CleanupItem>>> {
    use chrono::Datelike;
    let year = match q.year.as_deref().map(str::trim).filter(|y| !y.is_empty()) {
        Some(y) => y
            .parse::<i32>()
            .ok()
            .filter(|y| (2000..=2200).contains(y))
            .ok_or_else(|| FieldError::new("year", "must be a year like 2026"))?,
        None => state.clock.now().year(),
    };
    Ok(Json(upkeep::cleanup_list(&state, &user, year).await?))
}

#[utoipa::path(post, path = "/api/v1/device-cleanup/{item}", tag = "devices", request_body = CleanupDecision, responses((status = 204)))]
pub async fn resolve_cleanup(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Path(item): Path<String>,
    JsonBody(input): JsonBody<CleanupDecision>,
) -> AppResult<StatusCode> {
    upkeep::resolve_cleanup(&state, &user, &meta, record_id("item", &item)?, &input).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct RegistrationQuery {
    /// Records after this id (the cursor the platform keeps).
    pub after: Option<String>,
    /// json (default) or csv
    pub format: Option<String>,
    pub limit: Option<String>,
}

/// DEV-07: registration records for the command platform, in order, in the documented format.
#[utoipa::path(get, path = "/api/v1/device-registrations", tag = "devices", params(RegistrationQuery), responses((status = 200, body = Vec<Object>)))]
pub async fn registrations(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<RegistrationQuery>,
) -> AppResult<Response> {
    let mut tx = state.store.begin_read().await?;
    let records = device_records::registrations(
        &mut tx,
        user.scope(),
        number_param("after", q.after.as_deref(), 0, i64::MAX)?,
        None,
        number_param("limit", q.limit.as_deref(), 1000, 10_000)?.max(1),
    )
    .await?;
    if q.format.as_deref() == Some("csv") {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record([
            "seq",
            "at",
            "change",
            "by",
            "number",
            "kind",
            "name",
            "managing_unit_code",
            "road",
            "km_marker",
            "longitude",
            "latitude",
            "violation_types",
            "state",
        ])
        .map_err(AppError::internal)?;
        for r in &records {
            let rec: serde_json::Value = serde_json::from_str(&r.record).unwrap_or_default();
            let d = &rec["device"];
            let s = |v: &serde_json::Value| match v {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Null => String::new(),
                serde_json::Value::Array(a) => a
                    .iter()
                    .filter_map(|x| x.as_str())
                    .collect::<Vec<_>>()
                    .join(";"),
                other => other.to_string(),
            };
            w.write_record([
                r.id.to_string(),
                r.at.to_rfc3339(),
                r.change.clone(),
                r.actor.clone(),
                s(&d["number"]),
                s(&d["kind"]),
                s(&d["name"]),
                s(&d["managing_unit_code"]),
                s(&d["road"]),
                s(&d["km_marker"]),
                s(&d["longitude"]),
                s(&d["latitude"]),
                s(&d["violation_types"]),
                s(&d["state"]),
            ])
            .map_err(AppError::internal)?;
        }
        let body = w.into_inner().map_err(AppError::internal)?;
        return Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], body).into_response());
    }
    let out: Vec<serde_json::Value> = records
        .iter()
        .map(|r| {
            let mut rec: serde_json::Value = serde_json::from_str(&r.record).unwrap_or_default();
            rec["seq"] = r.id.into();
            rec
        })
        .collect();
    Ok(Json(out).into_response())
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
#[utoipa::path(get, path = "/api/v1/device-alerts", tag = "devices", responses((status = 200, body = Vec<Object>)))]
pub async fn alerts(
    State(state): State<AppState>,
    user: CurrentUser,
) -> AppResult<Json<Vec<device_records::Alert>>> {
    let mut tx = state.store.begin_read().await?;
    Ok(Json(
        device_records::alerts(&mut tx, user.scope(), None, 200).await?,
    ))
}

/// A record id from the path: a positive whole number, or a 422 naming it.
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
