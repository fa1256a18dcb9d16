//! RID-13: the cockpit's figures, each one count on an indexed range over the unit subtree or
//! a sum of the hour counts that triggers keep (migrations 0034, 0035), so a refresh at a province
//! scope stays cheap; and whether a session is still live (the cockpit's event stream ends
//! with its session).

use chrono::{DateTime, DurationRound, NaiveDate, Utc};
use serde::Serialize;

use crate::{on, path_range, Result, Tx};

/// A count under a name (a state, a kind).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Named {
    pub name: String,
    pub n: i64,
}

/// Devices managed in `scope` by state.
pub async fn devices_by_state(tx: &mut Tx, scope: &str) -> Result<Vec<Named>> {
    let (low, high) = path_range(scope);
    let sql = "SELECT state AS name, COUNT(*) AS n FROM devices \
        WHERE unit_path >= $1 AND unit_path < $2 GROUP BY state ORDER BY state";
    Ok(on!(tx, c => sqlx::query_as(sql).bind(&low).bind(&high).fetch_all(c).await?))
}

/// The UTC hour `t` falls in, as the counter tables key it (`YYYY-MM-DDTHH`), and its start.
fn utc_hour(t: DateTime<Utc>) -> (String, DateTime<Utc>) {
    let start = t.duration_trunc(chrono::Duration::hours(1)).unwrap_or(t);
    (start.format("%Y-%m-%dT%H").to_string(), start)
}

/// Captures taken since `since` by devices managed in `scope`: whole hours from the per-device
/// hour groups (migration 0035), and the part of an hour before them, if `since` is not on
/// the hour, counted through the per-device index.
pub async fn captures_since(tx: &mut Tx, scope: &str, since: DateTime<Utc>) -> Result<i64> {
    let (low, high) = path_range(scope);
    let (hour, start) = utc_hour(since);
    let counted = "SELECT CAST(COALESCE(SUM(h.n), 0) AS BIGINT) FROM capture_hour_groups h \
        JOIN devices d ON d.id = h.device_id \
        WHERE d.unit_path >= $1 AND d.unit_path < $2 AND h.hour >= $3";
    if start == since {
        return Ok(on!(tx, c => sqlx::query_scalar(counted)
            .bind(&low).bind(&high).bind(&hour).fetch_one(c).await?));
    }
    let next = utc_hour(start + chrono::Duration::hours(1)).0;
    let whole: i64 = on!(tx, c => sqlx::query_scalar(counted)
        .bind(&low).bind(&high).bind(&next).fetch_one(c).await?);
    let part = captures_between(tx, scope, since, start + chrono::Duration::hours(1)).await?;
    Ok(whole + part)
}

/// Captures taken in `[from, to)` by devices managed in `scope`, counted one by one through
/// the per-device index: the reference the hour counts are checked against.
pub async fn captures_between(
    tx: &mut Tx,
    scope: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<i64> {
    let (low, high) = path_range(scope);
    let sql = "SELECT COUNT(*) FROM captures c JOIN devices d ON d.id = c.device_id \
        WHERE d.unit_path >= $1 AND d.unit_path < $2 AND c.captured_at >= $3 \
        AND c.captured_at < $4";
    Ok(on!(tx, c => sqlx::query_scalar(sql)
        .bind(&low).bind(&high).bind(from).bind(to).fetch_one(c).await?))
}

/// The review backlog in `scope`: waiting, and of those past their deadline at `now`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Backlog {
    pub waiting: i64,
    pub overdue: i64,
}

/// The review backlog from the per-unit deadline-hour counts (migration 0034): the hours
/// before `now`'s are overdue whole; in `now`'s hour only the captures due before `now` are,
/// counted through the queue index for the few units with work due in that hour.
pub async fn review_backlog(tx: &mut Tx, scope: &str, now: DateTime<Utc>) -> Result<Backlog> {
    let (low, high) = path_range(scope);
    let (hour, start) = utc_hour(now);
    let counted = "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) AS waiting, \
        CAST(COALESCE(SUM(CASE WHEN due_hour < $3 THEN n ELSE 0 END), 0) AS BIGINT) AS overdue \
        FROM review_backlog_hours WHERE unit_path >= $1 AND unit_path < $2";
    let mut b: Backlog = on!(tx, c => sqlx::query_as(counted)
        .bind(&low).bind(&high).bind(&hour).fetch_one(c).await?);
    let this_hour = "SELECT COUNT(*) FROM captures \
        WHERE state IN ('pending', 'second_review') AND unit_path IN ( \
            SELECT unit_path FROM review_backlog_hours \
            WHERE unit_path >= $1 AND unit_path < $2 AND due_hour = $3) \
        AND review_due_at >= $4 AND review_due_at < $5";
    let due_by_now: i64 = on!(tx, c => sqlx::query_scalar(this_hour)
        .bind(&low).bind(&high).bind(&hour).bind(start).bind(now).fetch_one(c).await?);
    b.overdue += due_by_now;
    Ok(b)
}

/// The review backlog counted one queue entry at a time: the reference the counts are
/// checked against.
pub async fn review_backlog_recounted(
    tx: &mut Tx,
    scope: &str,
    now: DateTime<Utc>,
) -> Result<Backlog> {
    let (low, high) = path_range(scope);
    let sql = "SELECT COUNT(*) AS waiting, \
        COALESCE(SUM(CASE WHEN review_due_at < $3 THEN 1 ELSE 0 END), 0) AS overdue \
        FROM captures WHERE unit_path >= $1 AND unit_path < $2 \
        AND state IN ('pending', 'second_review')";
    Ok(on!(tx, c => sqlx::query_as(sql).bind(&low).bind(&high).bind(now).fetch_one(c).await?))
}

