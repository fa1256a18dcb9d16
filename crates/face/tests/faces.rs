//! The dlib engine on the registry test images (scripts/face-models.sh fetches them):
//! RID-04 (detection and its quality gates) and RID-05 (a face's descriptor identifies one
//! person, and only one).

mod common;

use std::path::PathBuf;
use std::sync::OnceLock;

use image::{imageops, Rgb, RgbImage};
use roadwarden_face::{
    assess, assess_image, distance, same_person, Assessment, DecodeLimits, Descriptor, DlibEngine,
    DlibModels, FaceEngine, FaceImage, HoldReason, QualityGates, DLIB_THRESHOLD,
};

struct Fixture {
    engine: DlibEngine,
    data: PathBuf,
}

/// The engine and the test images, or `None` when scripts/face-models.sh was not run.
fn fixture() -> Option<&'static Fixture> {
    static FIXTURE: OnceLock<Option<Fixture>> = OnceLock::new();
    FIXTURE
        .get_or_init(|| {
            let data = common::testdata_dir();
            if !data.join("astronaut.png").exists() || !data.join("biden.jpg").exists() {
                return common::missing(&format!("test images missing in {}", data.display()));
            }
            match DlibEngine::open(&DlibModels::in_dir(&common::models_dir())) {
                Ok(engine) => Some(Fixture { engine, data }),
                Err(e) => common::missing(&e.to_string()),
            }
        })
        .as_ref()
}

impl Fixture {
    fn bytes(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.data.join(name)).expect("test image")
    }

    fn image(&self, name: &str) -> FaceImage {
        FaceImage::decode(&self.bytes(name), &DecodeLimits::default()).expect("decodable")
    }

    fn assess(&self, image: &FaceImage) -> Assessment {
        assess_image(&self.engine, image, &QualityGates::default()).expect("engine")
    }

    fn descriptor(&self, name: &str) -> Descriptor {
        match self.assess(&self.image(name)) {
            Assessment::Accepted(face) => face.descriptor,
            Assessment::Held(held) => panic!("{name} held: {} {:?}", held.reason, held.quality),
        }
    }
}

#[test]
fn rid_04_a_face_is_found_in_obama_jpg_and_passes_the_gates() {
    let Some(f) = fixture() else { return };
    let outcome = assess(
        &f.engine,
        &f.bytes("obama.jpg"),
        &DecodeLimits::default(),
        &QualityGates::default(),
    )
    .expect("engine");
    let Assessment::Accepted(face) = outcome else {
        panic!("held: {outcome:?}")
    };
    assert!(
        face.detection.bbox.size() >= 80,
        "{:?}",
        face.detection.bbox
    );
    eprintln!("obama.jpg quality: {:?}", face.quality);
}

#[test]
fn rid_05_two_people_in_one_photo_are_held_and_never_one_identity() {
    let Some(f) = fixture() else { return };
    let (a, b) = (f.image("obama.jpg"), f.image("biden.jpg"));
    let height = a.height().max(b.height());
    let mut both = RgbImage::from_pixel(a.width() + b.width(), height, Rgb([255, 255, 255]));
    imageops::replace(&mut both, a.rgb(), 0, 0);
    imageops::replace(&mut both, b.rgb(), i64::from(a.width()), 0);
    let both = FaceImage::from_rgb(both);
    assert_eq!(f.engine.detect(&both).len(), 2);
    let Assessment::Held(held) = f.assess(&both) else {
        panic!("two faces were accepted")
    };
    assert_eq!(held.reason, HoldReason::SeveralFaces);
    assert_eq!(held.reason.code(), "face.several");
    assert_eq!(held.detections.len(), 2);
}

