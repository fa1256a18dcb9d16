//! The JSON API under `/api/v1`, described by the OpenAPI document at
//! `/api/v1/openapi.json`. One module per resource; handlers are thin: they parse, call a
//! service, and shape JSON.

pub mod audit;
pub mod auth;
pub mod calendar;
pub mod captures;
pub mod devices;
pub mod evidence;
pub mod evidence_uploads;
pub mod ingest;
pub mod messages;
pub mod metrics;
pub mod openapi;
pub mod public;
pub mod public_reports;
pub mod units;
pub mod users;

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::routing::{delete, get, post, put, MethodRouter};
use axum::Router;
use roadwarden_domain::FieldError;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::AppError;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/auth/token",
            small_body(post(auth::create_token)).delete(auth::revoke_token),
        )
        .route("/auth/password", small_body(post(auth::change_password)))
        .route("/me", get(auth::me))
        .route("/me/sessions", get(auth::sessions))
        .route("/me/sessions/{id}", delete(auth::revoke_session))
        .route("/units", get(units::list).post(units::create))
        .route("/units/{id}", get(units::show))
        .route("/users", get(users::list).post(users::create))
        .route("/users/{id}", get(users::show))
        .route("/users/{id}/roles", post(users::grant))
        .route("/users/{id}/roles/{role}", delete(users::revoke))
        .route("/users/{id}/agreements", post(users::file_agreement))
        .route("/users/{id}/standing", post(users::standing))
        .route("/users/{id}/password-reset", post(users::reset_password))
        .route("/calendar/{country}", get(calendar::list))
        .route(
            "/calendar/{country}/{date}",
            put(calendar::set_day).delete(calendar::remove_day),
        )
        .route("/deadline", get(calendar::deadline))
        .route("/messages", get(messages::list))
        .route("/messages/{id}/read", post(messages::read))
        .route("/audit", get(audit::list))
        .route("/devices", get(devices::list).post(devices::create))
        .route("/devices/{id}", get(devices::show).put(devices::update))
        .route("/devices/{id}/assessments", post(devices::file_assessment))
        .route("/devices/{id}/reviews", post(devices::review))
        .route("/devices/{id}/actions", post(devices::act))
        .route("/devices/{id}/registration", post(devices::register))
        .route("/devices/{id}/credentials", post(devices::issue_credential))
        .route(
            "/devices/{id}/credentials/{credential}",
            delete(devices::revoke_credential),
        )
        .route("/devices/{id}/calibrations", post(devices::add_calibration))
        .route(
            "/devices/{id}/calibrations/{calibration}/scan",
            get(devices::calibration_scan),
        )
        .route("/devices/{id}/patrols", post(devices::add_patrol))
        .route("/devices/{id}/faults", post(devices::open_fault))
        .route("/devices/{id}/faults/{fault}/fix", post(devices::fix_fault))
        .route("/devices/{id}/operations", post(devices::log_operation))
        .route("/device-reviews/inbox", get(devices::inbox))
        .route("/device-map", get(devices::map))
        .route("/device-report", get(devices::report))
        .route("/device-cleanup", get(devices::cleanup))
        .route("/device-cleanup/{item}", post(devices::resolve_cleanup))
        .route("/device-registrations", get(devices::registrations))
        .route("/device-imports", post(devices::import))
        .route("/device-alerts", get(devices::alerts))
        .route("/public/devices", get(public::feed))
        .route("/captures/push", post(ingest::push))
        .route("/isapi/events", post(ingest::isapi))
        .route("/review/next", get(captures::next))
        .route("/review/queue", get(captures::queue))
        .route("/review/stats", get(captures::stats))
        .route("/captures/{id}", get(captures::show))
        .route("/captures/{id}/decision", post(captures::decide))
        .route("/captures/{id}/images/{position}", get(captures::image))
        .route("/violations", get(captures::list_violations))
        .route("/violations/{id}", get(captures::show_violation))
        .route("/violations/{id}/actions", post(captures::act))
        .route("/notices", get(captures::notices))
        .route("/notices/send", post(captures::send_now))
        .route("/notices/{id}/letter", get(captures::letter))
        .route("/notices/{id}/retry", post(captures::retry_notice))
        .route(
            "/objections",
            get(captures::list_objections).post(captures::lodge_at_window),
        )
        .route(
            "/objections/{id}/decision",
            post(captures::decide_objection),
        )
        .route("/public/violations", get(captures::public_lookup))
        .route("/public/objections", post(captures::public_objection))
        .route("/public/report-codes", post(public_reports::request_code))
        .route("/public/report-options", get(public_reports::list_options))
        .route("/public/reports", post(public_reports::submit))
        .route(
            "/inspection/vehicles/{plate}",
            get(captures::inspection_vehicle),
        )
        .route("/inspection/blocked", get(captures::inspection_feed))
        .route(
            "/exemptions",
            get(captures::exemptions).post(captures::add_exemption),
        )
        .route("/vehicles", post(captures::add_vehicle))
        .route(
            "/recorders",
            get(evidence::list_recorders).post(evidence::register_recorder),
        )
        .route("/recorders/{id}", get(evidence::show_recorder))
        .route("/recorders/{id}/ledger", post(evidence::ledger_step))
        .route("/evidence", get(evidence::list))
        .route(
            "/evidence/{id}",
            get(evidence::show).delete(evidence::delete),
        )
        .route("/evidence/{id}/content", get(evidence::content))
        .route("/evidence/{id}/reasons", post(evidence::add_reason))
        .route(
            "/evidence/{id}/reasons/{reason}/release",
            post(evidence::release_reason),
        )
        .route("/evidence/{id}/deletion", post(evidence::request_deletion))
        .route(
            "/evidence/{id}/deletion/approve",
            post(evidence::approve_deletion),
        )
        .route("/evidence/{id}/restore", post(evidence::restore))
        .route("/evidence-retention", get(evidence::calendar))
        .route("/evidence-supervision", get(evidence::report))
        .route(
            "/access-requests",
            get(evidence::list_requests).post(evidence::file_request),
        )
        .route("/access-requests/{id}", get(evidence::show_request))
        .route(
            "/access-requests/{id}/decision",
            post(evidence::decide_request),
        )
        .route("/access-requests/{id}/exports", post(evidence::export))
        .route("/exports/{id}/sheet", get(evidence::export_sheet))
        .route("/exports/{id}/files/{evidence}", get(evidence::export_file))
        .route("/duties", post(evidence::file_duty))
        .route(
            "/non-recording",
            get(evidence::work_records).post(evidence::file_work_record),
        )
        .route(
            "/non-recording/{id}/decision",
            post(evidence::decide_work_record),
        )
        .route("/openapi.json", get(openapi::document))
        .fallback(|| async { AppError::NotFound("endpoint") })
}

