//! A synthetic but realistic-looking capture photo, as a real baseline JPEG, drawn in pure Rust:
//! sky and skyline, a road in perspective with lane markings, a zebra crossing and a stop line,
//! a traffic light showing red, traffic further up, and the offending car seen from behind in
//! the colour its record names, with its plate (a 5×7 bitmap font; the province character from
//! bitmaps of Noto Sans CJK), and the camera's caption strip at the top.
//!
//! The violation picks what the photos show ([`SceneKind`]): a red-light runner gets three
//! photos (before the stop line, over it, through the junction), a car not yielding has a
//! pedestrian on the crossing in front of it.
//!
//! Everything comes from the seed: the same seed and text give the same bytes, so a resent event
//! carries the same evidence. The plate's rectangle is returned so the reviewer's page can zoom
//! onto it, and [`render_capture`] also crops the plate as the small `licensePlatePicture` a
//! Hikvision camera sends.

mod canvas;
mod figures;
mod paint;
mod provinces;

use chrono::{Duration, TimeZone};

use paint::paint;

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

/// What the photos of a violation show, from its code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SceneKind {
    /// One photo of the car from behind.
    Plain,
    /// Not yielding to pedestrians (1357): a pedestrian on the crossing in front of the car.
    Pedestrian,
    /// Running a red light (1625 in China, VN01 in Vietnam): three photos, the light red in
    /// each: before the stop line, over it, through the junction.
    RedLight,
}

impl SceneKind {
    pub fn for_code(code: Option<&str>) -> SceneKind {
        match code.map(str::trim) {
            Some("1625" | "VN01") => SceneKind::RedLight,
            Some("1357") => SceneKind::Pedestrian,
            _ => SceneKind::Plain,
        }
    }

    /// How many scene photos a capture of this kind carries.
    pub fn frames(self) -> usize {
        match self {
            SceneKind::RedLight => 3,
            SceneKind::Plain | SceneKind::Pedestrian => 1,
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
    /// The vehicle's colour as the record names it (`silver`, `white`, `red`…); with none, or
    /// a name not painted, the seed picks one.
    pub vehicle_colour: Option<&'a str>,
    /// The violation's code, which picks the [`SceneKind`].
    pub violation: Option<&'a str>,
}

/// The photos of one capture: the scene photos (three for a red light) and the plate cropped
/// from the first.
#[derive(Debug, Clone)]
pub struct Capture {
    pub scenes: Vec<Scene>,
    /// A JPEG of the plate with a margin (what an ANPR camera sends as its
    /// `licensePlatePicture`).
    pub plate: Vec<u8>,
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
        vehicle_colour: None,
        violation: None,
    })
}

/// A neutral placeholder drawn where the demo has no photo it may use: a grey card with
/// diagonal stripes and `label` in block letters (never a face, never a real person). Used for
/// rider events when the registry packages' test portraits are absent, and for the photos a
/// grid worker attaches to a result.
pub fn placeholder_jpeg(width: u16, height: u16, seed: u64, label: &str) -> Vec<u8> {
    let (w, h) = (i32::from(width.max(32)), i32::from(height.max(32)));
    let mut c = canvas::Canvas::new(w, h);
    let mut rng = canvas::Rng(seed);
    let k = rng.range(0.0, 1.0);
    let top = canvas::lerp([196, 202, 208], [214, 206, 190], k);
    c.rect_gradient(0, 0, w, h, top, canvas::shade(top, 0.85));
    let mut x = -h;
    while x < w {
        c.segment(
            (x as f32, h as f32),
            ((x + h) as f32, 0.0),
            3.0,
            canvas::shade(top, 0.93),
        );
        x += 24;
    }
    c.rect(0, 0, w, 4, [120, 126, 134]);
    c.rect(0, h - 4, w, h, [120, 126, 134]);
    c.rect(0, 0, 4, h, [120, 126, 134]);
    c.rect(w - 4, 0, w, h, [120, 126, 134]);
    let scale = (w / 160).max(1);
    let y = h / 2 - 4 * scale;
    for (i, line) in label.split('\n').enumerate() {
        let width = line.chars().count() as i32 * 6 * scale;
        let at = ((w - width) / 2).max(6);
        c.text(
            at,
            y + i as i32 * 10 * scale,
            line,
            scale,
            scale,
            [60, 64, 70],
        );
    }
    c.encode(82)
}

