//! Importing devices already in service from a ledger (CSV in UTF-8 or GBK, or XLSX), with
//! their history: state, formal-use date, registration and calibration. Every row is checked
//! first; a bad row is reported with its line and reason, and nothing is imported unless the
//! caller asks to skip bad rows. The import is one transaction and one audit entry.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use roadwarden_domain::device::lifecycle::{
    after_days, after_months, check_formal_use_history, check_notice_before_trial, hold_for_review,
    EntryHistory,
};
use roadwarden_domain::device::upkeep::Certificate;
use roadwarden_domain::device::{DeviceKind, DeviceState, SuspensionReason};
use roadwarden_domain::org::UnitPath;
use roadwarden_domain::UnitId;
use roadwarden_store::device_records::{self, NewCalibration, NewEvent};
use roadwarden_store::devices::{self, NewDevice};
use roadwarden_store::units::{self, Unit};
use roadwarden_store::Tx;
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::registration_record;
use super::registry::{managing_unit, parse_time, validate_fields, DeviceInput};
use crate::context::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::services::audit::{record, Actor, Event};
use crate::services::context::ServiceContext;
use crate::services::Authority;

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

/// The ledger's columns: the English name, and the Chinese heading a ledger may use instead.
pub const COLUMNS: &[(&str, &str)] = &[
    ("number", "设备编号"),
    ("kind", "设备类型"),
    ("unit_code", "管理单位代码"),
    ("name", "设备名称"),
    ("maintainer", "维护单位"),
    ("leader", "责任领导"),
    ("department", "责任部门"),
    ("violation_types", "违法类型"),
    ("make", "品牌"),
    ("model", "型号"),
    ("serial", "序列号"),
    ("mac", "MAC地址"),
    ("channel", "通道"),
    ("road", "道路"),
    ("road_class", "道路等级"),
    ("km_marker", "公里桩"),
    ("place", "地点"),
    ("nearest_village", "附近村庄"),
    ("direction", "方向"),
    ("longitude", "经度"),
    ("latitude", "纬度"),
    ("state", "状态"),
    ("installed_on", "安装日期"),
    ("in_use_since", "正式启用日期"),
    ("notice_started", "公示开始日期"),
    ("trial_started", "试用开始日期"),
    ("evaluated_on", "效果评估日期"),
    ("last_valid_capture_on", "最近有效抓拍日期"),
    ("registered_on", "备案日期"),
    ("platform_ref", "备案编号"),
    ("calibration_issuer", "检定机构"),
    ("calibration_no", "检定证书编号"),
    ("calibration_valid_from", "检定有效期起"),
    ("calibration_valid_until", "检定有效期止"),
];

const REQUIRED: &[&str] = &[
    "number",
    "kind",
    "unit_code",
    "name",
    "maintainer",
    "leader",
    "department",
    "state",
];

/// A decoded table: headings and rows of text cells.
pub struct Table {
    pub encoding: &'static str,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// Reads a ledger file: XLSX by its signature, otherwise CSV in UTF-8 (with or without BOM)
/// or, failing that, GBK/GB18030.
pub fn read_table(bytes: &[u8]) -> Result<Table, RowError> {
    let file_error = |reason: String| RowError {
        line: 0,
        field: "file".into(),
        reason,
    };
    if bytes.starts_with(b"PK\x03\x04") {
        use calamine::Reader;
        let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes))
            .map_err(|e| file_error(format!("not a readable XLSX workbook: {e}")))?;
        let range = book
            .worksheet_range_at(0)
            .ok_or_else(|| file_error("the workbook has no sheet".into()))?
            .map_err(|e| file_error(format!("the first sheet cannot be read: {e}")))?;
        let mut rows = range
            .rows()
            .map(|r| r.iter().map(cell_text).collect::<Vec<_>>());
        let header = rows
            .next()
            .ok_or_else(|| file_error("the sheet is empty".into()))?;
        return Ok(Table {
            encoding: "xlsx",
            header,
            rows: rows.collect(),
        });
    }
    if bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]) {
        return Err(file_error(
            "the file is UTF-16 text: save the ledger as CSV in UTF-8 or GBK, or as XLSX".into(),
        ));
    }
    let (text, encoding) = match std::str::from_utf8(bytes) {
        Ok(s) => (s.trim_start_matches('\u{feff}').to_owned(), "utf-8"),
        Err(_) => {
            let (decoded, _, had_errors) = encoding_rs::GB18030.decode(bytes);
            if had_errors {
                return Err(file_error(
                    "the file is neither UTF-8 nor GBK text, nor an XLSX workbook".into(),
                ));
            }
            (decoded.into_owned(), "gbk")
        }
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let rec = rec.map_err(|e| RowError {
            line: i + 1,
            field: "file".into(),
            reason: format!("not valid CSV: {e}"),
        })?;
        records.push(rec.iter().map(|c| c.trim().to_owned()).collect::<Vec<_>>());
    }
    let mut it = records.into_iter();
    let header = it
        .next()
        .ok_or_else(|| file_error("the file is empty".into()))?;
    Ok(Table {
        encoding,
        header,
        rows: it.collect(),
    })
}

