//! A report as an XLSX workbook: one sheet per section, named after it, the headings in the
//! reader's language in bold on a frozen first row, then the rows and the total in bold.
//! Counts and percentages are numbers (a share of nothing is a dash, never a zero).

use rust_xlsxwriter::{Format, Workbook, Worksheet};

use super::{Fig, Report};
use crate::error::{AppError, AppResult};
use crate::i18n::{t, Lang};

fn sheet_name(title: &str, n: usize, used: &mut Vec<String>) -> String {
    // Excel forbids some characters in a sheet name and allows at most 31 of the rest.
    let mut name: String = title
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\' | '\''))
        .take(28)
        .collect();
    if name.trim().is_empty() || used.contains(&name) {
        name = format!("{} {}", name.chars().take(24).collect::<String>(), n + 1);
    }
    used.push(name.clone());
    name
}

fn write(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    fig: &Fig,
    lang: Lang,
    f: &Format,
) -> AppResult<()> {
    match fig {
        Fig::Text(s) => ws.write_string_with_format(row, col, s, f),
        Fig::Key(k) => ws.write_string_with_format(row, col, t(lang, k), f),
        Fig::Count(n) => ws.write_number_with_format(row, col, *n as f64, f),
        Fig::Percent(Some(p)) => {
            ws.write_number_with_format(row, col, *p, &f.clone().set_num_format("0.0\"%\""))
        }
        Fig::Percent(None) => ws.write_string_with_format(row, col, "—", f),
    }
    .map_err(AppError::internal)?;
    Ok(())
}

/// The workbook of `report` in `lang`.
pub fn workbook(report: &Report, lang: Lang) -> AppResult<Vec<u8>> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let plain = Format::new();
    let mut used = Vec::new();
    for (n, section) in report.sections.iter().enumerate() {
        let ws = book.add_worksheet();
        ws.set_name(sheet_name(&t(lang, &section.title), n, &mut used))
            .map_err(AppError::internal)?;
        for (col, h) in section.headings.iter().enumerate() {
            let col = u16::try_from(col).map_err(AppError::internal)?;
            ws.write_string_with_format(0, col, t(lang, h), &bold)
                .map_err(AppError::internal)?;
        }
        let mut r = 1u32;
        for row in &section.rows {
            for (col, fig) in row.iter().enumerate() {
                let col = u16::try_from(col).map_err(AppError::internal)?;
                write(ws, r, col, fig, lang, &plain)?;
            }
            r += 1;
        }
        if let Some(total) = &section.total {
            for (col, fig) in total.iter().enumerate() {
                let col = u16::try_from(col).map_err(AppError::internal)?;
                write(ws, r, col, fig, lang, &bold)?;
            }
        }
        ws.set_freeze_panes(1, 0).map_err(AppError::internal)?;
        ws.autofit();
    }
    book.save_to_buffer().map_err(AppError::internal)
}

/// The file name of a report: `report-KIND-YYYY-MM.EXT` (ASCII, safe in a header).
pub fn file_name(report: &Report, ext: &str) -> String {
    format!("report-{}-{}.{ext}", report.kind.as_str(), report.month)
}

#[cfg(test)]
mod tests {
    use super::super::{Kind, Section};
    use super::*;
    use calamine::{Data, Reader, Xlsx};

    #[test]
    fn dev_11_a_report_workbook_reads_back_with_localised_headings_and_dashes() {
        let report = Report {
            kind: Kind::Review,
            month: "2026-11".into(),
            sections: vec![Section {
                title: "rpt.review.by_unit".into(),
                headings: vec!["rpt.unit".into(), "rpt.timeliness".into()],
                rows: vec![vec![Fig::Text("长兴县公安局".into()), Fig::Percent(None)]],
                total: Some(vec![Fig::Key("rpt.total".into()), Fig::Percent(Some(50.0))]),
            }],
            charts: vec![],
            empty: false,
        };
        let bytes = workbook(&report, Lang::En).unwrap();
        let mut book: Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let name = book.sheet_names()[0].clone();
        let range = book.worksheet_range(&name).unwrap();
        assert_eq!(
            range.get((0, 1)),
            Some(&Data::String(t(Lang::En, "rpt.timeliness")))
        );
        assert_eq!(range.get((1, 1)), Some(&Data::String("—".into())));
        assert_eq!(range.get((2, 1)), Some(&Data::Float(50.0)));
    }
}