/// The (first) photo described by `spec`.
pub fn render(spec: &SceneSpec<'_>) -> Scene {
    let (canvas, rect) = paint(spec, 0);
    Scene {
        jpeg: canvas.encode(spec.quality),
        plate_rect: rect,
    }
}

/// The (first) photo and, as a second JPEG, the plate cropped from it.
pub fn render_with_plate(spec: &SceneSpec<'_>) -> (Scene, Vec<u8>) {
    let (canvas, rect) = paint(spec, 0);
    let plate = plate_crop(&canvas, rect, spec.quality);
    (
        Scene {
            jpeg: canvas.encode(spec.quality),
            plate_rect: rect,
        },
        plate,
    )
}

/// Every photo a capture of `spec`'s violation carries, and the plate cropped from the first.
pub fn render_capture(spec: &SceneSpec<'_>) -> Capture {
    let (first, plate) = render_with_plate(spec);
    let mut scenes = vec![first];
    for frame in 1..SceneKind::for_code(spec.violation).frames() {
        let (canvas, rect) = paint(spec, frame);
        scenes.push(Scene {
            jpeg: canvas.encode(spec.quality),
            plate_rect: rect,
        });
    }
    Capture { scenes, plate }
}

/// The plate with a margin, at a quality that keeps its characters sharp.
fn plate_crop(canvas: &canvas::Canvas, rect: [i32; 4], quality: u8) -> Vec<u8> {
    let [x, y, w, h] = rect;
    let margin = (h / 2).max(4);
    let crop = canvas.crop(x - margin, y - margin, w + 2 * margin, h + 2 * margin);
    crop.encode(quality.max(85))
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
            vehicle_colour: None,
            violation: None,
        };
        let (scene, plate) = render_with_plate(&spec);
        assert!(is_jpeg(&scene.jpeg) && is_jpeg(&plate));
        assert!(plate.len() < scene.jpeg.len() / 4);
        assert_eq!(render(&spec).jpeg, scene.jpeg);
    }

    fn spec<'a>(colour: Option<&'a str>, code: Option<&'a str>) -> SceneSpec<'a> {
        SceneSpec {
            plate: "浙E12345",
            tint: PlateTint::Blue,
            seed: 11,
            width: 1280,
            height: 720,
            caption: "",
            quality: 80,
            vehicle_colour: colour,
            violation: code,
        }
    }

    /// The average colour of the car's body beside its plate (left of it, at its height).
    fn body_sample(spec: &SceneSpec<'_>) -> [u32; 3] {
        let (canvas, [x, y, w, h]) = paint(spec, 0);
        let mut sum = [0u32; 3];
        let mut n = 0;
        for yy in y + h / 4..y + 3 * h / 4 {
            for xx in x - w / 3..x - w / 8 {
                let p = canvas.pixel(xx, yy);
                for i in 0..3 {
                    sum[i] += u32::from(p[i]);
                }
                n += 1;
            }
        }
        sum.map(|v| v / n)
    }

    #[test]
    fn the_car_is_painted_in_the_colour_its_record_names() {
        let [r, g, b] = body_sample(&spec(Some("red"), None));
        assert!(r > g + 60 && r > b + 60, "red: {r} {g} {b}");
        let [r, g, b] = body_sample(&spec(Some("silver"), None));
        assert!(
            r > 130 && r < 215 && r.abs_diff(b) < 20 && g.abs_diff(b) < 20,
            "silver: {r} {g} {b}"
        );
        let [r, g, b] = body_sample(&spec(Some("white"), None));
        assert!(r > 185 && g > 185 && b > 185, "white: {r} {g} {b}");
        let [r, g, b] = body_sample(&spec(Some("black"), None));
        assert!(r < 60 && g < 60 && b < 60, "black: {r} {g} {b}");
        let [r, g, b] = body_sample(&spec(Some("blue"), None));
        assert!(b > r + 40, "blue: {r} {g} {b}");
        // With no colour, or one we do not paint, the seed's choice stays.
        let seeded = render(&spec(None, None)).jpeg;
        assert_eq!(render(&spec(Some("chartreuse"), None)).jpeg, seeded);
        // The rest of the scene does not move with the colour.
        assert_eq!(
            render(&spec(Some("red"), None)).plate_rect,
            render(&spec(None, None)).plate_rect
        );
    }

    #[test]
    fn not_yielding_puts_a_pedestrian_on_the_crossing() {
        assert_eq!(SceneKind::for_code(Some("1357")), SceneKind::Pedestrian);
        for seed in [1, 11, 2026, 7] {
            let (plain, plain_plate) = paint(
                &SceneSpec {
                    seed,
                    ..spec(None, Some("1208"))
                },
                0,
            );
            let (yielding, yielding_plate) = paint(
                &SceneSpec {
                    seed,
                    ..spec(None, Some("1357"))
                },
                0,
            );
            // Above both cars' roofs (the car not yielding is nearer the crossing) only the
            // pedestrian differs: a patch of a person's size.
            let roof = |[_, y, w, h]: [i32; 4]| y + h - w * 52 / 30;
            let top = (720.0 * 0.045) as i32 + 1;
            let bottom = roof(plain_plate).min(roof(yielding_plate)) - 2;
            let mut changed = 0;
            for y in top..bottom {
                for x in 0..1280 {
                    if plain
                        .pixel(x, y)
                        .iter()
                        .zip(yielding.pixel(x, y))
                        .any(|(a, b)| a.abs_diff(b) > 40)
                    {
                        changed += 1;
                    }
                }
            }
            assert!(
                (1_000..30_000).contains(&changed),
                "seed {seed}: {changed} pixels changed in rows {top}..{bottom}"
            );
            assert_eq!(plain.pixel(640, 60), yielding.pixel(640, 60));
        }
        assert_eq!(SceneKind::for_code(Some("1357")).frames(), 1);
        assert_eq!(render_capture(&spec(None, Some("1357"))).scenes.len(), 1);
    }

    #[test]
    fn a_red_light_capture_has_three_distinct_photos_and_the_plate() {
        assert_eq!(SceneKind::for_code(Some("1625")), SceneKind::RedLight);
        assert_eq!(SceneKind::for_code(Some("VN01")), SceneKind::RedLight);
        assert_eq!(SceneKind::for_code(None), SceneKind::Plain);
        let capture = render_capture(&spec(Some("silver"), Some("1625")));
        assert_eq!(capture.scenes.len(), 3);
        assert!(capture.scenes.iter().all(|s| is_jpeg(&s.jpeg)) && is_jpeg(&capture.plate));
        let [a, b, c] = [0, 1, 2].map(|i| &capture.scenes[i]);
        assert!(a.jpeg != b.jpeg && b.jpeg != c.jpeg && a.jpeg != c.jpeg);
        // The car moves away from the camera: up the picture, smaller each time.
        let ([_, ya, wa, _], [_, yb, wb, _], [_, yc, wc, _]) =
            (a.plate_rect, b.plate_rect, c.plate_rect);
        assert!(ya > yb && yb > yc, "{ya} {yb} {yc}");
        assert!(wa > wb && wb > wc, "{wa} {wb} {wc}");
        // The first photo and its crop are those of a single render.
        assert_eq!(
            render_with_plate(&spec(Some("silver"), Some("1625"))).1,
            capture.plate
        );
        assert_eq!(render_capture(&spec(None, Some("1208"))).scenes.len(), 1);
    }

    #[test]
    fn the_province_character_has_strokes_not_a_block() {
        for province in ['浙', '苏', '皖', '沪', '京', '粤'] {
            let rows = provinces::province(province).expect("a bitmap");
            let ink: u32 = rows.iter().map(|r| r.count_ones()).sum();
            let cells = (provinces::SIZE * provinces::SIZE) as u32;
            assert!(ink > cells / 8 && ink < cells * 2 / 3, "{province}: {ink}");
        }
        // Drawn on a plate, the province slot has light and dark pixels mixed, in rows and
        // columns (a block would be uniform inside).
        let spec = SceneSpec {
            plate: "浙E12345",
            tint: PlateTint::White,
            ..spec(None, None)
        };
        let (canvas, [x, y, w, h]) = paint(&spec, 0);
        let slot = (w as f32 / 7.6) as i32;
        let pad = (h / 7).max(2);
        let (x0, x1) = (x + pad + slot / 8, x + pad + slot * 7 / 8);
        let (y0, y1) = (y + pad + 1, y + h - pad - 1);
        let dark = |xx: i32, yy: i32| {
            canvas
                .pixel(xx, yy)
                .iter()
                .map(|v| u32::from(*v))
                .sum::<u32>()
                < 450
        };
        let total = ((x1 - x0) * (y1 - y0)) as u32;
        let inked = (x0..x1)
            .flat_map(|xx| (y0..y1).map(move |yy| (xx, yy)))
            .filter(|&(xx, yy)| dark(xx, yy))
            .count() as u32;
        assert!(
            inked > total / 8 && inked < total * 3 / 4,
            "{inked} of {total}"
        );
        let mixed_rows = (y0..y1)
            .filter(|&yy| (x0..x1).any(|xx| dark(xx, yy)) && (x0..x1).any(|xx| !dark(xx, yy)))
            .count();
        assert!(
            mixed_rows as i32 > (y1 - y0) / 2,
            "{mixed_rows} of {}",
            y1 - y0
        );
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
    /// Writes the three photos of a red light (`scene1.jpg`…`scene3.jpg`, `plate.jpg`) and a
    /// car not yielding (`yield.jpg`, `yield-plate.jpg`) to the temporary folder, to look at:
    /// `cargo test --workspace --lib write_sample -- --ignored`.
    #[test]
    #[ignore = "writes sample images for a person to look at; run by hand (command above)"]
    fn write_sample() {
        let spec = super::SceneSpec {
            plate: "浙ED12345",
            tint: super::PlateTint::Green,
            seed: 2026,
            width: 1280,
            height: 720,
            caption: "2026-11-23 17:19:03  330522010201  CH1  LANE 2  CODE 1625",
            quality: 80,
            vehicle_colour: Some("silver"),
            violation: Some("1625"),
        };
        let capture = super::render_capture(&spec);
        let dir = std::env::temp_dir();
        for (i, scene) in capture.scenes.iter().enumerate() {
            let path = dir.join(format!("scene{}.jpg", i + 1));
            std::fs::write(&path, &scene.jpeg).unwrap();
            eprintln!(
                "{}: {} bytes, plate at {:?}",
                path.display(),
                scene.jpeg.len(),
                scene.plate_rect
            );
        }
        std::fs::write(dir.join("plate.jpg"), &capture.plate).unwrap();
        let yielding = super::SceneSpec {
            plate: "苏E5T882",
            tint: super::PlateTint::Blue,
            vehicle_colour: Some("red"),
            violation: Some("1357"),
            ..spec
        };
        let capture = super::render_capture(&yielding);
        std::fs::write(dir.join("yield.jpg"), &capture.scenes[0].jpeg).unwrap();
        std::fs::write(dir.join("yield-plate.jpg"), &capture.plate).unwrap();
        eprintln!(
            "also plate.jpg, yield.jpg, yield-plate.jpg in {}",
            dir.display()
        );
    }
}
