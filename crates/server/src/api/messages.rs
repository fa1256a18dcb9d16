//! `/api/v1/messages`: what the deadline jobs escalated to the person's unit and roles (NOT-01,
//! NOT-02f, REV-04, APL-02), the same list the overview shows.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use roadwarden_store::messages::Message;

use super::record_id;
use crate::auth::CurrentUser;
use crate::context::RequestMeta;
use crate::error::AppResult;
use crate::services::messages;
use crate::state::AppState;

/// The unread messages for the signed-in person, newest first.
#[utoipa::path(get, path = "/api/v1/messages", tag = "messages",
    responses((status = 200, body = Vec<Object>)))]
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
) -> AppResult<Json<Vec<Message>>> {
    let mut tx = state.store.begin_read().await?;
    let rows = messages::unread(&mut tx, &user, 200).await?;
    drop(tx);
    Ok(Json(rows))
}

/// Marks a message read (for everyone it was addressed to).
#[utoipa::path(post, path = "/api/v1/messages/{id}/read", tag = "messages",
    responses((status = 204)))]
pub async fn read(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    let id = record_id("id", &id)?;
    messages::mark_read(&state, &user, &meta, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
