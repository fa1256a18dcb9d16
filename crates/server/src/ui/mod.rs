//! The web UI: server-rendered pages for people at a desk. One module per resource; every
//! page goes through the same services as the API.

pub mod account;
mod alert_text;
pub mod audit;
mod audit_text;
pub mod bulk;
pub mod calendar;
pub mod capture_list;
pub mod captures;
pub mod cockpit;
pub mod corrections;
pub mod devices;
pub mod docs;
pub mod evidence;
pub mod footage;
pub mod home;
pub mod inbox;
mod inline_form;
mod lists;
pub mod reports;
pub mod riders;
pub mod sharing;
pub mod supervision;
mod timeline_text;
pub mod units;
pub mod users;
pub mod views;

use axum::extract::{FromRequest, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use minijinja::{context, Value};
use roadwarden_domain::FieldError;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::auth::Principal;
use crate::error::{AppError, RenderedError};
use crate::i18n::{self, Lang};
use crate::policy::{
    AccountReaders, Admins, AuditReaders, CheckListReaders, CockpitViewers, ComplaintHandlers,
    CorrectionReaders, DeviceReviewers, FootageBrowsers, LegalReviewers, ObjectionReaders,
    RecorderReaders, ReportReaders, ReviewOverseers, Reviewers, ViolationReaders,
};
use crate::policy::{RiderAssessors, RiderOfficers, RiderReaders, RiderTaskActors};
use crate::state::AppState;
use roadwarden_domain::codes::Code;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home::page))
        .route("/messages/{id}/read", post(home::mark_read))
        .route("/inbox", get(inbox::page))
        .route("/inbox/read-all", post(inbox::mark_all_read))
        .route("/inbox/{id}/read", post(inbox::mark_read))
        .route(
            "/login",
            get(account::login_page).merge(crate::edge::small_body(post(account::login))),
        )
        .route("/logout", post(account::logout))
        .route("/account/sessions/revoke", post(account::revoke_session))
        .route(
            "/account/password",
            get(account::password_page)
                .merge(crate::edge::small_body(post(account::change_password))),
        )
        .route("/units", get(units::page).post(units::create))
        .route("/users", get(users::list_page))
        .route("/users/new", get(users::new_page).post(users::create))
        .route("/users/{id}", get(users::detail_page))
        .route("/users/{id}/roles", post(users::grant))
        .route("/users/{id}/roles/revoke", post(users::revoke))
        .route("/users/{id}/agreements", post(users::file_agreement))
        .route("/users/{id}/standing", post(users::standing))
        .route("/users/{id}/password-reset", post(users::reset_password))
        .route("/calendar", get(calendar::page).post(calendar::set_day))
        .route("/calendar/remove", post(calendar::remove_day))
        .route("/audit", get(audit::page))
        .route("/audit/export", get(audit::export_xlsx))
        .route("/devices", get(devices::list_page))
        .route("/devices/export", get(devices::export_xlsx))
        .route("/devices/new", get(devices::new_page).post(devices::create))
        .route("/devices/{id}", get(devices::detail_page))
        .route("/devices/{id}/assessment", post(devices::file_assessment))
        .route("/devices/{id}/review", post(devices::review))
        .route("/devices/{id}/action", post(devices::act))
        .route("/devices/{id}/register", post(devices::register))
        .route("/devices/{id}/credentials", post(devices::issue_credential))
        .route("/devices/{id}/calibration", post(devices::add_calibration))
        .route("/devices/{id}/patrol", post(devices::add_patrol))
        .route("/devices/{id}/fault", post(devices::open_fault))
        .route("/devices/{id}/faults/{fault}/fix", post(devices::fix_fault))
        .route("/devices/{id}/operation", post(devices::log_operation))
        .route("/device-reviews", get(devices::inbox_page))
        .route("/device-report", get(devices::report_page))
        .route("/device-cleanup/{item}", post(devices::resolve_cleanup))
        .route("/public/devices", get(devices::public_page))
        .route("/captures", get(capture_list::captures_page))
        .route("/captures/export", get(capture_list::captures_export))
        .route("/review", get(captures::review_page))
        .route("/review/{id}/decision", post(captures::decide))
        .route("/violations", get(captures::violations_page))
        .route("/violations/export", get(captures::violations_export))
        .route("/violations/bulk", post(bulk::violations_bulk))
        .route("/violations/{id}", get(captures::violation_page))
        .route("/violations/{id}/action", post(captures::violation_action))
        .route(
            "/violations/{id}/objection",
            post(captures::window_objection),
        )
        .route("/objections", get(captures::objections_page))
        .route(
            "/corrections",
            get(corrections::page).post(corrections::create),
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
        .route("/sharing", get(sharing::page).post(sharing::create))
        .route("/sharing/{id}/approve", post(sharing::approve))
        .route("/sharing/{id}/refuse", post(sharing::refuse))
        .route("/sharing/{id}/run", post(sharing::run))
        .route("/sharing/{id}/release", post(sharing::release))
        .route("/sharing/{id}/result", get(sharing::result))
        .route(
            "/sharing/partners",
            get(sharing::partners::page).post(sharing::partners::register),
        )
        .route("/sharing/partners/{id}", get(sharing::partners::partner))
        .route(
            "/sharing/partners/{id}/grants",
            post(sharing::partners::propose),
        )
        .route(
            "/sharing/grants/{id}/approve",
            post(sharing::partners::approve),
        )
        .route(
            "/sharing/grants/{id}/refuse",
            post(sharing::partners::refuse),
        )
        .route(
            "/sharing/grants/{id}/revoke",
            post(sharing::partners::revoke),
        )
        .route(
            "/objections/{id}/decision",
            post(captures::decide_objection),
        )
        .route(
            "/objections/{id}/photos/{n}",
            get(captures::objection_photo),
        )
        .route(
            "/public/violations",
            get(captures::public_page).post(captures::public_objection),
        )
        .route("/public/violations/lookup", post(captures::public_lookup))
        .route(
            "/public/violations/photos/{token}",
            get(captures::public_photo),
        )
        .route("/report", get(reports::report_page).post(reports::submit))
        .route("/report/code", post(reports::send_code))
        .route("/reports", get(reports::monthly::index))
        .route("/reports/{kind}", get(reports::monthly::page))
        .route("/reports/{kind}/export", get(reports::monthly::export))
        .route("/cockpit", get(cockpit::page))
        .route("/cockpit/events", get(cockpit::events))
        .route("/evidence", get(footage::library_page))
        .route("/evidence/export", get(footage::library_export))
        .route(
            "/evidence/selection/export",
            post(footage::selection_export),
        )
        .route("/evidence/{id}", get(evidence::item_page))
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
        .route(
            "/evidence/requests",
            get(evidence::requests_page).post(evidence::file_request),
        )
        .route(
            "/evidence/requests/{id}/decision",
            post(evidence::decide_request),
        )
        .route("/evidence/requests/{id}/export", post(evidence::export))
        .route("/evidence/retention", get(evidence::retention_page))
        .route("/evidence/supervision", get(evidence::supervision_page))
        .route("/evidence/work-records", post(evidence::file_work_record))
        .route(
            "/evidence/work-records/{id}/decision",
            post(evidence::decide_work_record),
        )
        .route(
            "/recorders",
            get(evidence::recorders_page).post(evidence::register_recorder),
        )
        .route("/recorders/{id}", get(evidence::recorder_page))
        .route("/recorders/{id}/ledger", post(evidence::ledger_step))
        .merge(riders::router())
        .merge(supervision::router())
        .route("/api/docs", get(docs::page))
        .route("/static/app.css", get(css))
        .route("/static/app.js", get(js))
        .route("/static/logo.svg", get(logo))
        .route("/static/cockpit.css", get(cockpit::css))
        .route("/static/cockpit.js", get(cockpit::js))
}

