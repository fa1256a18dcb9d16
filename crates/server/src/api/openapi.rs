//! The OpenAPI document, generated from the handlers' annotations.

use axum::Json;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::response::Response;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ContentBuilder, KnownFormat, ObjectBuilder, Ref, RefOr, SchemaFormat, Type};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(title = "Roadwarden API", version = "1",
         description = "Supervision of traffic-enforcement technology. Authenticate with \
                        POST /api/v1/auth/token and send the token as a bearer token. Errors \
                        are JSON, the `Error` schema: {\"error\": {\"code\", \"message\", \"field\"?, \"rule\"?}}."),
    paths(
        super::auth::create_token, super::auth::revoke_token, super::auth::change_password,
        super::auth::me, super::auth::sessions, super::auth::revoke_session,
        super::units::list, super::units::show, super::units::create, super::units::update,
        super::users::list, super::users::show, super::users::create, super::users::grant,
        super::users::revoke, super::users::file_agreement, super::users::standing,
        super::users::reset_password,
        super::calendar::list, super::calendar::set_day, super::calendar::remove_day,
        super::calendar::deadline, super::messages::list, super::messages::read,
        super::messages::read_all,
        super::audit::list,
        super::devices::list, super::devices::create, super::devices::show, super::devices::update,
        super::devices::file_assessment, super::devices::review, super::devices::act,
        super::devices::register, super::devices::issue_credential, super::devices::revoke_credential,
        super::devices::add_calibration, super::devices::calibration_scan, super::devices::add_patrol,
        super::devices::open_fault, super::devices::fix_fault, super::devices::log_operation,
        super::devices::inbox, super::devices::map, super::devices::report, super::devices::cleanup,
        super::devices::resolve_cleanup, super::devices::registrations, super::devices::import,
        super::devices::alerts, super::public::feed, super::public::lookup,
        super::captures::list_captures,
        super::ingest::push, super::ingest::isapi, super::ingest::heartbeat, super::riders::intake::push,
        super::captures::next, super::captures::queue, super::captures::stats, super::captures::show,
        super::captures::decide, super::captures::image, super::captures::list_violations,
        super::captures::show_violation, super::captures::act, super::captures::letter,
        super::captures::notices, super::captures::retry_notice, super::captures::send_now,
        super::captures::list_objections, super::captures::decide_objection,
        super::captures::lodge_at_window, super::captures::public_lookup,
        super::corrections::list, super::corrections::create, super::corrections::show,
        super::corrections::approve, super::corrections::refuse, super::corrections::execute,
        super::corrections::attachment, super::corrections::add_files,
        super::sharing::list, super::sharing::create, super::sharing::show, super::sharing::approve,
        super::sharing::refuse, super::sharing::run, super::sharing::release, super::sharing::result,
        super::sharing::interfaces, super::sharing::partners_list, super::sharing::partner_create,
        super::sharing::partner_show, super::sharing::grant_create, super::sharing::grant_approve,
        super::sharing::grant_refuse, super::sharing::grant_revoke, super::partner::query, super::partner::write,
        super::partner_soap::call, super::partner_soap::wsdl,
        super::captures::public_objection, super::public_reports::request_code,
        super::public_reports::submit, super::public_reports::list_options,
        super::captures::inspection_vehicle,
        super::captures::inspection_feed, super::captures::exemptions, super::captures::add_exemption,
        super::captures::add_vehicle,
        super::supervision::list, super::supervision::show, super::supervision::step,
        super::supervision::circuit_break, super::supervision::warn,
        super::supervision::run_analysis, super::supervision::list_complaints,
        super::supervision::register_complaint, super::supervision::complaint_step,
        super::reports::monthly, super::reports::cockpit_now,
        super::evidence::list_recorders, super::evidence::register_recorder,
        super::evidence::show_recorder, super::evidence::ledger_step, super::evidence::list, super::evidence::list_footage,
        super::evidence::show, super::evidence::delete, super::evidence::content, super::evidence::thumbnail,
        super::evidence::add_reason, super::evidence::release_reason,
        super::evidence::request_deletion, super::evidence::approve_deletion,
        super::evidence::restore, super::evidence::calendar, super::evidence::file_request,
        super::evidence::list_requests, super::evidence::show_request,
        super::evidence::decide_request, super::evidence::export, super::evidence::export_sheet,
        super::evidence::export_file, super::evidence::file_duty, super::evidence::file_work_record,
        super::evidence::work_records, super::evidence::decide_work_record, super::evidence::report,
        super::riders::persons::list, super::riders::persons::show, super::riders::persons::photo,
        super::riders::persons::queue, super::riders::persons::confirm_match,
        super::riders::persons::reject_match, super::riders::persons::confirm_person,
        super::riders::persons::requeue_outside, super::riders::outbox::outbox, super::riders::screened::desk, super::riders::screened::decide,
        super::riders::persons::merge, super::riders::persons::split,
        super::riders::library::import, super::riders::tasks::board, super::riders::tasks::accept,
        super::riders::tasks::report, super::riders::tasks::pass, super::riders::tasks::send_back,
        super::riders::tasks::photo, super::riders::tasks::assessment,
        super::public_riders::request_code, super::public_riders::open_session,
        super::public_riders::end_session, super::public_riders::me, super::public_riders::photo,
        super::public_riders::cases, super::public_riders::penalties,
        super::public_riders::start_quiz, super::public_riders::answer_quiz,
        super::public_riders::give_survey, super::public_riders::survey_summary,
    ),
    components(schemas(crate::error::ErrorEnvelope)),
    modifiers(&BearerAuth, &PathParameters, &ErrorResponses, &ErrorCodes, &Deprecated),
    security(("bearer" = [])),
)]
pub struct ApiDoc;

