//! RID-10, SHR-04: the outbox page: the county's requests to outside systems, counted by
//! system and state, filtered by chips, a failed one sent again from its line.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::{context, Value};
use roadwarden_domain::outside::{OutsideState, OutsideSystem};
use serde::Deserialize;

use super::super::views::render;
use super::super::{flash, page_context, FormBody};
use crate::auth::Require;
use crate::context::RequestMeta;
use crate::edge::{Path, RecordId};
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::policy::RiderOfficers;
use crate::services::outside::{self, outbox_filter};
use crate::state::AppState;

#[derive(Debug, Deserialize, Default)]
pub struct OutboxQuery {
    state: Option<String>,
    system: Option<String>,
    page: Option<i64>,
    ok: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    lang: Lang,
    user: Require<RiderOfficers>,
    meta: RequestMeta,
    Query(q): Query<OutboxQuery>,
) -> AppResult<Response> {
    let filter = outbox_filter(q.state.as_deref(), q.system.as_deref())?;
    let out = outside::outbox(&state, &user, &meta, filter, q.page.unwrap_or(1)).await?;
    let ctx = page_context(
        lang,
        Some(&user),
        "/riders/outbox",
        context! {
            flash => flash(lang, q.ok.as_deref()),
            o => Value::from_serialize(&out),
            state => filter.state.map(OutsideState::as_str),
            system => filter.system.map(OutsideSystem::as_str),
            states => OutsideState::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
            systems => OutsideSystem::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        },
    );
    Ok(render("riders/outbox.html", ctx)?.into_response())
}

#[derive(Debug, Deserialize)]
pub struct RequeueForm {
    /// The filter to return to.
    #[serde(default)]
    state: String,
    #[serde(default)]
    system: String,
}

/// RID-10: an e-bike officer sends a failed request again from the outbox.
pub async fn requeue(
    State(state): State<AppState>,
    user: Require<RiderOfficers>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    FormBody(f): FormBody<RequeueForm>,
) -> AppResult<Response> {
    // Only known words go back into the address.
    let filter = outbox_filter(Some(&f.state), Some(&f.system)).unwrap_or_default();
    outside::requeue(&state, &user, &meta, id).await?;
    let to = format!(
        "/riders/outbox?state={}&system={}&ok=outside_requeued",
        filter.state.map_or("", OutsideState::as_str),
        filter.system.map_or("", OutsideSystem::as_str)
    );
    Ok(Redirect::to(&to).into_response())
}
