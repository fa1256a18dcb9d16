//! DEV-13 calibration certificates.

use chrono::{DateTime, NaiveDate, Utc};
use roadwarden_domain::{DeviceId, UserId};
use serde::Serialize;

use crate::{on, Result, Tx};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Calibration {
    pub id: i64,
    pub device_id: i64,
    pub issuer: String,
    pub certificate_no: String,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    pub scan_sha256: Option<String>,
    pub scan_name: String,
    pub recorded_by: Option<i64>,
    pub recorded_at: DateTime<Utc>,
}

pub struct NewCalibration<'a> {
    pub device_id: DeviceId,
    pub issuer: &'a str,
    pub certificate_no: &'a str,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    pub scan_sha256: Option<&'a str>,
    pub scan_name: &'a str,
    pub recorded_by: Option<UserId>,
}

pub async fn add_calibration(
    tx: &mut Tx,
    n: &NewCalibration<'_>,
    now: DateTime<Utc>,
) -> Result<i64> {
    let sql = "INSERT INTO device_calibrations (device_id, issuer, certificate_no, valid_from, \
        valid_until, scan_sha256, scan_name, recorded_by, recorded_at) \
        VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING id";
    Ok(on!(tx, c => sqlx::query_scalar(sql)
        .bind(n.device_id.0).bind(n.issuer).bind(n.certificate_no).bind(n.valid_from)
        .bind(n.valid_until).bind(n.scan_sha256).bind(n.scan_name)
        .bind(n.recorded_by.map(|u| u.0)).bind(now)
        .fetch_one(c).await?))
}

pub async fn calibrations(tx: &mut Tx, device: DeviceId) -> Result<Vec<Calibration>> {
    let sql =
        "SELECT id, device_id, issuer, certificate_no, valid_from, valid_until, scan_sha256, \
        scan_name, recorded_by, recorded_at FROM device_calibrations WHERE device_id = $1 \
        ORDER BY valid_until DESC, id DESC";
    Ok(on!(tx, c => sqlx::query_as(sql).bind(device.0).fetch_all(c).await?))
}

pub async fn calibration(tx: &mut Tx, id: i64) -> Result<Option<Calibration>> {
    let sql =
        "SELECT id, device_id, issuer, certificate_no, valid_from, valid_until, scan_sha256, \
        scan_name, recorded_by, recorded_at FROM device_calibrations WHERE id = $1";
    Ok(on!(tx, c => sqlx::query_as(sql).bind(id).fetch_optional(c).await?))
}

/// The validity periods of a device's certificates, for the domain's checks.
pub async fn calibration_periods(
    tx: &mut Tx,
    device: DeviceId,
) -> Result<Vec<(NaiveDate, NaiveDate)>> {
    let sql = "SELECT valid_from, valid_until FROM device_calibrations WHERE device_id = $1";
    Ok(on!(tx, c => sqlx::query_as(sql).bind(device.0).fetch_all(c).await?))
}