struct BearerAuth;

/// Operations kept for the integrators who use them, with their replacement named.
struct Deprecated;

impl Modify for Deprecated {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        const REPLACED: [(&str, &str); 2] = [
            (
                "/api/v1/public/violations",
                "Deprecated: the VIN tail ends up in URLs and the logs that keep them. \
                 POST /api/v1/public/violations with a JSON body instead.",
            ),
            (
                "/api/v1/evidence",
                "Deprecated: one day at most, 500 files, unsorted. \
                 GET /api/v1/footage instead (search, sort, pages, X-Total-Count).",
            ),
        ];
        for (path, why) in REPLACED {
            if let Some(get) = openapi
                .paths
                .paths
                .get_mut(path)
                .and_then(|item| item.get.as_mut())
            {
                get.deprecated = Some(utoipa::openapi::Deprecated::True);
                get.description = Some(why.to_owned());
            }
        }
    }
}

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        // Cameras push with their device credential: HTTP Basic key:secret (or the
        // X-Device-Key and X-Device-Secret headers).
        components.add_security_scheme(
            "device",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Basic).build()),
        );
    }
}

fn operations(openapi: &mut utoipa::openapi::OpenApi) -> impl Iterator<Item = &mut Operation> {
    openapi.paths.paths.values_mut().flat_map(|item| {
        [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
    })
}

/// The handlers take their path parameters as text and parse them themselves, so that a bad
/// one is a JSON 422 naming it (`record_id`, `UnitId::parse`, ...); the document says what
/// they accept: a record id is a positive whole number, an image position a whole number.
struct PathParameters;

/// Path parameters that are record ids (parsed by `record_id` or an id type's `parse`).
const RECORD_IDS: &[&str] = &[
    "id",
    "credential",
    "calibration",
    "fault",
    "item",
    "reason",
    "evidence",
];

impl Modify for PathParameters {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for op in operations(openapi) {
            for p in op.parameters.iter_mut().flatten() {
                if p.parameter_in != ParameterIn::Path {
                    continue;
                }
                let minimum = if RECORD_IDS.contains(&p.name.as_str()) {
                    1.0
                } else if p.name == "position" {
                    0.0
                } else {
                    continue;
                };
                p.schema = Some(
                    ObjectBuilder::new()
                        .schema_type(Type::Integer)
                        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
                        .minimum(Some(minimum))
                        .into(),
                );
            }
        }
    }
}