/// Open check-list items in `scope` and those past the deadline on `today`.
pub async fn open_check_items(tx: &mut Tx, scope: &str, today: NaiveDate) -> Result<Vec<Named>> {
    let (low, high) = path_range(scope);
    let sql =
        "SELECT CASE WHEN deadline < $3 THEN 'overdue' ELSE state END AS name, COUNT(*) AS n \
        FROM check_items WHERE device_unit_path >= $1 AND device_unit_path < $2 \
        AND state <> 'accepted' GROUP BY 1 ORDER BY 1";
    Ok(on!(tx, c => sqlx::query_as(sql).bind(&low).bind(&high).bind(today).fetch_all(c).await?))
}

/// Complaints in `scope` not yet answered, and of those past due at `now`.
pub async fn open_complaints(tx: &mut Tx, scope: &str, now: DateTime<Utc>) -> Result<Backlog> {
    let (low, high) = path_range(scope);
    let sql = "SELECT COUNT(*) AS waiting, \
        COALESCE(SUM(CASE WHEN due_at < $3 THEN 1 ELSE 0 END), 0) AS overdue \
        FROM complaints WHERE handling_unit_path >= $1 AND handling_unit_path < $2 \
        AND state IN ('registered', 'checking')";
    Ok(on!(tx, c => sqlx::query_as(sql).bind(&low).bind(&high).bind(now).fetch_one(c).await?))
}

/// Unresolved device alerts in `scope` by kind (the anomaly alerts).
pub async fn open_alerts(tx: &mut Tx, scope: &str) -> Result<Vec<Named>> {
    let (low, high) = path_range(scope);
    let sql = "SELECT kind AS name, COUNT(*) AS n FROM device_alerts \
        WHERE unit_path >= $1 AND unit_path < $2 AND resolved_at IS NULL \
        GROUP BY kind ORDER BY kind";
    Ok(on!(tx, c => sqlx::query_as(sql).bind(&low).bind(&high).fetch_all(c).await?))
}

/// Recorder footage recorded since `since` in `scope`: all, and handed in and stored in time
/// (BWC-05).
#[derive(Debug, Clone, Default, Serialize, sqlx::FromRow)]
pub struct Footage {
    pub files: i64,
    pub in_time: i64,
}

pub async fn footage_since(tx: &mut Tx, scope: &str, since: DateTime<Utc>) -> Result<Footage> {
    let (low, high) = path_range(scope);
    let sql = "SELECT COUNT(*) AS files, \
        COALESCE(SUM(CASE WHEN late_hand_in OR late_storage THEN 0 ELSE 1 END), 0) AS in_time \
        FROM evidence WHERE unit_path >= $1 AND unit_path < $2 AND started_at >= $3";
    Ok(on!(tx, c => sqlx::query_as(sql).bind(&low).bind(&high).bind(since).fetch_one(c).await?))
}

/// Whether session `id` is still live at `now` (not revoked, not expired).
pub async fn session_live(tx: &mut Tx, id: i64, now: DateTime<Utc>) -> Result<bool> {
    let sql =
        "SELECT COUNT(*) FROM sessions WHERE id = $1 AND revoked_at IS NULL AND expires_at > $2";
    let n: i64 = on!(tx, c => sqlx::query_scalar(sql).bind(id).bind(now).fetch_one(c).await?);
    Ok(n > 0)
}

/// RID-13: the e-bike programme in `scope`: events since `since` and events waiting for an
/// officer (uncertain matches and held photos) at points managed there, and rider files above
/// `clear` by tier (`events_today`, `to_confirm`, then the tiers).
pub async fn rider_figures(tx: &mut Tx, scope: &str, since: DateTime<Utc>) -> Result<Vec<Named>> {
    let (low, high) = path_range(scope);
    let events = "SELECT COALESCE(SUM(CASE WHEN e.occurred_at >= $3 THEN 1 ELSE 0 END), 0) AS today, \
        COALESCE(SUM(CASE WHEN e.match_state IN ('unconfirmed', 'held') THEN 1 ELSE 0 END), 0) AS waiting \
        FROM rider_events e JOIN devices d ON d.id = e.device_id \
        WHERE d.unit_path >= $1 AND d.unit_path < $2 \
        AND (e.occurred_at >= $3 OR e.match_state IN ('unconfirmed', 'held'))";
    let (today, waiting): (i64, i64) =
        on!(tx, c => sqlx::query_as(events).bind(&low).bind(&high).bind(since).fetch_one(c).await?);
    let tiers = "SELECT tier AS name, COUNT(*) AS n FROM rider_persons \
        WHERE unit_path >= $1 AND unit_path < $2 AND merged_into IS NULL AND tier <> 'clear' \
        GROUP BY tier ORDER BY tier";
    let by_tier: Vec<Named> =
        on!(tx, c => sqlx::query_as(tiers).bind(&low).bind(&high).fetch_all(c).await?);
    let mut out = vec![
        Named {
            name: "events_today".into(),
            n: today,
        },
        Named {
            name: "to_confirm".into(),
            n: waiting,
        },
    ];
    out.extend(by_tier);
    Ok(out)
}
