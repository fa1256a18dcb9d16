//! The records kept about each device: its lifecycle timeline, assessments and reviews
//! (DEV-02, DEV-03), push credentials, calibration certificates (DEV-13), patrols, faults and
//! the operation log (DEV-10, DEV-15), registrations with the command platform (DEV-07),
//! alerts, the yearly clean-up list (DEV-12) and ledger imports.
//!
//! Why this file is long (over 600 lines): one small repository per record table of a device
//! (each under 60 lines: its row, its insert, its reads), all keyed by the device and read
//! together by the device page; splitting them would scatter one page's reads over ten files.

use chrono::{DateTime, NaiveDate, Utc};
use roadwarden_domain::org::UnitPath;
use roadwarden_domain::{DeviceId, UnitId, UserId};
use serde::Serialize;

use crate::{on, path_range, Result, Tx};

// ---- the lifecycle timeline ------------------------------------------------------------

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct DeviceEvent {
    pub id: i64,
    pub device_id: i64,
    pub at: DateTime<Utc>,
    pub action: String,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    pub actor_user_id: Option<i64>,
    pub actor: String,
    pub actor_unit_id: Option<i64>,
    pub reason: String,
    pub detail: String,
}

#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    pub device_id: DeviceId,
    pub action: &'a str,
    pub from_state: Option<&'a str>,
    pub to_state: Option<&'a str>,
    pub actor_user_id: Option<UserId>,
    pub actor: &'a str,
    pub actor_unit_id: Option<UnitId>,
    pub reason: &'a str,
    pub detail: serde_json::Value,
}

pub async fn add_event(tx: &mut Tx, e: &NewEvent<'_>, at: DateTime<Utc>) -> Result<()> {
    let sql =
        "INSERT INTO device_events (device_id, at, action, from_state, to_state, actor_user_id, \
        actor, actor_unit_id, reason, detail) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)";
    on!(tx, c => sqlx::query(sql)
        .bind(e.device_id.0).bind(at).bind(e.action).bind(e.from_state).bind(e.to_state)
        .bind(e.actor_user_id.map(|u| u.0)).bind(e.actor).bind(e.actor_unit_id.map(|u| u.0))
        .bind(e.reason).bind(e.detail.to_string())
        .execute(c).await?.rows_affected());
    Ok(())
}

pub async fn events(tx: &mut Tx, device: DeviceId) -> Result<Vec<DeviceEvent>> {
    let sql = "SELECT id, device_id, at, action, from_state, to_state, actor_user_id, actor, \
        actor_unit_id, reason, detail FROM device_events WHERE device_id = $1 ORDER BY at, id";
    Ok(on!(tx, c => sqlx::query_as(sql).bind(device.0).fetch_all(c).await?))
}

// ---- DEV-02 assessments and DEV-03 reviews -----------------------------------------------

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Assessment {
    pub id: i64,
    pub device_id: i64,
    pub purpose: String,
    pub necessity: String,
    pub conditions: String,
    pub facilities_ok: bool,
    pub goal: String,
    pub filed_by: Option<i64>,
    pub filed_unit_id: Option<i64>,
    pub filed_at: DateTime<Utc>,
    pub outcome: String,
    pub decided_at: Option<DateTime<Utc>>,
}

pub struct NewAssessment<'a> {
    pub device_id: DeviceId,
    pub purpose: &'a str,
    pub necessity: &'a str,
    pub conditions: &'a str,
    pub facilities_ok: bool,
    pub goal: &'a str,
    pub filed_by: Option<UserId>,
    pub filed_unit: Option<UnitId>,
}

