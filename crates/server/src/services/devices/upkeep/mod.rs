//! DEV-10..15: calibration certificates, patrols, faults, the operation log, the DEV-11
//! ratings and the DEV-12 clean-up list.

use roadwarden_domain::codes::Code;

use chrono::Duration;
use roadwarden_blob::BlobId;
use roadwarden_domain::device::lifecycle::{check_oversight, Oversight};
use roadwarden_domain::device::upkeep::{
    check_fault_fixed, check_not_future, Certificate, ObservedStatus,
};
use roadwarden_domain::device::{text, AlertKind, DeviceState};
use roadwarden_domain::{DeviceId, FieldError, RuleViolation};
use roadwarden_store::device_records::{self, Calibration, NewCalibration};
use roadwarden_store::devices::{self, Device};
use roadwarden_store::Tx;
use serde::Deserialize;
use serde_json::json;

use super::registry::parse_time;
use super::{log_change, readable, Change};
use crate::auth::Principal;
use crate::context::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::policy::DeviceManagers;
use crate::services::audit::{record, Actor, Event};
use crate::services::context::ServiceContext;

mod report;
pub use report::{report, RatingRow, Report};

/// Locks a device the person manages (device manager at the managing unit or above).
async fn managed(tx: &mut Tx, p: &Principal, id: DeviceId, what: &str) -> AppResult<Device> {
    let device = devices::get_for_update(tx, id).await?;
    let device = readable(tx, p, device).await?;
    check_manager(p, &device, what)?;
    Ok(device)
}

