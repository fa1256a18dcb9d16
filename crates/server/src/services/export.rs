//! Lists exported as XLSX workbooks: one sheet, the headings in the reader's language in bold
//! on a frozen first row, then at most `roadwarden_store::list::MAX_ROWS` rows. The services
//! that export a list write its audit entry (SEC-05) and lay out the cells here.
//!
//! SEC-07, DAT-02 (S3 art. 5.5 and 7.4, S1 art. 14(4)): [`deliver`] is the one line every
//! list export crosses before its file leaves the platform. A working copy — at most
//! [`INSTANT_ROWS`] rows, or at most [`INSTANT_PERSONAL_ROWS`] when the file holds personal
//! data (plates, names, ID numbers, phones, accounts) — is handed out at once, audited by the
//! list's service. Anything larger is a bulk copy of the platform's data: it needs the
//! exporter's own approved, unused export application for `lists` (`?application=<id>`),
//! which records the file's name, row count and SHA-256 (the same consent and record as the
//! registrations CSV); without one it is refused with `sharing.export_needs_approval` and the
//! refusal is audited.

use roadwarden_domain::sharing::Dataset;
use rust_xlsxwriter::{Format, Workbook};

use crate::auth::Principal;
use crate::context::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::services::context::ServiceContext;

/// The most rows a list export without personal data hands out without an application.
pub const INSTANT_ROWS: usize = 200;
/// The most rows a list export holding personal data hands out without an application.
pub const INSTANT_PERSONAL_ROWS: usize = 50;

/// What an export holds, for the consent line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Export<'a> {
    /// The list, as in the file's name (`violations`, `devices`, …).
    pub what: &'a str,
    pub rows: usize,
    /// Whether the file holds personal data.
    pub personal: bool,
    /// The export application the exporter named, if any.
    pub application: Option<i64>,
}

/// SEC-07: whether an export of `rows` rows is a bulk copy that needs an approved export
/// application (more than a working copy: [`INSTANT_ROWS`], or [`INSTANT_PERSONAL_ROWS`]
/// with personal data).
pub fn needs_application(rows: usize, personal: bool) -> bool {
    rows > if personal {
        INSTANT_PERSONAL_ROWS
    } else {
        INSTANT_ROWS
    }
}

/// SEC-07, DAT-02: hands `bytes` out when the export is a working copy; a bulk export uses
/// the exporter's approved export application of `lists` (recording the file's name, rows
/// and SHA-256 on it and in the audit chain) or is refused with a code, the refusal audited.
/// Called by every list export's service after its own audit entry.
pub async fn deliver(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    export: &Export<'_>,
    bytes: Vec<u8>,
) -> AppResult<Vec<u8>> {
    if !needs_application(export.rows, export.personal) {
        return Ok(bytes);
    }
    let name = file_name(export.what, ctx.clock.now());
    let rows = i64::try_from(export.rows).unwrap_or(i64::MAX);
    crate::services::sharing::applications::export(
        ctx,
        p,
        meta,
        export.application,
        Dataset::Lists,
        (&name, &bytes, rows),
    )
    .await?;
    Ok(bytes)
}

/// One cell of an exported row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_owned())
    }
}

/// The MIME type of an XLSX workbook.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A workbook with one sheet named `sheet`: `headings` on the first row, then `rows`.
pub fn workbook(sheet: &str, headings: &[String], rows: &[Vec<Cell>]) -> AppResult<Vec<u8>> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let ws = book.add_worksheet();
    // Excel forbids some characters in a sheet name and allows at most 31 of the rest.
    let name: String = sheet
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\'))
        .take(31)
        .collect();
    if !name.trim().is_empty() {
        ws.set_name(name).map_err(AppError::internal)?;
    }
    for (col, h) in headings.iter().enumerate() {
        let col = u16::try_from(col).map_err(AppError::internal)?;
        ws.write_string_with_format(0, col, h, &bold)
            .map_err(AppError::internal)?;
    }
    for (r, row) in rows.iter().enumerate() {
        let r = u32::try_from(r + 1).map_err(AppError::internal)?;
        for (col, cell) in row.iter().enumerate() {
            let col = u16::try_from(col).map_err(AppError::internal)?;
            match cell {
                Cell::Text(s) => ws.write_string(r, col, s),
                Cell::Number(n) => ws.write_number(r, col, *n),
            }
            .map_err(AppError::internal)?;
        }
    }
    ws.set_freeze_panes(1, 0).map_err(AppError::internal)?;
    ws.autofit();
    book.save_to_buffer().map_err(AppError::internal)
}

/// The file name of an export: `what-YYYYMMDD-HHMM.xlsx` (ASCII, safe in a header).
pub fn file_name(what: &str, now: chrono::DateTime<chrono::Utc>) -> String {
    format!("{what}-{}.xlsx", now.format("%Y%m%d-%H%M"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{Data, Reader, Xlsx};

    #[test]
    fn sec_07_a_working_copy_is_instant_and_a_bulk_or_personal_copy_needs_consent() {
        assert!(!needs_application(INSTANT_ROWS, false));
        assert!(needs_application(INSTANT_ROWS + 1, false));
        assert!(!needs_application(INSTANT_PERSONAL_ROWS, true));
        assert!(needs_application(INSTANT_PERSONAL_ROWS + 1, true));
    }

    // Personal data makes the working copy smaller, never larger.
    const _: () = assert!(INSTANT_PERSONAL_ROWS < INSTANT_ROWS);

    #[test]
    fn a_workbook_reads_back() {
        let bytes = workbook(
            "违法记录",
            &["号牌".to_owned(), "罚款".to_owned()],
            &[vec![Cell::from("浙E12345"), Cell::Number(200.0)]],
        )
        .unwrap();
        let mut book: Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let range = book.worksheet_range("违法记录").unwrap();
        assert_eq!(range.get((0, 0)), Some(&Data::String("号牌".into())));
        assert_eq!(range.get((1, 0)), Some(&Data::String("浙E12345".into())));
        assert_eq!(range.get((1, 1)), Some(&Data::Float(200.0)));
    }
}
