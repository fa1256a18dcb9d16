//! RID-10, SHR-04: the outbox of requests to outside systems, for the county's e-bike
//! officers.

use axum::extract::State;
use axum::Json;
use serde::Deserialize;

use crate::auth::Require;
use crate::context::RequestMeta;
use crate::edge::Query;
use crate::error::AppResult;
use crate::policy::RiderOfficers;
use crate::services::outside::{outbox as outbox_of, outbox_filter, Outbox};
use crate::state::AppState;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct OutboxQuery {
    /// queued, sent, acknowledged or failed; every state when absent.
    pub state: Option<String>,
    /// civility_credit, party_index or grassroots; every system when absent.
    pub system: Option<String>,
    /// The page, from 1 (50 requests a page).
    pub page: Option<i64>,
}

/// RID-10, SHR-04: the requests to outside systems about the caller's units, counted by
/// system and state, newest first.
#[utoipa::path(get, path = "/api/v1/rider-outside-requests", tag = "riders", params(OutboxQuery),
    responses((status = 200, body = Outbox), (status = 403),
        (status = 422, description = "an unknown state or system")))]
pub async fn outbox(
    State(state): State<AppState>,
    user: Require<RiderOfficers>,
    meta: RequestMeta,
    Query(q): Query<OutboxQuery>,
) -> AppResult<Json<Outbox>> {
    let filter = outbox_filter(q.state.as_deref(), q.system.as_deref())?;
    let page = q.page.unwrap_or(1);
    Ok(Json(outbox_of(&state, &user, &meta, filter, page).await?))
}
