//! Device alerts, raised once per key and resolved by kind.

use chrono::{DateTime, Utc};
use roadwarden_domain::device::AlertKind;
use roadwarden_domain::org::UnitPath;
use roadwarden_domain::DeviceId;
use serde::Serialize;

use crate::{on, path_range, Result, Tx};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Alert {
    pub id: i64,
    pub device_id: i64,
    pub number: String,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub kind: AlertKind,
    pub detail: String,
    pub created_at: DateTime<Utc>,
}

/// Adds an alert once per `dedupe_key`; returns whether it was new.
pub async fn add_alert(
    tx: &mut Tx,
    device: DeviceId,
    unit_path: &UnitPath,
    kind: AlertKind,
    detail: &str,
    dedupe_key: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let sql =
        "INSERT INTO device_alerts (device_id, unit_path, kind, detail, dedupe_key, created_at) \
        VALUES ($1,$2,$3,$4,$5,$6) ON CONFLICT (dedupe_key) DO NOTHING";
    let n = on!(tx, c => sqlx::query(sql).bind(device.0).bind(unit_path.as_str()).bind(kind.as_str())
        .bind(detail).bind(dedupe_key).bind(now).execute(c).await?.rows_affected());
    Ok(n == 1)
}

pub async fn alerts(
    tx: &mut Tx,
    scope: &UnitPath,
    device: Option<DeviceId>,
    limit: i64,
) -> Result<Vec<Alert>> {
    let (low, high) = path_range(scope.as_str());
    let sql = "SELECT a.id, a.device_id, d.number, d.name, a.kind, a.detail, a.created_at \
        FROM device_alerts a JOIN devices d ON d.id = a.device_id \
        WHERE a.unit_path >= $1 AND a.unit_path < $2 AND a.resolved_at IS NULL AND ($3 = 0 OR a.device_id = $3) \
        ORDER BY a.created_at DESC, a.id DESC LIMIT $4";
    Ok(
        on!(tx, c => sqlx::query_as(sql).bind(&low).bind(&high).bind(device.map_or(0, |d| d.0)).bind(limit).fetch_all(c).await?),
    )
}

pub async fn resolve_alerts(
    tx: &mut Tx,
    device: DeviceId,
    kind: AlertKind,
    now: DateTime<Utc>,
) -> Result<u64> {
    Ok(
        on!(tx, c => sqlx::query("UPDATE device_alerts SET resolved_at = $1 WHERE device_id = $2 AND kind = $3 AND resolved_at IS NULL")
        .bind(now).bind(device.0).bind(kind.as_str()).execute(c).await?.rows_affected()),
    )
}