async fn css() -> impl IntoResponse {
    static_asset(
        "text/css; charset=utf-8",
        include_str!("../../static/app.css"),
    )
}

async fn js() -> impl IntoResponse {
    static_asset(
        "text/javascript; charset=utf-8",
        include_str!("../../static/app.js"),
    )
}

async fn logo() -> impl IntoResponse {
    static_asset("image/svg+xml", include_str!("../../static/logo.svg"))
}

fn static_asset(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
}

/// A URL-encoded form whose rejection is our error naming what is wrong.
pub struct FormBody<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequest<AppState> for FormBody<T> {
    type Rejection = AppError;
    async fn from_request(req: Request, state: &AppState) -> Result<Self, AppError> {
        let limit = crate::edge::body_limit(&req, state);
        match axum::Form::<T>::from_request(req, state).await {
            Ok(axum::Form(v)) => Ok(FormBody(v)),
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Err(AppError::TooLarge(limit))
            }
            Err(rejection) => Err(FieldError::new("form", rejection.body_text()).into()),
        }
    }
}

#[derive(Serialize)]
struct NavItem {
    href: &'static str,
    key: &'static str,
    active: bool,
}

/// The context every page shares: language, the person, the navigation their roles allow.
pub fn page_context(
    lang: Lang,
    principal: Option<&Principal>,
    current: &str,
    extra: Value,
) -> Value {
    let mut nav = vec![("/", "nav.home"), ("/units", "nav.units")];
    if let Some(p) = principal {
        nav.push(("/inbox", "nav.inbox"));
        nav.push(("/devices", "nav.devices"));
        if p.may::<DeviceReviewers>() {
            nav.push(("/device-reviews", "nav.device_reviews"));
        }
        nav.push(("/device-report", "nav.device_report"));
        if p.may::<ReportReaders>() {
            nav.push(("/reports", "nav.reports"));
        }
        if p.may::<CockpitViewers>() {
            nav.push(("/cockpit", "nav.cockpit"));
        }
        if p.may::<Reviewers>() {
            nav.push(("/review", "nav.review"));
        }
        if p.may::<ReviewOverseers>() {
            nav.push(("/captures", "nav.captures"));
        }
        if p.may::<ViolationReaders>() {
            nav.push(("/violations", "nav.violations"));
        }
        if p.may::<ObjectionReaders>() {
            nav.push(("/objections", "nav.objections"));
        }
        if p.may::<CorrectionReaders>() {
            nav.push(("/corrections", "nav.corrections"));
        }
        if p.may::<crate::policy::SharingReaders>() {
            nav.push(("/sharing", "nav.sharing"));
        }
        if p.may::<crate::policy::PartnerReaders>() {
            nav.push(("/sharing/partners", "nav.sharing_partners"));
        }
        if p.may::<FootageBrowsers>() {
            nav.push(("/evidence", "nav.evidence"));
            nav.push(("/evidence/requests", "nav.evidence_requests"));
        }
        if p.may::<RecorderReaders>() {
            nav.push(("/recorders", "nav.recorders"));
            nav.push(("/evidence/retention", "nav.evidence_retention"));
        }
        if p.may::<RecorderReaders>() || p.may::<LegalReviewers>() {
            nav.push(("/evidence/supervision", "nav.evidence_supervision"));
        }
        if p.may::<RiderReaders>() {
            nav.push(("/riders", "nav.riders"));
        }
        if p.may::<RiderOfficers>() {
            nav.push(("/riders/matches", "nav.rider_matches"));
            nav.push(("/riders/library", "nav.rider_library"));
            nav.push(("/riders/outbox", "nav.rider_outbox"));
            nav.push(("/riders/screened", "nav.rider_screened"));
        }
        if p.may::<RiderTaskActors>() {
            nav.push(("/riders/tasks", "nav.rider_tasks"));
        }
        if p.may::<RiderAssessors>() {
            nav.push(("/riders/assessment", "nav.rider_assessment"));
            nav.push(("/riders/surveys", "nav.rider_surveys"));
        }
        if p.may::<CheckListReaders>() {
            nav.push(("/supervision", "nav.supervision"));
        }
        if p.may::<ComplaintHandlers>() {
            nav.push(("/supervision/complaints", "nav.complaints"));
        }
        if p.may::<AccountReaders>() {
            nav.push(("/users", "nav.users"));
        }
        nav.push(("/calendar", "nav.calendar"));
        if p.may::<AuditReaders>() {
            nav.push(("/audit", "nav.audit"));
        }
        nav.push(("/api/docs", "nav.api"));
    }
    let nav: Vec<NavItem> = nav
        .into_iter()
        .map(|(href, key)| NavItem {
            href,
            key,
            // The rider and supervision pages below these have their own menu lines.
            active: if href == "/riders" || href == "/supervision" {
                current == href
            } else if href == "/" || href == "/evidence" {
                current == href
                    || (href == "/evidence"
                        && current.starts_with("/evidence/")
                        && !current.starts_with("/evidence/requests"))
            } else {
                current.starts_with(href)
            },
        })
        .collect();
    let me = principal.map(|p| {
        context! {
            username => p.user.username,
            full_name => p.user.full_name,
            unit_name => p.user.unit_name,
            roles => p.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
            is_admin => p.may::<Admins>(),
        }
    });
    let tz = principal.map_or("Asia/Shanghai".to_owned(), |p| {
        p.user.unit_time_zone.clone()
    });
    // The header's inbox badge: counted once per page request by `html_errors`.
    let unread = UNREAD.try_with(|n| *n).ok().flatten().filter(|n| *n > 0);
    context! {
        unread => unread,
        lang => lang.code(),
        langs => Lang::ALL.iter().map(|l| l.code()).collect::<Vec<_>>(),
        me => me,
        csrf => principal.map(|p| p.csrf_token.clone()),
        nav => nav,
        current => current,
        tz => tz,
        ..extra
    }
}

