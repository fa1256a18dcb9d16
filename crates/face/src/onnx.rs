//! An ONNX encoder for sites that bring their own licensed model. ONNX Runtime is loaded at
//! start from a path in configuration (`ort` with `load-dynamic`; the `libonnxruntime.so` of the
//! PyPI `onnxruntime` wheel works, and `scripts/face-models.sh` puts it in the models folder).
//!
//! Detection, landmarks and the quality gates stay dlib's: this engine finds faces with
//! [`DlibEngine`], aligns each one on its eye centres into a square chip (ArcFace's layout by
//! default), and runs the site's model on it. The model takes one `1×3×S×S` float input (RGB,
//! `(v − mean) × scale`) and gives 128 floats, made unit length (so Euclidean distance orders
//! pairs as cosine similarity does; the site sets its own match threshold). A model with
//! another output size is refused at the first face, with the size it gave.

use std::path::Path;
use std::sync::{Mutex, OnceLock, PoisonError};

use image::RgbImage;
use ort::environment::Environment;
use ort::session::Session;
use ort::value::Tensor;

use crate::{
    Descriptor, Detection, DlibEngine, EngineError, FaceEngine, FaceImage, OnnxConfig,
    DESCRIPTOR_LEN,
};

pub struct OnnxEngine {
    detector: DlibEngine,
    session: Mutex<Session>,
    config: OnnxConfig,
}

impl std::fmt::Debug for OnnxEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OnnxEngine")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

fn environment(runtime: &Path) -> Result<Environment, EngineError> {
    static ENVIRONMENT: OnceLock<Result<Environment, String>> = OnceLock::new();
    ENVIRONMENT
        .get_or_init(|| {
            ort::init_from(runtime)
                .map_err(|e| e.to_string())?
                .with_name("roadwarden-face")
                .build()
                .map_err(|e| e.to_string())
        })
        .clone()
        .map_err(|e| EngineError(format!("ONNX Runtime at {}: {e}", runtime.display())))
}

impl OnnxEngine {
    /// Loads ONNX Runtime (once per process) and the site's model; `detector` finds the faces.
    pub fn open(config: OnnxConfig, detector: DlibEngine) -> Result<Self, EngineError> {
        if !(16..=1024).contains(&config.input_size) {
            return Err(EngineError(format!(
                "input_size {} out of 16..=1024",
                config.input_size
            )));
        }
        let environment = environment(&config.runtime)?;
        let model_error = |e: ort::Error| EngineError(format!("{}: {e}", config.model.display()));
        let session = Session::builder(&environment)
            .map_err(model_error)?
            .commit_from_file(&config.model)
            .map_err(model_error)?;
        if session.inputs().len() != 1 || session.outputs().is_empty() {
            return Err(EngineError(format!(
                "{}: one input and at least one output expected",
                config.model.display()
            )));
        }
        Ok(Self {
            detector,
            session: Mutex::new(session),
            config,
        })
    }

