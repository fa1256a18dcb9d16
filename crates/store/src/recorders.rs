//! BWC-01, BWC-04, BWC-12: recorders and their ledger (checks, hand-overs, damage, repairs).

use chrono::{DateTime, Utc};
use roadwarden_domain::evidence::ledger::RecorderState;
use roadwarden_domain::org::UnitPath;
use roadwarden_domain::{UnitId, UserId};
use serde::Serialize;

use crate::{on, path_range, Result, Tx};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Recorder {
    pub id: i64,
    pub number: String,
    pub unit_id: i64,
    pub unit_path: String,
    pub brand: String,
    pub model: String,
    #[sqlx(try_from = "String")]
    pub state: RecorderState,
    pub holder_id: Option<i64>,
    pub issued_at: Option<DateTime<Utc>>,
    pub damaged_at: Option<DateTime<Utc>>,
    pub sent_for_repair_at: Option<DateTime<Utc>>,
    pub registered_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, number, unit_id, unit_path, brand, model, state, holder_id, issued_at, \
    damaged_at, sent_for_repair_at, registered_at";

pub struct NewRecorder<'a> {
    pub number: &'a str,
    pub unit_id: UnitId,
    pub unit_path: &'a UnitPath,
    pub brand: &'a str,
    pub model: &'a str,
}

pub async fn insert(tx: &mut Tx, r: &NewRecorder<'_>, now: DateTime<Utc>) -> Result<i64> {
    let sql =
        "INSERT INTO recorders (number, unit_id, unit_path, brand, model, state, registered_at) \
        VALUES ($1,$2,$3,$4,$5,'in_store',$6) RETURNING id";
    Ok(on!(tx, c => sqlx::query_scalar(sql)
        .bind(r.number).bind(r.unit_id.0).bind(r.unit_path.as_str()).bind(r.brand).bind(r.model)
        .bind(now).fetch_one(c).await?))
}

pub async fn get(tx: &mut Tx, id: i64) -> Result<Option<Recorder>> {
    let sql = format!("SELECT {COLUMNS} FROM recorders WHERE id = $1");
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(id).fetch_optional(c).await?))
}

pub async fn list(tx: &mut Tx, scope: &UnitPath, limit: i64) -> Result<Vec<Recorder>> {
    let (low, high) = path_range(scope.as_str());
    let sql = format!(
        "SELECT {COLUMNS} FROM recorders WHERE unit_path >= $1 AND unit_path < $2 \
         ORDER BY number LIMIT $3"
    );
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(&low).bind(&high).bind(limit).fetch_all(c).await?))
}

/// The recorder's new state after a ledger step. `expected` is the state the caller checked:
/// a concurrent step that got there first makes this return false and nothing changes.
pub struct StateChange {
    pub state: RecorderState,
    pub holder_id: Option<UserId>,
    pub issued_at: Option<DateTime<Utc>>,
    pub damaged_at: Option<DateTime<Utc>>,
    pub sent_for_repair_at: Option<DateTime<Utc>>,
}

pub async fn change_state(
    tx: &mut Tx,
    id: i64,
    expected: RecorderState,
    to: &StateChange,
) -> Result<bool> {
    let sql = "UPDATE recorders SET state = $1, holder_id = $2, issued_at = $3, damaged_at = $4, \
        sent_for_repair_at = $5 WHERE id = $6 AND state = $7";
    let n = on!(tx, c => sqlx::query(sql)
        .bind(to.state.as_str()).bind(to.holder_id.map(|u| u.0)).bind(to.issued_at).bind(to.damaged_at)
        .bind(to.sent_for_repair_at).bind(id).bind(expected.as_str())
        .execute(c).await?.rows_affected());
    Ok(n == 1)
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct LedgerEntry {
    pub id: i64,
    pub recorder_id: i64,
    pub at: DateTime<Utc>,
    pub kind: String,
    pub from_user: Option<i64>,
    pub to_user: Option<i64>,
    pub recorded_by: Option<i64>,
    pub condition: String,
    pub passed: Option<bool>,
    pub detail: String,
}

pub struct NewLedgerEntry<'a> {
    pub recorder_id: i64,
    pub kind: &'a str,
    pub from_user: Option<UserId>,
    pub to_user: Option<UserId>,
    pub recorded_by: Option<UserId>,
    pub condition: String,
    pub passed: Option<bool>,
    pub detail: serde_json::Value,
}