/// The most unread messages the header counts ("99+" past it).
const UNREAD_CAP: i64 = 100;

tokio::task_local! {
    /// The signed-in person's unread messages while their page request is served.
    static UNREAD: Option<usize>;
}

/// Turns error responses of UI pages into pages: sign-in and password-change redirects, and an
/// error page in the person's language. API responses keep their JSON.
pub async fn html_errors(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let path_and_query = req
        .uri()
        .path_and_query()
        .map_or_else(|| path.clone(), |p| p.to_string());
    let lang = req
        .extensions()
        .get::<Lang>()
        .copied()
        .unwrap_or(Lang::ZhCn);
    let principal = req
        .extensions()
        .get::<Option<std::sync::Arc<Principal>>>()
        .cloned()
        .flatten();
    let inline = inline_form::wanted(req.headers());
    let unread = match &principal {
        Some(p)
            if req.method() == axum::http::Method::GET
                && !path.starts_with("/api/")
                && !path.starts_with("/static/") =>
        {
            crate::services::supervision::pages::unread_count(&state, p, UNREAD_CAP)
                .await
                .ok()
        }
        _ => None,
    };
    let resp = UNREAD.scope(unread, next.run(req)).await;
    if path.starts_with("/api/v1") || matches!(path.as_str(), "/healthz" | "/readyz" | "/metrics") {
        return resp;
    }
    if inline {
        return match resp.extensions().get::<RenderedError>().cloned() {
            Some(err) if err.code == Code::AuthRequired => {
                inline_form::redirect_as_json(Redirect::to("/login").into_response())
            }
            Some(err) if err.code == Code::AuthPasswordChangeRequired => {
                inline_form::redirect_as_json(Redirect::to("/account/password").into_response())
            }
            Some(err) => inline_form::refusal(lang, &err),
            None => inline_form::redirect_as_json(resp),
        };
    }
    let Some(err) = resp.extensions().get::<RenderedError>().cloned() else {
        return if resp.status() == StatusCode::NOT_FOUND
            && resp.headers().get(header::CONTENT_TYPE).is_none()
        {
            error_page(
                lang,
                principal.as_deref(),
                StatusCode::NOT_FOUND,
                Code::NotFound,
                &i18n::t(lang, "error.not_found"),
                None,
            )
        } else {
            resp
        };
    };
    match err.code {
        Code::AuthRequired => {
            let next =
                url::form_urlencoded::byte_serialize(path_and_query.as_bytes()).collect::<String>();
            Redirect::to(&format!("/login?next={next}")).into_response()
        }
        Code::AuthPasswordChangeRequired => Redirect::to("/account/password").into_response(),
        _ => error_page(
            lang,
            principal.as_deref(),
            err.status,
            err.code,
            &err.message,
            err.field.as_deref(),
        ),
    }
}

