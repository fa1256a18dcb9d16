//! AUD-09 pages: complaints from phone, web and media, registered against a device, a record
//! or a unit, listed with their due dates, checked and answered through
//! `services::supervision::complaints`.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::{context, Value};
use roadwarden_domain::supervision::complaint::{Channel, ComplaintState, Outcome, TargetKind};
use serde::Deserialize;

use crate::auth::Require;
use crate::context::RequestMeta;
use crate::edge::{record_id, Path, RecordId};
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::policy::ComplaintHandlers;
use crate::services::supervision::complaints::{self, ComplaintStepInput, RegisterInput};
use crate::services::units;
use crate::state::AppState;
use crate::ui::views::render;
use crate::ui::{flash, page_context, FormBody};

#[derive(Debug, Deserialize, Default)]
pub struct PageQuery {
    state: Option<String>,
    ok: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    lang: Lang,
    user: Require<ComplaintHandlers>,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    let wanted = q
        .state
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(ComplaintState::parse)
        .transpose()?;
    let all = complaints::list(&state, &user).await?;
    let units = units::subtree(&state, &user).await?;
    let unit_name = |id: i64| units.iter().find(|u| u.id.0 == id).map(|u| u.name.clone());
    let counts: Vec<Value> = ComplaintState::ALL
        .iter()
        .map(|s| context! { state => s.as_str(), n => all.iter().filter(|c| c.state == s.as_str()).count() })
        .collect();
    let rows: Vec<Value> = all
        .iter()
        .filter(|c| wanted.is_none_or(|w| c.state == w.as_str()))
        .map(|c| context! { c => Value::from_serialize(c), unit => unit_name(c.handling_unit_id) })
        .collect();
    let ctx = page_context(
        lang,
        Some(&user),
        "/supervision/complaints",
        context! {
            flash => flash(lang, q.ok.as_deref()),
            rows => rows,
            counts => counts,
            q => context! { state => wanted.map(|s| s.as_str()) },
            channels => Channel::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
            targets => TargetKind::ALL.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
            outcomes => Outcome::ALL.iter().map(|o| o.as_str()).collect::<Vec<_>>(),
            units => units.iter().map(|u| context! { id => u.id.0, name => u.name, depth => u.path.depth().saturating_sub(user.scope().depth()) }).collect::<Vec<_>>(),
        },
    );
    Ok(render("supervision_complaints.html", ctx)?.into_response())
}

/// The register form: all text, so that a bad value is refused on its field.
#[derive(Debug, Deserialize, Default)]
pub struct RegisterForm {
    #[serde(default)]
    channel: String,
    #[serde(default)]
    target_kind: String,
    #[serde(default)]
    target_id: String,
    #[serde(default)]
    handling_unit_id: String,
    #[serde(default)]
    summary: String,
}

pub async fn register(
    State(state): State<AppState>,
    user: Require<ComplaintHandlers>,
    meta: RequestMeta,
    FormBody(f): FormBody<RegisterForm>,
) -> AppResult<Response> {
    // The channel and target are checked first, in the order the form asks for them.
    Channel::parse(&f.channel)?;
    TargetKind::parse(&f.target_kind)?;
    let input = RegisterInput {
        target_id: record_id("target_id", &f.target_id)?,
        handling_unit_id: match f.handling_unit_id.trim() {
            "" => None,
            raw => Some(record_id("handling_unit_id", raw)?),
        },
        channel: f.channel,
        target_kind: f.target_kind,
        summary: f.summary,
    };
    complaints::register(&state, &user, &meta, &input).await?;
    Ok(Redirect::to("/supervision/complaints?ok=complaint_registered").into_response())
}

#[derive(Debug, Deserialize, Default)]
pub struct StepForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    reply: String,
}

pub async fn step(
    State(state): State<AppState>,
    user: Require<ComplaintHandlers>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    FormBody(f): FormBody<StepForm>,
) -> AppResult<Response> {
    let input = ComplaintStepInput {
        action: f.action,
        outcome: f.outcome,
        reply: f.reply,
    };
    complaints::act(&state, &user, &meta, id, &input).await?;
    Ok(Redirect::to(&format!(
        "/supervision/complaints?ok=complaint_step#complaint-{id}"
    ))
    .into_response())
}
