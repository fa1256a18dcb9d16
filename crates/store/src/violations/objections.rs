//! Objections (APL-01..03): lodged on line or at a window, decided with a reply, flagged late.

use chrono::{DateTime, Utc};
use roadwarden_domain::capture::objection::{Channel, ObjectionState, Photos};
use roadwarden_domain::org::UnitPath;
use roadwarden_domain::UserId;
use serde::Serialize;

use crate::{on, path_range, Result, Tx};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Objection {
    pub id: i64,
    pub violation_id: i64,
    pub unit_id: i64,
    pub unit_path: String,
    #[sqlx(try_from = "String")]
    pub channel: Channel,
    pub received_unit_id: Option<i64>,
    pub text: String,
    pub contact: String,
    #[sqlx(try_from = "String")]
    pub photos: Photos,
    #[sqlx(try_from = "String")]
    pub state: ObjectionState,
    pub received_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub decided_by: Option<i64>,
    pub decided_at: Option<DateTime<Utc>>,
    pub reply: String,
    /// APL-02: when the deadline job found the decision late.
    pub late_at: Option<DateTime<Utc>>,
}

const OBJECTION_COLUMNS: &str = "id, violation_id, unit_id, unit_path, channel, received_unit_id, \
    text, contact, photos, state, received_at, due_at, decided_by, decided_at, reply, late_at";

#[derive(Debug, Clone)]
pub struct NewObjection<'a> {
    pub violation_id: i64,
    pub unit_id: i64,
    pub unit_path: &'a str,
    pub channel: Channel,
    pub received_unit_id: Option<i64>,
    pub text: &'a str,
    pub contact: &'a str,
    pub photos: &'a Photos,
    pub received_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
}

pub async fn add_objection(tx: &mut Tx, o: &NewObjection<'_>) -> Result<i64> {
    let sql =
        "INSERT INTO objections (violation_id, unit_id, unit_path, channel, received_unit_id, \
        text, contact, photos, state, received_at, due_at) \
        VALUES ($1,$2,$3,$4,$5,$6,$7,$8,'received',$9,$10) RETURNING id";
    Ok(on!(tx, c => sqlx::query_scalar(sql)
        .bind(o.violation_id).bind(o.unit_id).bind(o.unit_path).bind(o.channel.as_str())
        .bind(o.received_unit_id).bind(o.text).bind(o.contact).bind(o.photos.to_json())
        .bind(o.received_at).bind(o.due_at).fetch_one(c).await?))
}

pub async fn objection(tx: &mut Tx, id: i64) -> Result<Option<Objection>> {
    let sql = format!("SELECT {OBJECTION_COLUMNS} FROM objections WHERE id = $1");
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(id).fetch_optional(c).await?))
}

pub async fn objections_of(tx: &mut Tx, violation: i64) -> Result<Vec<Objection>> {
    let sql =
        format!("SELECT {OBJECTION_COLUMNS} FROM objections WHERE violation_id = $1 ORDER BY id");
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(violation).fetch_all(c).await?))
}

pub async fn objections_in_scope(
    tx: &mut Tx,
    scope: &UnitPath,
    state: Option<ObjectionState>,
    limit: i64,
) -> Result<Vec<Objection>> {
    let (low, high) = path_range(scope.as_str());
    let sql = format!(
        "SELECT {OBJECTION_COLUMNS} FROM objections WHERE unit_path >= $1 AND unit_path < $2 \
         AND ($3 = '' OR state = $3) ORDER BY due_at, id LIMIT $4"
    );
    Ok(on!(tx, c => sqlx::query_as(&sql)
        .bind(&low).bind(&high).bind(state.map_or("", ObjectionState::as_str)).bind(limit)
        .fetch_all(c).await?))
}

/// APL-02: objections past their decision deadline, not yet flagged.
pub async fn late_objections(
    tx: &mut Tx,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<Objection>> {
    let sql = format!(
        "SELECT {OBJECTION_COLUMNS} FROM objections WHERE state = 'received' AND late_at IS NULL \
         AND due_at <= $1 ORDER BY due_at, id LIMIT $2"
    );
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(now).bind(limit).fetch_all(c).await?))
}

/// Flags a late objection decision once; false when it was flagged already.
pub async fn flag_objection_late(tx: &mut Tx, id: i64, now: DateTime<Utc>) -> Result<bool> {
    let sql = "UPDATE objections SET late_at = $2 WHERE id = $1 AND late_at IS NULL";
    Ok(on!(tx, c => sqlx::query(sql).bind(id).bind(now).execute(c).await?.rows_affected()) == 1)
}

pub async fn decide_objection(
    tx: &mut Tx,
    id: i64,
    state: ObjectionState,
    by: UserId,
    reply: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let sql = "UPDATE objections SET state = $1, decided_by = $2, decided_at = $3, reply = $4 \
        WHERE id = $5 AND state = 'received'";
    let n = on!(tx, c => sqlx::query(sql).bind(state.as_str()).bind(by.0).bind(now).bind(reply).bind(id)
        .execute(c).await?.rows_affected());
    Ok(n == 1)
}
