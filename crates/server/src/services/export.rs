//! Lists exported as XLSX workbooks: one sheet, the headings in the reader's language in bold
//! on a frozen first row, then at most `roadwarden_store::list::MAX_ROWS` rows. The services
//! that export a list write its audit entry (SEC-05); this only lays out the cells.

use rust_xlsxwriter::{Format, Workbook};

use crate::error::{AppError, AppResult};

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
