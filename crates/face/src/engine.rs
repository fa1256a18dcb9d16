//! What every face engine does: find faces, and describe one face as a vector.

use crate::{Descriptor, FaceImage};

/// A face found in a photo, in the photo's pixel coordinates.
#[derive(Debug, Clone, PartialEq)]
pub struct Detection {
    pub bbox: FaceBox,
    /// The detector's confidence, when the engine exposes one. The dlib HOG detector's score is
    /// not exposed by `dlib-face-recognition` 0.3, so `DlibEngine` leaves it `None` and the
    /// score gate does not apply to it (the HOG detector's own threshold already decides).
    pub score: Option<f32>,
    /// Five landmarks (two corners of each eye, the base of the nose), when the engine has them.
    pub landmarks: Option<Landmarks5>,
}

/// A face's box: left and top edges, width and height in pixels (clipped to the photo).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FaceBox {
    pub left: u32,
    pub top: u32,
    pub width: u32,
    pub height: u32,
}

impl FaceBox {
    /// The shorter side: the face's size for the size gate.
    pub fn size(&self) -> u32 {
        self.width.min(self.height)
    }
}

/// dlib's 5-point layout: `eye_a` and `eye_b` are the two corners of one eye each (the
/// subject's right eye, then the left), `nose` the base of the nose.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Landmarks5 {
    pub eye_a: [(f32, f32); 2],
    pub eye_b: [(f32, f32); 2],
    pub nose: (f32, f32),
}

/// An engine failed on a photo it had accepted (a model error, not a bad photo).
#[derive(Debug, thiserror::Error)]
#[error("face engine: {0}")]
pub struct EngineError(pub String);

/// A detector and an encoder. `detect` returns every face it finds (no face, one, several);
/// `encode` describes one of them. Matching is never the engine's business: callers run the
/// quality gates first (`assess`).
pub trait FaceEngine: Send + Sync {
    /// A short name for logs and benchmarks ("dlib-hog-resnet").
    fn name(&self) -> &'static str;

    fn detect(&self, image: &FaceImage) -> Vec<Detection>;

    fn encode(&self, image: &FaceImage, face: &Detection) -> Result<Descriptor, EngineError>;
}
