//! A synthetic but realistic-looking capture photo, as a real baseline JPEG, drawn in pure Rust:
//! sky and skyline, a road in perspective with lane markings, a zebra crossing and a stop line,
//! a traffic light showing red, traffic further up, and the offending car seen from behind with
//! its plate (a 5×7 bitmap font; characters outside ASCII, such as the province character, are
//! drawn as a dense glyph-like block), and the camera's caption strip at the top.
//!
//! Everything comes from the seed: the same seed and text give the same bytes, so a resent event
//! carries the same evidence. The plate's rectangle is returned so the reviewer's page can zoom
//! onto it, and [`render_with_plate`] also crops the plate as the small `licensePlatePicture` a
//! Hikvision camera sends.

use chrono::{Duration, TimeZone};
use jpeg_encoder::{ColorType, Encoder};

/// A capture photo and where its plate is.
#[derive(Debug, Clone)]
pub struct Scene {
    /// A baseline JPEG (JFIF).
    pub jpeg: Vec<u8>,
    /// The plate in the photo, in pixels: x, y, width, height.
    pub plate_rect: [i32; 4],
}

/// The plate's background, which sets its text colour too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlateTint {
    /// Chinese ordinary small vehicles: white on blue.
    Blue,
    /// Chinese new-energy vehicles: black on gradient green.
    Green,
    /// Chinese large vehicles, Vietnamese commercial transport: black on yellow.
    Yellow,
    /// Vietnamese private vehicles: black on white.
    White,
}

impl PlateTint {
    /// The tint a plate's shape suggests: an 8-character Chinese plate is new-energy green, a
    /// plate starting with a digit is Vietnamese white, anything else ordinary blue.
    pub fn for_plate(plate: &str) -> PlateTint {
        let first = plate.chars().next().unwrap_or(' ');
        if first.is_ascii_digit() {
            PlateTint::White
        } else if !first.is_ascii() && plate.chars().filter(|c| !c.is_whitespace()).count() == 8 {
            PlateTint::Green
        } else {
            PlateTint::Blue
        }
    }

    /// The tint for one of the server's plate colour names (`blue`, `green`, `yellow_green`,
    /// `yellow`, `white`); other names fall back to [`PlateTint::for_plate`].
    pub fn from_colour(colour: &str, plate: &str) -> PlateTint {
        match colour {
            "blue" => PlateTint::Blue,
            "green" | "yellow_green" => PlateTint::Green,
            "yellow" => PlateTint::Yellow,
            "white" => PlateTint::White,
            _ => PlateTint::for_plate(plate),
        }
    }
}

/// What to draw.
#[derive(Debug, Clone)]
pub struct SceneSpec<'a> {
    pub plate: &'a str,
    pub tint: PlateTint,
    pub seed: u64,
    pub width: u16,
    pub height: u16,
    /// The caption strip at the top (time, device, lane…); ASCII, lowercase drawn uppercase.
    pub caption: &'a str,
    /// JPEG quality, 1 to 100.
    pub quality: u8,
}

/// A road photo of a car with `plate_text`, `width`×`height` pixels at quality 80, its caption a
/// time of 2026 picked by the seed. Deterministic for a seed.
#[allow(dead_code)] // the short form, for seeding and tests; `simulate` captions with real times
pub fn capture_jpeg(plate_text: &str, seed: u64, width: u16, height: u16) -> Scene {
    let caption = default_caption(seed);
    render(&SceneSpec {
        plate: plate_text,
        tint: PlateTint::for_plate(plate_text),
        seed,
        width,
        height,
        caption: &caption,
        quality: 80,
    })
}

/// The photo described by `spec`.
pub fn render(spec: &SceneSpec<'_>) -> Scene {
    let (canvas, rect) = paint(spec);
    Scene {
        jpeg: canvas.encode(spec.quality),
        plate_rect: rect,
    }
}

/// The photo and, as a second JPEG, the plate cropped from it with a margin (what an ANPR
/// camera sends as its `licensePlatePicture`).
pub fn render_with_plate(spec: &SceneSpec<'_>) -> (Scene, Vec<u8>) {
    let (canvas, rect) = paint(spec);
    let [x, y, w, h] = rect;
    let margin = (h / 2).max(4);
    let crop = canvas.crop(x - margin, y - margin, w + 2 * margin, h + 2 * margin);
    let plate = crop.encode(spec.quality.max(85));
    (
        Scene {
            jpeg: canvas.encode(spec.quality),
            plate_rect: rect,
        },
        plate,
    )
}

