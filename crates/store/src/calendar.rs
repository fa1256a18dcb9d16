//! TIME-01: the holiday and make-up-workday table per country, editable by administrators.

use chrono::{DateTime, NaiveDate, Utc};
use roadwarden_domain::calendar::{
    merge_shipped, Calendar, CalendarFile, DayKind, DaySource, MergeStep, SpecialDay,
};
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

/// The country's days with where each came from (shipped or a local edit).
pub async fn list_with_source(
    tx: &mut Tx,
    country: Country,
) -> Result<Vec<(SpecialDay, DaySource)>> {
    let sql = "SELECT day, kind, name, source FROM calendar_days WHERE country = $1 ORDER BY day";
    let rows: Vec<(NaiveDate, String, String, String)> =
        on!(tx, c => sqlx::query_as(sql).bind(country.code()).fetch_all(c).await?);
    rows.into_iter()
        .map(|(date, kind, name, source)| {
            Ok((
                SpecialDay {
                    date,
                    kind: DayKind::parse(&kind).map_err(StoreError::corrupt)?,
                    name,
                },
                DaySource::parse(&source).map_err(StoreError::corrupt)?,
            ))
        })
        .collect()
}

/// Adds or replaces one day: a person's edit (`upsert`) or a shipped table (`merge`).
async fn write_day(
    tx: &mut Tx,
    country: Country,
    day: &SpecialDay,
    source: DaySource,
    now: DateTime<Utc>,
) -> Result<()> {
    let sql = "INSERT INTO calendar_days (country, day, kind, name, updated_at, source) \
        VALUES ($1, $2, $3, $4, $5, $6) \
        ON CONFLICT (country, day) DO UPDATE SET kind = $3, name = $4, updated_at = $5, source = $6";
    on!(tx, c => sqlx::query(sql)
        .bind(country.code()).bind(day.date).bind(day.kind.as_str()).bind(&day.name).bind(now)
        .bind(source.as_str())
        .execute(c).await?.rows_affected());
    Ok(())
}

/// Adds or replaces one day, as a person's edit: shipped tables never overwrite it.
pub async fn upsert(
    tx: &mut Tx,
    country: Country,
    day: &SpecialDay,
    now: DateTime<Utc>,
) -> Result<()> {
    write_day(tx, country, day, DaySource::Local, now).await?;
    let sql = "DELETE FROM calendar_removed WHERE country = $1 AND day = $2";
    on!(tx, c => sqlx::query(sql).bind(country.code()).bind(day.date)
        .execute(c).await?.rows_affected());
    Ok(())
}

/// Removes one day, as a person's edit; it reverts to the weekday rule and shipped tables
/// never bring it back. Returns whether it existed.
pub async fn remove(
    tx: &mut Tx,
    country: Country,
    date: NaiveDate,
    now: DateTime<Utc>,
) -> Result<bool> {
    let sql = "DELETE FROM calendar_days WHERE country = $1 AND day = $2";
    let existed = on!(tx, c => sqlx::query(sql).bind(country.code()).bind(date)
        .execute(c).await?.rows_affected())
        > 0;
    if existed {
        let sql = "INSERT INTO calendar_removed (country, day, removed_at) VALUES ($1, $2, $3) \
            ON CONFLICT (country, day) DO NOTHING";
        on!(tx, c => sqlx::query(sql).bind(country.code()).bind(date).bind(now)
            .execute(c).await?.rows_affected());
    }
    Ok(existed)
}

/// The days a person removed.
pub async fn removed(tx: &mut Tx, country: Country) -> Result<Vec<NaiveDate>> {
    let sql = "SELECT day FROM calendar_removed WHERE country = $1 ORDER BY day";
    Ok(on!(tx, c => sqlx::query_scalar(sql).bind(country.code()).fetch_all(c).await?))
}

/// What a merge of a shipped table changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MergeReport {
    pub added: usize,
    pub updated: usize,
    pub removed: usize,
}

/// TIME-01: brings a shipped table into the installation: days it never had are added, shipped
/// days follow the newer table; days a person added, changed or removed stay as they are
/// (`domain::calendar::merge_shipped`).
pub async fn merge(tx: &mut Tx, file: &CalendarFile, now: DateTime<Utc>) -> Result<MergeReport> {
    let installed = list_with_source(tx, file.country).await?;
    let removed_days = removed(tx, file.country).await?;
    let mut report = MergeReport::default();
    for step in merge_shipped(&file.days, &installed, &removed_days) {
        match step {
            MergeStep::Add(day) => {
                write_day(tx, file.country, &day, DaySource::Shipped, now).await?;
                report.added += 1;
            }
            MergeStep::Update(day) => {
                write_day(tx, file.country, &day, DaySource::Shipped, now).await?;
                report.updated += 1;
            }
            MergeStep::Remove(date) => {
                let sql = "DELETE FROM calendar_days WHERE country = $1 AND day = $2 \
                    AND source = 'shipped'";
                on!(tx, c => sqlx::query(sql).bind(file.country.code()).bind(date)
                    .execute(c).await?.rows_affected());
                report.removed += 1;
            }
        }
    }
    Ok(report)
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