fn cell_text(c: &calamine::Data) -> String {
    match c {
        calamine::Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        // Excel serial days since 1899-12-30.
        calamine::Data::DateTime(d) => chrono::NaiveDate::from_ymd_opt(1899, 12, 30)
            .and_then(|base| base.checked_add_days(chrono::Days::new(d.as_f64().max(0.0) as u64)))
            .map(|t| t.format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
        other => other.to_string().trim().to_owned(),
    }
}

/// Column positions by English name.
fn column_map(header: &[String]) -> Result<HashMap<&'static str, usize>, RowError> {
    let mut map = HashMap::new();
    for (i, h) in header.iter().enumerate() {
        let h = h.trim().trim_start_matches('\u{feff}');
        if let Some((en, _)) = COLUMNS
            .iter()
            .find(|(en, zh)| en.eq_ignore_ascii_case(h) || *zh == h)
        {
            map.insert(*en, i);
        }
    }
    for req in REQUIRED {
        if !map.contains_key(req) {
            return Err(RowError {
                line: 1,
                field: (*req).into(),
                reason: "this column is missing from the header".into(),
            });
        }
    }
    Ok(map)
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
                to_state: Some(row.new.state.as_str()),
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
                    "formal_use_not_proven",
                    "DEV-04/DEV-05: imported as in use or in trial without the dates that prove its public notice and full trial, so suspended for review",
                    format!("formal-use-not-proven:{id}:import"),
                ),
                _ => (
                    "calibration_invalid",
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

type RowResult = Result<(NewDevice, Option<Certificate>, serde_json::Value), (String, String)>;

async fn check_row(
    ctx: &ServiceContext,
    tx: &mut Tx,
    authority: Authority<'_>,
    get: &(dyn Fn(&str) -> String + Sync),
    units_by_code: &mut HashMap<String, Result<Unit, String>>,
    now: DateTime<Utc>,
) -> RowResult {
    let err = |field: &str, reason: String| (field.to_owned(), reason);
    let app = |e: AppError| match &e {
        AppError::BadInput(f) => (f.field.to_owned(), f.reason.clone()),
        AppError::Rule(r) => (
            rule_field(r.rule).into(),
            format!("{} ({})", r.message, r.rule),
        ),
        AppError::Conflict { field } => (field.clone(), "already exists".into()),
        AppError::NotFound(what) => (
            "unit_code".into(),
            format!("{what} not found in your scope"),
        ),
        other => ("row".into(), other.to_string()),
    };
    let kind_raw = get("kind");
    let kind = DeviceKind::parse(&kind_raw)
        .ok()
        .or_else(|| DeviceKind::from_code(&format!("{:0>2}", kind_raw)))
        .ok_or_else(|| {
            err(
                "kind",
                format!("'{kind_raw}' is not a device kind (DEV-01)"),
            )
        })?;
    let code = get("unit_code");
    let unit = match units_by_code.get(&code) {
        Some(found) => found.clone(),
        None => {
            let found = match units::get_by_code(tx, &code).await {
                Ok(Some(u)) => match managing_unit(tx, authority, u.id.0).await {
                    Ok(u) => Ok(u),
                    Err(e) => Err(app(e).1),
                },
                Ok(None) => Err(format!("no unit with code '{code}'")),
                Err(e) => Err(e.to_string()),
            };
            units_by_code.insert(code.clone(), found.clone());
            found
        }
    }
    .map_err(|reason| err("unit_code", reason))?;
    let split = |s: String| -> Vec<String> {
        s.split([';', '；', '、', '|', ','])
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .collect()
    };
    let coord = |k: &str| -> Result<Option<f64>, (String, String)> {
        let v = get(k);
        if v.is_empty() {
            return Ok(None);
        }
        v.parse::<f64>()
            .map(Some)
            .map_err(|_| err(k, format!("'{v}' is not a number")))
    };
    let input = DeviceInput {
        number: get("number"),
        kind: kind.as_str().into(),
        unit_id: unit.id.0,
        name: get("name"),
        maintainer: get("maintainer"),
        leader: get("leader"),
        department: get("department"),
        violation_types: split(get("violation_types")),
        make: get("make"),
        model: get("model"),
        serial: get("serial"),
        mac: get("mac"),
        channel: get("channel"),
        road: get("road"),
        road_class: get("road_class"),
        km_marker: get("km_marker"),
        place: get("place"),
        nearest_village: get("nearest_village"),
        direction: get("direction"),
        longitude: coord("longitude")?,
        latitude: coord("latitude")?,
        measuring: None,
    };
    let fields = validate_fields(&input, kind, unit.country).map_err(app)?;
    let number = super::registry::fresh_number(ctx, tx, &input.number, kind, &unit)
        .await
        .map_err(app)?;
    let tz = unit.tz();
    let time = |k: &'static str| -> Result<Option<DateTime<Utc>>, (String, String)> {
        let v = get(k);
        if v.is_empty() {
            return Ok(None);
        }
        let t = parse_time(k, &v, tz).map_err(app)?;
        if t > now {
            return Err(err(k, "is in the future".into()));
        }
        Ok(Some(t))
    };
    let state_raw = get("state");
    let dev_state = DeviceState::parse(&state_raw)
        .map_err(|_| err("state", format!("'{state_raw}' is not a device state")))?;
    let installed = time("installed_on")?;
    let in_use_since = time("in_use_since")?;
    let notice_started = time("notice_started")?;
    let trial_started = time("trial_started")?;
    let evaluated = time("evaluated_on")?;
    let last_capture = time("last_valid_capture_on")?;
    let registered = time("registered_on")?;
    let platform_ref = get("platform_ref");
    let periods = ctx.settings.devices.periods();
    let mut new = NewDevice {
        number,
        kind,
        unit_id: unit.id,
        unit_path: unit.path.clone(),
        fields,
        state: dev_state,
        state_since: now,
        in_use_since: None,
        evaluation_due_at: None,
        trial_min_end_at: None,
        notice_ends_at: None,
        registered_at: registered,
        platform_ref,
        last_valid_capture_at: last_capture,
        resume_to: None,
        suspension_reason: None,
        installed_at: installed.or(in_use_since).or(trial_started).unwrap_or(now),
    };
    let mut unproven_reason: Option<String> = None;
    // Only the states a ledger can truthfully carry: anything under review or on notice is
    // proposed afresh in Roadwarden, so its review is on record.
    match dev_state {
        DeviceState::InUse | DeviceState::Stopped | DeviceState::Retired => {
            let since = in_use_since.ok_or_else(|| {
                err(
                    "in_use_since",
                    "a device that was in formal use names the date it began".into(),
                )
            })?;
            new.in_use_since = Some(since);
            new.state_since = if dev_state == DeviceState::InUse {
                since
            } else {
                now
            };
            if dev_state == DeviceState::InUse && kind.is_fixed() && registered.is_none() {
                return Err(err("registered_on", "a fixed device in formal use was registered with the command platform (DEV-07): give the date".into()));
            }
            let entry = EntryHistory {
                notice_started,
                trial_started,
                in_use_since: Some(since),
            };
            let proof = if dev_state == DeviceState::InUse {
                check_formal_use_history(kind, &entry, &periods, tz)
            } else {
                Ok(())
            };
            if let Err(unproven) = proof {
                // DEV-04, DEV-05: the same periods as a step into formal use. Without the dates
                // that prove them, the device comes in suspended for review, and the review
                // sends it through the whole notice and trial before it may enforce.
                hold(&mut new, &unproven, now, &periods, tz);
                unproven_reason = Some(format!("{} ({})", unproven.message, unproven.rule));
            } else if dev_state == DeviceState::InUse {
                new.notice_ends_at = notice_started.map(|t| after_days(t, periods.notice_days, tz));
                new.trial_min_end_at = trial_started.map(|t| after_days(t, periods.trial_days, tz));
                let due = after_months(since, periods.evaluation_months, tz);
                match evaluated {
                    // DEV-06 done before the ledger reached us: on record in the history.
                    Some(on) if on >= since => {}
                    Some(_) => {
                        return Err(err(
                            "evaluated_on",
                            "the evaluation comes after formal use began".into(),
                        ))
                    }
                    // Not evaluated: due when its time comes, or due now.
                    None => {
                        new.evaluation_due_at = Some(due);
                        if due <= now {
                            new.state = DeviceState::EvaluationDue;
                        }
                    }
                }
            }
        }
        DeviceState::Trial => {
            let started = trial_started.ok_or_else(|| {
                err(
                    "trial_started",
                    "a device in trial names the day its trial began".into(),
                )
            })?;
            new.state_since = started;
            new.trial_min_end_at = Some(after_days(started, periods.trial_days, tz));
            let entry = EntryHistory {
                notice_started,
                trial_started,
                in_use_since: None,
            };
            if let Err(unproven) = check_notice_before_trial(kind, &entry, &periods, tz) {
                hold(&mut new, &unproven, now, &periods, tz);
                unproven_reason = Some(format!("{} ({})", unproven.message, unproven.rule));
            } else {
                new.notice_ends_at = notice_started.map(|t| after_days(t, periods.notice_days, tz));
            }
        }
        other => {
            return Err(err(
                "state",
                format!(
                    "a ledger row may be in_use, trial, stopped or retired, not '{}'",
                    other.as_str()
                ),
            ))
        }
    }
    let cert_fields = [
        "calibration_issuer",
        "calibration_no",
        "calibration_valid_from",
        "calibration_valid_until",
    ];
    let any_cert = cert_fields.iter().any(|k| !get(k).is_empty());
    let certificate = if any_cert {
        Some(
            Certificate::parse(
                &get("calibration_issuer"),
                &get("calibration_no"),
                &get("calibration_valid_from"),
                &get("calibration_valid_until"),
            )
            .map_err(|e| err(&format!("calibration_{}", e.field), e.reason))?,
        )
    } else {
        None
    };
    // DEV-13: a measuring device in service has its certificate on file. One that has lapsed
    // is imported as it is, and the calibration check that follows the import suspends it
    // (SUP-05), so the ledger's history stays true.
    if new.fields.measuring
        && matches!(
            new.state,
            DeviceState::InUse | DeviceState::EvaluationDue | DeviceState::Trial
        )
        && certificate.is_none()
    {
        return Err(err(
            "calibration_no",
            "a measuring device in service has its calibration certificate on file (DEV-13)".into(),
        ));
    }
    // A measuring device whose certificate has lapsed comes in suspended (SUP-05), in the same
    // transaction, so it never enforces for a moment.
    let today = now.with_timezone(&tz).date_naive();
    if new.fields.measuring
        && matches!(
            new.state,
            DeviceState::InUse | DeviceState::EvaluationDue | DeviceState::Trial
        )
        && certificate.as_ref().is_some_and(|c| !c.valid_on(today))
    {
        new.resume_to = Some(new.state);
        new.suspension_reason =
            Some(roadwarden_domain::device::SuspensionReason::CalibrationInvalid);
        new.state = DeviceState::Suspended;
        new.state_since = now;
    }
    let history = json!({
        "state": new.state.as_str(), "installed_on": installed, "in_use_since": new.in_use_since,
        "notice_started": notice_started, "trial_started": trial_started,
        "registered_on": registered, "evaluated_on": evaluated, "ledger_state": dev_state.as_str(),
        "held_for_review": unproven_reason,
    });
    Ok((new, certificate, history))
}

/// DEV-04, DEV-05: a row whose way into service is not proven comes in suspended for review.
fn hold(
    new: &mut NewDevice,
    unproven: &roadwarden_domain::RuleViolation,
    now: DateTime<Utc>,
    periods: &roadwarden_domain::device::lifecycle::Periods,
    tz: chrono_tz::Tz,
) {
    let h = hold_for_review(unproven, now, periods, tz);
    new.state = DeviceState::Suspended;
    new.state_since = now;
    new.resume_to = Some(h.resume_to);
    new.suspension_reason = Some(SuspensionReason::FormalUseNotProven);
    new.notice_ends_at = h.notice_ends_at;
    new.trial_min_end_at = h.trial_min_end_at;
    new.evaluation_due_at = None;
}

fn rule_field(rule: &str) -> &'static str {
    match rule {
        "DEV-08" => "number",
        "DEV-09" => "location",
        "DEV-10" => "leader",
        _ => "row",
    }
}