/// A device manager at the managing unit or above, of a device that is not retired.
fn check_manager(p: &Principal, device: &Device, what: &str) -> AppResult<()> {
    if !p.may::<DeviceManagers>() {
        return Err(AppError::forbidden(
            Code::RoleMissing,
            format!("to {what} you need the role device_manager"),
        ));
    }
    check_oversight(
        p.scope(),
        &device.unit_path,
        Oversight::ManagingOrAbove,
        what,
    )?;
    if device.state == DeviceState::Retired {
        return Err(RuleViolation::new(
            "DEV-12",
            Code::DeviceRetired,
            "a retired device takes no more records",
        )
        .into());
    }
    Ok(())
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct CalibrationInput {
    pub issuer: String,
    pub certificate_no: String,
    /// YYYY-MM-DD
    pub valid_from: String,
    /// YYYY-MM-DD, the last valid day
    pub valid_until: String,
}

/// A scanned certificate: file name and bytes.
pub struct Scan {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// DEV-13: records a certificate (and its scan, kept write-once).
pub async fn add_calibration(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    id: DeviceId,
    input: &CalibrationInput,
    scan: Option<Scan>,
) -> AppResult<Calibration> {
    let cert = Certificate::parse(
        &input.issuer,
        &input.certificate_no,
        &input.valid_from,
        &input.valid_until,
    )?;
    let scan_name = scan
        .as_ref()
        .map(|s| text("scan", &s.name, 200, false))
        .transpose()?
        .unwrap_or_default();
    if let Some(s) = &scan {
        if s.bytes.is_empty() {
            return Err(FieldError::new("scan", "the file is empty").into());
        }
    }
    // Who may record is checked before anything is stored: the blob store is write-once.
    {
        let mut tx = ctx.store.begin_read().await?;
        let device = devices::get(&mut tx, id).await?;
        let device = readable(&mut tx, p, device).await?;
        check_manager(p, &device, "record a calibration")?;
    }
    // The blob is written before the record: write-once and content-addressed, so a failed
    // transaction leaves at most an unreferenced blob, never a record without its scan.
    let scan_id = match scan {
        Some(s) => Some(
            ctx.blobs
                .put(Box::pin(std::io::Cursor::new(s.bytes)), None)
                .await
                .map_err(AppError::internal)?
                .id,
        ),
        None => None,
    };
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let device = managed(&mut tx, p, id, "record a calibration").await?;
    let cid = device_records::add_calibration(
        &mut tx,
        &NewCalibration {
            device_id: id,
            issuer: &cert.issuer,
            certificate_no: &cert.number,
            valid_from: cert.valid_from,
            valid_until: cert.valid_until,
            scan_sha256: scan_id.as_ref().map(BlobId::as_str),
            scan_name: &scan_name,
            recorded_by: Some(p.user.id),
        },
        now,
    )
    .await
    .map_err(|e| match AppError::from(e) {
        AppError::Conflict { .. } => AppError::Conflict {
            field: "certificate_no".into(),
        },
        other => other,
    })?;
    log_change(
        &mut tx,
        &Actor::user(p, meta),
        &device,
        Change {
            action: "calibration_recorded",
            from_state: None,
            to_state: None,
            reason: "",
            detail: json!({ "issuer": cert.issuer, "certificate_no": cert.number, "valid_from": cert.valid_from, "valid_until": cert.valid_until, "scan": scan_id.as_ref().map(BlobId::as_str) }),
            registration: None,
        },
        now,
    )
    .await?;
    device_records::resolve_alerts(&mut tx, id, AlertKind::CalibrationExpiring, now).await?;
    let created = device_records::calibration(&mut tx, cid)
        .await?
        .ok_or(AppError::NotFound("calibration"))?;
    tx.commit().await?;
    Ok(created)
}

/// The scan of a certificate; reading it is recorded.
pub async fn calibration_scan(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    id: DeviceId,
    cid: i64,
) -> AppResult<(String, Vec<u8>)> {
    let mut tx = ctx.store.begin().await?;
    let device = devices::get(&mut tx, id).await?;
    let device = readable(&mut tx, p, device).await?;
    let cal = device_records::calibration(&mut tx, cid)
        .await?
        .filter(|c| c.device_id == id.0)
        .ok_or(AppError::NotFound("calibration"))?;
    let sha = cal.scan_sha256.clone().ok_or(AppError::NotFound("scan"))?;
    record(
        &mut tx,
        &Actor::user(p, meta),
        Event {
            action: "device.calibration_scan_read",
            object_type: "device",
            object_id: id.to_string(),
            unit_id: Some(device.unit_id),
            detail: json!({ "calibration": cid, "sha256": sha }),
        },
        ctx.clock.now(),
    )
    .await?;
    tx.commit().await?;
    let blob = BlobId::parse(&sha).map_err(AppError::internal)?;
    let bytes = ctx.blobs.get(&blob).await.map_err(AppError::internal)?;
    Ok((cal.scan_name, bytes))
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct PatrolInput {
    /// When the patrol looked at the device (local time or RFC 3339); now if empty.
    #[serde(default)]
    pub patrolled_at: String,
    pub patroller: String,
    /// The device, its signals, signs and markings and its images met the standard.
    #[serde(default)]
    pub conforming: bool,
    /// normal, degraded or offline
    pub status: String,
    #[serde(default)]
    pub findings: String,
}

/// DEV-10: a patrol record. Upkeep never changes the lifecycle (DEV-14).
pub async fn add_patrol(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    id: DeviceId,
    input: &PatrolInput,
) -> AppResult<i64> {
    let patroller = text("patroller", &input.patroller, 64, true)?;
    let status = ObservedStatus::parse(&input.status)?;
    let findings = text("findings", &input.findings, 2000, false)?;
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let device = managed(&mut tx, p, id, "record a patrol").await?;
    let at = if input.patrolled_at.trim().is_empty() {
        now
    } else {
        parse_time("patrolled_at", &input.patrolled_at, device.tz())?
    };
    check_not_future("patrolled_at", at, now)?;
    if !input.conforming && findings.is_empty() {
        return Err(FieldError::new("findings", "say what did not conform").into());
    }
    let pid = device_records::add_patrol(
        &mut tx,
        id,
        at,
        &patroller,
        input.conforming,
        status,
        &findings,
        Some(p.user.id),
        now,
    )
    .await?;
    devices::set_last_patrol(&mut tx, id, at).await?;
    log_change(
        &mut tx,
        &Actor::user(p, meta),
        &device,
        Change { action: "patrol", from_state: None, to_state: None, reason: &findings, detail: json!({ "patrol": pid, "conforming": input.conforming, "status": status.as_str(), "at": at }), registration: None },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(pid)
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct FaultInput {
    #[serde(default)]
    pub opened_at: String,
    pub description: String,
}

pub async fn open_fault(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    id: DeviceId,
    input: &FaultInput,
) -> AppResult<i64> {
    let description = text("description", &input.description, 2000, true)?;
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let device = managed(&mut tx, p, id, "record a fault").await?;
    let at = if input.opened_at.trim().is_empty() {
        now
    } else {
        parse_time("opened_at", &input.opened_at, device.tz())?
    };
    check_not_future("opened_at", at, now)?;
    let fid = device_records::add_fault(&mut tx, id, at, &description, Some(p.user.id)).await?;
    log_change(
        &mut tx,
        &Actor::user(p, meta),
        &device,
        Change {
            action: "fault_opened",
            from_state: None,
            to_state: None,
            reason: &description,
            detail: json!({ "fault": fid, "at": at }),
            registration: None,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(fid)
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct FixInput {
    #[serde(default)]
    pub fixed_at: String,
    pub note: String,
}

pub async fn fix_fault(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    id: DeviceId,
    fault_id: i64,
    input: &FixInput,
) -> AppResult<()> {
    let note = text("note", &input.note, 2000, true)?;
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let device = managed(&mut tx, p, id, "close a fault").await?;
    let fault = device_records::fault(&mut tx, fault_id)
        .await?
        .filter(|f| f.device_id == id.0)
        .ok_or(AppError::NotFound("fault"))?;
    if fault.fixed_at.is_some() {
        return Err(RuleViolation::new(
            "DEV-10",
            Code::FaultAlreadyFixed,
            "this fault is already closed",
        )
        .into());
    }
    let at = if input.fixed_at.trim().is_empty() {
        now
    } else {
        parse_time("fixed_at", &input.fixed_at, device.tz())?
    };
    check_fault_fixed(fault.opened_at, at, now)?;
    device_records::fix_fault(&mut tx, fault_id, at, &note, Some(p.user.id)).await?;
    let hours = (at - fault.opened_at).num_minutes() as f64 / 60.0;
    log_change(
        &mut tx,
        &Actor::user(p, meta),
        &device,
        Change {
            action: "fault_fixed",
            from_state: None,
            to_state: None,
            reason: &note,
            detail: json!({ "fault": fault_id, "hours_to_fix": (hours * 10.0).round() / 10.0 }),
            registration: None,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct OperationInput {
    /// What was done, e.g. "restarted the capture unit", "daily status check".
    pub action: String,
    /// DEV-15: the status the operator confirms: normal, degraded or offline.
    pub status: String,
    #[serde(default)]
    pub note: String,
}

/// DEV-15: an operation-log entry with the status the operator confirms.
pub async fn log_operation(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    id: DeviceId,
    input: &OperationInput,
) -> AppResult<i64> {
    let action = text("action", &input.action, 200, true)?;
    let status = ObservedStatus::parse(&input.status)?;
    let note = text("note", &input.note, 2000, false)?;
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let device = managed(&mut tx, p, id, "log an operation").await?;
    let oid = device_records::add_operation(
        &mut tx,
        id,
        now,
        &action,
        status,
        &note,
        Some(p.user.id),
        &p.user.full_name,
    )
    .await?;
    log_change(
        &mut tx,
        &Actor::user(p, meta),
        &device,
        Change {
            action: "operation",
            from_state: None,
            to_state: None,
            reason: &note,
            detail: json!({ "operation": oid, "what": action, "status": status.as_str() }),
            registration: None,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(oid)
}

/// DEV-12: the clean-up list of `year` in the person's scope.
pub async fn cleanup_list(
    ctx: &ServiceContext,
    p: &Principal,
    year: i32,
) -> AppResult<Vec<device_records::CleanupItem>> {
    let mut tx = ctx.store.begin_read().await?;
    Ok(device_records::cleanup_items(&mut tx, p.scope(), year).await?)
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct CleanupDecision {
    /// keep (with a reason) or retire
    pub resolution: String,
    pub reason: String,
}

/// DEV-12: a device on the list is kept (with a reason) or retired.
pub async fn resolve_cleanup(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    item_id: i64,
    input: &CleanupDecision,
) -> AppResult<()> {
    let reason = text("reason", &input.reason, 1000, true)?;
    let resolution = input.resolution.trim();
    if !matches!(resolution, "keep" | "retire") {
        return Err(FieldError::new("resolution", "must be keep or retire").into());
    }
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let (_, device_id, done) = device_records::cleanup_item(&mut tx, item_id)
        .await?
        .ok_or(AppError::NotFound("clean-up item"))?;
    // Scope first, so an item of another unit is "not found" whatever its status (ORG-02).
    let device = managed(&mut tx, p, DeviceId(device_id), "resolve a clean-up item").await?;
    if done.is_some() {
        return Err(RuleViolation::new(
            "DEV-12",
            Code::CleanupAlreadyResolved,
            "this item is already resolved",
        )
        .into());
    }
    let actor = Actor::user(p, meta);
    if resolution == "retire" {
        super::lifecycle::run_step(
            ctx,
            &mut tx,
            &actor,
            &device,
            roadwarden_domain::device::Step::Retire,
            &reason,
            json!({ "cleanup_item": item_id }),
            now,
        )
        .await?;
    } else {
        log_change(
            &mut tx,
            &actor,
            &device,
            Change {
                action: "cleanup_kept",
                from_state: None,
                to_state: None,
                reason: &reason,
                detail: json!({ "cleanup_item": item_id }),
                registration: None,
            },
            now,
        )
        .await?;
    }
    device_records::resolve_cleanup_item(&mut tx, item_id, resolution, Some(p.user.id), now)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// The window of DEV-12 from configuration.
pub fn cleanup_window(ctx: &ServiceContext) -> Duration {
    Duration::days(ctx.settings.devices.cleanup_window_days.max(1))
}
