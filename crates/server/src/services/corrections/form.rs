//! DAT-01: a request with files, as multipart: the API's (`request`, the JSON of a
//! [`CorrectionInput`], and `files`) and the page's (repeated rows `records[i].violation_id`,
//! `records[i].plate`, …, `reason` and `files`). Each file is read up to its limit and no
//! further, and no more files than a request may carry.

use axum::extract::Multipart;
use roadwarden_domain::capture::correction::{self as rule, FactField};
use roadwarden_domain::FieldError;

use super::attachments::NewFile;
use super::input::{CorrectionInput, FieldChange, RecordInput};
use crate::edge::record_id;
use crate::error::{AppError, AppResult};
use crate::services::captures::forms::read_capped;

fn bad() -> AppError {
    FieldError::new("body", "is not a readable form").into()
}

/// Reads a `files` part: counted, capped, kept when not empty.
async fn file(
    field: &mut axum::extract::multipart::Field<'_>,
    files: &mut Vec<NewFile>,
) -> AppResult<()> {
    let name = field.file_name().unwrap_or_default().to_owned();
    let bytes = read_capped(field, rule::MAX_ATTACHMENT_BYTES).await?;
    if bytes.is_empty() && name.is_empty() {
        // The form's file input left empty.
        return Ok(());
    }
    if files.len() >= rule::MAX_ATTACHMENTS {
        return Err(
            FieldError::new("files", format!("at most {} files", rule::MAX_ATTACHMENTS)).into(),
        );
    }
    files.push(NewFile { name, bytes });
    Ok(())
}

/// Files added to a filed request: only `files` parts (the page's `csrf_token` and anything else
/// is skipped).
pub async fn files_form(mut form: Multipart) -> AppResult<Vec<NewFile>> {
    let mut files = Vec::new();
    while let Some(mut field) = form.next_field().await.map_err(|_| bad())? {
        if field.name() == Some("files") {
            file(&mut field, &mut files).await?;
        }
    }
    Ok(files)
}

/// The API's multipart request: `request` (JSON) and up to five `files`.
pub async fn api_form(mut form: Multipart) -> AppResult<(CorrectionInput, Vec<NewFile>)> {
    let mut input = None;
    let mut files = Vec::new();
    while let Some(mut field) = form.next_field().await.map_err(|_| bad())? {
        match field.name().unwrap_or_default() {
            "files" => file(&mut field, &mut files).await?,
            "request" => {
                let raw = read_capped(&mut field, 256 * 1024).await?;
                input = Some(
                    serde_json::from_slice::<CorrectionInput>(&raw)
                        .map_err(|e| FieldError::new("request", e.to_string()))?,
                );
            }
            _ => {}
        }
    }
    let input = input.ok_or_else(|| FieldError::new("request", "is missing"))?;
    Ok((input, files))
}

/// The page's form, read into a request, and for each record of the request the row of the
/// form it came from (empty rows are skipped), so an error names the row's own input.
pub struct PageForm {
    pub input: CorrectionInput,
    pub files: Vec<NewFile>,
    pub rows: Vec<usize>,
}

#[derive(Default)]
struct Row {
    violation_id: String,
    values: Vec<(FactField, String)>,
}

/// `records[3].plate` → (3, "plate").
fn row_field(name: &str) -> Option<(usize, &str)> {
    let rest = name.strip_prefix("records[")?;
    let (index, field) = rest.split_once("].")?;
    Some((index.parse().ok()?, field))
}

pub async fn page_form(mut form: Multipart) -> AppResult<PageForm> {
    let mut rows: Vec<Row> = Vec::new();
    let mut reason = String::new();
    let mut files = Vec::new();
    while let Some(mut field) = form.next_field().await.map_err(|_| bad())? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "files" {
            file(&mut field, &mut files).await?;
            continue;
        }
        let raw = read_capped(&mut field, 4096).await?;
        let value = String::from_utf8(raw.to_vec()).map_err(|_| bad())?;
        if name == "reason" {
            reason = value;
            continue;
        }
        let Some((index, what)) = row_field(&name) else {
            continue;
        };
        if index >= rule::MAX_RECORDS {
            return Err(FieldError::new(
                "records",
                format!("at most {} records in one request", rule::MAX_RECORDS),
            )
            .into());
        }
        if rows.len() <= index {
            rows.resize_with(index + 1, Row::default);
        }
        if what == "violation_id" {
            rows[index].violation_id = value;
        } else if let Ok(f) = FactField::parse(what) {
            if !value.trim().is_empty() {
                rows[index].values.push((f, value));
            }
        }
    }
    let mut records = Vec::new();
    let mut from = Vec::new();
    for (i, row) in rows.into_iter().enumerate() {
        if row.violation_id.trim().is_empty() {
            if row.values.is_empty() {
                continue;
            }
            return Err(AppError::BadRow {
                field: format!("records[{i}].violation_id"),
                reason: "name the record to change".into(),
            });
        }
        let violation_id =
            record_id("violation_id", row.violation_id.trim()).map_err(|e| AppError::BadRow {
                field: format!("records[{i}].violation_id"),
                reason: match e {
                    AppError::BadInput(f) => f.reason,
                    other => other.to_string(),
                },
            })?;
        records.push(RecordInput {
            violation_id,
            changes: row
                .values
                .into_iter()
                .map(|(f, value)| FieldChange {
                    field: f.as_str().to_owned(),
                    value,
                })
                .collect(),
        });
        from.push(i);
    }
    Ok(PageForm {
        input: CorrectionInput {
            records,
            reason,
            ..CorrectionInput::default()
        },
        files,
        rows: from,
    })
}

/// An error about the request's record `k` named by the page's own row.
pub fn on_page(e: AppError, rows: &[usize]) -> AppError {
    match e {
        AppError::BadRow { field, reason } => {
            let renamed = row_field(&field)
                .and_then(|(k, rest)| rows.get(k).map(|row| format!("records[{row}].{rest}")));
            AppError::BadRow {
                field: renamed.unwrap_or(field),
                reason,
            }
        }
        other => other,
    }
}
