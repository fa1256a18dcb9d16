//! The OpenAPI document, generated from the handlers' annotations.

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(title = "Roadwarden API", version = "1",
         description = "Supervision of traffic-enforcement technology. Authenticate with \
                        POST /api/v1/auth/token and send the token as a bearer token. Errors \
                        are JSON: {\"error\": {\"code\", \"message\", \"field\"?, \"rule\"?}}."),
    paths(
        super::auth::create_token, super::auth::revoke_token, super::auth::change_password,
        super::auth::me, super::auth::sessions, super::auth::revoke_session,
        super::units::list, super::units::show, super::units::create,
        super::users::list, super::users::show, super::users::create, super::users::grant,
        super::users::revoke, super::users::file_agreement, super::users::standing,
        super::users::reset_password,
        super::calendar::list, super::calendar::set_day, super::calendar::remove_day,
        super::calendar::deadline, super::messages::list, super::messages::read,
        super::audit::list,
        super::devices::list, super::devices::create, super::devices::show, super::devices::update,
        super::devices::file_assessment, super::devices::review, super::devices::act,
        super::devices::register, super::devices::issue_credential, super::devices::revoke_credential,
        super::devices::add_calibration, super::devices::calibration_scan, super::devices::add_patrol,
        super::devices::open_fault, super::devices::fix_fault, super::devices::log_operation,
        super::devices::inbox, super::devices::map, super::devices::report, super::devices::cleanup,
        super::devices::resolve_cleanup, super::devices::registrations, super::devices::import,
        super::devices::alerts, super::public::feed,
        super::ingest::push, super::ingest::isapi,
        super::captures::next, super::captures::queue, super::captures::stats, super::captures::show,
        super::captures::decide, super::captures::image, super::captures::list_violations,
        super::captures::show_violation, super::captures::act, super::captures::letter,
        super::captures::notices, super::captures::retry_notice, super::captures::send_now,
        super::captures::list_objections, super::captures::decide_objection,
        super::captures::lodge_at_window, super::captures::public_lookup,
        super::captures::public_objection, super::public_reports::request_code,
        super::public_reports::submit, super::public_reports::list_options,
        super::captures::inspection_vehicle,
        super::captures::inspection_feed, super::captures::exemptions, super::captures::add_exemption,
        super::captures::add_vehicle,
        super::evidence::list_recorders, super::evidence::register_recorder,
        super::evidence::show_recorder, super::evidence::ledger_step, super::evidence::list,
        super::evidence::show, super::evidence::delete, super::evidence::content,
        super::evidence::add_reason, super::evidence::release_reason,
        super::evidence::request_deletion, super::evidence::approve_deletion,
        super::evidence::restore, super::evidence::calendar, super::evidence::file_request,
        super::evidence::list_requests, super::evidence::show_request,
        super::evidence::decide_request, super::evidence::export, super::evidence::export_sheet,
        super::evidence::export_file, super::evidence::file_duty, super::evidence::file_work_record,
        super::evidence::work_records, super::evidence::decide_work_record, super::evidence::report,
    ),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
