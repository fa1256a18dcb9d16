//! RID-05: the face base library: residents with their ID number, name, village or
//! community, employer, party membership, phone and photo file, imported from CSV (UTF-8 or
//! GBK) or XLSX with the device ledger's reader. Every row is checked first (the ID number by
//! its country's rule: the 18-character PRC resident ID with its check character, or the
//! 12-digit Vietnamese CCCD); a bad row is reported with its line and reason, and nothing is
//! written unless the caller asks to skip bad rows. A known ID number updates that resident's
//! facts. One transaction, one audit entry.

pub mod archive;

use std::collections::{HashMap, HashSet};

use bytes::Bytes;
use roadwarden_domain::account::IdNumber;
use roadwarden_domain::FieldError;
use roadwarden_face::Assessment;
use roadwarden_gallery::Vector;
use roadwarden_store::riders::faces::{self, NewFaceVector};
use roadwarden_store::riders::persons::{self as person_rows, LibraryFacts, NewRiderPerson};
use roadwarden_store::riders::retention as library_rows;
use roadwarden_store::units::{self, Unit};
use serde_json::json;
use sha2::{Digest, Sha256};

use self::archive::{PhotoArchive, Refusal};
use super::identity;
use super::{audit, need};
use crate::auth::Principal;
use crate::context::RequestMeta;
use crate::error::{AppError, AppResult};
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

/// A named photo, assessed: the bytes and descriptor to enrol, or the row's error.
enum Photo {
    Accepted { bytes: Bytes, vector: Box<Vector> },
    Refused { code: String, reason: String },
}

/// What an upload holds: the sheet, and the photo archive if one came (beside it or around it).
#[derive(Debug, Clone, Copy)]
pub struct Upload<'a> {
    pub file_name: &'a str,
    pub bytes: &'a [u8],
    /// A ZIP of photos sent beside the sheet.
    pub photos: Option<&'a [u8]>,
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
    upload: Upload<'_>,
    skip_bad_rows: bool,
) -> AppResult<LibraryReport> {
    need::<RiderOfficers>(p, "the face base library is kept by e-bike officers")?;
    let file_name = roadwarden_domain::device::text("file_name", upload.file_name, 200, false)?;
    let mut report = LibraryReport {
        file_name: file_name.clone(),
        encoding: String::new(),
        rows: 0,
        created: 0,
        updated: 0,
        skipped: 0,
        with_photo: 0,
        enrolled: 0,
        errors: Vec::new(),
        committed: false,
    };
    let refused = |mut report: LibraryReport, r: Refusal| {
        report.errors.push(LibraryRowError {
            line: 0,
            field: "photos".into(),
            reason: r.reason,
            code: Some(format!("rider_library.photo.{}", r.code)),
        });
        report
    };
    // The sheet and the archive: a bundle (a ZIP that is no workbook) holds both.
    let mut photos = match upload.photos {
        Some(zip) => match PhotoArchive::open(Bytes::copy_from_slice(zip)) {
            Ok(a) => Some(a),
            Err(r) => return Ok(refused(report, r)),
        },
        None => None,
    };
    let mut sheet = upload.bytes.to_vec();
    if archive::is_zip(upload.bytes) {
        match PhotoArchive::open(Bytes::copy_from_slice(upload.bytes)) {
            Ok(a) if a.is_workbook() => {}
            Ok(_) if photos.is_some() => {
                return Ok(refused(
                    report,
                    Refusal {
                        code: "archive_twice",
                        reason: "send a list with a photo archive, or one archive holding both"
                            .into(),
                    },
                ))
            }
            Ok(mut bundle) => match bundle.sheet() {
                Ok((_, bytes)) => {
                    sheet = bytes;
                    photos = Some(bundle);
                }
                Err(r) => return Ok(refused(report, r)),
            },
            // Not a readable archive: the sheet reader says what is wrong with it.
            Err(_) => {}
        }
    }
    let bytes = sheet.as_slice();
    let table = match read_table(bytes) {
        Ok(t) => t,
        Err(e) => {
            report.errors.push(LibraryRowError {
                line: e.line,
                field: e.field,
                reason: e.reason,
                code: None,
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
                code: None,
            });
        }
    }
    if table.rows.len() > MAX_ROWS {
        report.errors.push(LibraryRowError {
            line: 0,
            field: "file".into(),
            reason: format!("at most {MAX_ROWS} rows per import"),
            code: None,
        });
    }
    if !report.errors.is_empty() {
        return Ok(report);
    }
    // The photos, before the transaction: finding faces takes a while.
    let assessed = match photos.as_mut() {
        Some(archive) => assess_photos(ctx, archive, &table.rows, columns.get("photo")).await?,
        None => HashMap::new(),
    };
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
                    code: None,
                });
            }
            Ok(row) => match assessed.get(&row.photo) {
                Some(Photo::Refused { code, reason }) if !row.photo.is_empty() => {
                    report.errors.push(LibraryRowError {
                        line,
                        field: "photo".into(),
                        reason: format!("{}: {reason}", row.photo),
                        code: Some(code.clone()),
                    });
                }
                _ => rows.push(row),
            },
            Err(e) => report.errors.push(LibraryRowError {
                line,
                field: e.field.to_string(),
                reason: e.reason,
                code: None,
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
                    code: None,
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
        let person = match existing {
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
                *id
            }
            None => {
                let id = person_rows::insert(
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
                id
            }
        };
        if let Some(Photo::Accepted { bytes, vector }) = assessed.get(&row.photo) {
            if enrol(ctx, &mut tx, person, bytes.clone(), vector, now).await? {
                report.enrolled += 1;
            }
        }
    }
    let sha256 = hex::encode(Sha256::digest(upload.bytes));
    let photos_sha256 = upload.photos.map(|z| hex::encode(Sha256::digest(z)));
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
                "skipped": report.skipped, "with_photo": report.with_photo,
                "enrolled": report.enrolled, "photos_sha256": photos_sha256 }),
        now,
    )
    .await?;
    tx.commit().await?;
    report.committed = true;
    // The gallery learns the new faces (and forgets the superseded ones).
    if report.enrolled > 0 {
        identity::reload(ctx).await?;
    }
    Ok(report)
}

