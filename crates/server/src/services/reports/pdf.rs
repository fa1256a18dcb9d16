//! A report as a PDF through `roadwarden_letter`'s document writer: a section per table, a
//! row per line of the table (its first cell the label, the others as "heading: value").

use roadwarden_letter::{render_document, Document, Language, Section as DocSection};

use super::{Fig, Report};
use crate::error::{AppError, AppResult};
use crate::i18n::{t, Lang};

fn language(lang: Lang) -> Language {
    match lang {
        Lang::ZhCn => Language::ZhCn,
        Lang::En => Language::En,
        Lang::Vi => Language::Vi,
    }
}

fn line(headings: &[String], row: &[Fig], lang: Lang) -> (String, String) {
    let label = row.first().map(|f| f.text(lang)).unwrap_or_default();
    let value = headings
        .iter()
        .zip(row.iter())
        .skip(1)
        .map(|(h, f)| format!("{}: {}", t(lang, h), f.text(lang)))
        .collect::<Vec<_>>()
        .join(" · ");
    (label, value)
}

/// The PDF of `report` in `lang`; `footer` names who printed it and when.
pub async fn document(report: &Report, lang: Lang, footer: String) -> AppResult<Vec<u8>> {
    let mut sections = Vec::new();
    for s in &report.sections {
        let mut rows: Vec<(String, String)> =
            s.rows.iter().map(|r| line(&s.headings, r, lang)).collect();
        if let Some(total) = &s.total {
            rows.push(line(&s.headings, total, lang));
        }
        let paragraphs = if rows.is_empty() {
            vec![t(lang, "rpt.none")]
        } else {
            vec![]
        };
        sections.push(DocSection {
            heading: t(lang, &s.title),
            rows,
            paragraphs,
            new_page: false,
        });
    }
    let doc = Document {
        language: language(lang),
        title: format!("{} {}", t(lang, &report.kind.title_key()), report.month),
        watermark: footer,
        sections,
    };
    tokio::task::spawn_blocking(move || render_document(&doc))
        .await
        .map_err(|e| AppError::Internal(e.into()))
}
