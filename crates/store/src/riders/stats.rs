//! RID-07: frequency statistics of rider events by place, capture point, day and person (with
//! a count range), and the pages the nightly tier rebuild reads (tiers fall as windows roll).

use chrono::{DateTime, Utc};
use roadwarden_domain::org::UnitPath;
use roadwarden_domain::rider::{MatchState, RiderTier};
use roadwarden_domain::RiderPersonId;

use crate::{on, path_range, Backend, Result, Tx};

/// The most groups one statistic returns.
pub const MAX_GROUPS: i64 = 1_000;
/// The most persons one rebuild page holds.
pub const MAX_REBUILD_PAGE: i64 = 1_000;

/// What events are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    Place,
    Device,
    /// The calendar day at this offset from UTC, in minutes (+480 for China and +420 for
    /// Viet Nam, neither of which keeps summer time).
    Day {
        utc_offset_minutes: i32,
    },
}

/// RID-07: confirmed events from points in `scope` in `[from, to)`, counted per group,
/// largest first (days in date order), at most [`MAX_GROUPS`].
pub async fn frequency(
    tx: &mut Tx,
    scope: &UnitPath,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    group: GroupBy,
) -> Result<Vec<(String, i64)>> {
    let (low, high) = path_range(scope.as_str());
    let (key, order) = match (group, tx.backend()) {
        (GroupBy::Place, _) => ("e.place".to_owned(), "2 DESC, 1"),
        (GroupBy::Device, _) => ("d.number".to_owned(), "2 DESC, 1"),
        (GroupBy::Day { utc_offset_minutes }, Backend::Sqlite) => (
            format!(
                "date(e.occurred_at, '{:+} minutes')",
                utc_offset_minutes.clamp(-900, 900)
            ),
            "1",
        ),
        (GroupBy::Day { utc_offset_minutes }, Backend::Postgres) => (
            format!(
                "to_char((e.occurred_at AT TIME ZONE 'UTC') + interval '{} minutes', 'YYYY-MM-DD')",
                utc_offset_minutes.clamp(-900, 900)
            ),
            "1",
        ),
    };
    let sql = format!(
        "SELECT {key}, COUNT(*) FROM rider_events e JOIN devices d ON d.id = e.device_id \
         JOIN units n ON n.id = e.unit_id \
         WHERE n.path >= $1 AND n.path < $2 AND e.occurred_at >= $3 AND e.occurred_at < $4 \
         AND e.match_state = $5 GROUP BY {key} ORDER BY {order} LIMIT $6"
    );
    Ok(
        on!(tx, c => sqlx::query_as(&sql).bind(&low).bind(&high).bind(from).bind(to)
        .bind(MatchState::Matched.as_str()).bind(MAX_GROUPS).fetch_all(c).await?),
    )
}

/// RID-07: persons of `scope` with between `min` and `max` confirmed events in `[from, to)`,
/// most events first, at most [`MAX_GROUPS`].
pub async fn persons_by_count(
    tx: &mut Tx,
    scope: &UnitPath,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    min: i64,
    max: i64,
) -> Result<Vec<(RiderPersonId, i64)>> {
    let (low, high) = path_range(scope.as_str());
    let sql = "SELECT e.person_id, COUNT(*) FROM rider_events e \
        JOIN rider_persons p ON p.id = e.person_id \
        WHERE p.unit_path >= $1 AND p.unit_path < $2 AND e.occurred_at >= $3 \
        AND e.occurred_at < $4 AND e.match_state = $5 \
        GROUP BY e.person_id HAVING COUNT(*) >= $6 AND COUNT(*) <= $7 \
        ORDER BY 2 DESC, 1 LIMIT $8";
    let rows: Vec<(i64, i64)> = on!(tx, c => sqlx::query_as(sql).bind(&low).bind(&high)
        .bind(from).bind(to).bind(MatchState::Matched.as_str()).bind(min).bind(max)
        .bind(MAX_GROUPS).fetch_all(c).await?);
    Ok(rows
        .into_iter()
        .map(|(p, n)| (RiderPersonId(p), n))
        .collect())
}

/// A person the nightly rebuild looks at: their stored tier and last education.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TierRow {
    pub id: RiderPersonId,
    pub tier: RiderTier,
    pub last_education_at: Option<DateTime<Utc>>,
}

/// RID-08: persons above clear with ids after `after` (0 to start), in id order: without a
/// new event a tier can only fall, so only these need the nightly recompute.
pub async fn tiered_page(tx: &mut Tx, after: i64, limit: i64) -> Result<Vec<TierRow>> {
    let sql = "SELECT id, tier, last_education_at FROM rider_persons \
        WHERE tier <> $1 AND id > $2 AND merged_into IS NULL ORDER BY id LIMIT $3";
    let rows: Vec<(i64, String, Option<DateTime<Utc>>)> = on!(tx, c => sqlx::query_as(sql)
        .bind(RiderTier::Clear.as_str()).bind(after).bind(limit.clamp(1, MAX_REBUILD_PAGE))
        .fetch_all(c).await?);
    rows.into_iter()
        .map(|(id, tier, last_education_at)| {
            Ok(TierRow {
                id: RiderPersonId(id),
                tier: RiderTier::parse(&tier).map_err(crate::StoreError::corrupt)?,
                last_education_at,
            })
        })
        .collect()
}

/// RID-08: the confirmed event times after `since` of the persons with ids in
/// `(after, up_to]`, grouped by person (ORDER BY person): one query for a rebuild page.
/// Events from a point in trial never count (DEV-05).
pub async fn tier_times_between(
    tx: &mut Tx,
    after: i64,
    up_to: i64,
    since: DateTime<Utc>,
) -> Result<Vec<(RiderPersonId, DateTime<Utc>)>> {
    let sql = "SELECT person_id, occurred_at FROM rider_events \
        WHERE person_id > $1 AND person_id <= $2 AND match_state = $3 AND occurred_at > $4 \
        AND usage = $5 ORDER BY person_id, occurred_at";
    let rows: Vec<(i64, DateTime<Utc>)> = on!(tx, c => sqlx::query_as(sql).bind(after)
        .bind(up_to).bind(MatchState::Matched.as_str()).bind(since)
        .bind(roadwarden_domain::device::CaptureUse::Enforce.as_str()).fetch_all(c).await?);
    Ok(rows
        .into_iter()
        .map(|(p, at)| (RiderPersonId(p), at))
        .collect())
}
