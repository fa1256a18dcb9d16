//! DEV-10 patrols and faults, DEV-15 the operation log.

use chrono::{DateTime, Utc};
use roadwarden_domain::device::upkeep::ObservedStatus;
use roadwarden_domain::org::UnitPath;
use roadwarden_domain::{DeviceId, UserId};
use serde::Serialize;

use crate::{on, path_range, Result, Tx};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Patrol {
    pub id: i64,
    pub device_id: i64,
    pub patrolled_at: DateTime<Utc>,
    pub patroller: String,
    pub conforming: bool,
    #[sqlx(try_from = "String")]
    pub status: ObservedStatus,
    pub findings: String,
    pub recorded_by: Option<i64>,
    pub recorded_at: DateTime<Utc>,
}

#[allow(clippy::too_many_arguments)]
pub async fn add_patrol(
    tx: &mut Tx,
    device: DeviceId,
    patrolled_at: DateTime<Utc>,
    patroller: &str,
    conforming: bool,
    status: ObservedStatus,
    findings: &str,
    by: Option<UserId>,
    now: DateTime<Utc>,
) -> Result<i64> {
    let sql =
        "INSERT INTO device_patrols (device_id, patrolled_at, patroller, conforming, status, \
        findings, recorded_by, recorded_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING id";
    Ok(on!(tx, c => sqlx::query_scalar(sql)
        .bind(device.0).bind(patrolled_at).bind(patroller).bind(conforming).bind(status.as_str())
        .bind(findings).bind(by.map(|u| u.0)).bind(now)
        .fetch_one(c).await?))
}

pub async fn patrols(tx: &mut Tx, device: DeviceId, limit: i64) -> Result<Vec<Patrol>> {
    let sql = "SELECT id, device_id, patrolled_at, patroller, conforming, status, findings, \
        recorded_by, recorded_at FROM device_patrols WHERE device_id = $1 \
        ORDER BY patrolled_at DESC, id DESC LIMIT $2";
    Ok(on!(tx, c => sqlx::query_as(sql).bind(device.0).bind(limit).fetch_all(c).await?))
}

/// Patrols of devices under `scope` in `[from, to)`: (device id, conforming).
pub async fn patrols_between(
    tx: &mut Tx,
    scope: &UnitPath,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<(i64, bool)>> {
    let (low, high) = path_range(scope.as_str());
    let sql = "SELECT p.device_id, p.conforming FROM device_patrols p JOIN devices d ON d.id = p.device_id \
        WHERE d.unit_path >= $1 AND d.unit_path < $2 AND p.patrolled_at >= $3 AND p.patrolled_at < $4";
    Ok(
        on!(tx, c => sqlx::query_as(sql).bind(&low).bind(&high).bind(from).bind(to).fetch_all(c).await?),
    )
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Fault {
    pub id: i64,
    pub device_id: i64,
    pub opened_at: DateTime<Utc>,
    pub description: String,
    pub fixed_at: Option<DateTime<Utc>>,
    pub fix_note: String,
    pub opened_by: Option<i64>,
    pub fixed_by: Option<i64>,
}

pub async fn add_fault(
    tx: &mut Tx,
    device: DeviceId,
    opened_at: DateTime<Utc>,
    description: &str,
    by: Option<UserId>,
) -> Result<i64> {
    let sql = "INSERT INTO device_faults (device_id, opened_at, description, opened_by) VALUES ($1,$2,$3,$4) RETURNING id";
    Ok(on!(tx, c => sqlx::query_scalar(sql)
        .bind(device.0).bind(opened_at).bind(description).bind(by.map(|u| u.0))
        .fetch_one(c).await?))
}

pub async fn fault(tx: &mut Tx, id: i64) -> Result<Option<Fault>> {
    let sql = "SELECT id, device_id, opened_at, description, fixed_at, fix_note, opened_by, fixed_by FROM device_faults WHERE id = $1";
    Ok(on!(tx, c => sqlx::query_as(sql).bind(id).fetch_optional(c).await?))
}

pub async fn fix_fault(
    tx: &mut Tx,
    id: i64,
    fixed_at: DateTime<Utc>,
    note: &str,
    by: Option<UserId>,
) -> Result<u64> {
    let sql = "UPDATE device_faults SET fixed_at = $1, fix_note = $2, fixed_by = $3 WHERE id = $4 AND fixed_at IS NULL";
    Ok(
        on!(tx, c => sqlx::query(sql).bind(fixed_at).bind(note).bind(by.map(|u| u.0)).bind(id)
        .execute(c).await?.rows_affected()),
    )
}

pub async fn faults(tx: &mut Tx, device: DeviceId, limit: i64) -> Result<Vec<Fault>> {
    let sql =
        "SELECT id, device_id, opened_at, description, fixed_at, fix_note, opened_by, fixed_by \
        FROM device_faults WHERE device_id = $1 ORDER BY opened_at DESC, id DESC LIMIT $2";
    Ok(on!(tx, c => sqlx::query_as(sql).bind(device.0).bind(limit).fetch_all(c).await?))
}

/// Faults of devices under `scope` that overlap `[from, to)`.
pub async fn faults_overlapping(
    tx: &mut Tx,
    scope: &UnitPath,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<(i64, DateTime<Utc>, Option<DateTime<Utc>>)>> {
    let (low, high) = path_range(scope.as_str());
    let sql = "SELECT f.device_id, f.opened_at, f.fixed_at FROM device_faults f JOIN devices d ON d.id = f.device_id \
        WHERE d.unit_path >= $1 AND d.unit_path < $2 AND f.opened_at < $4 AND (f.fixed_at IS NULL OR f.fixed_at > $3)";
    Ok(
        on!(tx, c => sqlx::query_as(sql).bind(&low).bind(&high).bind(from).bind(to).fetch_all(c).await?),
    )
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Operation {
    pub id: i64,
    pub device_id: i64,
    pub at: DateTime<Utc>,
    pub action: String,
    #[sqlx(try_from = "String")]
    pub status: ObservedStatus,
    pub note: String,
    pub operator_id: Option<i64>,
    pub operator: String,
}

#[allow(clippy::too_many_arguments)]
pub async fn add_operation(
    tx: &mut Tx,
    device: DeviceId,
    at: DateTime<Utc>,
    action: &str,
    status: ObservedStatus,
    note: &str,
    operator_id: Option<UserId>,
    operator: &str,
) -> Result<i64> {
    let sql = "INSERT INTO device_operations (device_id, at, action, status, note, operator_id, operator) \
        VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING id";
    Ok(on!(tx, c => sqlx::query_scalar(sql)
        .bind(device.0).bind(at).bind(action).bind(status.as_str()).bind(note)
        .bind(operator_id.map(|u| u.0)).bind(operator)
        .fetch_one(c).await?))
}

pub async fn operations(tx: &mut Tx, device: DeviceId, limit: i64) -> Result<Vec<Operation>> {
    let sql = "SELECT id, device_id, at, action, status, note, operator_id, operator \
        FROM device_operations WHERE device_id = $1 ORDER BY at DESC, id DESC LIMIT $2";
    Ok(on!(tx, c => sqlx::query_as(sql).bind(device.0).bind(limit).fetch_all(c).await?))
}
