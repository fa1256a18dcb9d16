//! TIME-01: viewing and editing the working-day calendar of a country.

use chrono::{Datelike, NaiveDate};
use roadwarden_domain::calendar::{working_day_deadline, DayKind, Deadline, SpecialDay};
use roadwarden_domain::codes::Code;
use roadwarden_domain::org::{Country, Level};
use roadwarden_domain::FieldError;
use roadwarden_store::{calendar, units};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::audit::{record, Actor, Event};
use crate::auth::Principal;
use crate::context::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::services::context::ServiceContext;

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct DayInput {
    /// YYYY-MM-DD.
    pub date: String,
    /// holiday or workday (a make-up working day on a weekend).
    pub kind: String,
    pub name: String,
}

pub fn parse_date(raw: &str, field: &'static str) -> Result<NaiveDate, FieldError> {
    roadwarden_domain::calendar::parse_date(field, raw)
}

pub async fn list(ctx: &ServiceContext, country: Country) -> AppResult<Vec<SpecialDay>> {
    let mut tx = ctx.store.begin_read().await?;
    Ok(calendar::list(&mut tx, country).await?)
}

/// The country of the person's own unit: the calendar a page shows first.
pub async fn own_country(ctx: &ServiceContext, principal: &Principal) -> AppResult<Country> {
    let mut tx = ctx.store.begin_read().await?;
    Ok(units::get(&mut tx, principal.user.unit_id)
        .await?
        .map_or(Country::China, |u| u.country))
}

/// A country's calendar is national: it is edited by an operator of a province-level unit
/// of that country.
async fn check_may_edit(
    ctx: &ServiceContext,
    principal: &Principal,
    country: Country,
) -> AppResult<()> {
    let mut tx = ctx.store.begin_read().await?;
    let unit = units::get(&mut tx, principal.user.unit_id)
        .await?
        .ok_or(AppError::NotFound("unit"))?;
    if unit.country != country || unit.level != Level::Province {
        return Err(AppError::forbidden(
            Code::CalendarNotProvinceOperator,
            "the calendar is edited by an operator of a province-level unit of that country",
        ));
    }
    Ok(())
}

pub async fn upsert_day(
    ctx: &ServiceContext,
    principal: &Principal,
    meta: &RequestMeta,
    country: Country,
    input: &DayInput,
) -> AppResult<SpecialDay> {
    let day = SpecialDay {
        date: parse_date(&input.date, "date")?,
        kind: DayKind::parse(&input.kind)?,
        name: {
            let n = input.name.trim();
            if n.is_empty() || n.chars().count() > 64 {
                return Err(FieldError::new("name", "is required, at most 64 characters").into());
            }
            n.to_owned()
        },
    };
    check_may_edit(ctx, principal, country).await?;
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    calendar::upsert(&mut tx, country, &day, now).await?;
    record(
        &mut tx,
        &Actor::user(principal, meta),
        Event {
            action: "calendar.set_day",
            object_type: "calendar",
            object_id: format!("{}:{}", country.code(), day.date),
            unit_id: Some(principal.user.unit_id),
            detail: json!({ "kind": day.kind.as_str(), "name": day.name }),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    ctx.calendars.clear();
    Ok(day)
}

pub async fn remove_day(
    ctx: &ServiceContext,
    principal: &Principal,
    meta: &RequestMeta,
    country: Country,
    date: &str,
) -> AppResult<()> {
    let date = parse_date(date, "date")?;
    check_may_edit(ctx, principal, country).await?;
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    if !calendar::remove(&mut tx, country, date, now).await? {
        return Err(AppError::NotFound("calendar day"));
    }
    record(
        &mut tx,
        &Actor::user(principal, meta),
        Event {
            action: "calendar.remove_day",
            object_type: "calendar",
            object_id: format!("{}:{date}", country.code()),
            unit_id: Some(principal.user.unit_id),
            detail: json!({}),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    ctx.calendars.clear();
    Ok(())
}

/// TIME-01: the shipped tables reach every installation at start, not only an empty one: days
/// and years it never had are added and shipped days follow corrections, while days a person
/// added, changed or removed stay as they are. Each merge into a table in use is an audit entry.
pub async fn merge_shipped_tables(
    store: &roadwarden_store::Store,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<()> {
    use roadwarden_domain::calendar::{CalendarFile, SHIPPED_CALENDARS};
    let mut tx = store.begin().await?;
    for text in SHIPPED_CALENDARS {
        let file =
            CalendarFile::parse(text).map_err(|e| anyhow::anyhow!("shipped calendar: {e}"))?;
        let first_seeding = calendar::list(&mut tx, file.country).await?.is_empty();
        let merged = calendar::merge(&mut tx, &file, now).await?;
        // The first seeding of an empty table is part of installing, as it always was.
        if merged == calendar::MergeReport::default() || first_seeding {
            continue;
        }
        tracing::info!(
            country = file.country.code(),
            ?merged,
            "shipped calendar merged"
        );
        record(
            &mut tx,
            &Actor::system(),
            Event {
                action: "calendar.shipped_merge",
                object_type: "calendar",
                object_id: file.country.code().to_owned(),
                unit_id: None,
                detail: json!({ "added": merged.added, "updated": merged.updated,
                                "removed": merged.removed }),
            },
            now,
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    }
    tx.commit().await?;
    Ok(())
}

/// A deadline as the calendar page and `/api/v1/deadline` answer it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DeadlineAnswer {
    /// The last day on which the step may be done.
    pub last_day: NaiveDate,
    /// The instant it becomes overdue (local midnight after the last day, in UTC).
    pub overdue_at: chrono::DateTime<chrono::Utc>,
    /// Years the count ran through that have no holiday table: every weekday of them counted
    /// as a working day, which is almost certainly wrong (TIME-01).
    pub years_without_table: Vec<i32>,
}

/// The years a deadline may be asked about: the tables ship for the years around now, and a
/// date far outside them is a typing mistake, not a deadline.
const DEADLINE_YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// TIME-01 made visible: "N working days after this date" for the person's own unit.
pub async fn deadline_for(
    ctx: &ServiceContext,
    principal: &Principal,
    from: NaiveDate,
    days: u32,
) -> AppResult<DeadlineAnswer> {
    if days > 366 {
        return Err(FieldError::new("days", "must be at most 366").into());
    }
    if !DEADLINE_YEARS.contains(&from.year()) {
        return Err(FieldError::new("from", "must be a date between 2000 and 2100").into());
    }
    let mut tx = ctx.store.begin_read().await?;
    let unit = units::get(&mut tx, principal.user.unit_id)
        .await?
        .ok_or(AppError::NotFound("unit"))?;
    let cal = calendar::load(&mut tx, unit.country).await?;
    let tz = unit.tz();
    let start =
        roadwarden_domain::calendar::start_of_local_day(from, tz) + chrono::Duration::hours(12);
    let d: Deadline = working_day_deadline(start, days, &cal, tz);
    Ok(DeadlineAnswer {
        last_day: d.last_day,
        overdue_at: d.overdue_at,
        years_without_table: (from.year()..=d.last_day.year())
            .filter(|y| !cal.covers_year(*y))
            .collect(),
    })
}
