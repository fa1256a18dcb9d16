//! RID-05: the face base library: residents with their ID number, name, village or
//! community, employer, party membership, phone and photo file, imported from CSV (UTF-8 or
//! GBK) or XLSX with the device ledger's reader. Every row is checked first (the ID number by
//! its country's rule: the 18-character PRC resident ID with its check character, or the
//! 12-digit Vietnamese CCCD); a bad row is reported with its line and reason, and nothing is
//! written unless the caller asks to skip bad rows. A known ID number updates that resident's
//! facts. One transaction, one audit entry.

use std::collections::{HashMap, HashSet};

use roadwarden_domain::account::IdNumber;
use roadwarden_domain::FieldError;
use roadwarden_store::riders::persons::{self as person_rows, LibraryFacts, NewRiderPerson};
use roadwarden_store::units::{self, Unit};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::{audit, need};
use crate::auth::Principal;
use crate::context::RequestMeta;
use crate::error::AppResult;
use crate::policy::RiderOfficers;
use crate::services::context::ServiceContext;
use crate::services::devices::ledger::read_table;
use crate::views::riders::{LibraryReport, LibraryRowError};

/// The library's columns: the English name and the Chinese heading a sheet may use instead.
pub const COLUMNS: &[(&str, &str)] = &[
    ("id_number", "身份证号"),
    ("name", "姓名"),
    ("unit_code", "村社区单位代码"),
    ("village", "村社区"),
    ("employer", "工作单位"),
    ("party_member", "党员"),
    ("phone", "手机号"),
    ("photo", "照片"),
];

/// The most rows one import takes.
pub const MAX_ROWS: usize = 50_000;

struct Row {
    line: usize,
    id_number: String,
    name: String,
    unit: Unit,
    village: String,
    employer: String,
    party_member: bool,
    phone: String,
    photo: String,
}

fn party(raw: &str) -> Result<bool, FieldError> {
    match raw.trim().to_lowercase().as_str() {
        "" | "否" | "no" | "false" | "0" | "không" => Ok(false),
        "是" | "yes" | "true" | "1" | "có" => Ok(true),
        _ => Err(FieldError::new("party_member", "must be yes or no (是/否)")),
    }
}

fn phone(raw: &str) -> Result<String, FieldError> {
    let p = raw.trim();
    let ok = p.len() <= 20
        && p.chars()
            .enumerate()
            .all(|(i, c)| c.is_ascii_digit() || (i == 0 && c == '+') || c == '-');
    if ok {
        Ok(p.to_owned())
    } else {
        Err(FieldError::new("phone", "must be a phone number of digits"))
    }
}

fn photo(raw: &str) -> Result<String, FieldError> {
    let p = raw.trim();
    let lower = p.to_lowercase();
    let ok = p.is_empty()
        || (p.chars().count() <= 128
            && !p.contains(['/', '\\'])
            && !p.starts_with('.')
            && [".jpg", ".jpeg", ".png"].iter().any(|e| lower.ends_with(e)));
    if ok {
        Ok(p.to_owned())
    } else {
        Err(FieldError::new(
            "photo",
            "must be a file name ending in .jpg, .jpeg or .png, without folders",
        ))
    }
}

