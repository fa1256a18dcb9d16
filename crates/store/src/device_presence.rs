//! SUP-02: when each device was last heard from, and the silences of an hour or more between
//! two pushes. The service writes at most once a minute per device (see
//! `services::devices::presence`), so a busy camera costs one small write a minute.

use chrono::{DateTime, Utc};
use roadwarden_domain::DeviceId;

use crate::{on, truncate_micros, Result, Tx};

/// When `device` was last heard from, if ever.
pub async fn last_seen(tx: &mut Tx, device: DeviceId) -> Result<Option<DateTime<Utc>>> {
    let sql = "SELECT last_seen_at FROM device_presence WHERE device_id = $1";
    let row: Option<(DateTime<Utc>,)> =
        on!(tx, c => sqlx::query_as(sql).bind(device.0).fetch_optional(c).await?);
    Ok(row.map(|r| r.0))
}

/// `device` was heard from at `at`.
pub async fn set_seen(tx: &mut Tx, device: DeviceId, at: DateTime<Utc>) -> Result<()> {
    let sql = "INSERT INTO device_presence (device_id, last_seen_at) VALUES ($1, $2) \
        ON CONFLICT (device_id) DO UPDATE SET last_seen_at = excluded.last_seen_at";
    on!(tx, c => sqlx::query(sql).bind(device.0).bind(truncate_micros(at)).execute(c).await.map(|_| ())?);
    Ok(())
}

/// A silence that ended: nothing was heard from the device between `began` and `ended`.
pub async fn add_silence(
    tx: &mut Tx,
    device: DeviceId,
    unit_path: &str,
    began: DateTime<Utc>,
    ended: DateTime<Utc>,
) -> Result<()> {
    let hours = (ended - began).num_hours().max(0);
    let sql = "INSERT INTO device_silences (device_id, unit_path, began_at, ended_at, hours) \
        VALUES ($1, $2, $3, $4, $5)";
    on!(tx, c => sqlx::query(sql)
        .bind(device.0).bind(unit_path).bind(truncate_micros(began)).bind(truncate_micros(ended))
        .bind(hours).execute(c).await.map(|_| ())?);
    Ok(())
}