/// A time in 2026 (China time) picked by the seed, as a camera would print it.
fn default_caption(seed: u64) -> String {
    let base = chrono::FixedOffset::east_opt(8 * 3600)
        .and_then(|tz| tz.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single());
    match base {
        Some(base) => {
            let at = base + Duration::seconds((seed % (365 * 86_400)) as i64);
            format!("{}  CH1", at.format("%Y-%m-%d %H:%M:%S"))
        }
        None => String::new(),
    }
}

/// SplitMix64: small, fast and the same everywhere, so a seed always draws the same picture.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn f(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32
    }

    /// Uniform in [lo, hi).
    fn range(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * self.f()
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[(self.next() % items.len() as u64) as usize]
    }
}

type Rgb = [u8; 3];

fn lerp(a: Rgb, b: Rgb, t: f32) -> Rgb {
    let t = t.clamp(0.0, 1.0);
    [0, 1, 2].map(|i| (f32::from(a[i]) + (f32::from(b[i]) - f32::from(a[i])) * t).round() as u8)
}

fn shade(c: Rgb, k: f32) -> Rgb {
    c.map(|v| (f32::from(v) * k).round().clamp(0.0, 255.0) as u8)
}

/// An RGB raster with clipped drawing primitives.
struct Canvas {
    w: i32,
    h: i32,
    px: Vec<u8>,
}

impl Canvas {
    fn new(w: i32, h: i32) -> Canvas {
        Canvas {
            w,
            h,
            px: vec![0; (w * h * 3) as usize],
        }
    }

    fn idx(&self, x: i32, y: i32) -> Option<usize> {
        (x >= 0 && y >= 0 && x < self.w && y < self.h).then(|| ((y * self.w + x) * 3) as usize)
    }

    fn set(&mut self, x: i32, y: i32, c: Rgb) {
        if let Some(i) = self.idx(x, y) {
            self.px[i..i + 3].copy_from_slice(&c);
        }
    }

    fn blend(&mut self, x: i32, y: i32, c: Rgb, alpha: f32) {
        if let Some(i) = self.idx(x, y) {
            let old = [self.px[i], self.px[i + 1], self.px[i + 2]];
            self.px[i..i + 3].copy_from_slice(&lerp(old, c, alpha));
        }
    }

    /// Fills [x0, x1) × [y0, y1).
    fn rect(&mut self, x0: i32, y0: i32, x1: i32, y1: i32, c: Rgb) {
        for y in y0.max(0)..y1.min(self.h) {
            for x in x0.max(0)..x1.min(self.w) {
                self.set(x, y, c);
            }
        }
    }

    fn rect_alpha(&mut self, x0: i32, y0: i32, x1: i32, y1: i32, c: Rgb, alpha: f32) {
        for y in y0.max(0)..y1.min(self.h) {
            for x in x0.max(0)..x1.min(self.w) {
                self.blend(x, y, c, alpha);
            }
        }
    }

    /// A rectangle shaded from `top` to `bottom`.
    fn rect_gradient(&mut self, x0: i32, y0: i32, x1: i32, y1: i32, top: Rgb, bottom: Rgb) {
        let span = (y1 - y0).max(1) as f32;
        for y in y0.max(0)..y1.min(self.h) {
            let c = lerp(top, bottom, (y - y0) as f32 / span);
            for x in x0.max(0)..x1.min(self.w) {
                self.set(x, y, c);
            }
        }
    }

