//! The raster the scene is drawn on: clipped primitives, a 5×7 bitmap font, film grain, and
//! the baseline JPEG encoder; and the seeded random numbers the drawing draws from.

use jpeg_encoder::{ColorType, Encoder};

use super::provinces::{self, SIZE};

/// SplitMix64: small, fast and the same everywhere, so a seed always draws the same picture.
pub(super) struct Rng(pub(super) u64);

impl Rng {
    pub(super) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub(super) fn f(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32
    }

    /// Uniform in [lo, hi).
    pub(super) fn range(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * self.f()
    }

    pub(super) fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[(self.next() % items.len() as u64) as usize]
    }
}

pub(super) type Rgb = [u8; 3];

pub(super) fn lerp(a: Rgb, b: Rgb, t: f32) -> Rgb {
    let t = t.clamp(0.0, 1.0);
    [0, 1, 2].map(|i| (f32::from(a[i]) + (f32::from(b[i]) - f32::from(a[i])) * t).round() as u8)
}

pub(super) fn shade(c: Rgb, k: f32) -> Rgb {
    c.map(|v| (f32::from(v) * k).round().clamp(0.0, 255.0) as u8)
}

/// An RGB raster with clipped drawing primitives.
pub(super) struct Canvas {
    w: i32,
    h: i32,
    px: Vec<u8>,
}

impl Canvas {
    pub(super) fn new(w: i32, h: i32) -> Canvas {
        Canvas {
            w,
            h,
            px: vec![0; (w * h * 3) as usize],
        }
    }

    pub(super) fn idx(&self, x: i32, y: i32) -> Option<usize> {
        (x >= 0 && y >= 0 && x < self.w && y < self.h).then(|| ((y * self.w + x) * 3) as usize)
    }

    pub(super) fn set(&mut self, x: i32, y: i32, c: Rgb) {
        if let Some(i) = self.idx(x, y) {
            self.px[i..i + 3].copy_from_slice(&c);
        }
    }

    pub(super) fn blend(&mut self, x: i32, y: i32, c: Rgb, alpha: f32) {
        if let Some(i) = self.idx(x, y) {
            let old = [self.px[i], self.px[i + 1], self.px[i + 2]];
            self.px[i..i + 3].copy_from_slice(&lerp(old, c, alpha));
        }
    }

    /// Fills [x0, x1) × [y0, y1).
    pub(super) fn rect(&mut self, x0: i32, y0: i32, x1: i32, y1: i32, c: Rgb) {
        for y in y0.max(0)..y1.min(self.h) {
            for x in x0.max(0)..x1.min(self.w) {
                self.set(x, y, c);
            }
        }
    }

    pub(super) fn rect_alpha(&mut self, x0: i32, y0: i32, x1: i32, y1: i32, c: Rgb, alpha: f32) {
        for y in y0.max(0)..y1.min(self.h) {
            for x in x0.max(0)..x1.min(self.w) {
                self.blend(x, y, c, alpha);
            }
        }
    }

    /// A rectangle shaded from `top` to `bottom`.
    pub(super) fn rect_gradient(
        &mut self,
        x0: i32,
        y0: i32,
        x1: i32,
        y1: i32,
        top: Rgb,
        bottom: Rgb,
    ) {
        let span = (y1 - y0).max(1) as f32;
        for y in y0.max(0)..y1.min(self.h) {
            let c = lerp(top, bottom, (y - y0) as f32 / span);
            for x in x0.max(0)..x1.min(self.w) {
                self.set(x, y, c);
            }
        }
    }

    /// A trapezoid with horizontal top and bottom edges, shaded from `top` to `bottom`.
    pub(super) fn trapezoid(
        &mut self,
        y0: i32,
        y1: i32,
        top: (f32, f32),
        bottom: (f32, f32),
        c_top: Rgb,
        c_bottom: Rgb,
    ) {
        let span = (y1 - y0).max(1) as f32;
        for y in y0.max(0)..y1.min(self.h) {
            let t = (y - y0) as f32 / span;
            let l = top.0 + (bottom.0 - top.0) * t;
            let r = top.1 + (bottom.1 - top.1) * t;
            let c = lerp(c_top, c_bottom, t);
            for x in (l.round() as i32).max(0)..(r.round() as i32).min(self.w) {
                self.set(x, y, c);
            }
        }
    }