#[test]
fn rid_04_a_large_photo_is_searched_on_a_scaled_copy_and_boxed_at_full_size() {
    let Some(f) = fixture() else { return };
    let small = f.image("obama.jpg");
    let (w, h) = (small.width() * 2, small.height() * 2);
    let large = FaceImage::from_rgb(imageops::resize(
        small.rgb(),
        w,
        h,
        imageops::FilterType::Triangle,
    ));
    assert!(u64::from(w) * u64::from(h) > roadwarden_face::DEFAULT_DETECT_MAX_PIXELS);
    let whole = DlibEngine::open(&DlibModels::in_dir(&common::models_dir()))
        .expect("engine")
        .with_detect_max_pixels(u64::MAX);
    let scaled = f.engine.detect(&large);
    let full = whole.detect(&large);
    assert_eq!((scaled.len(), full.len()), (1, 1));
    let (a, b) = (scaled[0].bbox, full[0].bbox);
    // HOG's boxes come in pyramid steps of 5/6, so compare the centres, and sizes to a step.
    let near = |x: u32, y: u32| x.abs_diff(y) <= b.width / 8;
    let centre = |f: roadwarden_face::FaceBox| (f.left + f.width / 2, f.top + f.height / 2);
    let (ca, cb) = (centre(a), centre(b));
    assert!(
        near(ca.0, cb.0) && near(ca.1, cb.1) && a.width.abs_diff(b.width) <= b.width / 5,
        "{a:?} found on the scaled copy, {b:?} on the whole photo"
    );
    // The descriptor reads the full-size pixels: the same person as the original photo.
    let Assessment::Accepted(face) = f.assess(&large) else {
        panic!("the large photo was held")
    };
    assert!(distance(&face.descriptor, &f.descriptor("obama.jpg")) < 0.2);
}

#[test]
fn rid_04_a_large_photo_whose_only_face_is_too_small_for_the_scaled_copy_is_searched_whole() {
    let Some(f) = fixture() else { return };
    // obama.jpg at a third of its size (a face of about 110 px) on a 3.6 MP canvas: at the
    // scaled size the face is under HOG's 80 px window.
    let portrait = f.image("obama.jpg");
    let (w, h) = (portrait.width() / 3, portrait.height() / 3);
    let small = imageops::resize(portrait.rgb(), w, h, imageops::FilterType::Triangle);
    let mut canvas = RgbImage::from_pixel(2000, 1800, Rgb([200, 200, 200]));
    imageops::replace(&mut canvas, &small, 900, 700);
    let canvas = FaceImage::from_rgb(canvas);
    let found = f.engine.detect(&canvas);
    assert_eq!(
        found.len(),
        1,
        "the whole photo is searched when the copy shows no face"
    );
    let b = found[0].bbox;
    assert!(
        b.left >= 900 && b.left < 900 + w && b.top >= 700 && b.top < 700 + h,
        "{b:?}"
    );
}

#[test]
fn rid_05_the_same_person_is_below_the_threshold_and_others_above() {
    let Some(f) = fixture() else { return };
    // 32bit.png is obama2 as an RGBA PNG; the partial faces are cut at the photo's edge.
    let names = [
        "obama.jpg",
        "obama2.jpg",
        "obama3.jpg",
        "32bit.png",
        "obama_partial_face.jpg",
        "obama_partial_face2.jpg",
        "biden.jpg",
        "astronaut.png",
    ];
    fn person(n: &str) -> &str {
        if n.starts_with("obama") || n == "32bit.png" {
            "obama"
        } else {
            n
        }
    }
    let found: Vec<_> = names.iter().map(|n| (*n, f.descriptor(n))).collect();
    for (i, (a, da)) in found.iter().enumerate() {
        for (b, db) in &found[i + 1..] {
            let d = distance(da, db);
            let same = person(a) == person(b);
            eprintln!(
                "{a:>14} {b:>14} {d:.3} {}",
                if same { "same" } else { "different" }
            );
            assert_eq!(
                same_person(da, db, DLIB_THRESHOLD),
                same,
                "{a} vs {b}: {d:.3}"
            );
        }
    }
}

