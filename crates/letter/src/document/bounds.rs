//! Limits on what a document prints, so absurd input costs bounded work.
//!
//! A field longer than its limit is cut with "…". Rows, paragraphs and
//! sections past their limits (or past the document's total character
//! budget) are dropped, and a sentence saying how many were dropped is
//! printed in their place: nothing disappears silently.

use super::{Document, Section, Words};
use crate::texts;

const TITLE_MAX: usize = 300;
const WATERMARK_MAX: usize = 300;
const HEADING_MAX: usize = 300;
const LABEL_MAX: usize = 200;
/// Long enough for a list of file hashes or a place description.
pub(super) const VALUE_MAX: usize = 4_000;
const PARAGRAPH_MAX: usize = 20_000;
const SECTIONS_MAX: usize = 200;
const ROWS_MAX: usize = 2_000;
const PARAGRAPHS_MAX: usize = 500;
/// Characters of rows and paragraphs over the whole document (about 400
/// dense pages).
const TOTAL_MAX: usize = 1_000_000;

/// Shortens `s` to at most `max` characters (plus "…" when cut), reading
/// only about `max` characters of it however long it is.
pub(super) fn clip(s: &str, max: usize) -> String {
    let s = s.trim_start();
    let end = s.char_indices().nth(max + 1).map_or(s.len(), |(i, _)| i);
    let mut out = texts::clip(&s[..end], max);
    let cut = s[end..]
        .chars()
        .any(|c| !c.is_whitespace() && !c.is_control());
    if cut && !out.ends_with('…') {
        out.push('…');
    }
    out
}

/// Characters still allowed in the document.
struct Budget(usize);

impl Budget {
    /// The clipped text, charged to the budget; `None` once it is spent.
    fn take(&mut self, s: &str, max: usize) -> Option<String> {
        if self.0 == 0 {
            return None;
        }
        let out = clip(s, max.min(self.0));
        self.0 = self.0.saturating_sub(out.chars().count().max(1));
        Some(out)
    }
}

pub(super) fn bounded(doc: &Document, words: &Words) -> Document {
    let mut budget = Budget(TOTAL_MAX);
    let mut sections = Vec::new();
    for section in doc.sections.iter().take(SECTIONS_MAX) {
        if budget.0 == 0 {
            break;
        }
        sections.push(bounded_section(section, words, &mut budget));
    }
    let dropped = doc.sections.len() - sections.len();
    if dropped > 0 {
        sections.push(Section {
            heading: words.omitted_heading().to_owned(),
            rows: Vec::new(),
            paragraphs: vec![words.sections_omitted(dropped)],
            new_page: false,
        });
    }
    Document {
        language: doc.language,
        title: clip(&doc.title, TITLE_MAX),
        watermark: clip(&doc.watermark, WATERMARK_MAX),
        sections,
    }
}

fn bounded_section(s: &Section, words: &Words, budget: &mut Budget) -> Section {
    let mut rows = Vec::new();
    for (label, value) in s.rows.iter().take(ROWS_MAX) {
        let Some(label) = budget.take(label, LABEL_MAX) else {
            break;
        };
        let value = budget
            .take(value, VALUE_MAX)
            .unwrap_or_else(|| "…".to_owned());
        rows.push((label, value));
    }
    let mut paragraphs = Vec::new();
    let rows_dropped = s.rows.len() - rows.len();
    if rows_dropped > 0 {
        paragraphs.push(words.rows_omitted(rows_dropped));
    }
    let mut kept = 0;
    for p in s.paragraphs.iter().take(PARAGRAPHS_MAX) {
        let Some(p) = budget.take(p, PARAGRAPH_MAX) else {
            break;
        };
        paragraphs.push(p);
        kept += 1;
    }
    let paragraphs_dropped = s.paragraphs.len() - kept;
    if paragraphs_dropped > 0 {
        paragraphs.push(words.paragraphs_omitted(paragraphs_dropped));
    }
    Section {
        heading: clip(&s.heading, HEADING_MAX),
        rows,
        paragraphs,
        new_page: s.new_page,
    }
}
