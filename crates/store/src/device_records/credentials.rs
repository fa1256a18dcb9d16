//! Push credentials: the key ids and secret hashes a device signs its captures with.

use chrono::{DateTime, Utc};
use roadwarden_domain::{DeviceId, UserId};
use serde::Serialize;

use crate::{on, Result, Tx};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Credential {
    pub id: i64,
    pub device_id: i64,
    pub key_id: String,
    #[serde(skip)]
    pub secret_hash: String,
    pub issued_at: DateTime<Utc>,
    pub issued_by: Option<i64>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoked_by: Option<i64>,
}

pub async fn add_credential(
    tx: &mut Tx,
    device: DeviceId,
    key_id: &str,
    secret_hash: &str,
    by: Option<UserId>,
    now: DateTime<Utc>,
) -> Result<i64> {
    let sql =
        "INSERT INTO device_credentials (device_id, key_id, secret_hash, issued_at, issued_by) \
        VALUES ($1,$2,$3,$4,$5) RETURNING id";
    Ok(on!(tx, c => sqlx::query_scalar(sql)
        .bind(device.0).bind(key_id).bind(secret_hash).bind(now).bind(by.map(|u| u.0))
        .fetch_one(c).await?))
}

pub async fn credentials(tx: &mut Tx, device: DeviceId) -> Result<Vec<Credential>> {
    let sql =
        "SELECT id, device_id, key_id, secret_hash, issued_at, issued_by, revoked_at, revoked_by \
        FROM device_credentials WHERE device_id = $1 ORDER BY id";
    Ok(on!(tx, c => sqlx::query_as(sql).bind(device.0).fetch_all(c).await?))
}

/// The live credential for a key id (a device pushing captures signs in with it).
pub async fn credential_by_key(tx: &mut Tx, key_id: &str) -> Result<Option<Credential>> {
    let sql =
        "SELECT id, device_id, key_id, secret_hash, issued_at, issued_by, revoked_at, revoked_by \
        FROM device_credentials WHERE key_id = $1 AND revoked_at IS NULL";
    Ok(on!(tx, c => sqlx::query_as(sql).bind(key_id).fetch_optional(c).await?))
}

/// Revokes the device's live credentials (all of them, or the one named). Returns how many.
pub async fn revoke_credentials(
    tx: &mut Tx,
    device: DeviceId,
    only: Option<i64>,
    by: Option<UserId>,
    now: DateTime<Utc>,
) -> Result<u64> {
    let sql = "UPDATE device_credentials SET revoked_at = $1, revoked_by = $2 \
        WHERE device_id = $3 AND revoked_at IS NULL AND ($4 = 0 OR id = $4)";
    Ok(on!(tx, c => sqlx::query(sql)
        .bind(now).bind(by.map(|u| u.0)).bind(device.0).bind(only.unwrap_or(0))
        .execute(c).await?.rows_affected()))
}
