//! Importing devices already in service from a ledger (CSV in UTF-8 or GBK, or XLSX), with
//! their history: state, formal-use date, registration and calibration. Every row is checked
//! first; a bad row is reported with its line and reason, and nothing is imported unless the
//! caller asks to skip bad rows. The import is one transaction and one audit entry.

use std::collections::{HashMap, HashSet};

use roadwarden_domain::device::upkeep::Certificate;
use roadwarden_domain::device::{AlertKind, DeviceState, SuspensionReason};
use roadwarden_domain::org::UnitPath;
use roadwarden_domain::UnitId;
use roadwarden_store::device_records::{self, NewCalibration, NewEvent};
use roadwarden_store::devices::{self, NewDevice};
use roadwarden_store::units::Unit;
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::registration_record;
use crate::context::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::services::audit::{record, Actor, Event};
use crate::services::context::ServiceContext;
use crate::services::Authority;

mod rows;
mod table;

use rows::*;
use table::*;
pub use table::{read_table, Table, COLUMNS};

/// One bad row: its line in the file (the header is line 1), the column and why.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RowError {
    pub line: usize,
    pub field: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    pub file_name: String,
    pub sha256: String,
    pub encoding: String,
    pub rows: usize,
    pub imported: usize,
    pub skipped: usize,
    /// DEV-04, DEV-05: rows in use (or in trial) whose dates do not prove the public notice and
    /// the full trial: imported suspended for review, never straight into formal use.
    pub held_for_review: usize,
    pub errors: Vec<RowError>,
    /// False when bad rows stopped the import (nothing was written).
    pub committed: bool,
}

/// A row that passed every check, ready to insert.
struct ValidRow {
    line: usize,
    new: NewDevice,
    certificate: Option<Certificate>,
    history: serde_json::Value,
}

/// Options for an import.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImportOptions {
    /// Import the good rows and report the bad ones, instead of importing nothing.
    pub skip_bad_rows: bool,
}

