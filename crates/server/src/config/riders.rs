//! RID-01..08 *(config)*: the e-bike programme's intake: the face engine and its quality gates,
//! identity thresholds, the spoken warning sent back to the capture point over MQTT, and
//! Table 1's windows and bands. The nightly tier rebuild's time is its cron string,
//! `jobs.schedules.rider_tier_rebuild`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use roadwarden_domain::rider::TierConfig;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RiderSettings {
    pub face: FaceSettings,
    pub warning: WarningSettings,
    /// RID-08: Table 1's windows and bands.
    pub tiers: TierConfig,
}

/// The face engine and the identity thresholds (RID-04..06).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FaceSettings {
    /// `dlib` (a build with the `face-dlib` feature and the model files of
    /// `scripts/face-models.sh`) or `none`: without an engine every event is held for a person
    /// to look at ("no face engine configured"), never matched.
    pub engine: String,
    /// The folder with dlib's model files.
    pub models_dir: PathBuf,
    /// 1:N: a face strictly closer than this (Euclidean, dlib's 128-d space) to a person's face
    /// is a likely match, which an officer confirms (RID-06).
    pub match_threshold: f32,
    /// Incremental clustering of unmatched faces: the distance to a cluster's centroid below
    /// which a face joins it, and the faces a cluster needs before it is a provisional person.
    pub cluster_threshold: f32,
    pub cluster_min_faces: usize,
    /// The quality gates a face passes before any match.
    pub gates: QualityGatesConfig,
    /// The largest face or scene photo accepted, in bytes.
    pub max_photo_bytes: usize,
    /// The largest clip accepted, in bytes (7 s of video: 6 s before, 1 s after).
    pub max_clip_bytes: usize,
}

impl Default for FaceSettings {
    fn default() -> Self {
        Self {
            engine: "dlib".into(),
            models_dir: PathBuf::from("target/face-models"),
            match_threshold: 0.6,
            cluster_threshold: 0.6,
            cluster_min_faces: 3,
            gates: QualityGatesConfig::default(),
            max_photo_bytes: 5 * 1024 * 1024,
            max_clip_bytes: 32 * 1024 * 1024,
        }
    }
}

/// The face crate's gates, serialisable here (its own type only deserialises).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QualityGatesConfig {
    pub min_face_px: u32,
    pub min_score: f32,
    pub min_sharpness: f32,
    pub max_roll_deg: f32,
    pub max_yaw_ratio: f32,
}

impl Default for QualityGatesConfig {
    fn default() -> Self {
        let g = roadwarden_face::QualityGates::default();
        Self {
            min_face_px: g.min_face_px,
            min_score: g.min_score,
            min_sharpness: g.min_sharpness,
            max_roll_deg: g.max_roll_deg,
            max_yaw_ratio: g.max_yaw_ratio,
        }
    }
}

impl QualityGatesConfig {
    pub fn gates(&self) -> roadwarden_face::QualityGates {
        roadwarden_face::QualityGates {
            min_face_px: self.min_face_px,
            min_score: self.min_score,
            min_sharpness: self.min_sharpness,
            max_roll_deg: self.max_roll_deg,
            max_yaw_ratio: self.max_yaw_ratio,
        }
    }
}

/// RID-01: the spoken warning, published at once to the capture point's own topic.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WarningSettings {
    pub enabled: bool,
    pub mqtt_host: String,
    pub mqtt_port: u16,
    /// `{number}` is the capture point's device number.
    pub topic: String,
    /// `mandarin`, or `dialect` to speak the dialect phrase where one is configured for the
    /// violation (Mandarin otherwise).
    pub voice: String,
    /// The dialect's name, sent with the text so the point picks its voice (e.g. 长兴话).
    pub dialect: String,
    /// The Mandarin text per violation (`no_helmet`, `wrong_way`, `red_light`).
    pub mandarin: BTreeMap<String, String>,
    /// The dialect phrase per violation.
    pub dialect_phrases: BTreeMap<String, String>,
    /// How long one publish may wait for the broker before it is given up (it never delays
    /// the event's answer: it runs on its own task).
    pub timeout_ms: u64,
}

impl Default for WarningSettings {
    fn default() -> Self {
        let mandarin = [
            ("no_helmet", "您未佩戴安全头盔，请立即佩戴，安全出行。"),
            ("wrong_way", "您正在逆向行驶，请立即靠右行驶，注意安全。"),
            ("red_light", "您闯了红灯，请遵守交通信号灯，注意安全。"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        Self {
            enabled: true,
            mqtt_host: "127.0.0.1".into(),
            mqtt_port: 1883,
            topic: "roadwarden/devices/{number}/speak".into(),
            voice: "mandarin".into(),
            dialect: String::new(),
            mandarin,
            dialect_phrases: BTreeMap::new(),
            timeout_ms: 3_000,
        }
    }
}
