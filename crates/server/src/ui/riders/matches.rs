//! RID-05, RID-06: the queue of uncertain matches, decided from the keyboard like the review
//! desk: C confirms, X says "not this person", N or J moves to the next.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::{context, Value};
use serde::Deserialize;

use super::super::views::render;
use super::super::{flash, page_context, FormBody};
use super::{purpose_of, purposes};
use crate::auth::Require;
use crate::context::RequestMeta;
use crate::edge::{Path, RecordId};
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::policy::RiderOfficers;
use crate::services::riders::persons;
use crate::state::AppState;

#[derive(Debug, Deserialize, Default)]
pub struct QueueQuery {
    purpose: Option<String>,
    /// The event shown large; the oldest when absent.
    id: Option<String>,
    ok: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    lang: Lang,
    user: Require<RiderOfficers>,
    meta: RequestMeta,
    Query(q): Query<QueueQuery>,
) -> AppResult<Response> {
    let purpose = purpose_of(q.purpose.as_deref());
    let queue = match purpose {
        Some(purpose) => Some(persons::queue(&state, &user, &meta, purpose, 50).await?),
        None => None,
    };
    let wanted = q.id.as_deref().and_then(|s| s.parse::<i64>().ok());
    let (current, next) = match &queue {
        Some(queue) => {
            let at = wanted
                .and_then(|w| queue.items.iter().position(|i| i.event.id == w))
                .unwrap_or(0);
            (
                queue.items.get(at).map(Value::from_serialize),
                queue.items.get(at + 1).map(|i| i.event.id),
            )
        }
        None => (None, None),
    };
    let ctx = page_context(
        lang,
        Some(&user),
        "/riders/matches",
        context! {
            flash => flash(lang, q.ok.as_deref()),
            purposes => purposes(),
            purpose => purpose.map(|p| p.as_str()),
            queue => queue.as_ref().map(Value::from_serialize),
            c => current,
            next => next,
        },
    );
    Ok(render("riders/matches.html", ctx)?.into_response())
}

#[derive(Debug, Deserialize)]
pub struct DecisionForm {
    decision: String,
    #[serde(default)]
    purpose: String,
}

pub async fn decide(
    State(state): State<AppState>,
    user: Require<RiderOfficers>,
    meta: RequestMeta,
    Path(RecordId(event)): Path<RecordId>,
    FormBody(f): FormBody<DecisionForm>,
) -> AppResult<Response> {
    let ok = super::persons::decide(&state, &user, &meta, event, &f.decision).await?;
    let purpose = purpose_of(Some(&f.purpose)).map_or("", |p| p.as_str());
    Ok(Redirect::to(&format!("/riders/matches?purpose={purpose}&ok={ok}")).into_response())
}