    /// The model's input: the face turned, scaled and moved so that its eye centres fall on
    /// the configured places, in NCHW order.
    fn chip(&self, image: &FaceImage, face: &Detection) -> Result<Vec<f32>, EngineError> {
        let landmarks = face
            .landmarks
            .as_ref()
            .ok_or_else(|| EngineError("no landmarks to align".into()))?;
        let centre = |p: &[(f32, f32); 2]| ((p[0].0 + p[1].0) / 2.0, (p[0].1 + p[1].1) / 2.0);
        let (mut a, mut b) = (centre(&landmarks.eye_a), centre(&landmarks.eye_b));
        if a.0 > b.0 {
            std::mem::swap(&mut a, &mut b);
        }
        let side = self.config.input_size as f32;
        let [(qa_x, qa_y), (qb_x, qb_y)] = self.config.eyes;
        let (qa, qb) = ((qa_x * side, qa_y * side), (qb_x * side, qb_y * side));
        // Chip to photo as a similarity: z ↦ a + (z − qa)·r, r = (b − a)/(qb − qa) as complex numbers.
        let (dq, dp) = ((qb.0 - qa.0, qb.1 - qa.1), (b.0 - a.0, b.1 - a.1));
        let norm = dq.0 * dq.0 + dq.1 * dq.1;
        if norm <= f32::EPSILON {
            return Err(EngineError("eye positions in the chip coincide".into()));
        }
        let r = (
            (dp.0 * dq.0 + dp.1 * dq.1) / norm,
            (dp.1 * dq.0 - dp.0 * dq.1) / norm,
        );
        let n = self.config.input_size as usize;
        let mut data = vec![0.0; 3 * n * n];
        for v in 0..n {
            for u in 0..n {
                let (zx, zy) = (u as f32 + 0.5 - qa.0, v as f32 + 0.5 - qa.1);
                let x = a.0 + zx * r.0 - zy * r.1 - 0.5;
                let y = a.1 + zx * r.1 + zy * r.0 - 0.5;
                let pixel = bilinear(image.rgb(), x, y);
                for (c, value) in pixel.iter().enumerate() {
                    data[c * n * n + v * n + u] = (value - self.config.mean) * self.config.scale;
                }
            }
        }
        Ok(data)
    }
}

/// The colour at (x, y), edges repeated outside the photo.
fn bilinear(rgb: &RgbImage, x: f32, y: f32) -> [f32; 3] {
    let (w, h) = (rgb.width() as f32, rgb.height() as f32);
    let (x, y) = (x.clamp(0.0, w - 1.0), y.clamp(0.0, h - 1.0));
    let (x0, y0) = (x.floor(), y.floor());
    let (x1, y1) = ((x0 + 1.0).min(w - 1.0), (y0 + 1.0).min(h - 1.0));
    let (fx, fy) = (x - x0, y - y0);
    let at = |px: f32, py: f32| rgb.get_pixel(px as u32, py as u32).0.map(f32::from);
    let (p00, p10, p01, p11) = (at(x0, y0), at(x1, y0), at(x0, y1), at(x1, y1));
    std::array::from_fn(|c| {
        let top = p00[c] + (p10[c] - p00[c]) * fx;
        let bottom = p01[c] + (p11[c] - p01[c]) * fx;
        top + (bottom - top) * fy
    })
}

impl FaceEngine for OnnxEngine {
    fn name(&self) -> &'static str {
        "dlib-hog+onnx"
    }

    fn detect(&self, image: &FaceImage) -> Vec<Detection> {
        self.detector.detect(image)
    }

    fn encode(&self, image: &FaceImage, face: &Detection) -> Result<Descriptor, EngineError> {
        let n = self.config.input_size as usize;
        let input = Tensor::from_array(([1usize, 3, n, n], self.chip(image, face)?))
            .map_err(|e| EngineError(e.to_string()))?;
        let mut session = self.session.lock().unwrap_or_else(PoisonError::into_inner);
        let outputs = session
            .run(ort::inputs![input])
            .map_err(|e| EngineError(e.to_string()))?;
        let (_, values) = outputs[0]
            .try_extract_tensor::<f32>()
            .map_err(|e| EngineError(e.to_string()))?;
        if values.len() != DESCRIPTOR_LEN {
            return Err(EngineError(format!(
                "the model gave {} values, {DESCRIPTOR_LEN} expected",
                values.len()
            )));
        }
        let length = values.iter().map(|v| v * v).sum::<f32>().sqrt();
        if !length.is_finite() || length <= f32::EPSILON {
            return Err(EngineError(
                "the model gave a zero or non-finite vector".into(),
            ));
        }
        let unit: Vec<f32> = values.iter().map(|v| v / length).collect();
        Descriptor::from_slice(&unit).ok_or_else(|| EngineError("descriptor length".into()))
    }
}