/// The error responses every operation can give, from what the extractors and the error type
/// really do, each with the one `Error` body; and that body on every 4xx/5xx response a
/// handler's annotation names without one.
///
/// - signed-in operations (the document's default security): 401 without a valid token, 403
///   when the role or scope refuses or the password must be changed first;
/// - operations with a device credential: 401 when it is missing or refused;
/// - a path parameter: 404 when there is no such record, 422 when it is malformed;
/// - query parameters or a body: 422 for a value that is wrong;
/// - a body: 413 when it is larger than the server accepts.
struct ErrorResponses;

const ERROR_SCHEMA: &str = "Error";

impl Modify for ErrorResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for op in operations(openapi) {
            add_error_responses(op);
        }
    }
}

fn add_error_responses(op: &mut Operation) {
    let public = op
        .security
        .as_ref()
        .is_some_and(|s| s.iter().all(|r| *r == SecurityRequirement::default()));
    let device = op.security.as_ref().is_some_and(|s| !s.is_empty()) && !public;
    let has_param = |place: ParameterIn| {
        op.parameters
            .iter()
            .flatten()
            .any(|p| p.parameter_in == place)
    };
    let path_params = has_param(ParameterIn::Path);
    let query_params = has_param(ParameterIn::Query);
    let body = op.request_body.is_some();
    let mut add = |status: &str, description: &str| {
        op.responses
            .responses
            .entry(status.to_owned())
            .or_insert_with(|| RefOr::T(Response::new(description)));
    };
    if device {
        add("401", "the device credential is missing or refused");
    } else if !public {
        add(
            "401",
            "not signed in, or the token is unknown, expired or revoked",
        );
        add(
            "403",
            "the role or scope does not allow this, or the password must be changed first",
        );
    }
    if path_params {
        add("404", "no such record, or not in the person's scope");
    }
    if path_params || query_params || body {
        add("422", "a parameter or the body is wrong, or a rule refuses");
    }
    if body {
        add("413", "the body is larger than the server accepts");
    }
    for (status, response) in &mut op.responses.responses {
        let RefOr::T(response) = response else {
            continue;
        };
        if !status.starts_with(['4', '5']) {
            continue;
        }
        if response.content.is_empty() {
            response.content.insert(
                "application/json".to_owned(),
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name(ERROR_SCHEMA)))
                    .build(),
            );
        }
        if matches!(status.as_str(), "429" | "503") {
            response
                .headers
                .entry("Retry-After".to_owned())
                .or_insert_with(|| {
                    HeaderBuilder::new()
                        .schema(ObjectBuilder::new().schema_type(Type::Integer))
                        .description(Some("seconds to wait before trying again"))
                        .build()
                });
        }
    }
}

/// The error body's `code` is one of the catalogue (`roadwarden_domain::codes`): the document
/// lists them all, so a client can branch on every code it may meet.
struct ErrorCodes;

impl Modify for ErrorCodes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::schema::Schema;
        use utoipa::openapi::RefOr;
        let Some(components) = openapi.components.as_mut() else {
            return;
        };
        let Some(RefOr::T(Schema::Object(body))) = components.schemas.get_mut("ErrorBody") else {
            return;
        };
        let description = body.properties.get("code").and_then(|p| match p {
            RefOr::T(Schema::Object(o)) => o.description.clone(),
            _ => None,
        });
        body.properties.insert(
            "code".into(),
            ObjectBuilder::new()
                .schema_type(Type::String)
                .description(description)
                .enum_values(Some(
                    roadwarden_domain::codes::Code::ALL
                        .iter()
                        .map(|c| c.as_str()),
                ))
                .into(),
        );
    }
}

pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 13, item 3: the document lists every error code of the catalogue.
    #[test]
    fn the_error_body_lists_every_code_of_the_catalogue() {
        let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
        let listed: Vec<&str> = doc["components"]["schemas"]["ErrorBody"]["properties"]["code"]
            ["enum"]
            .as_array()
            .expect("the code has an enum")
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let all: Vec<&str> = roadwarden_domain::codes::Code::ALL
            .iter()
            .map(|c| c.as_str())
            .collect();
        assert_eq!(listed, all);
        assert!(listed.contains(&"role.missing") && listed.contains(&"input.invalid"));
    }
}

/// Issue 13, item 3: every answer and every body has a schema that says what is in it: no
/// bare `{"type": "object"}` without properties and no `{}` anywhere in the document.
#[cfg(test)]
mod opaque {
    use super::ApiDoc;
    use serde_json::Value;
    use std::collections::BTreeSet;
    use utoipa::OpenApi;

    fn is_opaque(schema: &Value) -> bool {
        let Some(o) = schema.as_object() else {
            return false;
        };
        // A schema that says nothing at all (`{}`, what a `serde_json::Value` becomes).
        let anything = !["type", "$ref", "allOf", "oneOf", "anyOf", "enum", "const"]
            .iter()
            .any(|k| o.contains_key(*k));
        let object = o.get("type").and_then(Value::as_str) == Some("object")
            || o.get("type")
                .and_then(Value::as_array)
                .is_some_and(|t| t.iter().any(|v| v == "object"));
        anything
            || (object
                && !o.contains_key("properties")
                && !o.contains_key("additionalProperties")
                && !o.contains_key("allOf")
                && !o.contains_key("oneOf")
                && !o.contains_key("anyOf"))
    }

    /// Walks a schema, naming each opaque object found under `at`.
    fn walk(schema: &Value, at: &str, found: &mut BTreeSet<String>) {
        if is_opaque(schema) {
            found.insert(at.to_owned());
        }
        let Some(o) = schema.as_object() else { return };
        if let Some(props) = o.get("properties").and_then(Value::as_object) {
            for (name, p) in props {
                walk(p, &format!("{at}.{name}"), found);
            }
        }
        if let Some(items) = o.get("items") {
            walk(items, &format!("{at}[]"), found);
        }
        if let Some(extra) = o.get("additionalProperties") {
            walk(extra, &format!("{at}{{}}"), found);
        }
        for key in ["allOf", "oneOf", "anyOf"] {
            for (i, s) in o
                .get(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                walk(s, &format!("{at}<{key}{i}>"), found);
            }
        }
    }

    fn walk_content(content: &Value, at: &str, found: &mut BTreeSet<String>) {
        for (media, body) in content.as_object().into_iter().flatten() {
            if let Some(schema) = body.get("schema") {
                walk(schema, &format!("{at} {media}"), found);
            }
        }
    }

    fn opaque_places() -> BTreeSet<String> {
        let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
        let mut found = BTreeSet::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                let at = format!("{} {path}", method.to_uppercase());
                if let Some(content) = op.pointer("/requestBody/content") {
                    walk_content(content, &format!("{at} body"), &mut found);
                }
                for (status, resp) in op["responses"].as_object().into_iter().flatten() {
                    if let Some(content) = resp.get("content") {
                        walk_content(content, &format!("{at} {status}"), &mut found);
                    }
                }
            }
        }
        for (name, schema) in doc["components"]["schemas"]
            .as_object()
            .into_iter()
            .flatten()
        {
            walk(schema, &format!("#{name}"), &mut found);
        }
        found
    }

    #[test]
    fn the_document_has_no_opaque_object() {
        let found = opaque_places();
        assert!(
            found.is_empty(),
            "opaque objects in the OpenAPI document; give them a view struct with its schema:\n{}",
            found
                .iter()
                .map(|s| format!("    {s}"))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}
