//! AUD-09: complaints, with who registered, checked, answered and closed them (SUP-07).

use chrono::{DateTime, Utc};
use roadwarden_domain::supervision::complaint::{Channel, ComplaintState, Outcome, TargetKind};
use roadwarden_domain::{DeviceId, UnitId, UserId};
use serde::Serialize;

use crate::{on, path_range, Result, Tx};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ComplaintRow {
    pub id: i64,
    #[sqlx(try_from = "String")]
    pub channel: Channel,
    #[sqlx(try_from = "String")]
    pub target_kind: TargetKind,
    pub target_id: i64,
    pub device_id: Option<i64>,
    pub handling_unit_id: i64,
    pub handling_unit_path: String,
    #[sqlx(try_from = "String")]
    pub state: ComplaintState,
    pub summary: String,
    pub registered_by: i64,
    pub registered_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub checked_by: Option<i64>,
    pub answered_by: Option<i64>,
    pub answered_at: Option<DateTime<Utc>>,
    pub result: Option<String>,
    pub answer: String,
    pub closed_by: Option<i64>,
    pub overdue_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, channel, target_kind, target_id, device_id, handling_unit_id, \
    handling_unit_path, state, summary, registered_by, registered_at, due_at, checked_by, \
    answered_by, answered_at, result, answer, closed_by, overdue_at, updated_at";

pub struct NewComplaint<'a> {
    pub channel: Channel,
    pub target_kind: TargetKind,
    pub target_id: i64,
    pub device_id: Option<DeviceId>,
    pub handling_unit_id: UnitId,
    pub handling_unit_path: &'a str,
    pub summary: &'a str,
    pub registered_by: UserId,
    pub registered_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
}

pub async fn insert_complaint(tx: &mut Tx, n: &NewComplaint<'_>) -> Result<i64> {
    let sql = "INSERT INTO complaints (channel, target_kind, target_id, device_id, \
        handling_unit_id, handling_unit_path, state, summary, registered_by, registered_at, \
        due_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,'registered',$7,$8,$9,$10,$9) RETURNING id";
    Ok(on!(tx, c => sqlx::query_scalar(sql)
        .bind(n.channel.as_str()).bind(n.target_kind.as_str()).bind(n.target_id)
        .bind(n.device_id.map(|d| d.0)).bind(n.handling_unit_id.0).bind(n.handling_unit_path)
        .bind(n.summary).bind(n.registered_by.0).bind(n.registered_at).bind(n.due_at)
        .fetch_one(c).await?))
}

pub async fn complaint(tx: &mut Tx, id: i64) -> Result<Option<ComplaintRow>> {
    let sql = format!("SELECT {COLUMNS} FROM complaints WHERE id = $1");
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(id).fetch_optional(c).await?))
}

/// Complaints handled in `scope`, unanswered first by due time.
pub async fn complaints_in_scope(
    tx: &mut Tx,
    scope: &str,
    limit: i64,
) -> Result<Vec<ComplaintRow>> {
    let (low, high) = path_range(scope);
    let sql = format!(
        "SELECT {COLUMNS} FROM complaints WHERE handling_unit_path >= $1 \
         AND handling_unit_path < $2 \
         ORDER BY CASE WHEN state IN ('registered','checking') THEN 0 ELSE 1 END, due_at, id \
         LIMIT $3"
    );
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(&low).bind(&high).bind(limit).fetch_all(c).await?))
}

/// The columns a complaint step changes; the actor lands in the column of the step.
pub struct ComplaintChange<'a> {
    pub state: ComplaintState,
    pub by: UserId,
    pub outcome: Option<Outcome>,
    pub answer: Option<&'a str>,
}

/// Applies a step if the complaint is still in `expected`.
pub async fn update_complaint(
    tx: &mut Tx,
    id: i64,
    expected: ComplaintState,
    ch: &ComplaintChange<'_>,
    now: DateTime<Utc>,
) -> Result<bool> {
    let by_column = match ch.state {
        ComplaintState::Checking => "checked_by",
        ComplaintState::Answered => "answered_by",
        ComplaintState::Closed => "closed_by",
        ComplaintState::Registered => "registered_by",
    };
    let sql = format!(
        "UPDATE complaints SET state = $1, {by_column} = $2, \
         result = COALESCE($3, result), answer = COALESCE($4, answer), \
         answered_at = CASE WHEN $1 = 'answered' THEN $5 ELSE answered_at END, updated_at = $5 \
         WHERE id = $6 AND state = $7"
    );
    let n = on!(tx, c => sqlx::query(&sql)
        .bind(ch.state.as_str()).bind(ch.by.0).bind(ch.outcome.map(Outcome::as_str))
        .bind(ch.answer).bind(now).bind(id).bind(expected.as_str())
        .execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// AUD-09: unanswered complaints past due, not flagged yet.
pub async fn overdue_complaints(
    tx: &mut Tx,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<ComplaintRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM complaints WHERE state IN ('registered','checking') \
         AND overdue_at IS NULL AND due_at <= $1 ORDER BY due_at, id LIMIT $2"
    );
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(now).bind(limit).fetch_all(c).await?))
}

pub async fn flag_complaint_overdue(tx: &mut Tx, id: i64, now: DateTime<Utc>) -> Result<bool> {
    let sql = "UPDATE complaints SET overdue_at = $2 WHERE id = $1 AND overdue_at IS NULL";
    Ok(on!(tx, c => sqlx::query(sql).bind(id).bind(now).execute(c).await?.rows_affected()) == 1)
}
