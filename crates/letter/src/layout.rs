//! Page composition of the letter. Produces drawing operations in PDF
//! points (origin bottom-left), independent of how the PDF is written.

use crate::fonts::{Fonts, Glyph, Weight};
use crate::linebreak::{fit, width};
use crate::texts::Wording;

pub(crate) const PAGE_W: f32 = 595.276;
pub(crate) const PAGE_H: f32 = 841.89;
const MARGIN_X: f32 = 62.0;
const TOP: f32 = PAGE_H - 48.0;
/// Nothing may be drawn below this line.
pub(crate) const BOTTOM: f32 = 46.0;
const CONTENT_W: f32 = PAGE_W - 2.0 * MARGIN_X;

#[derive(Debug, Clone)]
pub(crate) enum Op {
    /// A line of text whose baseline starts at (x, y).
    Text {
        x: f32,
        y: f32,
        size: f32,
        glyphs: Vec<Glyph>,
    },
    /// A filled grey rectangle.
    Fill {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        gray: f32,
    },
    /// Light text drawn at an angle (a watermark across the page), kept out
    /// of text extraction: the same words are printed plainly elsewhere.
    Stamp {
        x: f32,
        y: f32,
        size: f32,
        /// Counter-clockwise, in radians.
        angle: f32,
        gray: f32,
        glyphs: Vec<Glyph>,
    },
    /// A stroked straight line.
    Line {
        from: (f32, f32),
        to: (f32, f32),
        width: f32,
        gray: f32,
    },
}

#[derive(Debug)]
pub(crate) struct Page {
    pub ops: Vec<Op>,
    /// Lowest y reached by the content (must stay >= [`BOTTOM`]).
    pub bottom: f32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Align {
    Left,
    Center,
    Right,
}

struct Composer<'a> {
    fonts: &'a Fonts,
    ops: Vec<Op>,
    y: f32,
    size: f32,
}

impl Composer<'_> {
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

    /// Draws `lines` with their first line's top at `top`; returns the height.
    #[allow(clippy::too_many_arguments)]
    fn draw(
        &mut self,
        lines: Vec<Vec<Glyph>>,
        x: f32,
        top: f32,
        width_pt: f32,
        size: f32,
        lead: f32,
        align: Align,
    ) -> f32 {
        let mut baseline = top - size * 0.93 - (lead - size * 1.17) / 2.0;
        let count = lines.len();
        for glyphs in lines {
            let w = width(&glyphs) * size / 1000.0;
            let dx = match align {
                Align::Left => 0.0,
                Align::Center => ((width_pt - w) / 2.0).max(0.0),
                Align::Right => (width_pt - w).max(0.0),
            };
            self.ops.push(Op::Text {
                x: x + dx,
                y: baseline,
                size,
                glyphs,
            });
            baseline -= lead;
        }
        count as f32 * lead
    }

    /// A block of text across the given column, advancing the cursor.
    #[allow(clippy::too_many_arguments)]
    fn block(
        &mut self,
        text: &str,
        weight: Weight,
        size: f32,
        x: f32,
        width_pt: f32,
        max_lines: usize,
        align: Align,
    ) {
        let lines = self.lines(text, weight, size, width_pt, max_lines);
        let h = self.draw(lines, x, self.y, width_pt, size, size * 1.42, align);
        self.y -= h;
    }

    fn gap(&mut self, factor: f32) {
        self.y -= self.size * factor;
    }

    fn rule(&mut self, width: f32) {
        self.ops.push(Op::Line {
            from: (MARGIN_X, self.y),
            to: (MARGIN_X + CONTENT_W, self.y),
            width,
            gray: 0.0,
        });
    }

    fn facts_table(&mut self, facts: &[(String, String)]) {
        const PAD_X: f32 = 5.0;
        let pad_y = self.size * 0.3;
        let label_w = (CONTENT_W * 0.3).round();
        let value_w = CONTENT_W - label_w;
        let size = self.size;
        let lead = size * 1.38;
        // Lines allowed per value: plate, time, place, violation, device, fine, points.
        let caps = [2, 2, 3, 4, 2, 2, 1];
        let top = self.y;
        let mut row_tops = Vec::new();
        for (i, (label, value)) in facts.iter().enumerate() {
            let label_lines = self.lines(label, Weight::Bold, size, label_w - 2.0 * PAD_X, 2);
            let cap = caps.get(i).copied().unwrap_or(2);
            let value_lines = self.lines(value, Weight::Regular, size, value_w - 2.0 * PAD_X, cap);
            let rows = label_lines.len().max(value_lines.len()).max(1);
            let h = rows as f32 * lead + 2.0 * pad_y;
            self.ops.push(Op::Fill {
                x: MARGIN_X,
                y: self.y - h,
                w: label_w,
                h,
                gray: 0.92,
            });
            let inner = self.y - pad_y;
            self.draw(
                label_lines,
                MARGIN_X + PAD_X,
                inner,
                label_w,
                size,
                lead,
                Align::Left,
            );
            self.draw(
                value_lines,
                MARGIN_X + label_w + PAD_X,
                inner,
                value_w,
                size,
                lead,
                Align::Left,
            );
            row_tops.push(self.y);
            self.y -= h;
        }
        let bottom = self.y;
        let line = |from, to| Op::Line {
            from,
            to,
            width: 0.6,
            gray: 0.35,
        };
        let right = MARGIN_X + CONTENT_W;
        for &y in row_tops.iter().chain(std::iter::once(&bottom)) {
            self.ops.push(line((MARGIN_X, y), (right, y)));
        }
        for x in [MARGIN_X, MARGIN_X + label_w, right] {
            self.ops.push(line((x, top), (x, bottom)));
        }
    }
}

