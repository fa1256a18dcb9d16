//! The start page: who I am, my unit, what needs my attention.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;

use super::views::render;
use super::{flash, page_context, FormBody};
use crate::auth::CurrentUser;
use crate::edge::{Path, RecordId};
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::policy::{AccountReaders, Reviewers};
use crate::services::home;
use crate::state::AppState;

#[derive(Debug, Deserialize, Default)]
pub struct HomeQuery {
    ok: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Query(q): Query<HomeQuery>,
) -> AppResult<Response> {
    let o = home::overview(&state, &user).await?;
    let ctx = page_context(
        lang,
        Some(&user),
        "/",
        context! {
            flash => flash(lang, q.ok.as_deref()),
            unit => o.unit,
            unit_count => o.unit_count,
            user_count => o.user_count,
            sessions => o.sessions,
            current_session => user.session_id,
            upcoming => o.upcoming,
            password_days_left => o.password_days_left,
            recent => o.recent,
            work => o.work,
            overdue_reviews => o.overdue_reviews,
            messages => o.messages,
            can_review => user.may::<Reviewers>(),
            can_see_accounts => user.may::<AccountReaders>(),
        },
    );
    Ok(render("home.html", ctx)?.into_response())
}

#[derive(Debug, Deserialize)]
pub struct ReadForm {}

/// Marks a message of the overview read.
pub async fn mark_read(
    State(state): State<AppState>,
    meta: crate::context::RequestMeta,
    user: CurrentUser,
    Path(RecordId(id)): Path<RecordId>,
    FormBody(_form): FormBody<ReadForm>,
) -> AppResult<Response> {
    crate::services::messages::mark_read(&state, &user, &meta, id).await?;
    Ok(Redirect::to("/?ok=message_read").into_response())
}