    pub(super) fn ellipse(&mut self, cx: f32, cy: f32, rx: f32, ry: f32, c: Rgb, alpha: f32) {
        let (rx, ry) = (rx.max(0.5), ry.max(0.5));
        for y in (cy - ry).floor() as i32..=(cy + ry).ceil() as i32 {
            for x in (cx - rx).floor() as i32..=(cx + rx).ceil() as i32 {
                let dx = (x as f32 + 0.5 - cx) / rx;
                let dy = (y as f32 + 0.5 - cy) / ry;
                if dx * dx + dy * dy <= 1.0 {
                    self.blend(x, y, c, alpha);
                }
            }
        }
    }

    /// A line `width` pixels thick from (x0, y0) to (x1, y1), with round ends.
    pub(super) fn segment(&mut self, from: (f32, f32), to: (f32, f32), width: f32, c: Rgb) {
        let r = (width / 2.0).max(0.5);
        let (dx, dy) = (to.0 - from.0, to.1 - from.1);
        let len2 = (dx * dx + dy * dy).max(1e-6);
        let (xa, xb) = (from.0.min(to.0) - r, from.0.max(to.0) + r);
        let (ya, yb) = (from.1.min(to.1) - r, from.1.max(to.1) + r);
        for y in ya.floor() as i32..=yb.ceil() as i32 {
            for x in xa.floor() as i32..=xb.ceil() as i32 {
                let (px, py) = (x as f32 + 0.5, y as f32 + 0.5);
                let k = (((px - from.0) * dx + (py - from.1) * dy) / len2).clamp(0.0, 1.0);
                let (ex, ey) = (px - (from.0 + k * dx), py - (from.1 + k * dy));
                if ex * ex + ey * ey <= r * r {
                    self.set(x, y, c);
                }
            }
        }
    }

    /// A soft radial glow: full `alpha` at the centre, fading out at `r`.
    pub(super) fn glow(&mut self, cx: f32, cy: f32, r: f32, c: Rgb, alpha: f32) {
        for y in (cy - r) as i32..=(cy + r) as i32 {
            for x in (cx - r) as i32..=(cx + r) as i32 {
                let d = ((x as f32 - cx).powi(2) + (y as f32 - cy).powi(2)).sqrt() / r;
                if d < 1.0 {
                    self.blend(x, y, c, alpha * (1.0 - d).powi(2));
                }
            }
        }
    }

    /// Draws `text` in the 5×7 font, each font pixel `sx`×`sy`; returns the width drawn.
    pub(super) fn text(&mut self, x: i32, y: i32, text: &str, sx: i32, sy: i32, c: Rgb) -> i32 {
        let mut pen = x;
        for ch in text.chars() {
            let rows = glyph(ch);
            for (r, bits) in rows.iter().enumerate() {
                for col in 0..5 {
                    if bits & (0x10 >> col) != 0 {
                        let px = pen + col * sx;
                        let py = y + r as i32 * sy;
                        self.rect(px, py, px + sx, py + sy, c);
                    }
                }
            }
            pen += 6 * sx;
        }
        pen - x
    }

    /// Plate text filling the box at `at` of `size`, at any scale (each font pixel sampled, not
    /// repeated): characters sit in equal slots; a Chinese plate gets the dot after its second
    /// character, as GA 36 prints it.
    pub(super) fn plate_text(&mut self, at: (f32, f32), size: (f32, f32), text: &str, c: Rgb) {
        let chars: Vec<char> = text.chars().filter(|c| !c.is_whitespace()).collect();
        let dotted = chars.first().is_some_and(|c| !c.is_ascii()) && chars.len() > 2;
        let slots = chars.len() as f32 + if dotted { 0.6 } else { 0.0 };
        if slots == 0.0 {
            return;
        }
        let slot = size.0 / slots;
        let (gw, gh) = (slot * 0.8, size.1);
        let mut x = at.0;
        for (i, ch) in chars.iter().enumerate() {
            if dotted && i == 2 {
                let r = (slot * 0.1).max(1.0);
                self.ellipse(x + slot * 0.3, at.1 + gh / 2.0, r, r, c, 1.0);
                x += slot * 0.6;
            }
            let gx = x + (slot - gw) / 2.0;
            // A province character takes nearly its whole slot: its strokes need the room.
            if let Some(bitmap) = provinces::province(*ch) {
                self.bitmap_glyph((x + slot * 0.03, at.1), (slot * 0.94, gh), bitmap, c);
                x += slot;
                continue;
            }
            let rows = glyph(*ch);
            for py in at.1 as i32..(at.1 + gh) as i32 {
                let row = (((py as f32 + 0.5 - at.1) / gh * 7.0) as usize).min(6);
                for px in gx as i32..(gx + gw) as i32 {
                    let col = (((px as f32 + 0.5 - gx) / gw * 5.0) as u32).min(4);
                    if rows[row] & (0x10 >> col) != 0 {
                        self.set(px, py, c);
                    }
                }
            }
            x += slot;
        }
    }

