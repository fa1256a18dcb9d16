//! The e-bike programme's pages (RID-05..11, SEC-08): the rider list by tier with search, the
//! person file with the identity acts, the queue of uncertain matches with keyboard decisions,
//! the task board for villages and grid workers (usable on a phone), the face base library
//! import and the township's assessment. Every page goes through `services::riders`, as the
//! API does; a read of rider data first asks what it serves (SEC-08).

mod library;
mod matches;
mod outbox;
mod persons;
mod public;
mod screened;
mod tasks;

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;

use crate::services::riders::Purpose;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/riders", get(persons::list_page))
        .route("/riders/merge", post(persons::merge))
        .route("/riders/matches", get(matches::page))
        .route("/riders/matches/{event}/decision", post(matches::decide))
        .route("/riders/library", get(library::page).post(library::import))
        .route("/riders/tasks", get(tasks::board_page))
        .route("/riders/tasks/{id}/accept", post(tasks::accept))
        .route("/riders/tasks/{id}/report", post(tasks::report))
        .route("/riders/tasks/{id}/evaluate", post(tasks::evaluate))
        .route("/riders/assessment", get(tasks::assessment_page))
        .route("/riders/outbox", get(outbox::page))
        .route("/riders/outbox/{id}/requeue", post(outbox::requeue))
        .route("/riders/screened", get(screened::page))
        .route("/riders/screened/{id}/decision", post(screened::decide))
        .route("/riders/surveys", get(public::surveys_page))
        .route("/public/riders", get(public::page_get))
        .route("/public/riders/code", post(public::send_code))
        .route("/public/riders/verify", post(public::verify))
        .route("/public/riders/sign-out", post(public::sign_out))
        .route(
            "/public/riders/events/{id}/photos/{kind}",
            get(public::photo),
        )
        .route("/public/riders/quiz", post(public::quiz_start))
        .route("/public/riders/quiz/{id}", post(public::quiz_answer))
        .route("/public/riders/survey", post(public::survey_give))
        .route("/riders/{id}", get(persons::file_page))
        .route("/riders/{id}/confirm", post(persons::confirm))
        .route(
            "/riders/outside/{id}/requeue",
            post(persons::requeue_outside),
        )
        .route("/riders/{id}/split", post(persons::split))
        .route(
            "/riders/{id}/events/{event}/decision",
            post(persons::event_decision),
        )
        .route("/static/riders.js", get(script))
        .route("/static/riders.css", get(style))
}

async fn style() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../../static/riders.css"),
    )
}

/// The desk's keyboard and upload-progress script (no inline scripts: the CSP allows 'self').
async fn script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../../static/riders.js"),
    )
}

/// The purposes a page offers (SEC-08).
fn purposes() -> Vec<&'static str> {
    Purpose::ALL.iter().map(|p| p.as_str()).collect()
}

/// The purpose a page was asked with, if any and known; the page asks for one otherwise.
fn purpose_of(raw: Option<&str>) -> Option<Purpose> {
    raw.and_then(|r| Purpose::named(Some(r)).ok())
}
