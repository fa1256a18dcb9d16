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

mod canvas;
mod paint;

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
