//! Device pages: the list with filters and a map, the device page with its lifecycle timeline
//! and forms, the review inbox, the DEV-11 report and the public notice page. Every form goes
//! through the same services as the API.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form as MultiForm;
use minijinja::{context, Value};
use roadwarden_domain::device::lifecycle::capture_use_for;
use roadwarden_domain::device::review::{Department, RoundOutcome};
use roadwarden_domain::device::{violations, DeviceKind, DeviceState, RoadClass, SuspensionReason};
use roadwarden_domain::{DeviceId, FieldError};
use serde::Deserialize;

use super::lists::{xlsx_download, ListPage};
use super::views::render;
use super::{flash, page_context, FormBody};
use crate::auth::{CurrentUser, Require};
use crate::context::RequestMeta;
use crate::edge::{Path, RecordId};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::policy::{DeviceActors, DeviceManagers, DeviceReviewers};
use crate::services::devices::credentials;
use crate::services::devices::lifecycle::{
    self, ActionInput, AssessmentInput, RegistrationInput, ReviewInput,
};
use crate::services::devices::list as device_list;
use crate::services::devices::public::{published, PublicQuery};
use crate::services::devices::reads::{self, DeviceQuery};
use crate::services::devices::registry::{self, DeviceInput};
use crate::services::{units, Authority};
use crate::state::AppState;
use crate::views::devices::{DeviceDetail, InboxItem};

mod maintenance;
pub use maintenance::*;

// The map drawing, next to this file (a sibling, so tests/layers.rs reads it too).
#[path = "device_map.rs"]
mod map;
use map::map_svg;

#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    #[serde(flatten)]
    list: crate::edge::ListQuery,
    state: Option<String>,
    kind: Option<String>,
    unit_id: Option<String>,
    ok: Option<String>,
}

impl ListQuery {
    /// The registry's filter as the API names it (`search` matches number, name or road).
    fn device_query(&self) -> DeviceQuery {
        DeviceQuery {
            state: self.state.clone(),
            kind: self.kind.clone(),
            unit_id: self.unit_id.clone(),
            search: self.list.search.clone(),
            ..DeviceQuery::default()
        }
    }
}

/// The device list: the table first (search, sort, pages, export), the map beside it on a
/// wide screen and below it otherwise.
pub async fn list_page(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let params = q.list.parse(&device_list::SORT)?;
    let filter = q.device_query().filter(&state, &user).await?;
    let (found, total) = device_list::page(&state, &user, &filter, &params).await?;
    let points = registry::map_points(&state, &user, &filter).await?;
    let (counts, alerts) = reads::overview(&state, &user, 20).await?;
    let units = units::subtree(&state, &user).await?;
    let rows: Vec<Value> = found
        .iter()
        .map(|d| {
            context! {
                id => d.id.0, number => d.number, name => d.name, kind => d.kind.as_str(), state => d.state.as_str(),
                unit => d.unit_name, road => d.road, km => d.km_marker, place => d.place, maintainer => d.maintainer,
                capture => capture_label(d.kind, d.state), since => d.state_since,
            }
        })
        .collect();
    let list = ListPage {
        path: "/devices",
        spec: &device_list::SORT,
        params: &params,
        filters: &[
            ("state", q.state.as_deref()),
            ("kind", q.kind.as_deref()),
            ("unit_id", q.unit_id.as_deref()),
        ],
        total,
        headings: &[
            ("number", "device.number"),
            ("name", "device.name"),
            ("state", "device.state"),
            ("unit", "device.unit"),
        ],
        search_hint: "devices.search",
        export: true,
        dates: false,
    };
    let ctx = page_context(
        lang,
        Some(&user),
        "/devices",
        context! {
            flash => flash(lang, q.ok.as_deref()),
            rows => rows,
            q => context! { state => q.state, kind => q.kind, unit_id => q.unit_id },
            states => DeviceState::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
            kinds => DeviceKind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
            counts => counts.into_iter().map(|(s, n)| context! { state => s, n => n }).collect::<Vec<_>>(),
            units => units.iter().filter(|u| u.kind.is_police()).map(|u| context! { id => u.id.0, name => u.name, depth => u.path.depth().saturating_sub(user.scope().depth()) }).collect::<Vec<_>>(),
            map => map_svg(&points, &state.settings.devices.map_tile_url),
            alerts => alerts,
            can_manage => user.may::<DeviceManagers>(),
            list => list.view(),
        },
    );
    Ok(render("devices.html", ctx)?.into_response())
}

/// The list's devices, same filter and order, as a workbook in the reader's language.
pub async fn export_xlsx(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    meta: RequestMeta,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let params = q.list.parse(&device_list::SORT)?;
    let filter = q.device_query().filter(&state, &user).await?;
    let bytes = device_list::export(&state, &user, &meta, &filter, &params, lang).await?;
    Ok(xlsx_download("devices", state.clock.now(), bytes))
}