/// Validates and imports a ledger. `progress(done, total)` is called as rows are checked and
/// written.
pub async fn import(
    ctx: &ServiceContext,
    authority: Authority<'_>,
    meta: &RequestMeta,
    file_name: &str,
    bytes: &[u8],
    options: ImportOptions,
    progress: &(dyn Fn(usize, usize) + Send + Sync),
) -> AppResult<ImportReport> {
    let sha256 = hex::encode(Sha256::digest(bytes));
    let mut report = ImportReport {
        file_name: file_name.to_owned(),
        sha256: sha256.clone(),
        encoding: String::new(),
        rows: 0,
        imported: 0,
        skipped: 0,
        held_for_review: 0,
        errors: Vec::new(),
        committed: false,
    };
    let table = match read_table(bytes) {
        Ok(t) => t,
        Err(e) => {
            report.errors.push(e);
            return Ok(report);
        }
    };
    report.encoding = table.encoding.into();
    let cols = match column_map(&table.header) {
        Ok(c) => c,
        Err(e) => {
            report.errors.push(e);
            return Ok(report);
        }
    };
    let rows: Vec<(usize, &Vec<String>)> = table
        .rows
        .iter()
        .enumerate()
        .map(|(i, r)| (i + 2, r))
        .filter(|(_, r)| r.iter().any(|c| !c.trim().is_empty()))
        .collect();
    report.rows = rows.len();
    let total = rows.len() * 2;
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let mut units_by_code: HashMap<String, Result<Unit, String>> = HashMap::new();
    let mut seen = HashSet::new();
    let mut valid = Vec::new();
    for (n, (line, row)) in rows.iter().enumerate() {
        let get = |k: &str| {
            cols.get(k)
                .and_then(|i| row.get(*i))
                .map_or("", |s| s.as_str())
                .trim()
                .to_owned()
        };
        match check_row(ctx, &mut tx, authority, &get, &mut units_by_code, now).await {
            Ok((new, certificate, history)) => {
                if !seen.insert(new.number.clone()) {
                    report.errors.push(RowError {
                        line: *line,
                        field: "number".into(),
                        reason: format!("{} appears twice in this file", new.number),
                    });
                } else {
                    valid.push(ValidRow {
                        line: *line,
                        new,
                        certificate,
                        history,
                    });
                }
            }
            Err((field, reason)) => report.errors.push(RowError {
                line: *line,
                field,
                reason,
            }),
        }
        if n % 100 == 0 {
            progress(n + 1, total);
        }
    }
    if !report.errors.is_empty() && !options.skip_bad_rows {
        progress(total, total);
        return Ok(report);
    }
    let actor = Actor::of(authority, meta);
    let units_by_id: HashMap<roadwarden_domain::UnitId, Unit> = units_by_code
        .values()
        .filter_map(|u| u.as_ref().ok())
        .map(|u| (u.id, u.clone()))
        .collect();
    for (n, row) in valid.iter().enumerate() {
        // On PostgreSQL, statistics taken while the tables were nearly empty make every
        // lookup by id (foreign-key checks included) a scan that grows with the import:
        // refresh them once the import has put real rows in, and again as it grows.
        if matches!(n, 500 | 4_000) {
            devices::prepare_bulk_insert(&mut tx).await?;
        }
        let id = devices::insert(&mut tx, &row.new, now).await?;
        if let Some(cert) = &row.certificate {
            device_records::add_calibration(
                &mut tx,
                &NewCalibration {
                    device_id: id,
                    issuer: &cert.issuer,
                    certificate_no: &cert.number,
                    valid_from: cert.valid_from,
                    valid_until: cert.valid_until,
                    scan_sha256: None,
                    scan_name: "",
                    recorded_by: actor.user_id,
                },
                now,
            )
            .await
            .map_err(|e| match AppError::from(e) {
                AppError::Conflict { .. } => AppError::Conflict {
                    field: format!("calibration_no (line {})", row.line),
                },
                other => other,
            })?;
        }
        device_records::add_event(
            &mut tx,
            &NewEvent {
                device_id: id,
                action: "imported",
                from_state: None,
                to_state: Some(row.new.state),
                actor_user_id: actor.user_id,
                actor: &actor.name,
                actor_unit_id: actor.unit_id,
                reason: "",
                detail: json!({ "file": file_name, "sha256": sha256, "line": row.line, "history": row.history }),
            },
            row.new.state_since,
        )
        .await?;
        if row.new.state == DeviceState::Suspended {
            let (kind, detail, key) = match row.new.suspension_reason {
                Some(SuspensionReason::FormalUseNotProven) => (
                    AlertKind::FormalUseNotProven,
                    "DEV-04/DEV-05: imported as in use or in trial without the dates that prove its public notice and full trial, so suspended for review",
                    format!("formal-use-not-proven:{id}:import"),
                ),
                _ => (
                    AlertKind::CalibrationInvalid,
                    "SUP-05: imported with a lapsed calibration certificate, so suspended",
                    format!("calibration-invalid:{id}:import"),
                ),
            };
            device_records::add_alert(&mut tx, id, &row.new.unit_path, kind, detail, &key, now)
                .await?;
        }
        if let Some(unit) = units_by_id.get(&row.new.unit_id) {
            let device = row.new.as_inserted(id, unit, now);
            let rec = registration_record(&device, "import", None, &row.history, &actor.name, now);
            device_records::add_registration(
                &mut tx,
                id,
                &device.unit_path,
                "import",
                &rec,
                &actor.name,
                actor.user_id,
                now,
            )
            .await?;
        }
        if n % 100 == 0 {
            progress(rows.len() + n + 1, total);
        }
    }
    report.imported = valid.len();
    report.held_for_review = valid
        .iter()
        .filter(|r| r.new.suspension_reason == Some(SuspensionReason::FormalUseNotProven))
        .count();
    report.skipped = report.rows - valid.len();
    device_records::add_import(
        &mut tx,
        &actor.name,
        actor.unit_id,
        file_name,
        &sha256,
        report.rows as i64,
        report.imported as i64,
        report.skipped as i64,
        now,
    )
    .await?;
    // ORG-02: the entry concerns the units the devices were imported into. From the console
    // (no unit of its own) that is, per tree, the lowest unit above every imported device, so
    // each country's readers see their own import and not another's.
    let mut trees: Vec<UnitPath> = Vec::new();
    if actor.unit_id.is_none() {
        for row in &valid {
            let path = &row.new.unit_path;
            match trees
                .iter_mut()
                .find_map(|t| t.common_ancestor(path).map(|c| (t, c)))
            {
                Some((tree, common)) => *tree = common,
                None => trees.push(path.clone()),
            }
        }
    }
    let mut entry_units: Vec<Option<UnitId>> = trees.iter().map(UnitPath::unit_id).collect();
    if entry_units.is_empty() {
        entry_units.push(actor.unit_id);
    }
    for unit_id in entry_units {
        record(
            &mut tx,
            &actor,
            Event {
                action: "device.import",
                object_type: "device_import",
                object_id: sha256.clone(),
                unit_id: actor.unit_id.or(unit_id),
                detail: json!({
                    "file": file_name, "sha256": sha256, "encoding": report.encoding, "rows": report.rows,
                    "imported": report.imported, "skipped": report.skipped,
                    "bad_lines": report.errors.iter().map(|e| e.line).collect::<Vec<_>>(),
                }),
            },
            now,
        )
        .await?;
    }
    tx.commit().await?;
    progress(total, total);
    report.committed = true;
    Ok(report)
}
