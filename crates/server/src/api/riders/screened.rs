//! SHR-04: the screened offenders the recognition system sent in, for the county's e-bike
//! officers to agree with or dispute.

use axum::extract::State;
use axum::Json;
use roadwarden_domain::rider::screened::ScreenedState;
use serde::Deserialize;

use crate::auth::Require;
use crate::context::RequestMeta;
use crate::edge::{JsonBody, Path, Query, RecordId};
use crate::error::AppResult;
use crate::policy::RiderOfficers;
use crate::services::riders::screened::{self, ScreenedDesk, ScreenedView};
use crate::state::AppState;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct ScreenedQuery {
    /// received, agreed or disputed; every state when absent.
    pub state: Option<String>,
    /// The page, from 1 (50 entries a page).
    pub page: Option<i64>,
}

/// SHR-04: the screened entries of the caller's units, counted by state, newest first. ID
/// numbers are masked (the file shows the whole number, for a purpose); each read is audited.
#[utoipa::path(get, path = "/api/v1/rider-screened", tag = "riders", params(ScreenedQuery),
    responses((status = 200, body = ScreenedDesk), (status = 403),
        (status = 422, description = "an unknown state")))]
pub async fn desk(
    State(state): State<AppState>,
    user: Require<RiderOfficers>,
    meta: RequestMeta,
    Query(q): Query<ScreenedQuery>,
) -> AppResult<Json<ScreenedDesk>> {
    let filter = screened::state_filter(q.state.as_deref())?;
    let page = q.page.unwrap_or(1);
    Ok(Json(
        screened::desk(&state, &user, &meta, filter, page).await?,
    ))
}

/// An officer's verdict on a screened entry.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScreenedDecision {
    /// agreed (the file's person is the rider) or disputed.
    pub verdict: String,
    /// Why; required (4 to 500 characters) for a dispute.
    #[serde(default)]
    pub note: String,
}

/// SHR-04: agrees with or disputes a received entry of the caller's units, once. An entry of
/// other units is not found; nothing here changes a tier.
#[utoipa::path(post, path = "/api/v1/rider-screened/{id}/decision", tag = "riders",
    params(("id" = i64, Path)), request_body = ScreenedDecision,
    responses((status = 200, body = ScreenedView), (status = 403), (status = 404),
        (status = 422, description = "already decided, or a dispute without a reason")))]
pub async fn decide(
    State(state): State<AppState>,
    user: Require<RiderOfficers>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    JsonBody(input): JsonBody<ScreenedDecision>,
) -> AppResult<Json<ScreenedView>> {
    let verdict = ScreenedState::parse(&input.verdict)?;
    Ok(Json(
        screened::decide(&state, &user, &meta, id, verdict, &input.note).await?,
    ))
}
