//! A general multi-page A4 document: a title, then sections of label/value
//! rows and paragraphs, with a watermark on every page. Used for the
//! recording sheet that goes with a body-worn-recorder evidence copy
//! (BWC-10) and for export records that must show who copied what (SEC-07).
//!
//! It shares the letter's fonts, line breaking and PDF writer. Unlike the
//! letter it never shrinks to fit: content flows onto as many pages as it
//! needs. Only absurd input is cut, and never silently (see `bounds`).

mod bounds;
mod layout;
#[cfg(test)]
mod tests;

use crate::{fonts, pdf, Language};

/// A multi-page A4 document: a title, then sections in order, with a
/// watermark line printed at the foot (and lightly across) every page.
#[derive(Debug, Clone)]
pub struct Document {
    pub language: Language,
    pub title: String,
    /// e.g. "Copied by 王警官 (cx.clerk) 2026-12-01 10:22 · request #12 ·
    /// export #3" — printed on every page footer with "page N / M".
    pub watermark: String,
    pub sections: Vec<Section>,
}

#[derive(Debug, Clone)]
pub struct Section {
    pub heading: String,
    /// label → value rows, printed as a two-column table (label column ~35%
    /// width); long values wrap.
    pub rows: Vec<(String, String)>,
    /// Free paragraphs printed after the rows (wrapped).
    pub paragraphs: Vec<String>,
    /// Start this section on a new page.
    pub new_page: bool,
}

/// Renders the document as a complete A4 PDF of as many pages as it needs.
pub fn render_document(doc: &Document) -> Vec<u8> {
    let words = Words::of(doc.language);
    let doc = bounds::bounded(doc, &words);
    let fonts = fonts::fonts();
    let pages = layout::paginate(fonts, &doc, &words);
    let pages: Vec<&[crate::layout::Op]> = pages.iter().map(Vec::as_slice).collect();
    let meta = pdf::Meta {
        title: &doc.title,
        lang_tag: words.lang_tag,
    };
    pdf::write(fonts, &pages, &meta)
}

/// The few fixed words the document adds around the caller's text.
pub(crate) struct Words {
    lang_tag: &'static str,
    language: Language,
}

impl Words {
    fn of(language: Language) -> Self {
        let lang_tag = match language {
            Language::ZhCn => "zh-CN",
            Language::Vi => "vi",
            Language::En => "en",
        };
        Words { lang_tag, language }
    }

    /// Footer page marker; always contains "N / M".
    fn page(&self, n: usize, of: usize) -> String {
        match self.language {
            Language::ZhCn => format!("第 {n} / {of} 页"),
            Language::Vi => format!("Trang {n} / {of}"),
            Language::En => format!("Page {n} / {of}"),
        }
    }

    /// A section heading repeated at the top of a page it continues onto.
    fn continued(&self, heading: &str) -> String {
        match self.language {
            Language::ZhCn => format!("{heading}（续）"),
            Language::Vi => format!("{heading} (tiếp theo)"),
            Language::En => format!("{heading} (continued)"),
        }
    }

    fn rows_omitted(&self, n: usize) -> String {
        match self.language {
            Language::ZhCn => format!("另有 {n} 行超出打印上限，未列出。"),
            Language::Vi => format!("Còn {n} dòng vượt quá giới hạn in, không được liệt kê."),
            Language::En => format!("{n} more rows exceed the printing limit and are not listed."),
        }
    }

    fn paragraphs_omitted(&self, n: usize) -> String {
        match self.language {
            Language::ZhCn => format!("另有 {n} 段超出打印上限，未列出。"),
            Language::Vi => format!("Còn {n} đoạn vượt quá giới hạn in, không được liệt kê."),
            Language::En => {
                format!("{n} more paragraphs exceed the printing limit and are not listed.")
            }
        }
    }

    fn sections_omitted(&self, n: usize) -> String {
        match self.language {
            Language::ZhCn => format!("另有 {n} 节超出打印上限，未列出。"),
            Language::Vi => format!("Còn {n} mục vượt quá giới hạn in, không được liệt kê."),
            Language::En => {
                format!("{n} more sections exceed the printing limit and are not listed.")
            }
        }
    }

    fn omitted_heading(&self) -> &'static str {
        match self.language {
            Language::ZhCn => "未打印的内容",
            Language::Vi => "Nội dung không được in",
            Language::En => "Content not printed",
        }
    }
}
