//! The ONNX backend's settings (compiled in every build, so configuration can name them even
//! where the backend itself, which detects with dlib, is not built).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Where the runtime and the model are, and how the model wants its input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OnnxConfig {
    /// `libonnxruntime.so`: loaded once per process (the first engine's path wins).
    pub runtime: PathBuf,
    pub model: PathBuf,
    /// The chip's side, in pixels.
    pub input_size: u32,
    pub mean: f32,
    pub scale: f32,
    /// Where the eye centres go in the chip (the one further left in the photo first), as
    /// fractions of its side.
    pub eyes: [(f32, f32); 2],
}

impl Default for OnnxConfig {
    fn default() -> Self {
        Self {
            runtime: PathBuf::new(),
            model: PathBuf::new(),
            input_size: 112,
            mean: 127.5,
            scale: 1.0 / 127.5,
            // InsightFace's ArcFace template, 38.29/112 and 73.53/112 across, 51.6/112 down.
            eyes: [(0.3419, 0.4616), (0.6565, 0.4598)],
        }
    }
}