#[test]
fn rid_04_a_non_image_is_held_as_unreadable() {
    let Some(f) = fixture() else { return };
    let limits = DecodeLimits::default();
    let gates = QualityGates::default();
    let truncated = f.bytes("obama.jpg")[..2000].to_vec();
    for bytes in [b"this is not a photo".to_vec(), Vec::new(), truncated] {
        let outcome = assess(&f.engine, &bytes, &limits, &gates).expect("engine");
        assert_eq!(outcome.hold_reason(), Some(HoldReason::ImageUnreadable));
    }
    let tight = DecodeLimits {
        max_bytes: 1000,
        ..limits
    };
    let outcome = assess(&f.engine, &f.bytes("obama.jpg"), &tight, &gates).expect("engine");
    assert_eq!(
        outcome.hold_reason().map(HoldReason::code),
        Some("image.too_large")
    );
    let few_pixels = DecodeLimits {
        max_pixels: 10_000,
        ..limits
    };
    let outcome = assess(&f.engine, &f.bytes("obama.jpg"), &few_pixels, &gates).expect("engine");
    assert_eq!(outcome.hold_reason(), Some(HoldReason::ImageTooLarge));
}

#[test]
fn rid_04_a_tiny_face_is_held_as_too_small() {
    let Some(f) = fixture() else { return };
    let obama = f.image("obama.jpg");
    let (w, h) = (obama.width() / 5, obama.height() / 5);
    let tiny = imageops::resize(obama.rgb(), w, h, imageops::FilterType::Triangle);
    let outcome = f.assess(&FaceImage::from_rgb(tiny));
    assert_eq!(
        outcome.hold_reason().map(HoldReason::code),
        Some("face.too_small"),
        "{outcome:?}"
    );
}

#[test]
fn rid_04_a_blurred_face_is_held_as_blurred() {
    let Some(f) = fixture() else { return };
    let obama = f.image("obama.jpg");
    let blurred = FaceImage::from_rgb(imageops::blur(obama.rgb(), 3.0));
    let outcome = f.assess(&blurred);
    assert_eq!(
        outcome.hold_reason().map(HoldReason::code),
        Some("face.blurred"),
        "{outcome:?}"
    );
}

#[test]
fn rid_04_a_blank_image_has_no_face() {
    let Some(f) = fixture() else { return };
    let blank = FaceImage::from_rgb(RgbImage::from_pixel(640, 480, Rgb([200, 200, 200])));
    let outcome = f.assess(&blank);
    assert_eq!(
        outcome.hold_reason().map(HoldReason::code),
        Some("face.none")
    );
}

/// `src` turned by `degrees` about its centre (nearest pixel, white outside).
fn rotate(src: &RgbImage, degrees: f32) -> RgbImage {
    let (w, h) = src.dimensions();
    let (cos, sin) = (degrees.to_radians().cos(), degrees.to_radians().sin());
    let (cx, cy) = (w as f32 / 2.0, h as f32 / 2.0);
    RgbImage::from_fn(w, h, |x, y| {
        let (dx, dy) = (x as f32 - cx, y as f32 - cy);
        let (sx, sy) = (cos * dx + sin * dy + cx, -sin * dx + cos * dy + cy);
        let inside = sx >= 0.0 && sy >= 0.0 && (sx as u32) < w && (sy as u32) < h;
        if inside {
            *src.get_pixel(sx as u32, sy as u32)
        } else {
            Rgb([255, 255, 255])
        }
    })
}

#[test]
fn rid_04_a_tilted_head_is_held_for_its_pose() {
    let Some(f) = fixture() else { return };
    let obama = f.image("obama.jpg");
    let slight = f.assess(&FaceImage::from_rgb(rotate(obama.rgb(), 15.0)));
    assert!(matches!(slight, Assessment::Accepted(_)), "{slight:?}");
    let tilted = f.assess(&FaceImage::from_rgb(rotate(obama.rgb(), 35.0)));
    assert_eq!(
        tilted.hold_reason().map(HoldReason::code),
        Some("face.pose"),
        "{tilted:?}"
    );
}
