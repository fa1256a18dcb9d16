//! `/api/v1/calendar`: the working-day calendar (TIME-01) and deadline arithmetic.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use roadwarden_domain::org::Country;
use roadwarden_domain::FieldError;
use serde::Deserialize;

use crate::auth::{CurrentUser, Require};
use crate::context::RequestMeta;
use crate::edge::{JsonBody, Path, Query};
use crate::error::AppResult;
use crate::policy::Admins;
use crate::services::calendar::{self, parse_date, DayInput, DeadlineAnswer};
use crate::state::AppState;
use crate::views::org::DayView;

/// The holidays and make-up working days of a country (CN or VN).
#[utoipa::path(get, path = "/api/v1/calendar/{country}", tag = "calendar",
    params(("country" = String, Path, description = "CN or VN")),
    responses((status = 200, body = Vec<DayView>)))]
pub async fn list(
    State(state): State<AppState>,
    _user: CurrentUser,
    Path(country): Path<String>,
) -> AppResult<Json<Vec<DayView>>> {
    let days = calendar::list(&state, Country::parse(&country)?).await?;
    Ok(Json(days.iter().map(DayView::from).collect()))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct DayBody {
    pub kind: String,
    pub name: String,
}

/// Sets one day (province-level operators of that country).
#[utoipa::path(put, path = "/api/v1/calendar/{country}/{date}", tag = "calendar",
    params(("country" = String, Path, description = "CN or VN"),
           ("date" = String, Path, description = "The day, YYYY-MM-DD")), request_body = DayBody,
    responses((status = 200, body = DayView)))]
pub async fn set_day(
    State(state): State<AppState>,
    admin: Require<Admins>,
    meta: RequestMeta,
    Path((country, date)): Path<(String, String)>,
    JsonBody(body): JsonBody<DayBody>,
) -> AppResult<Json<DayView>> {
    let input = DayInput {
        date,
        kind: body.kind,
        name: body.name,
    };
    let day =
        calendar::upsert_day(&state, &admin, &meta, Country::parse(&country)?, &input).await?;
    Ok(Json(DayView::from(&day)))
}

#[utoipa::path(delete, path = "/api/v1/calendar/{country}/{date}", tag = "calendar",
    params(("country" = String, Path, description = "CN or VN"),
           ("date" = String, Path, description = "The day, YYYY-MM-DD")),
    responses((status = 204)))]
pub async fn remove_day(
    State(state): State<AppState>,
    admin: Require<Admins>,
    meta: RequestMeta,
    Path((country, date)): Path<(String, String)>,
) -> AppResult<StatusCode> {
    calendar::remove_day(&state, &admin, &meta, Country::parse(&country)?, &date).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct DeadlineQuery {
    /// The start date (YYYY-MM-DD); it is not counted.
    pub from: String,
    /// Working days to add.
    pub days: String,
}

/// TIME-01: the last day of "`days` working days after `from`" in the caller's unit.
#[utoipa::path(get, path = "/api/v1/deadline", tag = "calendar", params(DeadlineQuery),
    responses((status = 200, body = DeadlineAnswer)))]
pub async fn deadline(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<DeadlineQuery>,
) -> AppResult<Json<DeadlineAnswer>> {
    let from = parse_date(&q.from, "from")?;
    let days: u32 = q
        .days
        .trim()
        .parse()
        .map_err(|_| FieldError::new("days", "must be a whole number"))?;
    Ok(Json(
        calendar::deadline_for(&state, &user, from, days).await?,
    ))
}
