//! The monthly reports' and the cockpit's figures: grouped counts over the unit subtree, each
//! one query on an indexed range, so a report or a cockpit refresh reads no row twice. No
//! person's name or id leaves these queries (SUP-07a: reports rate devices and units).

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::{on, path_range, Result, Tx};

/// Reviews of one managing unit's captures, decided in the period, with one outcome and reason.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ReviewGroup {
    pub unit_id: i64,
    pub unit_name: String,
    /// `approved` or `rejected`.
    pub state: String,
    /// The REV-03 reason of a rejection; empty for an approval.
    pub reason: String,
    pub n: i64,
    /// Decided by the review deadline (REV-01).
    pub in_time: i64,
    /// Seen by a second reviewer.
    pub second: i64,
}

/// Captures of devices managed in `scope` whose review was decided in `[from, to)`.
pub async fn review_groups(
    tx: &mut Tx,
    scope: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<ReviewGroup>> {
    let (low, high) = path_range(scope);
    let sql = "SELECT d.unit_id, u.name AS unit_name, c.state, COALESCE(c.reject_reason, '') AS reason, \
        COUNT(*) AS n, \
        SUM(CASE WHEN c.review_due_at IS NULL OR c.reviewed_at <= c.review_due_at THEN 1 ELSE 0 END) AS in_time, \
        SUM(CASE WHEN c.first_reviewer IS NOT NULL THEN 1 ELSE 0 END) AS second \
        FROM captures c JOIN devices d ON d.id = c.device_id JOIN units u ON u.id = d.unit_id \
        WHERE d.unit_path >= $1 AND d.unit_path < $2 AND c.reviewed_at >= $3 AND c.reviewed_at < $4 \
        AND c.state IN ('approved', 'rejected') \
        GROUP BY d.unit_id, u.name, c.state, COALESCE(c.reject_reason, '') ORDER BY d.unit_id";
    Ok(
        on!(tx, c => sqlx::query_as(sql).bind(&low).bind(&high).bind(from).bind(to).fetch_all(c).await?),
    )
}

/// Objections lodged in the period against records of one unit.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ObjectionGroup {
    pub unit_id: i64,
    pub unit_name: String,
    pub filed: i64,
    pub upheld: i64,
    pub decided: i64,
    pub decided_in_time: i64,
}

pub async fn objection_groups(
    tx: &mut Tx,
    scope: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<ObjectionGroup>> {
    let (low, high) = path_range(scope);
    let sql = "SELECT o.unit_id, u.name AS unit_name, COUNT(*) AS filed, \
        SUM(CASE WHEN o.state = 'upheld' THEN 1 ELSE 0 END) AS upheld, \
        SUM(CASE WHEN o.decided_at IS NOT NULL THEN 1 ELSE 0 END) AS decided, \
        SUM(CASE WHEN o.decided_at IS NOT NULL AND o.decided_at <= o.due_at THEN 1 ELSE 0 END) AS decided_in_time \
        FROM objections o JOIN units u ON u.id = o.unit_id \
        WHERE o.unit_path >= $1 AND o.unit_path < $2 AND o.received_at >= $3 AND o.received_at < $4 \
        GROUP BY o.unit_id, u.name ORDER BY o.unit_id";
    Ok(
        on!(tx, c => sqlx::query_as(sql).bind(&low).bind(&high).bind(from).bind(to).fetch_all(c).await?),
    )
}

/// Complaints registered in the period, per handling unit and channel (AUD-09).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ComplaintGroup {
    pub unit_id: i64,
    pub unit_name: String,
    pub channel: String,
    pub registered: i64,
    pub answered: i64,
    pub answered_in_time: i64,
    pub upheld: i64,
    /// Still unanswered and past due at `now`.
    pub overdue: i64,
}

pub async fn complaint_groups(
    tx: &mut Tx,
    scope: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Vec<ComplaintGroup>> {
    let (low, high) = path_range(scope);
    let sql = "SELECT k.handling_unit_id AS unit_id, u.name AS unit_name, k.channel, COUNT(*) AS registered, \
        SUM(CASE WHEN k.answered_at IS NOT NULL THEN 1 ELSE 0 END) AS answered, \
        SUM(CASE WHEN k.answered_at IS NOT NULL AND k.answered_at <= k.due_at THEN 1 ELSE 0 END) AS answered_in_time, \
        SUM(CASE WHEN k.result = 'upheld' THEN 1 ELSE 0 END) AS upheld, \
        SUM(CASE WHEN k.answered_at IS NULL AND k.due_at < $5 THEN 1 ELSE 0 END) AS overdue \
        FROM complaints k JOIN units u ON u.id = k.handling_unit_id \
        WHERE k.handling_unit_path >= $1 AND k.handling_unit_path < $2 \
        AND k.registered_at >= $3 AND k.registered_at < $4 \
        GROUP BY k.handling_unit_id, u.name, k.channel ORDER BY k.handling_unit_id, k.channel";
    Ok(
        on!(tx, c => sqlx::query_as(sql).bind(&low).bind(&high).bind(from).bind(to).bind(now).fetch_all(c).await?),
    )
}

/// Check-list items of one managing unit in one state and origin.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct CheckGroup {
    pub unit_id: i64,
    pub unit_name: String,
    pub origin: String,
    pub state: String,
    pub n: i64,
    /// Open and past the deadline on `today`.
    pub overdue: i64,
    pub escalated: i64,
}

/// SUP-03: the items raised before `last` (exclusive) that are still open, or were raised on or
/// after `first`: what stood open in the period and what it brought.
pub async fn check_groups(
    tx: &mut Tx,
    scope: &str,
    first: NaiveDate,
    last: NaiveDate,
    today: NaiveDate,
) -> Result<Vec<CheckGroup>> {
    let (low, high) = path_range(scope);
    let sql = "SELECT i.device_unit_id AS unit_id, u.name AS unit_name, i.origin, i.state, COUNT(*) AS n, \
        SUM(CASE WHEN i.state <> 'accepted' AND i.deadline < $5 THEN 1 ELSE 0 END) AS overdue, \
        SUM(CASE WHEN i.escalation_level > 0 THEN 1 ELSE 0 END) AS escalated \
        FROM check_items i JOIN units u ON u.id = i.device_unit_id \
        WHERE i.device_unit_path >= $1 AND i.device_unit_path < $2 AND i.raised_on < $4 \
        AND (i.state <> 'accepted' OR i.raised_on >= $3) \
        GROUP BY i.device_unit_id, u.name, i.origin, i.state ORDER BY i.device_unit_id";
    Ok(
        on!(tx, c => sqlx::query_as(sql).bind(&low).bind(&high).bind(first).bind(last).bind(today).fetch_all(c).await?),
    )
}