fn capture_label(kind: DeviceKind, state: DeviceState) -> &'static str {
    match capture_use_for(kind, state) {
        roadwarden_domain::device::CaptureUse::Enforce => "enforce",
        roadwarden_domain::device::CaptureUse::WarnOnly => "warn_only",
        roadwarden_domain::device::CaptureUse::Refuse => "refuse",
    }
}

pub async fn new_page(
    State(state): State<AppState>,
    lang: Lang,
    user: Require<DeviceManagers>,
) -> AppResult<Response> {
    let units = units::subtree(&state, &user).await?;
    let country = units
        .first()
        .map(|u| u.country)
        .unwrap_or(roadwarden_domain::org::Country::China);
    let ctx = page_context(
        lang,
        Some(&user),
        "/devices",
        context! {
            units => units.iter().filter(|u| u.kind.is_police()).map(|u| context! { id => u.id.0, name => u.name, code => u.code, depth => u.path.depth().saturating_sub(user.scope().depth()) }).collect::<Vec<_>>(),
            kinds => DeviceKind::ALL.iter().map(|k| context! { value => k.as_str(), code => k.code() }).collect::<Vec<_>>(),
            road_classes => RoadClass::ALL.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
            violations => violations::of_country(country).map(|v| context! { code => v.code, name => v.name(lang.code()) }).collect::<Vec<_>>(),
        },
    );
    Ok(render("device_new.html", ctx)?.into_response())
}

/// The form's fields as text: numbers and repeated checkboxes are converted here.
#[derive(Debug, Deserialize, Default)]
pub struct DeviceForm {
    number: String,
    kind: String,
    unit_id: i64,
    name: String,
    maintainer: String,
    leader: String,
    department: String,
    #[serde(default)]
    violation_types: Vec<String>,
    #[serde(default)]
    make: String,
    #[serde(default)]
    model: String,
    #[serde(default)]
    serial: String,
    #[serde(default)]
    mac: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    road: String,
    #[serde(default)]
    road_class: String,
    #[serde(default)]
    km_marker: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    nearest_village: String,
    #[serde(default)]
    direction: String,
    #[serde(default)]
    longitude: String,
    #[serde(default)]
    latitude: String,
}

fn number(field: &'static str, raw: &str) -> AppResult<Option<f64>> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    raw.parse()
        .map(Some)
        .map_err(|_| FieldError::new(field, "must be a number").into())
}

pub async fn create(
    State(state): State<AppState>,
    user: Require<DeviceManagers>,
    meta: RequestMeta,
    form: Result<MultiForm<DeviceForm>, axum_extra::extract::FormRejection>,
) -> AppResult<Response> {
    let MultiForm(f) =
        form.map_err(|e| AppError::BadInput(FieldError::new("form", e.body_text())))?;
    let input = DeviceInput {
        number: f.number,
        kind: f.kind,
        unit_id: f.unit_id,
        name: f.name,
        maintainer: f.maintainer,
        leader: f.leader,
        department: f.department,
        violation_types: f.violation_types,
        make: f.make,
        model: f.model,
        serial: f.serial,
        mac: f.mac,
        channel: f.channel,
        road: f.road,
        road_class: f.road_class,
        km_marker: f.km_marker,
        place: f.place,
        nearest_village: f.nearest_village,
        direction: f.direction,
        longitude: number("longitude", &f.longitude)?,
        latitude: number("latitude", &f.latitude)?,
        measuring: None,
    };
    let device = registry::create_device(&state, Authority::User(&user), &meta, &input).await?;
    Ok(Redirect::to(&format!("/devices/{}?ok=device_created", device.id)).into_response())
}

#[derive(Debug, Deserialize, Default)]
pub struct DetailQuery {
    ok: Option<String>,
}

pub async fn detail_page(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Path(RecordId(id)): Path<RecordId>,
    Query(q): Query<DetailQuery>,
) -> AppResult<Response> {
    let d = reads::detail(&state, &user, DeviceId(id)).await?;
    let device = &d.device;
    let my_departments: Vec<&str> = Department::ALL
        .into_iter()
        .filter(|dep| user.has(dep.role()))
        .filter(|dep| {
            !d.reviews.iter().any(|r| {
                r.department == *dep
                    && d.assessments.last().is_some_and(|a| {
                        a.id == r.assessment_id && a.outcome == RoundOutcome::Pending
                    })
            })
        })
        .map(|dep| dep.as_str())
        .collect();
    let can_review = device.state == DeviceState::UnderReview
        && !my_departments.is_empty()
        && device.unit_id != user.user.unit_id;
    let can_manage = user.may::<DeviceManagers>()
        && user.covers(&device.unit_path)
        && device.state != DeviceState::Retired;
    // SUP-02, SUP-07: an upper unit's warning form and the history of decisions link.
    let may_warn = user.may::<crate::policy::Supervisors>()
        && user.scope() != &device.unit_path
        && user.covers(&device.unit_path)
        && device.state != DeviceState::Retired;
    let may_decisions = user.may::<crate::policy::CheckListReaders>();
    let (tz, capture, kind_violations) = (
        device.time_zone.clone(),
        capture_label(device.kind, device.state),
        device.violation_types.clone(),
    );
    let actions = d.actions.clone();
    let d = DeviceDetail::from(d);
    let ctx = page_context(
        lang,
        Some(&user),
        "/devices",
        context! {
            flash => flash(lang, q.ok.as_deref()),
            d => Value::from_serialize(&d),
            tz => tz,
            capture => capture,
            violations => kind_violations.iter().map(|c| context! { code => c, name => violations::lookup(c).map_or(c.as_str(), |v| v.name(lang.code())) }).collect::<Vec<_>>(),
            actions => actions,
            can_review => can_review,
            departments => my_departments,
            can_manage => can_manage,
            may_warn => may_warn,
            may_decisions => may_decisions,
            // DEV-04/05: "formal use not proven" is set by the ledger import, not chosen by hand.
            reasons => SuspensionReason::ALL.iter().filter(|r| **r != SuspensionReason::FormalUseNotProven).map(|r| r.as_str()).collect::<Vec<_>>(),
            today => state.clock.now().date_naive().to_string(),
        },
    );
    Ok(render("device.html", ctx)?.into_response())
}