/// Every photo the sheet names, read from the archive and assessed once per file name.
async fn assess_photos(
    ctx: &ServiceContext,
    archive: &mut PhotoArchive,
    rows: &[Vec<String>],
    column: Option<&usize>,
) -> AppResult<HashMap<String, Photo>> {
    let mut out = HashMap::new();
    let Some(&column) = column else {
        return Ok(out);
    };
    let max = ctx.settings.riders.face.max_photo_bytes;
    for cells in rows {
        let Some(name) = cells.get(column).map(|c| c.trim()) else {
            continue;
        };
        if name.is_empty() || out.contains_key(name) || photo(name).is_err() {
            continue;
        }
        let assessed = match archive.read(name, max) {
            Err(r) => Photo::Refused {
                code: format!("rider_library.photo.{}", r.code),
                reason: r.reason,
            },
            Ok(bytes) => match identity::describe(ctx, bytes.clone()).await? {
                Err(missing) => Photo::Refused {
                    code: format!("rider.hold.{}", missing.code()),
                    reason: missing.note().to_owned(),
                },
                Ok(Assessment::Held(held)) => Photo::Refused {
                    code: format!("rider.hold.{}", held.reason.code()),
                    reason: format!("held by the quality gates ({})", held.reason.code()),
                },
                Ok(Assessment::Accepted(face)) => Photo::Accepted {
                    bytes,
                    vector: Box::new(face.descriptor.0),
                },
            },
        };
        out.insert(name.to_owned(), assessed);
    }
    Ok(out)
}

/// RID-05: the photo in the blob store (write-once, by its hash) and its descriptor enrolled
/// for the person, superseding an earlier library photo. The same photo again changes
/// nothing (answers false).
async fn enrol(
    ctx: &ServiceContext,
    tx: &mut roadwarden_store::Tx,
    person: roadwarden_domain::RiderPersonId,
    bytes: Bytes,
    vector: &Vector,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<bool> {
    let stored = ctx
        .blobs
        .put_bytes(bytes)
        .await
        .map_err(AppError::internal)?;
    let blob = stored.id.as_str().to_owned();
    let current = library_rows::library_photos(tx, person).await?;
    if current.iter().any(|(_, b)| *b == blob) {
        return Ok(false);
    }
    let id = faces::insert(
        tx,
        &NewFaceVector {
            person_id: Some(person),
            event_id: None,
            values: vector,
            created_at: now,
        },
    )
    .await?;
    library_rows::set_photo_blob(tx, id, &blob).await?;
    library_rows::supersede_library(tx, person, id, now).await?;
    Ok(true)
}