/// Lays the letter out with body text of `size` points.
pub(crate) fn compose(fonts: &Fonts, w: &Wording, size: f32) -> Page {
    let mut c = Composer {
        fonts,
        ops: Vec::new(),
        y: TOP,
        size,
    };
    let x = MARGIN_X;
    let cw = CONTENT_W;

    c.block(
        &w.issuing_unit,
        Weight::Bold,
        size + 1.0,
        x,
        cw,
        2,
        Align::Center,
    );
    c.gap(0.35);
    c.rule(1.2);
    c.gap(0.9);
    c.block(&w.title, Weight::Bold, size + 5.0, x, cw, 3, Align::Center);
    c.gap(0.8);

    // Reference on the left, date on the right, on the same row.
    let top = c.y;
    let left_w = cw * 0.62;
    c.block(
        &w.reference,
        Weight::Regular,
        size,
        x,
        left_w,
        2,
        Align::Left,
    );
    let after_left = c.y;
    c.y = top;
    c.block(
        &w.date,
        Weight::Regular,
        size,
        x + left_w,
        cw - left_w,
        2,
        Align::Right,
    );
    c.y = c.y.min(after_left);
    c.gap(0.8);

    c.block(&w.addressee, Weight::Bold, size, x, cw, 2, Align::Left);
    c.block(&w.address, Weight::Regular, size, x, cw, 3, Align::Left);
    c.gap(0.6);
    c.block(&w.intro, Weight::Regular, size, x, cw, 3, Align::Left);
    c.gap(0.5);
    c.facts_table(&w.facts);
    c.gap(0.9);

    for p in &w.paragraphs {
        c.block(p, Weight::Regular, size, x, cw, 8, Align::Left);
        c.gap(0.3);
    }
    c.gap(1.2);

    let sig_w = cw * 0.6;
    c.block(
        &w.signature_unit,
        Weight::Bold,
        size,
        x + cw - sig_w,
        sig_w,
        2,
        Align::Right,
    );
    c.block(
        &w.signature_date,
        Weight::Regular,
        size,
        x + cw - sig_w,
        sig_w,
        1,
        Align::Right,
    );

    Page {
        bottom: c.y,
        ops: c.ops,
    }
}