pub async fn add_entry(tx: &mut Tx, e: &NewLedgerEntry<'_>, at: DateTime<Utc>) -> Result<i64> {
    let sql =
        "INSERT INTO recorder_events (recorder_id, at, kind, from_user, to_user, recorded_by, \
        condition, passed, detail) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING id";
    Ok(on!(tx, c => sqlx::query_scalar(sql)
        .bind(e.recorder_id).bind(at).bind(e.kind).bind(e.from_user.map(|u| u.0))
        .bind(e.to_user.map(|u| u.0)).bind(e.recorded_by.map(|u| u.0)).bind(&e.condition)
        .bind(e.passed).bind(e.detail.to_string()).fetch_one(c).await?))
}

pub async fn ledger(tx: &mut Tx, recorder_id: i64, limit: i64) -> Result<Vec<LedgerEntry>> {
    let sql =
        "SELECT id, recorder_id, at, kind, from_user, to_user, recorded_by, condition, passed, \
        detail FROM recorder_events WHERE recorder_id = $1 ORDER BY at DESC, id DESC LIMIT $2";
    Ok(on!(tx, c => sqlx::query_as(sql).bind(recorder_id).bind(limit).fetch_all(c).await?))
}

/// BWC-04: the latest pre-use check at or before `before`.
pub async fn last_check(
    tx: &mut Tx,
    recorder_id: i64,
    before: DateTime<Utc>,
) -> Result<Option<LedgerEntry>> {
    let sql =
        "SELECT id, recorder_id, at, kind, from_user, to_user, recorded_by, condition, passed, \
        detail FROM recorder_events WHERE recorder_id = $1 AND kind = 'check' AND at <= $2 \
        ORDER BY at DESC, id DESC LIMIT 1";
    Ok(on!(tx, c => sqlx::query_as(sql).bind(recorder_id).bind(before).fetch_optional(c).await?))
}

/// BWC-04: the time of the last passed check at or before `before`.
pub async fn last_passed_check(
    tx: &mut Tx,
    recorder_id: i64,
    before: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>> {
    let sql = "SELECT MAX(at) FROM recorder_events WHERE recorder_id = $1 AND kind = 'check' \
        AND passed = $2 AND at <= $3";
    Ok(
        on!(tx, c => sqlx::query_scalar(sql).bind(recorder_id).bind(true).bind(before)
        .fetch_one(c).await?),
    )
}

/// BWC-01, BWC-12: recorders past a 24-hour limit that were not reported yet for this hand-out
/// or this damage: held since before `held_before` (issued, not handed back), or damaged
/// before `held_before` and not sent to logistics. At most `limit` of each.
pub async fn overdue_unreported(
    tx: &mut Tx,
    held_before: DateTime<Utc>,
    limit: i64,
) -> Result<(Vec<Recorder>, Vec<Recorder>)> {
    let held = format!(
        "SELECT {COLUMNS} FROM recorders WHERE state = 'issued' AND issued_at < $1 \
         AND (hold_reported_at IS NULL OR hold_reported_at < issued_at) ORDER BY id LIMIT $2"
    );
    let damaged = format!(
        "SELECT {COLUMNS} FROM recorders WHERE state = 'damaged' AND damaged_at < $1 \
         AND (repair_reported_at IS NULL OR repair_reported_at < damaged_at) ORDER BY id LIMIT $2"
    );
    let held: Vec<Recorder> = on!(tx, c => sqlx::query_as(&held)
        .bind(held_before).bind(limit).fetch_all(c).await?);
    let damaged: Vec<Recorder> = on!(tx, c => sqlx::query_as(&damaged)
        .bind(held_before).bind(limit).fetch_all(c).await?);
    Ok((held, damaged))
}

/// Remembers that the recorder's overdue hold (`repair` false) or unsent repair was reported.
pub async fn mark_reported(tx: &mut Tx, id: i64, repair: bool, at: DateTime<Utc>) -> Result<()> {
    let sql = if repair {
        "UPDATE recorders SET repair_reported_at = $1 WHERE id = $2"
    } else {
        "UPDATE recorders SET hold_reported_at = $1 WHERE id = $2"
    };
    on!(tx, c => sqlx::query(sql).bind(at).bind(id).execute(c).await?.rows_affected());
    Ok(())
}
