//! From a photo to one face ready to match, or a held outcome with its reason.

use crate::{
    DecodeLimits, Descriptor, Detection, EngineError, FaceEngine, FaceImage, Quality, QualityGates,
};

/// Why a photo is held for a person to look at instead of being matched. Each has a stable
/// code for the error catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HoldReason {
    ImageUnreadable,
    ImageTooLarge,
    NoFace,
    SeveralFaces,
    TooSmall,
    LowScore,
    Blurred,
    Pose,
}

impl HoldReason {
    pub fn code(self) -> &'static str {
        match self {
            Self::ImageUnreadable => "image.unreadable",
            Self::ImageTooLarge => "image.too_large",
            Self::NoFace => "face.none",
            Self::SeveralFaces => "face.several",
            Self::TooSmall => "face.too_small",
            Self::LowScore => "face.low_score",
            Self::Blurred => "face.blurred",
            Self::Pose => "face.pose",
        }
    }
}

impl std::fmt::Display for HoldReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// One face that passed every gate, with the descriptor to match.
#[derive(Debug, Clone)]
pub struct AcceptedFace {
    pub detection: Detection,
    pub quality: Quality,
    pub descriptor: Descriptor,
}

/// A photo held for review: the reason, every face found, and the measures of the one face
/// when a gate failed on it.
#[derive(Debug, Clone)]
pub struct Held {
    pub reason: HoldReason,
    pub detections: Vec<Detection>,
    pub quality: Option<Quality>,
}

#[derive(Debug, Clone)]
pub enum Assessment {
    Accepted(Box<AcceptedFace>),
    Held(Held),
}

impl Assessment {
    fn held(reason: HoldReason, detections: Vec<Detection>, quality: Option<Quality>) -> Self {
        Self::Held(Held {
            reason,
            detections,
            quality,
        })
    }

    /// The hold reason, if held.
    pub fn hold_reason(&self) -> Option<HoldReason> {
        match self {
            Self::Accepted(_) => None,
            Self::Held(held) => Some(held.reason),
        }
    }
}

/// Decodes the bytes within `limits`, then [`assess_image`].
pub fn assess(
    engine: &dyn FaceEngine,
    bytes: &[u8],
    limits: &DecodeLimits,
    gates: &QualityGates,
) -> Result<Assessment, EngineError> {
    match FaceImage::decode(bytes, limits) {
        Ok(image) => assess_image(engine, &image, gates),
        Err(reason) => Ok(Assessment::held(reason, Vec::new(), None)),
    }
}

/// One face, and only one, passing every gate is encoded; anything else is held. A photo with
/// several faces is held with all of them: it never yields one identity.
pub fn assess_image(
    engine: &dyn FaceEngine,
    image: &FaceImage,
    gates: &QualityGates,
) -> Result<Assessment, EngineError> {
    let mut detections = engine.detect(image);
    let face = match detections.len() {
        0 => return Ok(Assessment::held(HoldReason::NoFace, detections, None)),
        1 => detections.remove(0),
        _ => return Ok(Assessment::held(HoldReason::SeveralFaces, detections, None)),
    };
    let quality = Quality::measure(image, &face);
    if let Some(reason) = quality.failed_gate(gates) {
        return Ok(Assessment::held(reason, vec![face], Some(quality)));
    }
    let descriptor = engine.encode(image, &face)?;
    let accepted = AcceptedFace {
        detection: face,
        quality,
        descriptor,
    };
    Ok(Assessment::Accepted(Box::new(accepted)))
}