    /// A province character's bitmap stretched over the box at `at` of `size`, each pixel
    /// blended by the share of its 4×4 samples that fall on ink, so that even a small plate
    /// shows the strokes rather than a block.
    fn bitmap_glyph(&mut self, at: (f32, f32), size: (f32, f32), rows: &[u64; SIZE], c: Rgb) {
        const SUB: i32 = 4;
        let cells = SIZE as f32;
        for py in at.1 as i32..(at.1 + size.1).ceil() as i32 {
            for px in at.0 as i32..(at.0 + size.0).ceil() as i32 {
                let mut ink = 0;
                for sy in 0..SUB {
                    for sx in 0..SUB {
                        let fx = (px as f32 + (sx as f32 + 0.5) / SUB as f32 - at.0) / size.0;
                        let fy = (py as f32 + (sy as f32 + 0.5) / SUB as f32 - at.1) / size.1;
                        if !(0.0..1.0).contains(&fx) || !(0.0..1.0).contains(&fy) {
                            continue;
                        }
                        let (col, row) = ((fx * cells) as usize, (fy * cells) as usize);
                        if rows[row] & (1u64 << (SIZE - 1 - col)) != 0 {
                            ink += 1;
                        }
                    }
                }
                if ink > 0 {
                    self.blend(px, py, c, ink as f32 / (SUB * SUB) as f32);
                }
            }
        }
    }

    /// The colour at (x, y), black outside.
    #[cfg(test)]
    pub(super) fn pixel(&self, x: i32, y: i32) -> Rgb {
        self.idx(x, y)
            .map_or([0, 0, 0], |i| [self.px[i], self.px[i + 1], self.px[i + 2]])
    }

    /// Sensor noise and a slight vignette, so the photo compresses like a real one.
    pub(super) fn grain(&mut self, rng: &mut Rng, amount: i32) {
        let (cx, cy) = (self.w as f32 / 2.0, self.h as f32 / 2.0);
        let norm = 1.0 / (cx * cx + cy * cy);
        let mut bits = 0u64;
        let mut left = 0;
        for y in 0..self.h {
            for x in 0..self.w {
                if left == 0 {
                    bits = rng.next();
                    left = 8;
                }
                let n = i32::from((bits & 0xFF) as u8) * (2 * amount + 1) / 256 - amount;
                bits >>= 8;
                left -= 1;
                let d = ((x as f32 - cx).powi(2) + (y as f32 - cy).powi(2)) * norm;
                let k = 1.0 - 0.22 * d;
                let i = ((y * self.w + x) * 3) as usize;
                for v in &mut self.px[i..i + 3] {
                    *v = ((f32::from(*v) * k) as i32 + n).clamp(0, 255) as u8;
                }
            }
        }
    }

    pub(super) fn crop(&self, x: i32, y: i32, w: i32, h: i32) -> Canvas {
        let x0 = x.clamp(0, self.w - 1);
        let y0 = y.clamp(0, self.h - 1);
        let w = w.min(self.w - x0).max(1);
        let h = h.min(self.h - y0).max(1);
        let mut out = Canvas::new(w, h);
        for row in 0..h {
            let from = (((y0 + row) * self.w + x0) * 3) as usize;
            let to = (row * w * 3) as usize;
            out.px[to..to + (w * 3) as usize]
                .copy_from_slice(&self.px[from..from + (w * 3) as usize]);
        }
        out
    }