/// The most a sign-in or password change may send: a name and two passwords fit in far less.
/// Before anyone is known, a request must not make the server hold megabytes (issue 12 item 1).
pub const SIGN_IN_BODY_BYTES: usize = 16 * 1024;

/// `route` with the sign-in body limit.
pub fn small_body(route: MethodRouter<AppState>) -> MethodRouter<AppState> {
    route
        .layer::<_, std::convert::Infallible>(axum::extract::DefaultBodyLimit::max(
            SIGN_IN_BODY_BYTES,
        ))
        .layer::<_, std::convert::Infallible>(axum::Extension(RouteBodyLimit(SIGN_IN_BODY_BYTES)))
}

/// A route's body limit below the server's, so that its 413 names the right size.
#[derive(Debug, Clone, Copy)]
pub struct RouteBodyLimit(pub usize);

/// The body limit in force for this request.
pub fn body_limit(req: &Request, state: &AppState) -> usize {
    req.extensions()
        .get::<RouteBodyLimit>()
        .map_or(state.settings.server.max_body_bytes, |l| l.0)
}

/// A JSON body whose rejection is our JSON error naming what is wrong.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequest<AppState> for JsonBody<T> {
    type Rejection = AppError;
    async fn from_request(req: Request, state: &AppState) -> Result<Self, AppError> {
        let limit = body_limit(&req, state);
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(JsonBody(v)),
            Err(rejection) if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                Err(AppError::TooLarge(limit))
            }
            Err(rejection) => Err(FieldError::new("body", rejection.body_text()).into()),
        }
    }
}

/// Query parameters whose rejection (a value of the wrong type, a repeated name) is our JSON
/// error, a 422 naming `query`, not axum's plain-text 400.
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Query(v)),
            Err(rejection) => Err(FieldError::new("query", rejection.body_text()).into()),
        }
    }
}

/// A multipart body whose rejection (no boundary, not multipart) is our JSON error, a 422
/// naming `body`, not axum's plain-text 400.
pub struct MultipartBody(pub axum::extract::Multipart);

impl<S: Send + Sync> FromRequest<S> for MultipartBody {
    type Rejection = AppError;
    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        match axum::extract::Multipart::from_request(req, state).await {
            Ok(m) => Ok(MultipartBody(m)),
            Err(rejection) => Err(FieldError::new("body", rejection.body_text()).into()),
        }
    }
}

/// A page of results with the total count.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}

/// Parses `limit` and `offset` query values with defaults and bounds.
pub fn paging(limit: Option<&str>, offset: Option<&str>, max: i64) -> Result<(i64, i64), AppError> {
    let limit = match limit.filter(|s| !s.is_empty()) {
        None => 50,
        Some(s) => s
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| FieldError::new("limit", format!("must be 1 to {max}")))?,
    };
    let offset = match offset.filter(|s| !s.is_empty()) {
        None => 0,
        Some(s) => s
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .ok_or_else(|| FieldError::new("offset", "must be 0 or more"))?,
    };
    Ok((limit, offset))
}

/// The longest free-text search accepted (a name, a number, a place): longer is a 422, not a
/// pattern the database must chew through (SQLite refuses LIKE patterns past 50,000 bytes).
pub const SEARCH_MAX_CHARS: usize = 100;

/// A free-text search value: trimmed, empty means none, at most [`SEARCH_MAX_CHARS`].
pub fn search_text(value: Option<&str>) -> Result<Option<String>, AppError> {
    let Some(v) = value.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    if v.chars().count() > SEARCH_MAX_CHARS {
        return Err(FieldError::new(
            "search",
            format!("is longer than {SEARCH_MAX_CHARS} characters"),
        )
        .into());
    }
    if v.chars().any(char::is_control) {
        return Err(FieldError::new("search", "has control characters").into());
    }
    Ok(Some(v.to_owned()))
}

/// A record id from the path: a positive whole number, or a 422 naming the field.
pub(crate) fn record_id(field: &'static str, raw: &str) -> Result<i64, AppError> {
    raw.trim()
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| FieldError::new(field, "must be a positive whole number").into())
}
