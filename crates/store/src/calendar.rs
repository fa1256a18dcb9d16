//! TIME-01: the holiday and make-up-workday table per country, editable by administrators.

use chrono::{DateTime, NaiveDate, Utc};
use roadwarden_domain::calendar::{Calendar, CalendarFile, DayKind, SpecialDay};
use roadwarden_domain::org::Country;

use crate::{on, Result, StoreError, Tx};

pub async fn list(tx: &mut Tx, country: Country) -> Result<Vec<SpecialDay>> {
    let sql = "SELECT day, kind, name FROM calendar_days WHERE country = $1 ORDER BY day";
    let rows: Vec<(NaiveDate, String, String)> =
        on!(tx, c => sqlx::query_as(sql).bind(country.code()).fetch_all(c).await?);
    rows.into_iter()
        .map(|(date, kind, name)| {
            Ok(SpecialDay {
                date,
                kind: DayKind::parse(&kind).map_err(StoreError::corrupt)?,
                name,
            })
        })
        .collect()
}

/// The country's calendar, ready for deadline arithmetic.
pub async fn load(tx: &mut Tx, country: Country) -> Result<Calendar> {
    Ok(Calendar::from_special_days(&list(tx, country).await?))
}

/// Adds or replaces one day.
pub async fn upsert(
    tx: &mut Tx,
    country: Country,
    day: &SpecialDay,
    now: DateTime<Utc>,
) -> Result<()> {
    let sql = "INSERT INTO calendar_days (country, day, kind, name, updated_at) \
        VALUES ($1, $2, $3, $4, $5) \
        ON CONFLICT (country, day) DO UPDATE SET kind = $3, name = $4, updated_at = $5";
    on!(tx, c => sqlx::query(sql)
        .bind(country.code()).bind(day.date).bind(day.kind.as_str()).bind(&day.name).bind(now)
        .execute(c).await?.rows_affected());
    Ok(())
}

/// Removes one day; it reverts to the weekday rule. Returns whether it existed.
pub async fn remove(tx: &mut Tx, country: Country, date: NaiveDate) -> Result<bool> {
    let sql = "DELETE FROM calendar_days WHERE country = $1 AND day = $2";
    Ok(
        on!(tx, c => sqlx::query(sql).bind(country.code()).bind(date)
        .execute(c).await?.rows_affected())
            > 0,
    )
}

/// Loads a shipped calendar file for a country whose table is still empty. Returns the
/// number of days loaded.
pub async fn seed_if_empty(tx: &mut Tx, file: &CalendarFile, now: DateTime<Utc>) -> Result<usize> {
    let existing: i64 = on!(tx, c => sqlx::query_scalar(
        "SELECT COUNT(*) FROM calendar_days WHERE country = $1")
        .bind(file.country.code()).fetch_one(c).await?);
    if existing > 0 {
        return Ok(0);
    }
    for day in &file.days {
        upsert(tx, file.country, day, now).await?;
    }
    Ok(file.days.len())
}
