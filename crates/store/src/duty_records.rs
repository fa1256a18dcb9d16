//! BWC-02, BWC-03, BWC-14: duties that must be recorded, and the work records of stopped
//! recordings, for supervision.

use chrono::{DateTime, Utc};
use roadwarden_domain::evidence::non_recording::{Reason, State};
use roadwarden_domain::org::UnitPath;
use roadwarden_domain::{UnitId, UserId};
use serde::Serialize;

use crate::{on, path_range, Result, Tx};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Duty {
    pub id: i64,
    pub unit_id: i64,
    pub unit_path: String,
    pub officer_id: i64,
    pub activity: String,
    pub place: String,
    pub started_at: DateTime<Utc>,
    pub ended_at: DateTime<Utc>,
    pub recorder_id: Option<i64>,
}

pub struct NewDuty<'a> {
    pub unit_id: UnitId,
    pub unit_path: &'a UnitPath,
    pub officer_id: UserId,
    pub activity: &'a str,
    pub place: &'a str,
    pub started_at: DateTime<Utc>,
    pub ended_at: DateTime<Utc>,
    pub recorder_id: Option<i64>,
}

pub async fn insert_duty(tx: &mut Tx, d: &NewDuty<'_>) -> Result<i64> {
    let sql = "INSERT INTO duties (unit_id, unit_path, officer_id, activity, place, started_at, ended_at, \
        recorder_id) VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING id";
    Ok(on!(tx, c => sqlx::query_scalar(sql)
        .bind(d.unit_id.0).bind(d.unit_path.as_str()).bind(d.officer_id.0).bind(d.activity)
        .bind(d.place).bind(d.started_at).bind(d.ended_at).bind(d.recorder_id).fetch_one(c).await?))
}

pub async fn duties(
    tx: &mut Tx,
    scope: &UnitPath,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<Duty>> {
    let (low, high) = path_range(scope.as_str());
    let sql = "SELECT id, unit_id, unit_path, officer_id, activity, place, started_at, ended_at, recorder_id \
        FROM duties WHERE unit_path >= $1 AND unit_path < $2 AND started_at >= $3 AND started_at < $4 \
        ORDER BY started_at, id LIMIT $5";
    Ok(
        on!(tx, c => sqlx::query_as(sql).bind(&low).bind(&high).bind(from).bind(to).bind(limit)
        .fetch_all(c).await?),
    )
}

/// The spans an officer's footage covers in a window (for gap detection).
pub async fn footage_spans(
    tx: &mut Tx,
    officer: i64,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<(DateTime<Utc>, DateTime<Utc>)>> {
    let sql = "SELECT started_at, ended_at FROM evidence WHERE officer_id = $1 AND ended_at > $2 \
        AND started_at < $3 ORDER BY started_at";
    Ok(on!(tx, c => sqlx::query_as(sql).bind(officer).bind(from).bind(to).fetch_all(c).await?))
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct WorkRecord {
    pub id: i64,
    pub unit_id: i64,
    pub unit_path: String,
    pub officer_id: i64,
    #[sqlx(try_from = "String")]
    pub reason: Reason,
    pub basis: String,
    pub stopped_at: DateTime<Utc>,
    pub resumed_at: Option<DateTime<Utc>>,
    #[sqlx(try_from = "String")]
    pub state: State,
    pub filed_at: DateTime<Utc>,
    pub decided_by: Option<i64>,
    pub decided_at: Option<DateTime<Utc>>,
}

const WR_COLUMNS: &str =
    "id, unit_id, unit_path, officer_id, reason, basis, stopped_at, resumed_at, \
    state, filed_at, decided_by, decided_at";

pub struct NewWorkRecord<'a> {
    pub unit_id: UnitId,
    pub unit_path: &'a UnitPath,
    pub officer_id: UserId,
    pub reason: Reason,
    pub basis: &'a str,
    pub stopped_at: DateTime<Utc>,
    pub resumed_at: Option<DateTime<Utc>>,
}

pub async fn insert_work_record(
    tx: &mut Tx,
    w: &NewWorkRecord<'_>,
    now: DateTime<Utc>,
) -> Result<i64> {
    let sql = "INSERT INTO non_recording_records (unit_id, unit_path, officer_id, reason, basis, \
        stopped_at, resumed_at, state, filed_at) VALUES ($1,$2,$3,$4,$5,$6,$7,'filed',$8) RETURNING id";
    Ok(on!(tx, c => sqlx::query_scalar(sql)
        .bind(w.unit_id.0).bind(w.unit_path.as_str()).bind(w.officer_id.0).bind(w.reason.as_str())
        .bind(w.basis).bind(w.stopped_at).bind(w.resumed_at).bind(now).fetch_one(c).await?))
}

pub async fn get_work_record(tx: &mut Tx, id: i64) -> Result<Option<WorkRecord>> {
    let sql = format!("SELECT {WR_COLUMNS} FROM non_recording_records WHERE id = $1");
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(id).fetch_optional(c).await?))
}

pub async fn decide_work_record(
    tx: &mut Tx,
    id: i64,
    state: State,
    by: UserId,
    at: DateTime<Utc>,
) -> Result<bool> {
    let sql = "UPDATE non_recording_records SET state = $1, decided_by = $2, decided_at = $3 \
        WHERE id = $4 AND state = 'filed'";
    let n = on!(tx, c => sqlx::query(sql).bind(state.as_str()).bind(by.0).bind(at).bind(id)
        .execute(c).await?.rows_affected());
    Ok(n == 1)
}

pub async fn work_records(
    tx: &mut Tx,
    scope: &UnitPath,
    state: Option<&str>,
    limit: i64,
) -> Result<Vec<WorkRecord>> {
    let (low, high) = path_range(scope.as_str());
    let sql = format!(
        "SELECT {WR_COLUMNS} FROM non_recording_records WHERE unit_path >= $1 AND unit_path < $2 \
         AND ($3 = '' OR state = $3) ORDER BY filed_at DESC, id DESC LIMIT $4"
    );
    Ok(
        on!(tx, c => sqlx::query_as(&sql).bind(&low).bind(&high).bind(state.unwrap_or(""))
        .bind(limit).fetch_all(c).await?),
    )
}

/// Stops an officer filed for a window (excusing gaps in supervision, BWC-03), unless refused.
pub async fn excused_spans(
    tx: &mut Tx,
    officer: i64,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<(DateTime<Utc>, Option<DateTime<Utc>>)>> {
    let sql = "SELECT stopped_at, resumed_at FROM non_recording_records WHERE officer_id = $1 \
        AND state <> 'refused' AND stopped_at < $3 AND (resumed_at IS NULL OR resumed_at > $2)";
    Ok(on!(tx, c => sqlx::query_as(sql).bind(officer).bind(from).bind(to).fetch_all(c).await?))
}
