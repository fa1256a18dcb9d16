//! Quality gates: a face is matched only when it is large, sharp and frontal enough.
//! The measures are engine-independent: size from the box, sharpness from the pixels of the
//! face crop, pose from the five landmarks.

use image::imageops::{self, FilterType};
use serde::Deserialize;

use crate::{Detection, FaceImage, HoldReason, Landmarks5};

/// The thresholds, from configuration. Defaults were calibrated on the registry test images
/// with the dlib engine: sharp faces measure 135 (astronaut.png) to 432 (obama.jpg); a Gaussian
/// blur of σ 3 px on a 260-310 px face brings them to 19-32; frontal portraits measure roll
/// 0-13° and yaw 0.00-0.14; obama.jpg turned 35° measures roll 35.5°. dlib's HOG boxes come
/// in steps (72, 86, 104 px...): a face box under 80 px is held.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QualityGates {
    /// Shorter side of the face box, in pixels. dlib's ResNet reads a 150 px chip; under
    /// 80 px the descriptor degrades quickly.
    pub min_face_px: u32,
    /// Detector confidence, applied only when the engine reports one.
    pub min_score: f32,
    /// Variance of the Laplacian of the face crop scaled to 128 px wide, grey levels squared.
    pub min_sharpness: f32,
    /// Head tilt: the angle of the line between the eyes, in degrees.
    pub max_roll_deg: f32,
    /// Head turn: how far the nose sits from the middle of the eyes, along the eye line,
    /// as a fraction of the distance between the eyes.
    pub max_yaw_ratio: f32,
}

impl Default for QualityGates {
    fn default() -> Self {
        Self {
            min_face_px: 80,
            min_score: 0.5,
            min_sharpness: 60.0,
            max_roll_deg: 25.0,
            max_yaw_ratio: 0.35,
        }
    }
}

/// What was measured on one face, kept with the outcome so a reviewer sees why.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quality {
    pub face_px: u32,
    pub score: Option<f32>,
    pub sharpness: f32,
    /// `None` when the engine gave no landmarks (then the pose gate cannot pass).
    pub roll_deg: Option<f32>,
    pub yaw_ratio: Option<f32>,
}

impl Quality {
    pub fn measure(image: &FaceImage, face: &Detection) -> Self {
        let pose = face.landmarks.as_ref().map(pose);
        Self {
            face_px: face.bbox.size(),
            score: face.score,
            sharpness: sharpness(image, face),
            roll_deg: pose.map(|p| p.0),
            yaw_ratio: pose.map(|p| p.1),
        }
    }

    /// The first gate this face fails, in the order a reviewer would fix them.
    pub fn failed_gate(&self, gates: &QualityGates) -> Option<HoldReason> {
        if self.face_px < gates.min_face_px {
            return Some(HoldReason::TooSmall);
        }
        if self.score.is_some_and(|s| s < gates.min_score) {
            return Some(HoldReason::LowScore);
        }
        if self.sharpness < gates.min_sharpness {
            return Some(HoldReason::Blurred);
        }
        match (self.roll_deg, self.yaw_ratio) {
            (Some(roll), Some(yaw))
                if roll.abs() <= gates.max_roll_deg && yaw.abs() <= gates.max_yaw_ratio =>
            {
                None
            }
            _ => Some(HoldReason::Pose),
        }
    }
}

/// Variance of the 4-neighbour Laplacian over the grey face crop scaled to 128 px wide (so the
/// figure does not depend on the face's size in the photo).
pub fn sharpness(image: &FaceImage, face: &Detection) -> f32 {
    let b = face.bbox;
    if b.width < 3 || b.height < 3 {
        return 0.0;
    }
    let crop = imageops::crop_imm(image.rgb(), b.left, b.top, b.width, b.height).to_image();
    let height = (128 * b.height / b.width).max(3);
    let grey = imageops::grayscale(&imageops::resize(&crop, 128, height, FilterType::Triangle));
    let (w, h) = grey.dimensions();
    let at = |x: u32, y: u32| f32::from(grey.get_pixel(x, y).0[0]);
    let mut values = Vec::with_capacity(((w - 2) * (h - 2)) as usize);
    for y in 1..h - 1 {
        for x in 1..w - 1 {
            values.push(at(x - 1, y) + at(x + 1, y) + at(x, y - 1) + at(x, y + 1) - 4.0 * at(x, y));
        }
    }
    let n = values.len() as f32;
    let mean = values.iter().sum::<f32>() / n;
    values.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / n
}

/// (roll in degrees, yaw proxy) from the five landmarks.
fn pose(l: &Landmarks5) -> (f32, f32) {
    let centre = |pts: &[(f32, f32); 2]| ((pts[0].0 + pts[1].0) / 2.0, (pts[0].1 + pts[1].1) / 2.0);
    let (mut left, mut right) = (centre(&l.eye_a), centre(&l.eye_b));
    if left.0 > right.0 {
        std::mem::swap(&mut left, &mut right);
    }
    let (dx, dy) = (right.0 - left.0, right.1 - left.1);
    let eye_distance = (dx * dx + dy * dy).sqrt();
    if eye_distance < 1.0 {
        return (90.0, 1.0);
    }
    let roll = dy.atan2(dx).to_degrees();
    let middle = ((left.0 + right.0) / 2.0, (left.1 + right.1) / 2.0);
    // The nose's offset from the middle of the eyes, projected on the eye line.
    let along = ((l.nose.0 - middle.0) * dx + (l.nose.1 - middle.1) * dy) / eye_distance;
    (roll, along / eye_distance)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn landmarks(nose_x: f32, right_eye_y: f32) -> Landmarks5 {
        Landmarks5 {
            eye_a: [(60.0, 50.0), (80.0, 50.0)],
            eye_b: [(120.0, right_eye_y), (140.0, right_eye_y)],
            nose: (nose_x, 90.0),
        }
    }

    #[test]
    fn a_frontal_face_has_no_roll_and_no_yaw() {
        let (roll, yaw) = pose(&landmarks(100.0, 50.0));
        assert!(roll.abs() < 0.01 && yaw.abs() < 0.01);
    }

    #[test]
    fn a_tilted_or_turned_face_is_measured() {
        let (roll, _) = pose(&landmarks(100.0, 110.0));
        assert!((roll - 45.0).abs() < 0.5, "{roll}");
        let (_, yaw) = pose(&landmarks(130.0, 50.0));
        assert!((yaw - 0.5).abs() < 0.01, "{yaw}");
    }
}
