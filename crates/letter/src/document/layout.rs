//! Flows a document onto A4 pages: the title on the first page, each
//! section's heading, its two-column table and its paragraphs, breaking
//! pages (and table rows) wherever the space runs out, then a footer with
//! the watermark and "N / M" on every page.

use super::{Document, Section, Words};
use crate::fonts::{Fonts, Glyph, Weight};
use crate::layout::{Op, PAGE_H, PAGE_W};
use crate::linebreak::{fit, width};

const MARGIN_X: f32 = 56.0;
const CONTENT_W: f32 = PAGE_W - 2.0 * MARGIN_X;
const TOP: f32 = PAGE_H - 50.0;
/// The footer rule; the watermark and page number sit below it.
const FOOTER_RULE: f32 = 62.0;
/// Body content never goes below this line.
const BODY_BOTTOM: f32 = FOOTER_RULE + 10.0;

const TITLE_SIZE: f32 = 16.0;
const HEADING_SIZE: f32 = 12.0;
const BODY_SIZE: f32 = 10.0;
const TABLE_SIZE: f32 = 9.5;
const RUNNING_SIZE: f32 = 8.0;
const FOOTER_SIZE: f32 = 7.5;
/// Share of the content width taken by the label column.
const LABEL_SHARE: f32 = 0.35;
const CELL_PAD_X: f32 = 5.0;
const CELL_PAD_Y: f32 = 3.0;
/// Rows of up to this many lines are never split across pages.
const KEEP_WHOLE: usize = 8;

fn lead(size: f32) -> f32 {
    size * 1.4
}

/// Baseline of a line whose box (of height `lead(size)`) starts at `top`.
fn baseline(top: f32, size: f32) -> f32 {
    top - size * 0.93 - (lead(size) - size * 1.17) / 2.0
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Align {
    Left,
    Center,
}

struct Pager<'a> {
    fonts: &'a Fonts,
    words: &'a Words,
    pages: Vec<Vec<Op>>,
    ops: Vec<Op>,
    y: f32,
    /// Where the body of the current page starts (below any running header).
    body_top: f32,
    /// The document title, cut to one line, for pages after the first.
    running_title: Vec<Glyph>,
    /// Heading of the section being laid out, repeated on continued pages.
    heading: Option<String>,
}

