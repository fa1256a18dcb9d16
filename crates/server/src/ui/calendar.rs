//! The working-day calendar page (TIME-01): holidays and make-up days per country, editing for
//! province operators, and a deadline calculator that shows the rule at work.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Datelike;
use minijinja::context;
use roadwarden_domain::org::Country;
use serde::Deserialize;

use super::views::render;
use super::{flash, page_context, FormBody};
use crate::auth::{CurrentUser, Require};
use crate::context::RequestMeta;
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::policy::Admins;
use crate::services::calendar::{self, parse_date, DayInput};
use crate::state::AppState;

#[derive(Debug, Deserialize, Default)]
pub struct CalendarQuery {
    country: Option<String>,
    year: Option<i32>,
    from: Option<String>,
    days: Option<String>,
    ok: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    Query(q): Query<CalendarQuery>,
) -> AppResult<Response> {
    let own_country = calendar::own_country(&state, &user).await?;
    let country = q
        .country
        .as_deref()
        .map(Country::parse)
        .transpose()?
        .unwrap_or(own_country);
    let this_year = state.clock.now().year();
    let year = q.year.unwrap_or(this_year);
    let all_days = calendar::list(&state, country).await?;
    // TIME-01: a year without a table counts every weekday as a working day: say so for this
    // year, the next one and the one shown.
    let covered: std::collections::BTreeSet<i32> = all_days.iter().map(|d| d.date.year()).collect();
    let mut missing_years: Vec<i32> = [this_year, this_year + 1, year]
        .into_iter()
        .filter(|y| !covered.contains(y))
        .collect();
    missing_years.sort_unstable();
    missing_years.dedup();
    let days: Vec<_> = all_days
        .into_iter()
        .filter(|d| d.date.year() == year)
        .map(|d| context! { date => d.date.to_string(), weekday => d.date.weekday().num_days_from_monday(), kind => d.kind.as_str(), name => d.name })
        .collect();
    let deadline = match (
        q.from.as_deref().filter(|s| !s.is_empty()),
        q.days.as_deref(),
    ) {
        (Some(from), Some(n)) => {
            let from = parse_date(from, "from")?;
            let n: u32 = n.trim().parse().map_err(|_| {
                roadwarden_domain::FieldError::new("days", "must be a whole number")
            })?;
            let d = calendar::deadline_for(&state, &user, from, n).await?;
            Some(
                context! { last_day => d.last_day.to_string(), overdue_at => d.overdue_at.to_rfc3339(),
                year_without_table => d.years_without_table.last().copied() },
            )
        }
        _ => None,
    };
    let ctx = page_context(
        lang,
        Some(&user),
        "/calendar",
        context! {
            flash => flash(lang, q.ok.as_deref()),
            country => country.code(),
            year => year,
            days => days,
            may_edit => user.may::<Admins>(),
            from => q.from,
            n => q.days,
            deadline => deadline,
            missing_years => missing_years,
        },
    );
    Ok(render("calendar.html", ctx)?.into_response())
}

#[derive(Debug, Deserialize)]
pub struct DayForm {
    country: String,
    date: String,
    kind: String,
    name: String,
}

pub async fn set_day(
    State(state): State<AppState>,
    admin: Require<Admins>,
    meta: RequestMeta,
    FormBody(form): FormBody<DayForm>,
) -> AppResult<Response> {
    let country = Country::parse(&form.country)?;
    let input = DayInput {
        date: form.date,
        kind: form.kind,
        name: form.name,
    };
    let day = calendar::upsert_day(&state, &admin, &meta, country, &input).await?;
    Ok(Redirect::to(&format!(
        "/calendar?country={}&year={}&ok=day_saved",
        country.code(),
        day.date.year()
    ))
    .into_response())
}

#[derive(Debug, Deserialize)]
pub struct RemoveForm {
    country: String,
    date: String,
}

pub async fn remove_day(
    State(state): State<AppState>,
    admin: Require<Admins>,
    meta: RequestMeta,
    FormBody(form): FormBody<RemoveForm>,
) -> AppResult<Response> {
    let country = Country::parse(&form.country)?;
    calendar::remove_day(&state, &admin, &meta, country, &form.date).await?;
    Ok(Redirect::to(&format!(
        "/calendar?country={}&ok=day_removed",
        country.code()
    ))
    .into_response())
}
