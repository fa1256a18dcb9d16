//! The printable notice letter sent to a vehicle owner about a violation
//! recorded by traffic enforcement technology, rendered as a one-page A4 PDF
//! in the language of the issuing unit (zh-CN, vi or en).
//!
//! The PDF is self-contained: Latin and Vietnamese text uses DejaVu Sans,
//! bundled by the `dejavu` crate and embedded as a subset; Chinese text uses
//! STSong-Light, one of the standard CJK fonts every PDF reader supplies. No
//! font installed on the machine is read. All text carries a ToUnicode map,
//! so it can be searched and extracted.
//!
//! The same fonts, line breaking and PDF writer also render [`Document`], a
//! general multi-page document (title, sections of label/value rows and
//! paragraphs, a watermark on every page) used for body-worn-recorder
//! evidence exports; see [`render_document`].
//!
//! The letter always fits one page: user-supplied fields are wrapped to the
//! column width and cut with "…" past a fixed number of lines (or, inside
//! running sentences, past a fixed number of characters), and the body size
//! shrinks a little when the content would otherwise run past the bottom
//! margin.

mod document;
mod fonts;
mod layout;
mod linebreak;
mod pdf;
mod texts;

use chrono::NaiveDate;

pub use document::{render_document, Document, Section};

/// Language the letter is written in (the language of the issuing unit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    /// Simplified Chinese.
    ZhCn,
    /// English.
    En,
    /// Vietnamese.
    Vi,
}

/// Everything printed on a notice letter. Text fields are printed as given
/// (already localised and formatted by the caller).
#[derive(Debug, Clone)]
pub struct Letter {
    pub language: Language,
    /// Notice number, e.g. "NT-330522-2026-000123".
    pub reference: String,
    pub issued_on: NaiveDate,
    pub owner_name: String,
    pub owner_address: String,
    /// "浙E12345" or "30A-123.45".
    pub plate: String,
    /// Already localised text.
    pub plate_colour: String,
    /// Localised description, e.g. "机动车违反禁令标志指示".
    pub violation: String,
    /// e.g. "1344".
    pub violation_code: String,
    /// Already formatted local time, e.g. "2026-11-20 08:14".
    pub occurred_at: String,
    pub place: String,
    pub device_number: String,
    /// Already formatted, e.g. "200 元" / "800.000 đồng".
    pub fine: String,
    pub points: Option<u8>,
    /// Deadline to handle the violation (NOT-02: 30 days).
    pub handle_by: NaiveDate,
    /// The unit that handles it.
    pub handling_office: String,
    pub office_phone: String,
    /// Where to object online (APL-02).
    pub objection_url: String,
    pub issuing_unit: String,
}

/// Longest any single field may be before layout (characters). Layout cuts
/// further by lines; this only bounds the work done on absurd input.
const FIELD_MAX: usize = 1000;

/// Body font sizes tried in turn until the letter fits the page.
const SIZES: [f32; 9] = [11.0, 10.5, 10.0, 9.5, 9.0, 8.5, 8.0, 7.5, 7.0];

/// Renders the letter as a complete one-page A4 PDF.
pub fn render(letter: &Letter) -> Vec<u8> {
    let letter = bounded(letter);
    let wording = texts::wording(&letter);
    let fonts = fonts::fonts();
    let mut page = layout::compose(fonts, &wording, SIZES[0]);
    for &size in &SIZES[1..] {
        if page.bottom >= layout::BOTTOM {
            break;
        }
        page = layout::compose(fonts, &wording, size);
    }
    let meta = pdf::Meta {
        title: &wording.meta_title,
        lang_tag: wording.lang_tag,
    };
    pdf::write(fonts, &[&page.ops], &meta)
}

/// Renders several letters as one PDF, one page each, in the order given (a clerk prints a
/// batch at once). The document's title and language are the first letter's.
pub fn render_many(letters: &[Letter]) -> Vec<u8> {
    let fonts = fonts::fonts();
    let mut pages = Vec::with_capacity(letters.len());
    let mut first = None;
    for letter in letters {
        let letter = bounded(letter);
        let wording = texts::wording(&letter);
        let mut page = layout::compose(fonts, &wording, SIZES[0]);
        for &size in &SIZES[1..] {
            if page.bottom >= layout::BOTTOM {
                break;
            }
            page = layout::compose(fonts, &wording, size);
        }
        if first.is_none() {
            first = Some((wording.meta_title.clone(), wording.lang_tag));
        }
        pages.push(page.ops);
    }
    let (title, lang_tag) = first.unwrap_or_default();
    let refs: Vec<&[_]> = pages.iter().map(Vec::as_slice).collect();
    pdf::write(
        fonts,
        &refs,
        &pdf::Meta {
            title: &title,
            lang_tag,
        },
    )
}

fn bounded(l: &Letter) -> Letter {
    let c = |s: &String| texts::clip(s, FIELD_MAX);
    Letter {
        language: l.language,
        reference: c(&l.reference),
        issued_on: l.issued_on,
        owner_name: c(&l.owner_name),
        owner_address: c(&l.owner_address),
        plate: c(&l.plate),
        plate_colour: c(&l.plate_colour),
        violation: c(&l.violation),
        violation_code: c(&l.violation_code),
        occurred_at: c(&l.occurred_at),
        place: c(&l.place),
        device_number: c(&l.device_number),
        fine: c(&l.fine),
        points: l.points,
        handle_by: l.handle_by,
        handling_office: c(&l.handling_office),
        office_phone: c(&l.office_phone),
        objection_url: c(&l.objection_url),
        issuing_unit: c(&l.issuing_unit),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn huge(language: Language) -> Letter {
        let long = |unit: &str| unit.repeat(900);
        let d = NaiveDate::from_ymd_opt(2026, 12, 23).expect("valid date");
        Letter {
            language,
            reference: long("NT-1 "),
            issued_on: d,
            owner_name: long("名字 Nguyễn "),
            owner_address: long("地址 đường "),
            plate: long("浙E12345"),
            plate_colour: long("蓝色 "),
            violation: long("违反禁令 vượt đèn "),
            violation_code: long("1344"),
            occurred_at: long("2026-11-20 08:14 "),
            place: long("路口 ngã tư "),
            device_number: long("DEV-"),
            fine: long("200 元 "),
            points: Some(255),
            handle_by: d,
            handling_office: long("交警大队 Phòng "),
            office_phone: long("0571-"),
            objection_url: long("https://example.invalid/x"),
            issuing_unit: long("公安局 Công an "),
        }
    }

    #[test]
    fn every_field_at_its_limit_still_fits_the_page() {
        for lang in [Language::ZhCn, Language::Vi, Language::En] {
            let letter = bounded(&huge(lang));
            let wording = texts::wording(&letter);
            let fonts = fonts::fonts();
            let fits = SIZES
                .iter()
                .find(|&&s| layout::compose(fonts, &wording, s).bottom >= layout::BOTTOM);
            println!("{lang:?}: worst-case letter fits at body size {fits:?}");
            assert!(fits.is_some(), "{lang:?} letter overflows at every size");
            let pdf = render(&huge(lang));
            assert!(pdf.starts_with(b"%PDF-"));
        }
    }
}