/// Imports a library sheet. Rows go to the village unit named by `unit_code` (in the
/// officer's units), or to the officer's own unit when the column is empty.
pub async fn import(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    file_name: &str,
    bytes: &[u8],
    skip_bad_rows: bool,
) -> AppResult<LibraryReport> {
    need::<RiderOfficers>(p, "the face base library is kept by e-bike officers")?;
    let file_name = roadwarden_domain::device::text("file_name", file_name, 200, false)?;
    let mut report = LibraryReport {
        file_name: file_name.clone(),
        encoding: String::new(),
        rows: 0,
        created: 0,
        updated: 0,
        skipped: 0,
        with_photo: 0,
        errors: Vec::new(),
        committed: false,
    };
    let table = match read_table(bytes) {
        Ok(t) => t,
        Err(e) => {
            report.errors.push(LibraryRowError {
                line: e.line,
                field: e.field,
                reason: e.reason,
            });
            return Ok(report);
        }
    };
    report.encoding = table.encoding.to_owned();
    let mut columns: HashMap<&str, usize> = HashMap::new();
    for (i, h) in table.header.iter().enumerate() {
        let h = h.trim().trim_start_matches('\u{feff}');
        if let Some((en, _)) = COLUMNS
            .iter()
            .find(|(en, zh)| en.eq_ignore_ascii_case(h) || *zh == h)
        {
            columns.insert(en, i);
        }
    }
    for required in ["id_number", "name"] {
        if !columns.contains_key(required) {
            report.errors.push(LibraryRowError {
                line: 1,
                field: required.into(),
                reason: "this column is missing from the header".into(),
            });
        }
    }
    if table.rows.len() > MAX_ROWS {
        report.errors.push(LibraryRowError {
            line: 0,
            field: "file".into(),
            reason: format!("at most {MAX_ROWS} rows per import"),
        });
    }
    if !report.errors.is_empty() {
        return Ok(report);
    }
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let own = units::get(&mut tx, p.user.unit_id)
        .await?
        .ok_or(crate::error::AppError::NotFound("unit"))?;
    let mut unit_cache: HashMap<String, Option<Unit>> = HashMap::new();
    let mut seen = HashSet::new();
    let mut rows = Vec::new();
    for (i, cells) in table.rows.iter().enumerate() {
        let line = i + 2;
        let cell = |name: &str| {
            columns
                .get(name)
                .and_then(|&c| cells.get(c))
                .map(|s| s.trim().to_owned())
                .unwrap_or_default()
        };
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        report.rows += 1;
        let code = cell("unit_code");
        let unit = if code.is_empty() {
            Some(own.clone())
        } else {
            if !unit_cache.contains_key(&code) {
                let found = units::get_by_code(&mut tx, &code)
                    .await?
                    .filter(|u| p.covers(&u.path));
                unit_cache.insert(code.clone(), found);
            }
            unit_cache[&code].clone()
        };
        let checked = (|| -> Result<Row, FieldError> {
            let unit =
                unit.ok_or_else(|| FieldError::new("unit_code", "is not a unit within yours"))?;
            let id = IdNumber::parse(&cell("id_number"), unit.country)?;
            Ok(Row {
                line,
                id_number: id.as_str().to_owned(),
                name: roadwarden_domain::device::text("name", &cell("name"), 50, true)?,
                village: roadwarden_domain::device::text("village", &cell("village"), 100, false)?,
                employer: roadwarden_domain::device::text(
                    "employer",
                    &cell("employer"),
                    100,
                    false,
                )?,
                party_member: party(&cell("party_member"))?,
                phone: phone(&cell("phone"))?,
                photo: photo(&cell("photo"))?,
                unit,
            })
        })();
        match checked {
            Ok(row) if !seen.insert(row.id_number.clone()) => {
                report.errors.push(LibraryRowError {
                    line,
                    field: "id_number".into(),
                    reason: "appears twice in the file".into(),
                });
            }
            Ok(row) => rows.push(row),
            Err(e) => report.errors.push(LibraryRowError {
                line,
                field: e.field.to_string(),
                reason: e.reason,
            }),
        }
    }
    // Residents already filed under a unit outside the officer's are not theirs to change.
    let mut writes = Vec::new();
    for row in rows {
        let existing = person_rows::by_id_number(&mut tx, &row.id_number).await?;
        match existing {
            Some(e)
                if !p.covers(&roadwarden_domain::org::UnitPath::from_stored(
                    e.unit_path.clone(),
                )) =>
            {
                report.errors.push(LibraryRowError {
                    line: row.line,
                    field: "id_number".into(),
                    reason: "this resident is filed under a unit outside yours".into(),
                });
            }
            e => writes.push((row, e.map(|e| e.id))),
        }
    }
    report.skipped = report.errors.len();
    if !report.errors.is_empty() && !skip_bad_rows {
        return Ok(report);
    }
    for (row, existing) in &writes {
        if !row.photo.is_empty() {
            report.with_photo += 1;
        }
        match existing {
            Some(id) => {
                person_rows::update_library_facts(
                    &mut tx,
                    *id,
                    &LibraryFacts {
                        unit_id: row.unit.id,
                        unit_path: &row.unit.path,
                        name: &row.name,
                        village: &row.village,
                        employer: &row.employer,
                        phone: &row.phone,
                        party_member: row.party_member,
                    },
                )
                .await?;
                report.updated += 1;
            }
            None => {
                person_rows::insert(
                    &mut tx,
                    &NewRiderPerson {
                        unit_id: row.unit.id,
                        unit_path: row.unit.path.clone(),
                        id_number: Some(row.id_number.clone()),
                        name: row.name.clone(),
                        village: row.village.clone(),
                        employer: row.employer.clone(),
                        phone: row.phone.clone(),
                        party_member: row.party_member,
                        provisional: false,
                        created_at: now,
                    },
                )
                .await?;
                report.created += 1;
            }
        }
    }
    let sha256 = hex::encode(Sha256::digest(bytes));
    audit(
        &mut tx,
        p,
        meta,
        "rider.library_import",
        "rider",
        0,
        None,
        json!({ "file": file_name, "sha256": sha256, "rows": report.rows,
                "created": report.created, "updated": report.updated,
                "skipped": report.skipped, "with_photo": report.with_photo }),
        now,
    )
    .await?;
    tx.commit().await?;
    report.committed = true;
    Ok(report)
}
