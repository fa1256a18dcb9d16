//! SHR-04: the screened-offenders desk: what the recognition system sent in, counted by state,
//! each line agreed with or disputed from its place.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::{context, Value};
use roadwarden_domain::rider::screened::ScreenedState;
use serde::Deserialize;

use super::super::views::render;
use super::super::{flash, page_context, FormBody};
use crate::auth::Require;
use crate::context::RequestMeta;
use crate::edge::{Path, RecordId};
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::policy::RiderOfficers;
use crate::services::riders::screened;
use crate::state::AppState;

#[derive(Debug, Deserialize, Default)]
pub struct DeskQuery {
    state: Option<String>,
    page: Option<i64>,
    ok: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    lang: Lang,
    user: Require<RiderOfficers>,
    meta: RequestMeta,
    Query(q): Query<DeskQuery>,
) -> AppResult<Response> {
    let filter = screened::state_filter(q.state.as_deref())?;
    let desk = screened::desk(&state, &user, &meta, filter, q.page.unwrap_or(1)).await?;
    let ctx = page_context(
        lang,
        Some(&user),
        "/riders/screened",
        context! {
            flash => flash(lang, q.ok.as_deref()),
            d => Value::from_serialize(&desk),
            state => filter.map(ScreenedState::as_str),
            states => ScreenedState::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        },
    );
    Ok(render("riders/screened.html", ctx)?.into_response())
}

#[derive(Debug, Deserialize)]
pub struct DecisionForm {
    verdict: String,
    #[serde(default)]
    note: String,
    /// The filter to return to.
    #[serde(default)]
    state: String,
}

/// SHR-04: an e-bike officer agrees with or disputes an entry from the desk.
pub async fn decide(
    State(state): State<AppState>,
    user: Require<RiderOfficers>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    FormBody(f): FormBody<DecisionForm>,
) -> AppResult<Response> {
    let verdict = ScreenedState::parse(&f.verdict)?;
    screened::decide(&state, &user, &meta, id, verdict, &f.note).await?;
    // Only a known word goes back into the address.
    let back = screened::state_filter(Some(&f.state))
        .ok()
        .flatten()
        .map_or("", ScreenedState::as_str);
    let to = format!("/riders/screened?state={back}&ok=screened_decided#screened-{id}");
    Ok(Redirect::to(&to).into_response())
}