pub async fn add_assessment(tx: &mut Tx, a: &NewAssessment<'_>, now: DateTime<Utc>) -> Result<i64> {
    let sql = "INSERT INTO device_assessments (device_id, purpose, necessity, conditions, \
        facilities_ok, goal, filed_by, filed_unit_id, filed_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING id";
    Ok(on!(tx, c => sqlx::query_scalar(sql)
        .bind(a.device_id.0).bind(a.purpose).bind(a.necessity).bind(a.conditions)
        .bind(a.facilities_ok).bind(a.goal).bind(a.filed_by.map(|u| u.0))
        .bind(a.filed_unit.map(|u| u.0)).bind(now)
        .fetch_one(c).await?))
}

const ASSESSMENT_COLUMNS: &str =
    "id, device_id, purpose, necessity, conditions, facilities_ok, goal, \
    filed_by, filed_unit_id, filed_at, outcome, decided_at";

pub async fn assessments(tx: &mut Tx, device: DeviceId) -> Result<Vec<Assessment>> {
    let sql = format!(
        "SELECT {ASSESSMENT_COLUMNS} FROM device_assessments WHERE device_id = $1 ORDER BY id"
    );
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(device.0).fetch_all(c).await?))
}

/// The round under review, if any.
pub async fn pending_assessment(tx: &mut Tx, device: DeviceId) -> Result<Option<Assessment>> {
    let sql = format!(
        "SELECT {ASSESSMENT_COLUMNS} FROM device_assessments WHERE device_id = $1 AND outcome = 'pending' ORDER BY id DESC LIMIT 1"
    );
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(device.0).fetch_optional(c).await?))
}

pub async fn decide_assessment(
    tx: &mut Tx,
    id: i64,
    outcome: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    on!(tx, c => sqlx::query("UPDATE device_assessments SET outcome = $1, decided_at = $2 WHERE id = $3")
        .bind(outcome).bind(now).bind(id).execute(c).await?.rows_affected());
    Ok(())
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Review {
    pub id: i64,
    pub assessment_id: i64,
    pub device_id: i64,
    pub department: String,
    pub decision: String,
    pub reason: String,
    pub reviewer_user_id: i64,
    pub reviewer_name: String,
    pub reviewer_unit_id: i64,
    pub at: DateTime<Utc>,
}

pub struct NewReview<'a> {
    pub assessment_id: i64,
    pub device_id: DeviceId,
    pub department: &'a str,
    pub decision: &'a str,
    pub reason: &'a str,
    pub reviewer: UserId,
    pub reviewer_unit: UnitId,
}

pub async fn add_review(tx: &mut Tx, r: &NewReview<'_>, now: DateTime<Utc>) -> Result<()> {
    let sql =
        "INSERT INTO device_reviews (assessment_id, device_id, department, decision, reason, \
        reviewer_user_id, reviewer_unit_id, at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)";
    on!(tx, c => sqlx::query(sql)
        .bind(r.assessment_id).bind(r.device_id.0).bind(r.department).bind(r.decision)
        .bind(r.reason).bind(r.reviewer.0).bind(r.reviewer_unit.0).bind(now)
        .execute(c).await?.rows_affected());
    Ok(())
}

pub async fn reviews(tx: &mut Tx, device: DeviceId) -> Result<Vec<Review>> {
    let sql = "SELECT r.id, r.assessment_id, r.device_id, r.department, r.decision, r.reason, \
        r.reviewer_user_id, u.full_name AS reviewer_name, r.reviewer_unit_id, r.at \
        FROM device_reviews r JOIN users u ON u.id = r.reviewer_user_id \
        WHERE r.device_id = $1 ORDER BY r.id";
    Ok(on!(tx, c => sqlx::query_as(sql).bind(device.0).fetch_all(c).await?))
}

