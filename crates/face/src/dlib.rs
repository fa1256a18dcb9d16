//! The default engine: dlib 19.24 (Debian `libdlib-dev`) through `dlib-face-recognition`.
//! HOG frontal-face detector, 5-point landmarks, ResNet 128-d descriptor.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use dlib_face_recognition::{
    FaceDetector, FaceDetectorTrait, FaceEncoderNetwork, FaceEncoderTrait, ImageMatrix,
    LandmarkPredictor, LandmarkPredictorTrait, Rectangle,
};

use crate::{Descriptor, Detection, EngineError, FaceBox, FaceEngine, FaceImage, Landmarks5};

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
        })
    }

    fn models(&self) -> std::sync::MutexGuard<'_, Models> {
        // The models hold no state between calls: a panic elsewhere leaves them usable.
        self.models.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn matrix(image: &FaceImage) -> ImageMatrix {
    let rgb = image.rgb();
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

/// dlib's box, scaled back by `scale` and clipped to the photo.
fn to_box(r: &Rectangle, scale: i64, width: u32, height: u32) -> Option<FaceBox> {
    let clip = |v: i64, max: u32| u32::try_from((v / scale).clamp(0, i64::from(max))).ok();
    let (left, top) = (clip(r.left, width)?, clip(r.top, height)?);
    let (right, bottom) = (clip(r.right, width)?, clip(r.bottom, height)?);
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
        let full = matrix(image);
        let (width, height) = (image.width(), image.height());
        let mut found = models.detector.face_locations(&full);
        let mut scale = 1;
        let pixels = u64::from(width) * u64::from(height);
        if found.is_empty() && pixels <= self.upsample_max_pixels {
            let double = full.resize(2 * width as usize, 2 * height as usize);
            found = models.detector.face_locations(&double);
            scale = 2;
        }
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
        let full = matrix(image);
        let landmarks = models.landmarks.face_landmarks(&full, &to_rect(&face.bbox));
        let encodings = models.encoder.get_face_encodings(&full, &[landmarks], 0);
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
