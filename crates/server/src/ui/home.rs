//! The start page: who I am, my unit, what needs my attention.

use axum::extract::Path;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Duration;
use minijinja::context;
use roadwarden_store::audit::AuditFilter;
use roadwarden_store::{calendar, captures, sessions, units, users};
use serde::Deserialize;

use super::views::render;
use super::{flash, page_context, FormBody};
use crate::auth::CurrentUser;
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::policy::{AuditReaders, ReviewOverseers, Reviewers};
use crate::services::audit;
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
    let now = state.clock.now();
    let mut tx = state.store.begin_read().await?;
    let unit = units::get(&mut tx, user.user.unit_id).await?;
    let (_, unit_count) =
        units::list_in_scope(&mut tx, user.scope(), &Default::default(), 1, 0).await?;
    let (_, user_count) =
        users::list_in_scope(&mut tx, user.scope(), &Default::default(), 1, 0).await?;
    let my_sessions = sessions::list_live(&mut tx, user.user.id, now).await?;
    let country = unit.as_ref().map(|u| u.country);
    let upcoming: Vec<_> = match country {
        Some(c) => calendar::list(&mut tx, c)
            .await?
            .into_iter()
            .filter(|d| d.date >= now.date_naive())
            .take(6)
            .collect(),
        None => Vec::new(),
    };
    // REV-01: the escalation reaches the unit head (and supervisors and reviewers) here.
    let overdue_reviews = if user.may::<ReviewOverseers>() {
        Some(captures::overdue_in_scope(&mut tx, user.scope(), now).await?)
    } else {
        None
    };
    // NOT-01, NOT-02f, REV-04, APL-02: what the deadline jobs escalated to this person's unit
    // and roles.
    let messages = crate::services::messages::unread(&mut tx, &user, 50).await?;
    drop(tx);
    let max_age = state.settings.security.password_max_age_days;
    let password_days_left = (max_age > 0)
        .then(|| (user.user.password_changed_at + Duration::days(max_age) - now).num_days());
    let recent = if user.may::<AuditReaders>() {
        audit::list(&state, &user, &AuditFilter::default(), 8).await?
    } else {
        Vec::new()
    };
    let ctx = page_context(
        lang,
        Some(&user),
        "/",
        context! {
            flash => flash(lang, q.ok.as_deref()),
            unit => unit,
            unit_count => unit_count,
            user_count => user_count,
            sessions => my_sessions,
            current_session => user.session_id,
            upcoming => upcoming,
            password_days_left => password_days_left,
            recent => recent,
            overdue_reviews => overdue_reviews,
            messages => messages,
            can_review => user.may::<Reviewers>(),
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
    Path(id): Path<i64>,
    FormBody(_form): FormBody<ReadForm>,
) -> AppResult<Response> {
    crate::services::messages::mark_read(&state, &user, &meta, id).await?;
    Ok(Redirect::to("/?ok=message_read").into_response())
}