impl Pager<'_> {
    /// Wraps `text` to `width_pt` and keeps at most `max_lines` lines.
    fn lines(
        &self,
        text: &str,
        weight: Weight,
        size: f32,
        width_pt: f32,
        max_lines: usize,
    ) -> Vec<Vec<Glyph>> {
        let glyphs = self.fonts.shape(text, weight);
        let ellipsis = self.fonts.shape("…", weight).first().copied();
        fit(&glyphs, width_pt * 1000.0 / size, max_lines, ellipsis)
    }

    fn room(&self) -> f32 {
        self.y - BODY_BOTTOM
    }

    /// Nothing but the running header has been drawn on this page yet.
    fn fresh(&self) -> bool {
        self.y >= self.body_top
    }

    fn line(&mut self, glyphs: Vec<Glyph>, x: f32, width_pt: f32, size: f32, align: Align) {
        let w = width(&glyphs) * size / 1000.0;
        let dx = match align {
            Align::Left => 0.0,
            Align::Center => ((width_pt - w) / 2.0).max(0.0),
        };
        self.ops.push(Op::Text {
            x: x + dx,
            y: baseline(self.y, size),
            size,
            glyphs,
        });
        self.y -= lead(size);
    }

    /// Closes the current page and starts the next, with the running title
    /// and, inside a section, the section heading marked as continued.
    fn break_page(&mut self) {
        self.pages.push(std::mem::take(&mut self.ops));
        self.y = TOP;
        let title = self.running_title.clone();
        self.line(title, MARGIN_X, CONTENT_W, RUNNING_SIZE, Align::Left);
        self.y -= 2.0;
        self.rule(0.4, 0.5);
        self.y -= RUNNING_SIZE;
        self.body_top = self.y;
        if let Some(heading) = self.heading.clone() {
            let text = self.words.continued(&heading);
            for l in self.lines(&text, Weight::Bold, BODY_SIZE, CONTENT_W, 2) {
                self.line(l, MARGIN_X, CONTENT_W, BODY_SIZE, Align::Left);
            }
            self.y -= BODY_SIZE * 0.4;
        }
    }

    /// Starts a new page unless `height` still fits (or the page is empty).
    fn need(&mut self, height: f32) {
        if self.room() < height && !self.fresh() {
            self.break_page();
        }
    }

    fn rule(&mut self, width: f32, gray: f32) {
        self.ops.push(Op::Line {
            from: (MARGIN_X, self.y),
            to: (MARGIN_X + CONTENT_W, self.y),
            width,
            gray,
        });
    }

    /// Lines of a paragraph, flowing onto new pages as needed.
    fn flow(&mut self, lines: Vec<Vec<Glyph>>, size: f32) {
        for l in lines {
            self.need(lead(size));
            self.line(l, MARGIN_X, CONTENT_W, size, Align::Left);
        }
    }

    fn title(&mut self, title: &str) {
        for l in self.lines(title, Weight::Bold, TITLE_SIZE, CONTENT_W, 6) {
            self.line(l, MARGIN_X, CONTENT_W, TITLE_SIZE, Align::Center);
        }
        self.y -= 4.0;
        self.rule(1.2, 0.0);
        self.y -= BODY_SIZE * 1.2;
        self.body_top = self.y;
    }

    fn section(&mut self, s: &Section) {
        if s.new_page && !self.fresh() {
            self.break_page();
        }
        let heading = self.lines(&s.heading, Weight::Bold, HEADING_SIZE, CONTENT_W, 4);
        // Keep the heading with the first lines that follow it.
        let heading_h = heading.len() as f32 * lead(HEADING_SIZE);
        self.need(heading_h + 3.0 * lead(TABLE_SIZE));
        for l in heading {
            self.line(l, MARGIN_X, CONTENT_W, HEADING_SIZE, Align::Left);
        }
        self.y -= HEADING_SIZE * 0.4;
        self.heading = Some(s.heading.clone());
        for (label, value) in &s.rows {
            self.row(label, value);
        }
        if !s.rows.is_empty() {
            self.y -= BODY_SIZE * 0.6;
        }
        for p in &s.paragraphs {
            let lines = self.lines(p, Weight::Regular, BODY_SIZE, CONTENT_W, usize::MAX);
            self.flow(lines, BODY_SIZE);
            self.y -= BODY_SIZE * 0.4;
        }
        self.heading = None;
        self.y -= BODY_SIZE * 0.8;
    }

    /// One table row. A short row moves whole to the next page when it does
    /// not fit; a longer one is split across pages, at least two lines at a
    /// time.
    fn row(&mut self, label: &str, value: &str) {
        let label_w = (CONTENT_W * LABEL_SHARE).round();
        let value_w = CONTENT_W - label_w;
        let inner = |w: f32| w - 2.0 * CELL_PAD_X;
        let mut labels = self.lines(label, Weight::Bold, TABLE_SIZE, inner(label_w), 12);
        let mut values = self.lines(
            value,
            Weight::Regular,
            TABLE_SIZE,
            inner(value_w),
            usize::MAX,
        );
        let total = labels.len().max(values.len()).max(1);
        labels.resize(total, Vec::new());
        values.resize(total, Vec::new());
        let lead = lead(TABLE_SIZE);
        let mut done = 0;
        while done < total {
            let fits = ((self.room() - 2.0 * CELL_PAD_Y) / lead).floor().max(0.0) as usize;
            let left = total - done;
            let wanted = if left <= KEEP_WHOLE { left } else { 2 };
            if fits < wanted && !self.fresh() {
                self.break_page();
                continue;
            }
            let take = fits.max(1).min(total - done);
            self.cell_chunk(
                labels[done..done + take].to_vec(),
                values[done..done + take].to_vec(),
                label_w,
            );
            done += take;
        }
    }

    /// Draws the label and value lines of (part of) a row with its borders.
    fn cell_chunk(&mut self, labels: Vec<Vec<Glyph>>, values: Vec<Vec<Glyph>>, label_w: f32) {
        let h = labels.len() as f32 * lead(TABLE_SIZE) + 2.0 * CELL_PAD_Y;
        let (top, bottom) = (self.y, self.y - h);
        let right = MARGIN_X + CONTENT_W;
        self.ops.push(Op::Fill {
            x: MARGIN_X,
            y: bottom,
            w: label_w,
            h,
            gray: 0.93,
        });
        let value_w = CONTENT_W - label_w;
        for (x, w, lines) in [
            (MARGIN_X, label_w, labels),
            (MARGIN_X + label_w, value_w, values),
        ] {
            self.y = top - CELL_PAD_Y;
            for l in lines {
                self.line(l, x + CELL_PAD_X, w, TABLE_SIZE, Align::Left);
            }
        }
        let border = |from, to| Op::Line {
            from,
            to,
            width: 0.5,
            gray: 0.4,
        };
        for y in [top, bottom] {
            self.ops.push(border((MARGIN_X, y), (right, y)));
        }
        for x in [MARGIN_X, MARGIN_X + label_w, right] {
            self.ops.push(border((x, top), (x, bottom)));
        }
        self.y = bottom;
    }
}