    pub(super) fn encode(&self, quality: u8) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.px.len() / 8);
        let encoder = Encoder::new(&mut out, quality.clamp(1, 100));
        // Dimensions are at least 1 and at most u16::MAX (checked in `paint`), and writing to
        // memory cannot fail, so the encoder has no error left to report.
        let w = u16::try_from(self.w).unwrap_or(u16::MAX);
        let h = u16::try_from(self.h).unwrap_or(u16::MAX);
        encoder
            .encode(&self.px, w, h, ColorType::Rgb)
            .expect("encoding an in-memory RGB image");
        out
    }
}

/// Rows of a 5×7 glyph (bit 4 is the left column). Lowercase is drawn as uppercase; a
/// character outside ASCII (a province character without a bitmap in `provinces`) gets a dense
/// pseudo-glyph made from its code; an unknown ASCII character is blank.
fn glyph(ch: char) -> [u8; 7] {
    let ch = ch.to_ascii_uppercase();
    if !ch.is_ascii() {
        let mut h = u64::from(ch as u32).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        h ^= h >> 29;
        let mut rows = [0u8; 7];
        for (r, row) in rows.iter_mut().enumerate() {
            let noise = ((h >> (r * 5)) & 0x1F) as u8;
            *row = match r {
                0 | 3 | 6 => 0x1F,
                _ => noise | 0x11,
            };
        }
        return rows;
    }
    match ch {
        '0' => [0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E],
        '1' => [0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E],
        '2' => [0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F],
        '3' => [0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E],
        '4' => [0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02],
        '5' => [0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E],
        '6' => [0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E],
        '7' => [0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08],
        '8' => [0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E],
        '9' => [0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C],
        'A' => [0x0E, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11],
        'B' => [0x1E, 0x11, 0x11, 0x1E, 0x11, 0x11, 0x1E],
        'C' => [0x0E, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0E],
        'D' => [0x1C, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1C],
        'E' => [0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x1F],
        'F' => [0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x10],
        'G' => [0x0E, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0F],
        'H' => [0x11, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11],
        'I' => [0x0E, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E],
        'J' => [0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0C],
        'K' => [0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11],
        'L' => [0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1F],
        'M' => [0x11, 0x1B, 0x15, 0x15, 0x11, 0x11, 0x11],
        'N' => [0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11],
        'O' => [0x0E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E],
        'P' => [0x1E, 0x11, 0x11, 0x1E, 0x10, 0x10, 0x10],
        'Q' => [0x0E, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0D],
        'R' => [0x1E, 0x11, 0x11, 0x1E, 0x14, 0x12, 0x11],
        'S' => [0x0F, 0x10, 0x10, 0x0E, 0x01, 0x01, 0x1E],
        'T' => [0x1F, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04],
        'U' => [0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E],
        'V' => [0x11, 0x11, 0x11, 0x11, 0x11, 0x0A, 0x04],
        'W' => [0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0A],
        'X' => [0x11, 0x11, 0x0A, 0x04, 0x0A, 0x11, 0x11],
        'Y' => [0x11, 0x11, 0x11, 0x0A, 0x04, 0x04, 0x04],
        'Z' => [0x1F, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1F],
        '-' => [0x00, 0x00, 0x00, 0x1F, 0x00, 0x00, 0x00],
        ':' => [0x00, 0x0C, 0x0C, 0x00, 0x0C, 0x0C, 0x00],
        '.' => [0x00, 0x00, 0x00, 0x00, 0x00, 0x0C, 0x0C],
        '/' => [0x00, 0x01, 0x02, 0x04, 0x08, 0x10, 0x00],
        '+' => [0x00, 0x04, 0x04, 0x1F, 0x04, 0x04, 0x00],
        '_' => [0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1F],
        '#' => [0x0A, 0x0A, 0x1F, 0x0A, 0x1F, 0x0A, 0x0A],
        '(' => [0x02, 0x04, 0x08, 0x08, 0x08, 0x04, 0x02],
        ')' => [0x08, 0x04, 0x02, 0x02, 0x02, 0x04, 0x08],
        '%' => [0x18, 0x19, 0x02, 0x04, 0x08, 0x13, 0x03],
        '=' => [0x00, 0x00, 0x1F, 0x00, 0x1F, 0x00, 0x00],
        ',' => [0x00, 0x00, 0x00, 0x00, 0x0C, 0x04, 0x08],
        '·' => [0x00, 0x00, 0x00, 0x0C, 0x0C, 0x00, 0x00],
        _ => [0; 7],
    }
}
