//! The JSON API under `/api/v1`, described by the OpenAPI document at
//! `/api/v1/openapi.json`. One module per resource; handlers are thin: they parse, call a
//! service, and shape JSON.

pub mod audit;
pub mod auth;
pub mod calendar;
pub mod captures;
pub mod corrections;
pub mod devices;
pub mod evidence;
pub mod evidence_uploads;
pub mod ingest;
pub mod messages;
pub mod metrics;
pub mod openapi;
pub mod partner;
pub mod partner_soap;
pub mod public;
pub mod public_reports;
pub mod public_riders;
pub mod reports;
pub mod riders;
pub mod sharing;
pub mod supervision;
pub mod units;
pub mod users;

use axum::routing::{delete, get, post, put};
use axum::Router;
use serde::Serialize;

use crate::edge::{partner_body, small_body};
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
        .route("/units/{id}", get(units::show).patch(units::update))
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
        .route("/messages/read-all", post(messages::read_all))
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
        .route("/devices/heartbeat", post(ingest::heartbeat))
        .route("/riders/events/push", post(riders::intake::push))
        .route("/review/next", get(captures::next))
        .route("/review/queue", get(captures::queue))
        .route("/review/stats", get(captures::stats))
        .route("/captures", get(captures::list_captures))
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
        .route(
            "/corrections",
            get(corrections::list).post(corrections::create),
        )
        .route("/corrections/{id}", get(corrections::show))
        .route(
            "/corrections/{id}/attachments",
            post(corrections::add_files),
        )
        .route(
            "/corrections/{id}/attachments/{attachment}",
            get(corrections::attachment),
        )
        .route("/corrections/{id}/approve", post(corrections::approve))
        .route("/corrections/{id}/refuse", post(corrections::refuse))
        .route("/corrections/{id}/execute", post(corrections::execute))
        .route(
            "/sharing/applications",
            get(sharing::list).post(sharing::create),
        )
        .route("/sharing/applications/{id}", get(sharing::show))
        .route("/sharing/applications/{id}/approve", post(sharing::approve))
        .route("/sharing/applications/{id}/refuse", post(sharing::refuse))
        .route("/sharing/applications/{id}/run", post(sharing::run))
        .route("/sharing/applications/{id}/release", post(sharing::release))
        .route("/sharing/applications/{id}/result", get(sharing::result))
        .route("/sharing/interfaces", get(sharing::interfaces))
        .route(
            "/sharing/partners",
            get(sharing::partners_list).post(sharing::partner_create),
        )
        .route("/sharing/partners/{id}", get(sharing::partner_show))
        .route("/sharing/partners/{id}/grants", post(sharing::grant_create))
        .route("/sharing/grants/{id}/approve", post(sharing::grant_approve))
        .route("/sharing/grants/{id}/refuse", post(sharing::grant_refuse))
        .route("/sharing/grants/{id}/revoke", post(sharing::grant_revoke))
        .route("/partner/query", small_body(post(partner::query)))
        .route("/partner/write", partner_body(post(partner::write)))
        .route("/soap/TmriOutAccess", post(partner_soap::call))
        .route("/soap/TmriOutAccess.wsdl", get(partner_soap::wsdl))
        .route(
            "/public/violations",
            get(captures::public_lookup).post(public::lookup),
        )
        .route("/public/objections", post(captures::public_objection))
        .route("/public/report-codes", post(public_reports::request_code))
        .route("/public/report-options", get(public_reports::list_options))
        .route("/public/reports", post(public_reports::submit))
        .route(
            "/public/riders/codes",
            small_body(post(public_riders::request_code)),
        )
        .route(
            "/public/riders/session",
            small_body(post(public_riders::open_session)).delete(public_riders::end_session),
        )
        .route("/public/riders/me", get(public_riders::me))
        .route(
            "/public/riders/me/events/{id}/photos/{kind}",
            get(public_riders::photo),
        )
        .route("/public/riders/cases", get(public_riders::cases))
        .route("/public/riders/penalties", get(public_riders::penalties))
        .route("/public/riders/quiz", post(public_riders::start_quiz))
        .route(
            "/public/riders/quiz/{id}/answers",
            small_body(post(public_riders::answer_quiz)),
        )
        .route(
            "/public/riders/surveys",
            small_body(post(public_riders::give_survey)),
        )
        .route("/rider-surveys", get(public_riders::survey_summary))
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
        .route("/supervision/items", get(supervision::list))
        .route("/supervision/items/{id}", get(supervision::show))
        .route("/supervision/items/{id}/steps", post(supervision::step))
        .route(
            "/supervision/items/{id}/circuit-break",
            post(supervision::circuit_break),
        )
        .route("/supervision/warnings", post(supervision::warn))
        .route("/reports/{kind}", get(reports::monthly))
        .route("/cockpit", get(reports::cockpit_now))
        .route("/supervision/analysis", post(supervision::run_analysis))
        .route(
            "/supervision/complaints",
            get(supervision::list_complaints).post(supervision::register_complaint),
        )
        .route(
            "/supervision/complaints/{id}/steps",
            post(supervision::complaint_step),
        )
        .route("/recorders/{id}", get(evidence::show_recorder))
        .route("/recorders/{id}/ledger", post(evidence::ledger_step))
        .route("/evidence", get(evidence::list))
        .route("/footage", get(evidence::list_footage))
        .route(
            "/evidence/{id}",
            get(evidence::show).delete(evidence::delete),
        )
        .route("/evidence/{id}/content", get(evidence::content))
        .route("/evidence/{id}/thumbnail", get(evidence::thumbnail))
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
        .merge(riders::routes())
        .route("/openapi.json", get(openapi::document))
        .fallback(|| async { AppError::NotFound("endpoint") })
}

/// A page of results with the total count.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}