/// Lays the document out; returns the drawing operations of each page.
pub(super) fn paginate(fonts: &Fonts, doc: &Document, words: &Words) -> Vec<Vec<Op>> {
    let mut p = Pager {
        fonts,
        words,
        pages: Vec::new(),
        ops: Vec::new(),
        y: TOP,
        body_top: TOP,
        running_title: Vec::new(),
        heading: None,
    };
    p.running_title = p
        .lines(&doc.title, Weight::Regular, RUNNING_SIZE, CONTENT_W, 1)
        .into_iter()
        .next()
        .unwrap_or_default();
    p.title(&doc.title);
    for s in &doc.sections {
        p.section(s);
    }
    p.pages.push(std::mem::take(&mut p.ops));
    let count = p.pages.len();
    let mut pages = std::mem::take(&mut p.pages);
    for (i, ops) in pages.iter_mut().enumerate() {
        let label = words.page(i + 1, count);
        footer(&p, ops, &doc.watermark, &label);
    }
    pages
}

/// SEC-07: every page names who made the copy. The footer prints the
/// watermark with the page number; a light copy runs across the page,
/// beneath the content, so a cropped or single printed page still shows it.
fn footer(p: &Pager<'_>, ops: &mut Vec<Op>, watermark: &str, page_label: &str) {
    let label = p.fonts.shape(page_label, Weight::Regular);
    let label_w = width(&label) * FOOTER_SIZE / 1000.0;
    let text_w = CONTENT_W - label_w - 12.0;
    let lines = p.lines(watermark, Weight::Regular, FOOTER_SIZE, text_w, 2);
    ops.push(Op::Line {
        from: (MARGIN_X, FOOTER_RULE),
        to: (MARGIN_X + CONTENT_W, FOOTER_RULE),
        width: 0.5,
        gray: 0.5,
    });
    let mut top = FOOTER_RULE - 3.0;
    ops.push(Op::Text {
        x: MARGIN_X + CONTENT_W - label_w,
        y: baseline(top, FOOTER_SIZE),
        size: FOOTER_SIZE,
        glyphs: label,
    });
    for glyphs in lines {
        ops.push(Op::Text {
            x: MARGIN_X,
            y: baseline(top, FOOTER_SIZE),
            size: FOOTER_SIZE,
            glyphs,
        });
        top -= lead(FOOTER_SIZE);
    }
    if let Some(stamp) = diagonal(p, watermark) {
        ops.insert(0, stamp);
    }
}

/// The watermark once across the middle of the page, along its diagonal.
fn diagonal(p: &Pager<'_>, watermark: &str) -> Option<Op> {
    const MAX_SIZE: f32 = 26.0;
    const MIN_SIZE: f32 = 10.0;
    let (dx, dy) = (PAGE_W - 2.0 * 90.0, PAGE_H - 2.0 * 130.0);
    let length = dx.hypot(dy);
    let angle = dy.atan2(dx);
    let glyphs = p.fonts.shape(watermark, Weight::Regular);
    let em = width(&glyphs);
    if em <= 0.0 {
        return None;
    }
    let size = (length * 1000.0 / em).clamp(MIN_SIZE, MAX_SIZE);
    let glyphs = p
        .lines(watermark, Weight::Regular, size, length, 1)
        .into_iter()
        .next()?;
    let w = width(&glyphs) * size / 1000.0;
    let (sin, cos) = angle.sin_cos();
    // Centre the line on the page centre, half a cap height below it.
    let (cx, cy) = (PAGE_W / 2.0, PAGE_H / 2.0);
    let half = w / 2.0;
    let drop = size * 0.35;
    Some(Op::Stamp {
        x: cx - half * cos + drop * sin,
        y: cy - half * sin - drop * cos,
        size,
        angle,
        gray: 0.86,
        glyphs,
    })
}