/// DEV-03 inbox: devices under review in `scope` whose pending round the department has not
/// decided yet, oldest first.
pub async fn review_inbox(
    tx: &mut Tx,
    scope: &UnitPath,
    department: &str,
    limit: i64,
) -> Result<Vec<(i64, i64, DateTime<Utc>)>> {
    let (low, high) = path_range(scope.as_str());
    let sql = "SELECT d.id, a.id, a.filed_at FROM devices d \
        JOIN device_assessments a ON a.device_id = d.id AND a.outcome = 'pending' \
        WHERE d.state = 'under_review' AND d.unit_path >= $1 AND d.unit_path < $2 \
        AND NOT EXISTS (SELECT 1 FROM device_reviews r WHERE r.assessment_id = a.id AND r.department = $3) \
        ORDER BY a.filed_at, d.id LIMIT $4";
    Ok(
        on!(tx, c => sqlx::query_as(sql).bind(&low).bind(&high).bind(department).bind(limit).fetch_all(c).await?),
    )
}

// ---- push credentials -----------------------------------------------------------------------

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

// ---- DEV-13 calibration ---------------------------------------------------------------------

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

// ---- DEV-10 patrols and faults, DEV-15 operation log ----------------------------------------

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Patrol {
    pub id: i64,
    pub device_id: i64,
    pub patrolled_at: DateTime<Utc>,
    pub patroller: String,
    pub conforming: bool,
    pub status: String,
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
    status: &str,
    findings: &str,
    by: Option<UserId>,
    now: DateTime<Utc>,
) -> Result<i64> {
    let sql =
        "INSERT INTO device_patrols (device_id, patrolled_at, patroller, conforming, status, \
        findings, recorded_by, recorded_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING id";
    Ok(on!(tx, c => sqlx::query_scalar(sql)
        .bind(device.0).bind(patrolled_at).bind(patroller).bind(conforming).bind(status)
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
    pub status: String,
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
    status: &str,
    note: &str,
    operator_id: Option<UserId>,
    operator: &str,
) -> Result<i64> {
    let sql = "INSERT INTO device_operations (device_id, at, action, status, note, operator_id, operator) \
        VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING id";
    Ok(on!(tx, c => sqlx::query_scalar(sql)
        .bind(device.0).bind(at).bind(action).bind(status).bind(note)
        .bind(operator_id.map(|u| u.0)).bind(operator)
        .fetch_one(c).await?))
}

pub async fn operations(tx: &mut Tx, device: DeviceId, limit: i64) -> Result<Vec<Operation>> {
    let sql = "SELECT id, device_id, at, action, status, note, operator_id, operator \
        FROM device_operations WHERE device_id = $1 ORDER BY at DESC, id DESC LIMIT $2";
    Ok(on!(tx, c => sqlx::query_as(sql).bind(device.0).bind(limit).fetch_all(c).await?))
}

// ---- DEV-07 registrations -------------------------------------------------------------------

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

// ---- alerts ---------------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Alert {
    pub id: i64,
    pub device_id: i64,
    pub number: String,
    pub name: String,
    pub kind: String,
    pub detail: String,
    pub created_at: DateTime<Utc>,
}

/// Adds an alert once per `dedupe_key`; returns whether it was new.
pub async fn add_alert(
    tx: &mut Tx,
    device: DeviceId,
    unit_path: &UnitPath,
    kind: &str,
    detail: &str,
    dedupe_key: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let sql =
        "INSERT INTO device_alerts (device_id, unit_path, kind, detail, dedupe_key, created_at) \
        VALUES ($1,$2,$3,$4,$5,$6) ON CONFLICT (dedupe_key) DO NOTHING";
    let n = on!(tx, c => sqlx::query(sql).bind(device.0).bind(unit_path.as_str()).bind(kind)
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
    kind: &str,
    now: DateTime<Utc>,
) -> Result<u64> {
    Ok(
        on!(tx, c => sqlx::query("UPDATE device_alerts SET resolved_at = $1 WHERE device_id = $2 AND kind = $3 AND resolved_at IS NULL")
        .bind(now).bind(device.0).bind(kind).execute(c).await?.rows_affected()),
    )
}

// ---- DEV-12 clean-up --------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct CleanupItem {
    pub id: i64,
    pub year: i32,
    pub device_id: i64,
    pub number: String,
    pub name: String,
    pub state: String,
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

// ---- imports ---------------------------------------------------------------------------------

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
