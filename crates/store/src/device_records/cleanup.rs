//! DEV-12 the yearly clean-up list.

use chrono::{DateTime, Utc};
use roadwarden_domain::device::DeviceState;
use roadwarden_domain::org::UnitPath;
use roadwarden_domain::{DeviceId, UserId};
use serde::Serialize;

use crate::{on, path_range, Result, Tx};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct CleanupItem {
    pub id: i64,
    pub year: i32,
    pub device_id: i64,
    pub number: String,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub state: DeviceState,
    pub reasons: String,
    pub created_at: DateTime<Utc>,
    pub resolution: Option<String>,
    pub resolved_at: Option<DateTime<Utc>>,
}

pub async fn add_cleanup_item(
    tx: &mut Tx,
    year: i32,
    device: DeviceId,
    unit_path: &UnitPath,
    reasons: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let sql = "INSERT INTO device_cleanup_items (year, device_id, unit_path, reasons, created_at) \
        VALUES ($1,$2,$3,$4,$5) ON CONFLICT (year, device_id) DO NOTHING";
    let n = on!(tx, c => sqlx::query(sql).bind(year).bind(device.0).bind(unit_path.as_str())
        .bind(reasons).bind(now).execute(c).await?.rows_affected());
    Ok(n == 1)
}

pub async fn cleanup_items(tx: &mut Tx, scope: &UnitPath, year: i32) -> Result<Vec<CleanupItem>> {
    let (low, high) = path_range(scope.as_str());
    let sql = "SELECT i.id, i.year, i.device_id, d.number, d.name, d.state, i.reasons, i.created_at, \
        i.resolution, i.resolved_at FROM device_cleanup_items i JOIN devices d ON d.id = i.device_id \
        WHERE i.year = $1 AND i.unit_path >= $2 AND i.unit_path < $3 ORDER BY i.resolved_at IS NOT NULL, d.number";
    Ok(on!(tx, c => sqlx::query_as(sql).bind(year).bind(&low).bind(&high).fetch_all(c).await?))
}

pub async fn cleanup_item(tx: &mut Tx, id: i64) -> Result<Option<(i64, i64, Option<String>)>> {
    Ok(
        on!(tx, c => sqlx::query_as("SELECT id, device_id, resolution FROM device_cleanup_items WHERE id = $1")
        .bind(id).fetch_optional(c).await?),
    )
}

pub async fn resolve_cleanup_item(
    tx: &mut Tx,
    id: i64,
    resolution: &str,
    by: Option<UserId>,
    now: DateTime<Utc>,
) -> Result<u64> {
    Ok(
        on!(tx, c => sqlx::query("UPDATE device_cleanup_items SET resolution = $1, resolved_by = $2, resolved_at = $3 WHERE id = $4 AND resolved_at IS NULL")
        .bind(resolution).bind(by.map(|u| u.0)).bind(now).bind(id).execute(c).await?.rows_affected()),
    )
}