fn error_page(
    lang: Lang,
    principal: Option<&Principal>,
    status: StatusCode,
    code: Code,
    message: &str,
    field: Option<&str>,
) -> Response {
    let title_key = format!(
        "error.{}",
        code.as_str().split('.').next().unwrap_or("internal")
    );
    // The person reads the code's sentence in their language; the server's own wording (in
    // English, with the values involved) is added for English readers when it says more.
    let sentence = i18n::t(lang, &i18n::error_key(code));
    let detail = (lang == Lang::En && message != sentence && code != Code::NotFound)
        .then(|| message.to_owned());
    let title = if i18n::has_key(lang, &title_key) {
        i18n::t(lang, &title_key)
    } else {
        i18n::t(lang, "error.title")
    };
    let field_label = field.map(|f| {
        let key = format!("field.{f}");
        if i18n::has_key(lang, &key) {
            i18n::t(lang, &key)
        } else {
            f.to_owned()
        }
    });
    let ctx = page_context(
        lang,
        principal,
        "",
        context! { status => status.as_u16(), title => title, message => sentence, detail => detail, field => field_label, code => code.as_str() },
    );
    match views::render("error.html", ctx) {
        Ok(html) => (status, html).into_response(),
        Err(_) => (status, message.to_owned()).into_response(),
    }
}

/// `?ok=<key>` after a redirect shows a confirmation; only known message keys are shown.
pub fn flash(lang: Lang, ok: Option<&str>) -> Option<String> {
    ok.map(|k| format!("flash.{k}"))
        .filter(|k| i18n::has_key(lang, k))
        .map(|k| i18n::t(lang, &k))
}
