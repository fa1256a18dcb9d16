//! DEV-04: the published list of fixed devices (place, violation types, start date), for
//! anyone, in the unit's language, without internal fields.

use axum::extract::State;
use axum::Json;

use crate::edge::Query;
use crate::error::AppResult;
use crate::services::devices::public::{published, PublicList, PublicQuery};
// The public report form lists violation types the same way (api/public_reports.rs).
pub use crate::services::devices::public::PublicViolation;
use crate::state::AppState;

/// The public JSON feed (no sign-in).
#[utoipa::path(get, path = "/api/v1/public/devices", tag = "public", params(PublicQuery), security(()), responses((status = 200, body = PublicList), (status = 404, description = "no such unit")))]
pub async fn feed(
    State(state): State<AppState>,
    Query(q): Query<PublicQuery>,
) -> AppResult<Json<PublicList>> {
    Ok(Json(published(&state, &q).await?))
}
