//! Faces in a photo, for rider identity (RID-04, RID-05).
//!
//! A photo is decoded within bounds ([`FaceImage::decode`]), its faces found and described by a
//! [`FaceEngine`] ([`DlibEngine`] by default: dlib's HOG detector, 5-point landmarks and the
//! ResNet 128-d descriptor, with the model files of the PyPI package `face_recognition_models`
//! that `scripts/face-models.sh` fetches). Before any match, [`assess`] applies the quality
//! gates; a photo that fails one, has no face or several, is *held* with a coded
//! [`HoldReason`], never matched. Two descriptors are compared with [`distance`] and
//! [`same_person`] against [`DLIB_THRESHOLD`].
//!
//! An [`OnnxEngine`] runs a site's own licensed encoder through ONNX Runtime, loaded at run
//! time from a configured path, behind the same trait and the same gates.
//!
//! Nothing here downloads anything: the models are files on disk, named in configuration.

mod assess;
mod decode;
mod distance;
#[cfg(feature = "dlib")]
mod dlib;
mod engine;
#[cfg(feature = "dlib")]
mod onnx;
mod onnx_config;
mod quality;

pub use assess::{assess, assess_image, AcceptedFace, Assessment, Held, HoldReason};
pub use decode::{DecodeLimits, FaceImage};
pub use distance::{distance, same_person, Descriptor, DESCRIPTOR_LEN, DLIB_THRESHOLD};
#[cfg(feature = "dlib")]
pub use dlib::{DlibEngine, DlibModels};
pub use engine::{Detection, EngineError, FaceBox, FaceEngine, Landmarks5};
#[cfg(feature = "dlib")]
pub use onnx::OnnxEngine;
pub use onnx_config::OnnxConfig;

/// A photo larger than this is searched for faces on a copy scaled down to it (landmarks,
/// gates and the descriptor still read the full-size pixels). 0.6 MP is about 640 × 940: a
/// 3.3 MP portrait is searched at 0.43 of its size, in a quarter of the time (BENCHMARKS.md,
/// issue 15). The price: in such a photo only faces of at least 80 px at the scaled size are
/// seen, and "several faces" counts only those.
pub const DEFAULT_DETECT_MAX_PIXELS: u64 = 600_000;

/// Whether this build has the dlib engine (the crate's `dlib` feature).
pub const HAS_DLIB: bool = cfg!(feature = "dlib");

/// The default engine on the model files in `dir` (as `scripts/face-models.sh` lays them out):
/// `Ok(None)` in a build without the `dlib` feature, so a caller needs no feature of its own.
/// `detect_max_pixels`: see [`DEFAULT_DETECT_MAX_PIXELS`].
pub fn open_dlib(
    dir: &std::path::Path,
    detect_max_pixels: u64,
) -> Result<Option<Box<dyn FaceEngine>>, EngineError> {
    #[cfg(feature = "dlib")]
    {
        let engine =
            DlibEngine::open(&DlibModels::in_dir(dir))?.with_detect_max_pixels(detect_max_pixels);
        Ok(Some(Box::new(engine)))
    }
    #[cfg(not(feature = "dlib"))]
    {
        let _ = (dir, detect_max_pixels);
        Ok(None)
    }
}

/// The ONNX engine: dlib's detector and landmarks from `dir`, the site's encoder through ONNX
/// Runtime. A missing runtime library or model file is a clear error naming the path (never a
/// panic); `Ok(None)` in a build without the `dlib` feature.
pub fn open_onnx(
    dir: &std::path::Path,
    config: &OnnxConfig,
    detect_max_pixels: u64,
) -> Result<Option<Box<dyn FaceEngine>>, EngineError> {
    for (what, path) in [
        ("ONNX Runtime library", &config.runtime),
        ("ONNX model", &config.model),
    ] {
        if path.as_os_str().is_empty() {
            return Err(EngineError(format!(
                "{what}: no path configured (riders.face.onnx)"
            )));
        }
        if !path.is_file() {
            return Err(EngineError(format!(
                "{what} not found at {}",
                path.display()
            )));
        }
    }
    #[cfg(feature = "dlib")]
    {
        let detector =
            DlibEngine::open(&DlibModels::in_dir(dir))?.with_detect_max_pixels(detect_max_pixels);
        let engine = OnnxEngine::open(config.clone(), detector)?;
        Ok(Some(Box::new(engine)))
    }
    #[cfg(not(feature = "dlib"))]
    {
        let _ = (dir, detect_max_pixels);
        Ok(None)
    }
}
pub use quality::{sharpness, Quality, QualityGates};
