//! SUP-02, SUP-03, SUP-06, SUP-07, AUD-09 pages: the check and rectification list, one item
//! with its findings in words, its steps and the forms for the next step, the upper unit's
//! warning, complaints and a device's history of decisions. Every form goes through
//! `services::supervision`, as the API does; a refused form shows its error under the field
//! (`inline_form`), so what was typed stays.

mod complaints;
mod decisions;
mod finding_text;

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use minijinja::{context, Value};
use roadwarden_domain::device::SuspensionReason;
use roadwarden_domain::supervision::checklist::ItemState;
use roadwarden_domain::{FieldError, UnitId};
use serde::Deserialize;

use super::lists::{xlsx_download, ListPage};
use super::views::render;
use super::{flash, page_context, FormBody};
use crate::auth::{Principal, Require};
use crate::context::RequestMeta;
use crate::edge::{record_id, Path, RecordId};
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::policy::{CheckListActors, CheckListReaders, Supervisors};
use crate::services::supervision::items::{self, BreakInput, StepInput, WarnInput};
use crate::services::supervision::pages::{self, ItemFilter, SORT};
use crate::services::supervision::views::ItemView;
use crate::services::supervision::views::StepView;
use crate::services::units;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/supervision", get(list_page))
        .route("/supervision/export", get(export_xlsx))
        .route("/supervision/items/{id}", get(item_page))
        .route("/supervision/items/{id}/steps", post(step))
        .route("/supervision/items/{id}/circuit-break", post(circuit_break))
        .route("/supervision/warnings", post(warn))
        .route(
            "/supervision/complaints",
            get(complaints::page).post(complaints::register),
        )
        .route("/supervision/complaints/{id}/steps", post(complaints::step))
        .route("/devices/{id}/decisions", get(decisions::page))
}

#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    #[serde(flatten)]
    list: crate::edge::ListQuery,
    state: Option<String>,
    unit_id: Option<String>,
    /// `open` (default), `overdue` or `all`.
    show: Option<String>,
    ok: Option<String>,
}

impl ListQuery {
    fn filter(&self) -> AppResult<ItemFilter> {
        fn text(v: &Option<String>) -> Option<&str> {
            v.as_deref().map(str::trim).filter(|s| !s.is_empty())
        }
        let show = text(&self.show).unwrap_or("open");
        if !matches!(show, "open" | "overdue" | "all") {
            return Err(FieldError::new("show", "must be open, overdue or all").into());
        }
        Ok(ItemFilter {
            state: text(&self.state).map(ItemState::parse).transpose()?,
            unit: text(&self.unit_id)
                .map(|u| record_id("unit_id", u))
                .transpose()?
                .map(UnitId),
            open: show != "all",
            overdue: show == "overdue",
        })
    }
}

/// One row of the list, with its reason in words.
fn row(lang: Lang, v: &ItemView, unit_names: &[(i64, String)], today: chrono::NaiveDate) -> Value {
    let unit = unit_names
        .iter()
        .find(|(id, _)| *id == v.device_unit_id)
        .map(|(_, n)| n.clone());
    let reasons: Vec<String> = v
        .findings
        .iter()
        .map(|f| finding_text::sentence(lang, f))
        .collect();
    context! {
        item => Value::from_serialize(v),
        unit => unit,
        reasons => reasons,
        overdue => pages::is_overdue(v, today),
    }
}

fn today_of(state: &AppState, p: &Principal) -> chrono::NaiveDate {
    let tz: chrono_tz::Tz = p
        .user
        .unit_time_zone
        .parse()
        .unwrap_or(chrono_tz::Asia::Shanghai);
    state.clock.now().with_timezone(&tz).date_naive()
}

