//! The default engine: dlib 19.24 (Debian `libdlib-dev`) through `dlib-face-recognition`.
//! HOG frontal-face detector, 5-point landmarks, ResNet 128-d descriptor.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use dlib_face_recognition::{
    FaceDetector, FaceDetectorTrait, FaceEncoderNetwork, FaceEncoderTrait, ImageMatrix,
    LandmarkPredictor, LandmarkPredictorTrait, Rectangle,
};

use crate::{
    Descriptor, Detection, EngineError, FaceBox, FaceEngine, FaceImage, Landmarks5,
    DEFAULT_DETECT_MAX_PIXELS,
};

/// The model files, as `scripts/face-models.sh` lays them out.
#[derive(Debug, Clone)]
pub struct DlibModels {
    pub landmarks: PathBuf,
    pub encoder: PathBuf,
}

impl DlibModels {
    pub const LANDMARKS_FILE: &'static str = "shape_predictor_5_face_landmarks.dat";
    pub const ENCODER_FILE: &'static str = "dlib_face_recognition_resnet_model_v1.dat";

    pub fn in_dir(dir: &Path) -> Self {
        Self {
            landmarks: dir.join(Self::LANDMARKS_FILE),
            encoder: dir.join(Self::ENCODER_FILE),
        }
    }
}

struct Models {
    detector: FaceDetector,
    landmarks: LandmarkPredictor,
    encoder: FaceEncoderNetwork,
}

/// dlib's detector and networks are not safe to share between threads, so one engine runs one
/// photo at a time; a server wanting more runs several engines.
pub struct DlibEngine {
    models: Mutex<Models>,
    /// A photo this small with no face found is searched again at twice the size, so that a
    /// face under the HOG window (80 px) is found, and then held as too small, rather than
    /// reported as no face.
    upsample_max_pixels: u64,
    /// A larger photo is searched for faces on a scaled copy ([`DEFAULT_DETECT_MAX_PIXELS`]),
    /// as detectors with a fixed input size do: HOG time grows with the pixels. Only when that
    /// copy shows no face is the whole photo searched.
    detect_max_pixels: u64,
}

impl std::fmt::Debug for DlibEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DlibEngine").finish_non_exhaustive()
    }
}

impl DlibEngine {
    /// Loads the model files (about 30 MB; a second or so).
    pub fn open(models: &DlibModels) -> Result<Self, EngineError> {
        let missing = |path: &Path| {
            EngineError(format!(
                "{}: {} (run scripts/face-models.sh)",
                path.display(),
                if path.exists() {
                    "not a dlib model"
                } else {
                    "missing"
                }
            ))
        };
        let landmarks =
            LandmarkPredictor::open(&models.landmarks).map_err(|_| missing(&models.landmarks))?;
        let encoder =
            FaceEncoderNetwork::open(&models.encoder).map_err(|_| missing(&models.encoder))?;
        Ok(Self {
            models: Mutex::new(Models {
                detector: FaceDetector::new(),
                landmarks,
                encoder,
            }),
            upsample_max_pixels: 2_000_000,
            detect_max_pixels: DEFAULT_DETECT_MAX_PIXELS,
        })
    }

    /// Searches photos over `pixels` on a scaled copy (see [`DEFAULT_DETECT_MAX_PIXELS`]).
    pub fn with_detect_max_pixels(mut self, pixels: u64) -> Self {
        self.detect_max_pixels = pixels.max(1);
        self
    }

    fn models(&self) -> std::sync::MutexGuard<'_, Models> {
        // The models hold no state between calls: a panic elsewhere leaves them usable.
        self.models.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn matrix(rgb: &image::RgbImage) -> ImageMatrix {
    let lent = image024::ImageBuffer::<image024::Rgb<u8>, &[u8]>::from_raw(
        rgb.width(),
        rgb.height(),
        rgb.as_raw().as_slice(),
    )
    .expect("an RgbImage holds width × height × 3 bytes");
    ImageMatrix::from_image(&lent)
}

fn to_rect(b: &FaceBox) -> Rectangle {
    Rectangle {
        left: b.left.into(),
        top: b.top.into(),
        right: (b.left + b.width).into(),
        bottom: (b.top + b.height).into(),
    }
}

/// dlib's box on a copy `(x, y)` times the photo's size, back on the photo, clipped to it.
fn to_box(r: &Rectangle, (sx, sy): (f64, f64), width: u32, height: u32) -> Option<FaceBox> {
    let clip = |v: i64, scale: f64, max: u32| {
        let back = (v as f64 / scale).round() as i64;
        u32::try_from(back.clamp(0, i64::from(max))).ok()
    };
    let (left, top) = (clip(r.left, sx, width)?, clip(r.top, sy, height)?);
    let (right, bottom) = (clip(r.right, sx, width)?, clip(r.bottom, sy, height)?);
    (right > left && bottom > top).then(|| FaceBox {
        left,
        top,
        width: right - left,
        height: bottom - top,
    })
}

impl FaceEngine for DlibEngine {
    fn name(&self) -> &'static str {
        "dlib-hog-resnet"
    }