    /// A trapezoid with horizontal top and bottom edges, shaded from `top` to `bottom`.
    fn trapezoid(
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

    fn ellipse(&mut self, cx: f32, cy: f32, rx: f32, ry: f32, c: Rgb, alpha: f32) {
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

    /// A soft radial glow: full `alpha` at the centre, fading out at `r`.
    fn glow(&mut self, cx: f32, cy: f32, r: f32, c: Rgb, alpha: f32) {
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
    fn text(&mut self, x: i32, y: i32, text: &str, sx: i32, sy: i32, c: Rgb) -> i32 {
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
    fn plate_text(&mut self, at: (f32, f32), size: (f32, f32), text: &str, c: Rgb) {
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
            let rows = glyph(*ch);
            let gx = x + (slot - gw) / 2.0;
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

    /// Sensor noise and a slight vignette, so the photo compresses like a real one.
    fn grain(&mut self, rng: &mut Rng, amount: i32) {
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

    fn crop(&self, x: i32, y: i32, w: i32, h: i32) -> Canvas {
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

    fn encode(&self, quality: u8) -> Vec<u8> {
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

/// Draws the scene; returns the raster and the plate's rectangle.
fn paint(spec: &SceneSpec<'_>) -> (Canvas, [i32; 4]) {
    let w = i32::from(spec.width.max(64));
    let h = i32::from(spec.height.max(48));
    let (wf, hf) = (w as f32, h as f32);
    let mut rng = Rng(spec.seed ^ 0x5EED_CA9E);
    let mut c = Canvas::new(w, h);

    // Sky: clear, hazy or late afternoon.
    let (sky_top, sky_low) = rng.pick(&[
        ([88, 136, 196], [190, 210, 228]),
        ([150, 160, 172], [208, 212, 216]),
        ([120, 138, 178], [232, 200, 160]),
    ]);
    let horizon = (hf * rng.range(0.33, 0.39)) as i32;
    c.rect_gradient(0, 0, w, horizon, sky_top, sky_low);

    // Skyline: buildings with rows of windows, trees in between.
    let mut x = -(rng.f() * wf * 0.05) as i32;
    while x < w {
        let bw = (wf * rng.range(0.035, 0.1)) as i32;
        if rng.f() < 0.22 {
            let r = wf * rng.range(0.02, 0.04);
            let tree = rng.pick(&[[52, 84, 48], [60, 92, 56], [44, 70, 44]]);
            c.ellipse(x as f32 + r, horizon as f32 - r * 0.8, r, r, tree, 1.0);
            x += (r * 1.6) as i32;
            continue;
        }
        let bh = (hf * rng.range(0.04, 0.2)) as i32;
        let tone = rng.pick(&[
            [158, 156, 150],
            [176, 168, 156],
            [132, 138, 146],
            [190, 186, 178],
            [120, 116, 112],
        ]);
        let top = horizon - bh;
        c.rect_gradient(x, top, x + bw, horizon, shade(tone, 1.08), shade(tone, 0.9));
        let win = shade(tone, if rng.f() < 0.5 { 0.7 } else { 1.2 });
        let (ww, wh) = ((bw / 8).max(2), (bh / 14).max(2));
        let mut wy = top + wh;
        while wy + wh < horizon - wh {
            let mut wx = x + ww;
            while wx + ww < x + bw - ww / 2 {
                c.rect(wx, wy, wx + ww, wy + wh, win);
                wx += ww * 2;
            }
            wy += wh * 2;
        }
        x += bw + (wf * rng.range(0.0, 0.02)) as i32;
    }

    // Ground: pavement on both sides, then the road in perspective towards a vanishing point.
    let pavement = rng.pick(&[[150, 148, 142], [138, 140, 136], [160, 154, 146]]);
    c.rect_gradient(
        0,
        horizon,
        w,
        h,
        shade(pavement, 1.05),
        shade(pavement, 0.85),
    );
    // A hedge along the far side of the pavement.
    let hedge = (hf * 0.018).max(2.0) as i32;
    c.rect_gradient(0, horizon, w, horizon + hedge, [58, 86, 52], [46, 70, 42]);
    let vx = wf * rng.range(0.44, 0.56);
    let depth = (hf - horizon as f32).max(1.0);
    let road_centre = |t: f32| vx + (wf * 0.5 - vx) * t;
    let road_half = |t: f32| wf * (0.02 + 0.86 * t);
    let asphalt_far = rng.pick(&[[122, 124, 128], [112, 114, 118], [128, 126, 122]]);
    let asphalt_near = shade(asphalt_far, 0.6);
    let markings: [Rgb; 2] = [[226, 226, 220], [222, 186, 64]];
    let stop_t = rng.range(0.5, 0.56);
    let zebra = (stop_t - 0.13, stop_t - 0.035);
    let phase = rng.f();
    for y in horizon..h {
        let t = (y - horizon) as f32 / depth;
        let (cx, half) = (road_centre(t), road_half(t));
        let base = lerp(asphalt_far, asphalt_near, t);
        let (l, r) = ((cx - half) as i32, (cx + half) as i32);
        // The kerb.
        c.rect(
            l - (wf * 0.006 * t) as i32 - 1,
            y,
            l,
            y + 1,
            [196, 194, 188],
        );
        c.rect(
            r,
            y,
            r + (wf * 0.006 * t) as i32 + 1,
            y + 1,
            [196, 194, 188],
        );
        c.rect(l, y, r, y + 1, base);
        // Lane lines: solid yellow at the centre line, solid white at the edge, dashed between.
        let lw = (wf * 0.007 * t).max(1.0);
        let z = 1.0 / (t + 0.03);
        let dash = ((z * 0.55 + phase).fract()) < 0.5;
        for (u, solid, colour) in [
            (-0.96, true, markings[1]),
            (-0.92, true, markings[1]),
            (-0.32, false, markings[0]),
            (0.32, false, markings[0]),
            (0.94, true, markings[0]),
        ] {
            if solid || dash || t > stop_t {
                let x = cx + u * half;
                let kw = if u < -0.9 { lw * 0.6 } else { lw };
                for xx in (x - kw / 2.0) as i32..=(x + kw / 2.0) as i32 {
                    c.blend(xx, y, colour, 0.9);
                }
            }
        }
        // The zebra crossing, then the stop line.
        if t > zebra.0 && t < zebra.1 {
            for xx in l.max(0)..r.min(w) {
                let u = (xx as f32 - cx) / half;
                if ((u + 1.0) * 11.0) as i32 % 2 == 0 && u > -0.9 && u < 0.92 {
                    c.blend(xx, y, markings[0], 0.85);
                }
            }
        }
        if t > stop_t && t < stop_t + 0.018 {
            let (sl, sr) = ((cx - 0.9 * half) as i32, (cx + 0.93 * half) as i32);
            c.rect_alpha(sl, y, sr, y + 1, markings[0], 0.9);
        }
    }

    // The traffic light: a pole on the right, an arm over the road, three lamps, red lit.
    let pole_x = (wf * rng.range(0.86, 0.93)) as i32;
    let pole_w = (wf * 0.011).max(2.0) as i32;
    let arm_y = (hf * rng.range(0.09, 0.13)) as i32;
    let pole_foot = horizon + (depth * (stop_t - 0.08)) as i32;
    let steel = [96, 102, 108];
    c.rect_gradient(
        pole_x,
        arm_y,
        pole_x + pole_w,
        pole_foot,
        shade(steel, 1.2),
        shade(steel, 0.8),
    );
    let arm_x = (wf * rng.range(0.5, 0.6)) as i32;
    let arm_h = (pole_w * 2 / 3).max(2);
    c.rect(arm_x, arm_y, pole_x + pole_w, arm_y + arm_h, steel);
    let hx = arm_x + (wf * 0.03) as i32;
    let lamp_r = (hf * 0.022).max(3.0);
    let (hw, hh) = ((lamp_r * 7.2) as i32, (lamp_r * 2.6) as i32);
    let hy = arm_y + arm_h + (lamp_r * 0.4) as i32;
    c.rect(hx + hw / 2 - 2, arm_y, hx + hw / 2 + 2, hy, steel);
    c.rect(hx, hy, hx + hw, hy + hh, [28, 28, 30]);
    c.rect(hx, hy, hx + hw, hy + 2, [50, 50, 54]);
    let lamp_y = hy as f32 + hh as f32 / 2.0;
    for (i, colour) in [[255, 48, 36], [70, 58, 24], [26, 60, 40]]
        .into_iter()
        .enumerate()
    {
        let lx = hx as f32 + lamp_r * (1.2 + 2.4 * i as f32);
        c.ellipse(lx, lamp_y, lamp_r, lamp_r, colour, 1.0);
    }
    let red_x = hx as f32 + lamp_r * 1.2;
    c.glow(red_x, lamp_y, lamp_r * 3.2, [255, 90, 70], 0.55);
    c.ellipse(
        red_x,
        lamp_y,
        lamp_r * 0.45,
        lamp_r * 0.45,
        [255, 200, 180],
        0.8,
    );
    // The enforcement camera on the arm.
    let cam_x = arm_x + (wf * 0.17) as i32;
    c.rect(
        cam_x,
        arm_y + arm_h,
        cam_x + (wf * 0.03) as i32,
        arm_y + arm_h + (hf * 0.025) as i32,
        [214, 214, 210],
    );

    // Traffic further up the road, then the offending car in front.
    let palette: [Rgb; 8] = [
        [232, 232, 228],
        [186, 188, 190],
        [34, 36, 40],
        [150, 26, 30],
        [36, 62, 120],
        [100, 104, 108],
        [40, 70, 52],
        [200, 170, 120],
    ];
    let lanes = [-0.64_f32, 0.0, 0.64];
    for _ in 0..(rng.next() % 3) {
        let t = rng.range(0.22, stop_t - 0.14);
        let u = rng.pick(&lanes);
        let cx = road_centre(t) + u * road_half(t);
        let cw = road_half(t) * 0.26;
        let y = horizon as f32 + t * depth;
        let body = rng.pick(&palette);
        draw_car(&mut c, &mut rng, cx, y, cw, body, None);
    }
    let t = rng.range(0.84, 0.9);
    // The camera is aimed at its lane: the car is in the middle one, a little off centre.
    let cx = road_centre(t) + rng.range(-0.1, 0.1) * road_half(t);
    let cw = road_half(t) * 0.34;
    let y = horizon as f32 + t * depth;
    let body = rng.pick(&palette);
    let rect = draw_car(
        &mut c,
        &mut rng,
        cx,
        y,
        cw,
        body,
        Some((spec.plate, spec.tint)),
    )
    .unwrap_or([0, 0, 0, 0]);

    c.grain(&mut rng, 4);

    // The caption strip, drawn last so it stays crisp.
    let strip = (hf * 0.045).max(12.0) as i32;
    c.rect_alpha(0, 0, w, strip, [0, 0, 0], 0.6);
    let s = (strip / 10).max(1);
    let caption = spec.caption.to_ascii_uppercase();
    c.text(
        (wf * 0.012) as i32,
        (strip - 7 * s) / 2,
        &caption,
        s,
        s,
        [244, 244, 240],
    );
    (c, rect)
}

/// A car seen from behind, its wheels on the road at `y`, `cw` pixels wide; returns the
/// plate's rectangle when a plate is given.
fn draw_car(
    c: &mut Canvas,
    rng: &mut Rng,
    cx: f32,
    y: f32,
    cw: f32,
    body: Rgb,
    plate: Option<(&str, PlateTint)>,
) -> Option<[i32; 4]> {
    let half = cw / 2.0;
    let (l, r) = ((cx - half) as i32, (cx + half) as i32);
    let at = |k: f32| (y - cw * k) as i32;
    // Shadow and wheels.
    c.ellipse(cx, y, cw * 0.6, cw * 0.05, [10, 10, 12], 0.55);
    let wheel_w = cw * 0.15;
    for side in [-1.0_f32, 1.0] {
        let wx = cx + side * (half - wheel_w * 0.8);
        c.rect(
            (wx - wheel_w / 2.0) as i32,
            at(0.14),
            (wx + wheel_w / 2.0) as i32,
            y as i32,
            [22, 22, 24],
        );
    }
    // Cabin: pillars in the body colour, the rear window inside with a reflection.
    let roof = at(0.7);
    let waist = at(0.42);
    c.trapezoid(
        roof,
        waist,
        (cx - cw * 0.34, cx + cw * 0.34),
        (cx - cw * 0.47, cx + cw * 0.47),
        shade(body, 0.95),
        body,
    );
    let glass_top = roof + (cw * 0.04) as i32;
    let glass_bottom = waist - (cw * 0.03) as i32;
    c.trapezoid(
        glass_top,
        glass_bottom,
        (cx - cw * 0.29, cx + cw * 0.29),
        (cx - cw * 0.4, cx + cw * 0.4),
        [62, 74, 88],
        [30, 36, 44],
    );
    let streak = rng.range(-0.2, 0.1);
    for yy in glass_top..glass_bottom {
        let k = (yy - glass_top) as f32 / (glass_bottom - glass_top).max(1) as f32;
        let x0 = cx + cw * (streak + 0.12 * k);
        c.rect_alpha(
            x0 as i32,
            yy,
            (x0 + cw * 0.08) as i32,
            yy + 1,
            [200, 210, 220],
            0.18,
        );
    }
    // Body, with a highlight along the top and a darker bumper.
    c.rect_gradient(l, waist, r, at(0.08), shade(body, 1.12), shade(body, 0.8));
    c.rect(
        l,
        waist,
        r,
        waist + (cw * 0.012).max(1.0) as i32,
        shade(body, 1.3),
    );
    c.rect_gradient(l + 1, at(0.17), r - 1, at(0.07), [44, 44, 46], [26, 26, 28]);
    // Tail lights and the badge.
    let light_h = (cw * 0.08) as i32;
    let light_y = waist + (cw * 0.04) as i32;
    for (x0, x1) in [
        (l + (cw * 0.02) as i32, l + (cw * 0.22) as i32),
        (r - (cw * 0.22) as i32, r - (cw * 0.02) as i32),
    ] {
        c.rect(x0, light_y, x1, light_y + light_h, [150, 18, 20]);
        c.rect(
            x0 + 2,
            light_y + light_h / 4,
            x1 - 2,
            light_y + light_h / 2,
            [214, 60, 52],
        );
    }
    c.ellipse(
        cx,
        light_y as f32 + light_h as f32 / 2.0,
        cw * 0.035,
        cw * 0.025,
        [210, 212, 216],
        1.0,
    );
    let (text, tint) = plate?;

    // The plate: framed, centred below the lights; the text fills it like a real plate's.
    let pw = (cw * 0.3).round() as i32;
    let ph = (pw as f32 / 3.2).round() as i32;
    let px = (cx - pw as f32 / 2.0).round() as i32;
    let py = at(0.17) - ph - (cw * 0.01) as i32;
    let (bg_top, bg_bottom, fg) = match tint {
        PlateTint::Blue => ([36, 84, 196], [18, 58, 160], [246, 246, 246]),
        PlateTint::Green => ([236, 248, 236], [84, 196, 110], [20, 20, 20]),
        PlateTint::Yellow => ([248, 200, 40], [230, 176, 20], [20, 20, 20]),
        PlateTint::White => ([250, 250, 248], [228, 228, 224], [20, 20, 20]),
    };
    c.rect(px - 2, py - 2, px + pw + 2, py + ph + 2, [16, 16, 18]);
    c.rect_gradient(px, py, px + pw, py + ph, bg_top, bg_bottom);
    let frame = if tint == PlateTint::Blue {
        [236, 236, 236]
    } else {
        [30, 30, 30]
    };
    let fw = (ph / 18).max(1);
    c.rect(px + fw, py + fw, px + pw - fw, py + 2 * fw, frame);
    c.rect(px + fw, py + ph - 2 * fw, px + pw - fw, py + ph - fw, frame);
    c.rect(px + fw, py + fw, px + 2 * fw, py + ph - fw, frame);
    c.rect(px + pw - 2 * fw, py + fw, px + pw - fw, py + ph - fw, frame);
    let pad = (ph / 7).max(2) as f32;
    c.plate_text(
        (px as f32 + pad, py as f32 + pad * 1.1),
        (pw as f32 - 2.0 * pad, ph as f32 - 2.2 * pad),
        text,
        fg,
    );
    // The round rivets of a real plate.
    for rx in [px + pw / 5, px + pw * 4 / 5] {
        c.ellipse(
            rx as f32,
            py as f32 + 2.5 * fw as f32,
            fw as f32,
            fw as f32,
            shade(bg_top, 0.7),
            1.0,
        );
    }
    Some([px, py, pw, ph])
}

/// Rows of a 5×7 glyph (bit 4 is the left column). Lowercase is drawn as uppercase; a
/// character outside ASCII gets a dense pseudo-glyph made from its code, which reads as a
/// CJK character at plate size; an unknown ASCII character is blank.
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

#[cfg(test)]
mod tests {
    use super::*;

    fn is_jpeg(b: &[u8]) -> bool {
        b.starts_with(&[0xFF, 0xD8, 0xFF]) && b.ends_with(&[0xFF, 0xD9])
    }

    #[test]
    fn a_capture_is_a_baseline_jpeg_of_realistic_size() {
        let scene = capture_jpeg("浙E12345", 7, 1280, 720);
        assert!(is_jpeg(&scene.jpeg));
        // SOF0: baseline, not progressive.
        assert!(scene.jpeg.windows(2).any(|w| w == [0xFF, 0xC0]));
        assert!(!scene.jpeg.windows(2).any(|w| w == [0xFF, 0xC2]));
        let kb = scene.jpeg.len() / 1024;
        assert!((50..=140).contains(&kb), "{kb} kB");
        let [x, y, w, h] = scene.plate_rect;
        assert!(
            x > 0 && y > 0 && x + w < 1280 && y + h < 720,
            "{x} {y} {w} {h}"
        );
        assert!(w > 3 * h && w < 4 * h, "{w}×{h}");
    }

    #[test]
    fn the_same_seed_draws_the_same_bytes_and_another_seed_does_not() {
        let a = capture_jpeg("浙ED12345", 42, 640, 360);
        let b = capture_jpeg("浙ED12345", 42, 640, 360);
        let c = capture_jpeg("浙ED12345", 43, 640, 360);
        assert_eq!(a.jpeg, b.jpeg);
        assert_eq!(a.plate_rect, b.plate_rect);
        assert_ne!(a.jpeg, c.jpeg);
        // The plate text is in the picture too.
        assert_ne!(a.jpeg, capture_jpeg("浙ED12346", 42, 640, 360).jpeg);
    }

    #[test]
    fn the_plate_crop_is_a_small_jpeg() {
        let spec = SceneSpec {
            plate: "74A-123.45",
            tint: PlateTint::White,
            seed: 3,
            width: 1280,
            height: 720,
            caption: "2026-11-23 10:00:00 +07:00",
            quality: 80,
        };
        let (scene, plate) = render_with_plate(&spec);
        assert!(is_jpeg(&scene.jpeg) && is_jpeg(&plate));
        assert!(plate.len() < scene.jpeg.len() / 4);
        assert_eq!(render(&spec).jpeg, scene.jpeg);
    }

    #[test]
    fn tiny_sizes_still_encode() {
        assert!(is_jpeg(&capture_jpeg("", 1, 1, 1).jpeg));
    }

    #[test]
    fn tints_follow_the_plate() {
        assert_eq!(PlateTint::for_plate("浙E12345"), PlateTint::Blue);
        assert_eq!(PlateTint::for_plate("浙ED12345"), PlateTint::Green);
        assert_eq!(PlateTint::for_plate("74A-123.45"), PlateTint::White);
        assert_eq!(
            PlateTint::from_colour("yellow", "浙E12345"),
            PlateTint::Yellow
        );
    }
}

#[cfg(test)]
mod sample {
    /// Writes `scene.jpg` and `plate.jpg` to the temporary folder, to look at:
    /// `cargo test -p roadwarden-demo --lib write_sample -- --ignored`.
    #[test]
    #[ignore]
    fn write_sample() {
        let spec = super::SceneSpec {
            plate: "浙ED12345",
            tint: super::PlateTint::Green,
            seed: 2026,
            width: 1280,
            height: 720,
            caption: "2026-11-23 17:19:03  330522010201  CH1  LANE 2  CODE 1625",
            quality: 80,
        };
        let (scene, plate) = super::render_with_plate(&spec);
        let dir = std::env::temp_dir();
        std::fs::write(dir.join("scene.jpg"), &scene.jpeg).unwrap();
        std::fs::write(dir.join("plate.jpg"), &plate).unwrap();
        eprintln!(
            "{}: {} bytes, plate at {:?}; plate.jpg {} bytes",
            dir.join("scene.jpg").display(),
            scene.jpeg.len(),
            scene.plate_rect,
            plate.len()
        );
    }
}