/// SUP-03: the check and rectification list under the reader's unit.
pub async fn list_page(
    State(state): State<AppState>,
    lang: Lang,
    user: Require<CheckListReaders>,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let params = q.list.parse(&SORT)?;
    let filter = q.filter()?;
    let (found, total) = pages::list_page(&state, &user, &filter, &params).await?;
    let units = units::subtree(&state, &user).await?;
    let names: Vec<(i64, String)> = units.iter().map(|u| (u.id.0, u.name.clone())).collect();
    let today = today_of(&state, &user);
    let rows: Vec<Value> = found.iter().map(|v| row(lang, v, &names, today)).collect();
    let show = q.show.clone().filter(|s| !s.trim().is_empty());
    let list = ListPage {
        path: "/supervision",
        spec: &SORT,
        params: &params,
        filters: &[
            ("state", q.state.as_deref()),
            ("unit_id", q.unit_id.as_deref()),
            ("show", show.as_deref()),
        ],
        total,
        headings: &[
            ("device", "supervision.device"),
            ("state", "supervision.state"),
            ("raised_on", "supervision.raised_on"),
            ("deadline", "supervision.deadline"),
        ],
        search_hint: "supervision.search",
        export: true,
        dates: false,
    };
    let ctx = page_context(
        lang,
        Some(&user),
        "/supervision",
        context! {
            flash => flash(lang, q.ok.as_deref()),
            rows => rows,
            q => context! { state => q.state, unit_id => q.unit_id, show => show.clone().unwrap_or_else(|| "open".to_owned()) },
            states => ItemState::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
            units => units.iter().filter(|u| u.kind.is_police()).map(|u| context! { id => u.id.0, name => u.name, depth => u.path.depth().saturating_sub(user.scope().depth()) }).collect::<Vec<_>>(),
            may_complaints => user.may::<crate::policy::ComplaintHandlers>(),
            list => list.view(),
        },
    );
    Ok(render("supervision.html", ctx)?.into_response())
}

/// The list, same filter and order, as a workbook in the reader's language.
pub async fn export_xlsx(
    State(state): State<AppState>,
    lang: Lang,
    user: Require<CheckListReaders>,
    meta: RequestMeta,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let params = q.list.parse(&SORT)?;
    let filter = q.filter()?;
    let bytes = pages::export(&state, &user, &meta, &filter, &params, lang).await?;
    Ok(xlsx_download("check-list", state.clock.now(), bytes))
}

#[derive(Debug, Deserialize, Default)]
pub struct ItemQuery {
    ok: Option<String>,
}

/// One item: its findings in words, its steps with who took each (SUP-07) and the forms for
/// the steps this person may take now.
pub async fn item_page(
    State(state): State<AppState>,
    lang: Lang,
    user: Require<CheckListReaders>,
    Path(RecordId(id)): Path<RecordId>,
    Query(q): Query<ItemQuery>,
) -> AppResult<Response> {
    let page = items::show(&state, &user, id).await?;
    let units = units::subtree(&state, &user).await?;
    let unit = units
        .iter()
        .find(|u| u.id.0 == page.item.device_unit_id)
        .map(|u| u.name.clone());
    let raised_by_unit = page
        .steps
        .iter()
        .find(|s| s.kind == "warn" || s.kind == "raise")
        .map(|s| s.unit_name.clone());
    let findings: Vec<Value> = page
        .item
        .findings
        .iter()
        .map(|f| context! { severity => f.severity, kind => f.kind, text => finding_text::sentence(lang, f) })
        .collect();
    let today = today_of(&state, &user);
    let ctx = page_context(
        lang,
        Some(&user),
        "/supervision",
        context! {
            flash => flash(lang, q.ok.as_deref()),
            item => Value::from_serialize(&page.item),
            unit => unit,
            raised_by_unit => raised_by_unit,
            overdue => pages::is_overdue(&page.item, today),
            findings => findings,
            steps => step_views(lang, &page.steps),
            actions => page.actions,
            reasons => SuspensionReason::ALL.iter().filter(|r| **r != SuspensionReason::FormalUseNotProven).map(|r| r.as_str()).collect::<Vec<_>>(),
            today => today.to_string(),
        },
    );
    Ok(render("supervision_item.html", ctx)?.into_response())
}

