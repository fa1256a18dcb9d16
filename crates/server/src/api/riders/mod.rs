//! The e-bike programme through the API: the capture points' events (`intake`, RID-01,
//! RID-03) and the desk (RID-05..11, SEC-08): rider files read for a purpose, the identity
//! acts, the task loop and the face base library import.

pub mod intake;
pub mod library;
pub mod outbox;
pub mod persons;
pub mod screened;
pub mod tasks;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

use crate::state::AppState;

/// The routes under `/api/v1`, merged by `api::router`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/riders", get(persons::list))
        .route("/riders/merge", post(persons::merge))
        .route("/riders/{id}", get(persons::show))
        .route("/riders/{id}/confirm", post(persons::confirm_person))
        .route("/riders/{id}/split", post(persons::split))
        .route("/rider-matches", get(persons::queue))
        .route("/rider-events/{id}/confirm", post(persons::confirm_match))
        .route("/rider-events/{id}/reject", post(persons::reject_match))
        .route("/rider-events/{id}/photos/{kind}", get(persons::photo))
        .route("/rider-library", post(library::import))
        .route("/rider-tasks", get(tasks::board))
        .route("/rider-tasks/{id}/accept", post(tasks::accept))
        .route("/rider-tasks/{id}/report", post(tasks::report))
        .route("/rider-tasks/{id}/pass", post(tasks::pass))
        .route("/rider-tasks/{id}/send-back", post(tasks::send_back))
        .route("/rider-tasks/{id}/photos/{n}", get(tasks::photo))
        .route("/rider-assessment", get(tasks::assessment))
        .route("/rider-outside-requests", get(outbox::outbox))
        .route("/rider-screened", get(screened::desk))
        .route("/rider-screened/{id}/decision", post(screened::decide))
        .route(
            "/rider-outside-requests/{id}/requeue",
            post(persons::requeue_outside),
        )
}

/// A photo answered to a person: private to their browser, kept a few minutes.
pub(crate) fn jpeg(bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/jpeg"),
            (header::CACHE_CONTROL, "private, max-age=300"),
        ],
        bytes,
    )
        .into_response()
}