    fn detect(&self, image: &FaceImage) -> Vec<Detection> {
        let models = self.models();
        let full = matrix(image.rgb());
        let (width, height) = (image.width(), image.height());
        let pixels = u64::from(width) * u64::from(height);
        let scaled = (pixels > self.detect_max_pixels).then(|| {
            let shrink = (self.detect_max_pixels as f64 / pixels as f64).sqrt();
            let (w, h) = (
                (f64::from(width) * shrink).round().max(1.0),
                (f64::from(height) * shrink).round().max(1.0),
            );
            let small = full.resize(w as usize, h as usize);
            let scale = (w / f64::from(width), h / f64::from(height));
            (models.detector.face_locations(&small), scale)
        });
        // A photo under the limit, or one whose scaled copy showed no face (a face under 80 px
        // there may still be one at full size): the whole photo, then twice its size if small.
        let (found, scale) = match scaled {
            Some((found, scale)) if !found.is_empty() => (found, scale),
            _ => {
                let found = models.detector.face_locations(&full);
                if found.is_empty() && pixels <= self.upsample_max_pixels {
                    let double = full.resize(2 * width as usize, 2 * height as usize);
                    (models.detector.face_locations(&double), (2.0, 2.0))
                } else {
                    (found, (1.0, 1.0))
                }
            }
        };
        found
            .iter()
            .filter_map(|r| to_box(r, scale, width, height))
            .map(|bbox| {
                let points = models.landmarks.face_landmarks(&full, &to_rect(&bbox));
                let p = |i: usize| {
                    points
                        .get(i)
                        .map(|p| (p.x() as f32, p.y() as f32))
                        .unwrap_or_default()
                };
                let landmarks = (points.len() == 5).then(|| Landmarks5 {
                    eye_a: [p(0), p(1)],
                    eye_b: [p(2), p(3)],
                    nose: p(4),
                });
                Detection {
                    bbox,
                    score: None,
                    landmarks,
                }
            })
            .collect()
    }

    fn encode(&self, image: &FaceImage, face: &Detection) -> Result<Descriptor, EngineError> {
        let models = self.models();
        // Only the face and a margin of its own size on each side: the aligned 150 px chip
        // the network reads lies well inside, and a large photo is not copied whole again.
        // Its corner on a 32 px grid, in case dlib's chip sampling depends on the offset.
        let b = &face.bbox;
        let margin = b.width.max(b.height);
        let left = b.left.saturating_sub(margin) / 32 * 32;
        let top = b.top.saturating_sub(margin) / 32 * 32;
        let right = b.left.saturating_add(b.width).saturating_add(margin);
        let bottom = b.top.saturating_add(b.height).saturating_add(margin);
        let (right, bottom) = (right.min(image.width()), bottom.min(image.height()));
        if right <= left || bottom <= top {
            return Err(EngineError(format!("face box {b:?} is outside the photo")));
        }
        let crop = image::imageops::crop_imm(image.rgb(), left, top, right - left, bottom - top);
        let around = matrix(&crop.to_image());
        let in_crop = FaceBox {
            left: b.left - left,
            top: b.top - top,
            ..*b
        };
        let landmarks = models.landmarks.face_landmarks(&around, &to_rect(&in_crop));
        let encodings = models.encoder.get_face_encodings(&around, &[landmarks], 0);
        let encoding = encodings
            .first()
            .ok_or_else(|| EngineError("dlib returned no descriptor".into()))?;
        let values: Vec<f32> = encoding.as_ref().iter().map(|v| *v as f32).collect();
        Descriptor::from_slice(&values)
            .ok_or_else(|| EngineError(format!("descriptor of {} values", values.len())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_or_foreign_model_file_is_an_error_not_a_crash() {
        let dir = std::env::temp_dir().join(format!("roadwarden-face-dlib-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let models = DlibModels::in_dir(&dir);
        let missing = DlibEngine::open(&models).expect_err("no files");
        assert!(missing.to_string().contains("missing"), "{missing}");
        std::fs::write(&models.landmarks, b"not a dlib model at all").expect("written");
        let foreign = DlibEngine::open(&models).expect_err("not a model");
        assert!(
            foreign.to_string().contains("not a dlib model"),
            "{foreign}"
        );
        std::fs::remove_dir_all(&dir).ok();
    }
}
