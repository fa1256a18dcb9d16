//! Issue 16 items 6 and 7 over the API: the monthly supervision reports and the cockpit's
//! figures as JSON, the same data the pages, workbooks and wall screen are drawn from. Cells
//! say what they are (`{"t":"count","v":3}`, `{"t":"key","v":"rpt.total"}`): an integrator
//! translates keys with its own strings or reads the page in the language it wants.

use axum::extract::State;
use axum::Json;
use serde::Deserialize;

use crate::auth::Require;
use crate::edge::{Path, Query};
use crate::error::AppResult;
use crate::policy::{CockpitViewers, ReportReaders};
use crate::services::cockpit::{self, Scope, Snapshot};
use crate::services::reports::{self, Kind, Report};
use crate::state::AppState;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct MonthQuery {
    /// `YYYY-MM` in your unit's time zone; the current month when left out.
    #[serde(default)]
    pub month: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/reports/{kind}", tag = "supervision",
    params(("kind" = Kind, Path, description = "device, review, objections or checks"), MonthQuery),
    responses((status = 200, body = Report),
        (status = 422, description = "an unknown kind or a month not like 2026-10", body = crate::error::ErrorEnvelope)))]
pub async fn monthly(
    State(state): State<AppState>,
    user: Require<ReportReaders>,
    Path(kind): Path<Kind>,
    Query(q): Query<MonthQuery>,
) -> AppResult<Json<Report>> {
    Ok(Json(
        reports::build(&state, &user, kind, q.month.as_deref()).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/cockpit", tag = "supervision",
    responses((status = 200, description = "the figures of the cockpit over your units, now", body = Snapshot)))]
pub async fn cockpit_now(
    State(state): State<AppState>,
    user: Require<CockpitViewers>,
) -> AppResult<Json<Snapshot>> {
    Ok(Json(cockpit::snapshot(&state, &Scope::of(&user)).await?))
}
