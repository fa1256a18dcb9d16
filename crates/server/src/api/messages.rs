//! `/api/v1/messages`: the person's inbox: what the deadline jobs escalated to their unit and
//! roles (NOT-01, NOT-02f, REV-04, APL-02, SUP-03), warnings, circuit-breaker events and
//! suspensions of their devices (SUP-02..06), rider-task deadlines (RID-10, RID-11).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

use crate::auth::CurrentUser;
use crate::context::RequestMeta;
use crate::edge::{Path, Query, RecordId};
use crate::error::AppResult;
use crate::services::messages::{self, InboxQuery};
use crate::state::AppState;
use crate::views::messages::MessageView;

/// A page of the signed-in person's messages, newest first: unread ones unless `state` says
/// `read` or `all`. `X-Total-Count` says how many match (up to 10,001).
#[utoipa::path(get, path = "/api/v1/messages", tag = "messages", params(InboxQuery),
    responses((status = 200, body = Vec<MessageView>,
        headers(("X-Total-Count" = i64, description = "Matching messages, up to 10,001"))),
        (status = 422)))]
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<InboxQuery>,
) -> AppResult<Response> {
    let page = messages::inbox(&state, &user, &q, "unread").await?;
    Ok((
        [("x-total-count", page.total.to_string())],
        Json(page.messages),
    )
        .into_response())
}

/// Marks a message read (for everyone it was addressed to).
#[utoipa::path(post, path = "/api/v1/messages/{id}/read", tag = "messages",
    params(("id" = i64, Path, description = "The message")),
    responses((status = 204)))]
pub async fn read(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
) -> AppResult<StatusCode> {
    messages::mark_read(&state, &user, &meta, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// How many messages "read all" marked.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReadAll {
    pub marked: u64,
}

/// Marks every unread message of the signed-in person read.
#[utoipa::path(post, path = "/api/v1/messages/read-all", tag = "messages",
    responses((status = 200, body = ReadAll)))]
pub async fn read_all(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
) -> AppResult<Json<ReadAll>> {
    let marked = messages::mark_all_read(&state, &user, &meta).await?;
    Ok(Json(ReadAll { marked }))
}