/// The steps as the page shows them: a re-check's answers (kept as JSON, SUP-03) become
/// labelled lines in the reader's language; every other note is the officer's own text.
fn step_views(lang: Lang, steps: &[StepView]) -> Vec<Value> {
    steps
        .iter()
        .map(|s| {
            let recheck = s.kind == "recheck";
            let lines = match (&s.note, recheck) {
                (Some(note), true) => crate::ui::audit_text::detail(lang, note),
                _ => Vec::new(),
            };
            context! {
                kind => s.kind,
                by => s.by,
                unit_name => s.unit_name,
                at => s.at,
                note => if recheck { None } else { s.note.clone() },
                lines => lines,
            }
        })
        .collect()
}

/// A step as the page's forms post it: all text, so that a bad value is refused on its field.
#[derive(Debug, Deserialize, Default)]
pub struct StepForm {
    action: String,
    #[serde(default)]
    necessity_holds: String,
    #[serde(default)]
    necessity: String,
    #[serde(default)]
    rationality_holds: String,
    #[serde(default)]
    rationality: String,
    #[serde(default)]
    conformity_holds: String,
    #[serde(default)]
    conformity: String,
    #[serde(default)]
    suspend_for: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    deadline: String,
    #[serde(default)]
    percent: String,
}

fn yes_no(field: &'static str, raw: &str) -> Result<Option<bool>, FieldError> {
    match raw.trim() {
        "" => Ok(None),
        "yes" | "true" => Ok(Some(true)),
        "no" | "false" => Ok(Some(false)),
        _ => Err(FieldError::new(field, "must be answered yes or no")),
    }
}

impl StepForm {
    fn input(self) -> Result<StepInput, FieldError> {
        let percent = match self.percent.trim() {
            "" => None,
            raw => Some(
                raw.parse::<u8>()
                    .ok()
                    .filter(|p| *p <= 100)
                    .ok_or_else(|| {
                        FieldError::new("percent", "must be a whole number from 0 to 100")
                    })?,
            ),
        };
        Ok(StepInput {
            necessity_holds: yes_no("necessity", &self.necessity_holds)?,
            rationality_holds: yes_no("rationality", &self.rationality_holds)?,
            conformity_holds: yes_no("conformity", &self.conformity_holds)?,
            action: self.action,
            necessity: self.necessity,
            rationality: self.rationality,
            conformity: self.conformity,
            suspend_for: self.suspend_for,
            note: self.note,
            deadline: self.deadline,
            percent,
        })
    }
}

fn to_item(id: i64, ok: &str) -> Response {
    Redirect::to(&format!("/supervision/items/{id}?ok={ok}")).into_response()
}

/// SUP-03, SUP-07: re-check, fix on the spot, plan, progress, submit, accept or send back.
pub async fn step(
    State(state): State<AppState>,
    user: Require<CheckListActors>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    FormBody(f): FormBody<StepForm>,
) -> AppResult<Response> {
    let input = f.input()?;
    items::act(&state, &user, &meta, id, &input).await?;
    Ok(to_item(id, "supervision_step"))
}

#[derive(Debug, Deserialize, Default)]
pub struct BreakForm {
    #[serde(default)]
    reason: String,
}

/// SUP-06: the upper unit's circuit breaker after an unheeded warning.
pub async fn circuit_break(
    State(state): State<AppState>,
    user: Require<Supervisors>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    FormBody(f): FormBody<BreakForm>,
) -> AppResult<Response> {
    let input = BreakInput { reason: f.reason };
    items::circuit_break(&state, &user, &meta, id, &input).await?;
    Ok(to_item(id, "supervision_circuit_broken"))
}

#[derive(Debug, Deserialize, Default)]
pub struct WarnForm {
    #[serde(default)]
    device_id: String,
    #[serde(default)]
    notice: String,
}

/// SUP-02: an upper unit's warning notice about a lower unit's device.
pub async fn warn(
    State(state): State<AppState>,
    user: Require<Supervisors>,
    meta: RequestMeta,
    FormBody(f): FormBody<WarnForm>,
) -> AppResult<Response> {
    let input = WarnInput {
        device_id: record_id("device_id", &f.device_id)?,
        notice: f.notice,
    };
    let page = items::warn(&state, &user, &meta, &input).await?;
    Ok(to_item(page.item.id, "supervision_warned"))
}
