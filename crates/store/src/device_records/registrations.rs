//! DEV-07 registrations with the command platform, and the ledger imports.

use chrono::{DateTime, Utc};
use roadwarden_domain::org::UnitPath;
use roadwarden_domain::{DeviceId, UnitId, UserId};
use serde::Serialize;

use crate::{on, path_range, Result, Tx};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Registration {
    pub id: i64,
    pub device_id: i64,
    pub at: DateTime<Utc>,
    pub change: String,
    pub record: String,
    pub actor: String,
}

#[allow(clippy::too_many_arguments)]
pub async fn add_registration(
    tx: &mut Tx,
    device: DeviceId,
    unit_path: &UnitPath,
    change: &str,
    record: &serde_json::Value,
    actor: &str,
    actor_user_id: Option<UserId>,
    now: DateTime<Utc>,
) -> Result<i64> {
    let sql = "INSERT INTO device_registrations (device_id, unit_path, at, change, record, actor, actor_user_id) \
        VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING id";
    Ok(on!(tx, c => sqlx::query_scalar(sql)
        .bind(device.0).bind(unit_path.as_str()).bind(now).bind(change).bind(record.to_string())
        .bind(actor).bind(actor_user_id.map(|u| u.0))
        .fetch_one(c).await?))
}

/// Registration records under `scope` after the cursor `after`, in order.
pub async fn registrations(
    tx: &mut Tx,
    scope: &UnitPath,
    after: i64,
    device: Option<DeviceId>,
    limit: i64,
) -> Result<Vec<Registration>> {
    let (low, high) = path_range(scope.as_str());
    let sql = "SELECT id, device_id, at, change, record, actor FROM device_registrations \
        WHERE unit_path >= $1 AND unit_path < $2 AND id > $3 AND ($4 = 0 OR device_id = $4) ORDER BY id LIMIT $5";
    Ok(
        on!(tx, c => sqlx::query_as(sql).bind(&low).bind(&high).bind(after)
        .bind(device.map_or(0, |d| d.0)).bind(limit).fetch_all(c).await?),
    )
}

#[allow(clippy::too_many_arguments)]
pub async fn add_import(
    tx: &mut Tx,
    actor: &str,
    unit: Option<UnitId>,
    file_name: &str,
    sha256: &str,
    total: i64,
    imported: i64,
    skipped: i64,
    now: DateTime<Utc>,
) -> Result<i64> {
    let sql = "INSERT INTO device_imports (at, actor, unit_id, file_name, sha256, total_rows, imported, skipped) \
        VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING id";
    Ok(
        on!(tx, c => sqlx::query_scalar(sql).bind(now).bind(actor).bind(unit.map(|u| u.0)).bind(file_name)
        .bind(sha256).bind(total).bind(imported).bind(skipped).fetch_one(c).await?),
    )
}