fn back(id: DeviceId, ok: &str) -> Response {
    Redirect::to(&format!("/devices/{id}?ok={ok}")).into_response()
}

pub async fn file_assessment(
    State(state): State<AppState>,
    user: Require<DeviceManagers>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    FormBody(f): FormBody<AssessmentForm>,
) -> AppResult<Response> {
    let id = DeviceId(id);
    let input = AssessmentInput {
        necessity: f.necessity,
        conditions: f.conditions,
        facilities_ok: f.facilities_ok.as_deref() == Some("on"),
        goal: f.goal,
    };
    lifecycle::file_assessment(&state, &user, &meta, id, &input).await?;
    Ok(back(id, "assessment_filed"))
}

#[derive(Debug, Deserialize)]
pub struct AssessmentForm {
    necessity: String,
    conditions: String,
    #[serde(default)]
    facilities_ok: Option<String>,
    goal: String,
}

pub async fn review(
    State(state): State<AppState>,
    user: Require<DeviceReviewers>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    FormBody(f): FormBody<ReviewInput>,
) -> AppResult<Response> {
    let id = DeviceId(id);
    lifecycle::review(&state, &user, &meta, id, &f).await?;
    Ok(back(id, "review_recorded"))
}

pub async fn act(
    State(state): State<AppState>,
    user: Require<DeviceActors>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    FormBody(f): FormBody<ActionInput>,
) -> AppResult<Response> {
    let id = DeviceId(id);
    lifecycle::act(&state, &user, &meta, id, &f).await?;
    Ok(back(id, "step_recorded"))
}

pub async fn register(
    State(state): State<AppState>,
    user: Require<DeviceManagers>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    FormBody(f): FormBody<RegistrationInput>,
) -> AppResult<Response> {
    let id = DeviceId(id);
    lifecycle::confirm_registration(&state, &user, &meta, id, &f).await?;
    Ok(back(id, "registered"))
}

pub async fn issue_credential(
    State(state): State<AppState>,
    lang: Lang,
    user: Require<DeviceManagers>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
) -> AppResult<Response> {
    let id = DeviceId(id);
    let issued = credentials::issue(&state, &user, &meta, id).await?;
    // The secret is shown on the page that answers this request, once, never in a URL.
    let d = DeviceDetail::from(reads::detail(&state, &user, id).await?);
    let ctx = page_context(
        lang,
        Some(&user),
        "/devices",
        context! { issued => Value::from_serialize(&issued), d => Value::from_serialize(&d) },
    );
    // The secret is on this page only: never cached, never in a URL.
    Ok((
        [(axum::http::header::CACHE_CONTROL, "no-store")],
        render("device_secret.html", ctx)?,
    )
        .into_response())
}

pub async fn inbox_page(
    State(state): State<AppState>,
    lang: Lang,
    user: Require<DeviceReviewers>,
) -> AppResult<Response> {
    let items: Vec<InboxItem> = reads::review_inbox(&state, &user, None)
        .await?
        .into_iter()
        .map(InboxItem::from)
        .collect();
    let ctx = page_context(
        lang,
        Some(&user),
        "/device-reviews",
        context! { items => Value::from_serialize(&items) },
    );
    Ok(render("device_inbox.html", ctx)?.into_response())
}

pub async fn public_page(
    State(state): State<AppState>,
    lang: Lang,
    Query(q): Query<PublicQuery>,
) -> AppResult<Response> {
    let mut q = q;
    if q.lang.is_none() {
        q.lang = Some(lang.code().into());
    }
    let list = published(&state, &q).await?;
    let page_lang = Lang::parse(&list.lang).unwrap_or(lang);
    let ctx = page_context(
        page_lang,
        None,
        "/public/devices",
        context! { list => Value::from_serialize(&list), unit => q.unit },
    );
    Ok(render("public_devices.html", ctx)?.into_response())
}
