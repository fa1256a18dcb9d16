//! `/api/v1/messages`: what the deadline jobs escalated to the person's unit and roles (NOT-01,
//! NOT-02f, REV-04, APL-02), the same list the overview shows.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;

use crate::auth::CurrentUser;
use crate::context::RequestMeta;
use crate::edge::{Path, RecordId};
use crate::error::AppResult;
use crate::services::messages;
use crate::state::AppState;
use crate::views::messages::MessageView;

/// The unread messages for the signed-in person, newest first.
#[utoipa::path(get, path = "/api/v1/messages", tag = "messages",
    responses((status = 200, body = Vec<MessageView>)))]
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
) -> AppResult<Json<Vec<MessageView>>> {
    Ok(Json(messages::unread_views(&state, &user, 200).await?))
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
