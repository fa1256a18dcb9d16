//! RID-01..08 *(config)*: the e-bike programme's intake: the face engine and its quality gates,
//! identity thresholds, the spoken warning sent back to the capture point over MQTT, and
//! Table 1's windows and bands. The nightly tier rebuild's time is its cron string,
//! `jobs.schedules.rider_tier_rebuild`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use roadwarden_domain::rider::TierConfig;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RiderSettings {
    /// SEC-10: days an event's face photo and its descriptors are kept after the event came in,
    /// then purged by the daily job (`jobs.schedules.rider_face_retention`). The seeds name no
    /// period for face data (seed 001 art. 13(1) only forbids keeping such photos privately),
    /// so the default is 365 days: as long as Table 1's longest window (RID-08, incorrigible),
    /// so an officer can still see the face of any event that counts. At least
    /// [`FACE_RETENTION_FLOOR_DAYS`]. A confirmed person's library photo follows its own rule:
    /// kept while it is that person's current library photo, purged once a newer import
    /// supersedes it.
    pub face_retention_days: u32,
    pub face: FaceSettings,
    pub warning: WarningSettings,
    /// RID-08: Table 1's windows and bands.
    pub tiers: TierConfig,
    /// RID-12: the rider services page (proof by code, session, quiz).
    pub public: PublicRiderSettings,
    /// RID-10, RID-11: the task deadline's reminders and escalation.
    pub tasks: TaskDeadlineSettings,
    /// RID-09: the SMS and voice reminders to occasional riders.
    pub reminders: ReminderSettings,
}

/// RID-09, RID-10: how the job `rider_reminders` sends the SMS and voice reminders. Text
/// messages go through the notices' SMS gateway (`notices.sms_gateway_url` and its token) as
/// JSON `{to, text, reference}`; calls go to a voice gateway of their own, which reads the text
/// out, as JSON `{to, text, reference, kind: "voice", language}`. A reminder whose gateway is
/// not configured stays pending, and the rider's file says why. `reference` is the same on
/// every attempt at one reminder, so a gateway that deduplicates on it never delivers twice.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReminderSettings {
    /// The voice gateway; empty: voice reminders wait (a separate address, because an SMS
    /// gateway that ignored a `kind` field would send a second text instead of calling).
    pub voice_gateway_url: String,
    /// Sent as `Authorization: Bearer …` to the voice gateway.
    pub voice_gateway_token: super::Secret,
    /// Reminders one batch takes; a pass takes batches until none is due.
    pub batch_size: i64,
    /// Attempts before a reminder is given up as failed (the waits double from 30 seconds).
    pub max_attempts: i32,
    /// The longest one call to a gateway may take (milliseconds).
    pub timeout_ms: u64,
}

impl Default for ReminderSettings {
    fn default() -> Self {
        Self {
            voice_gateway_url: String::new(),
            voice_gateway_token: super::Secret::default(),
            batch_size: 100,
            max_attempts: 5,
            timeout_ms: 10_000,
        }
    }
}

/// RID-12: the rider services page. A rider proves their ID number with a code sent to the
/// phone on file; the codes, their tries and the requests are bounded here.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PublicRiderSettings {
    /// How long a code is valid.
    pub code_minutes: i64,
    /// Wrong tries a code takes before it is spent.
    pub code_attempts: i32,
    /// Codes per hour for one ID number, one phone, one address (429 beyond; for a number
    /// or phone the answer stays the same, so it never says whether the number is on file).
    pub codes_per_id_per_hour: i64,
    pub codes_per_phone_per_hour: i64,
    pub codes_per_address_per_hour: i64,
    /// How long a proven rider's session lasts.
    pub session_minutes: i64,
    /// Questions drawn from the bank for one quiz, and the right answers that pass it.
    pub quiz_questions: usize,
    pub quiz_pass_mark: usize,
    /// Quizzes and survey answers one rider may start or give per day.
    pub quizzes_per_day: i64,
    pub surveys_per_day: i64,
}

impl Default for PublicRiderSettings {
    fn default() -> Self {
        Self {
            code_minutes: 10,
            code_attempts: 5,
            codes_per_id_per_hour: 3,
            codes_per_phone_per_hour: 5,
            codes_per_address_per_hour: 20,
            session_minutes: 15,
            quiz_questions: 10,
            quiz_pass_mark: 8,
            quizzes_per_day: 10,
            surveys_per_day: 3,
        }
    }
}

/// RID-10, RID-11: what the daily task-deadline job (`jobs.schedules.rider_task_deadlines`)
/// does around a task's due date.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TaskDeadlineSettings {
    /// Days before the due date that the grid worker (or the village's grid workers) are
    /// reminded.
    pub remind_days_before: u32,
    /// Days after the due date that a task still open escalates to the township's head.
    pub escalate_after_days: u32,
}

impl Default for TaskDeadlineSettings {
    fn default() -> Self {
        Self {
            remind_days_before: 1,
            escalate_after_days: 3,
        }
    }
}

/// SEC-10: the shortest face retention a site may configure: the time officers have to
/// confirm or reject a match and a rider to dispute it (Table 1's 30-day window).
pub const FACE_RETENTION_FLOOR_DAYS: u32 = 30;

impl Default for RiderSettings {
    fn default() -> Self {
        Self {
            face_retention_days: 365,
            face: FaceSettings::default(),
            warning: WarningSettings::default(),
            tiers: TierConfig::default(),
            public: PublicRiderSettings::default(),
            tasks: TaskDeadlineSettings::default(),
            reminders: ReminderSettings::default(),
        }
    }
}

impl RiderSettings {
    /// Refuses at start what cannot work: an unknown engine, a retention below the floor.
    pub fn validate(&self) -> Result<(), String> {
        if self.face_retention_days < FACE_RETENTION_FLOOR_DAYS {
            return Err(format!(
                "riders.face_retention_days is {}: at least {FACE_RETENTION_FLOOR_DAYS} days",
                self.face_retention_days
            ));
        }
        for (name, value) in [
            ("match_threshold", self.face.match_threshold),
            ("cluster_threshold", self.face.cluster_threshold),
        ] {
            if !value.is_finite() || value <= 0.0 {
                return Err(format!(
                    "riders.face.{name} is {value}: a distance above 0 (dlib's is 0.6)"
                ));
            }
        }
        if self.face.detect_max_pixels < MIN_DETECT_PIXELS {
            return Err(format!(
                "riders.face.detect_max_pixels is {}: at least {MIN_DETECT_PIXELS}, or faces \
                 in large photos are too small to find",
                self.face.detect_max_pixels
            ));
        }
        match self.face.engine.trim() {
            "dlib" | "onnx" | "none" => Ok(()),
            other => Err(format!(
                "riders.face.engine '{other}' is not dlib, onnx or none"
            )),
        }
    }
}

/// Below this a large photo's copy would be too coarse for an 80 px face window.
const MIN_DETECT_PIXELS: u64 = 100_000;

/// The face engine and the identity thresholds (RID-04..06).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FaceSettings {
    /// `dlib` (a build with the `face-dlib` feature and the model files of
    /// `scripts/face-models.sh`), `onnx` (dlib's detector and landmarks, the site's own encoder
    /// run by ONNX Runtime: `[riders.face.onnx]` names the library and the model; checked at
    /// start) or `none`: without an engine every event is held for a person to look at ("no
    /// face engine configured"), never matched.
    pub engine: String,
    /// The folder with dlib's model files (the `onnx` engine detects with them too).
    pub models_dir: PathBuf,
    /// The `onnx` engine: `runtime` (the `libonnxruntime.so` of the PyPI `onnxruntime` wheel,
    /// put in `target/face-models/onnxruntime/` by scripts/face-models.sh), `model` (the site's
    /// encoder, 1×3×S×S in, 128 floats out), `input_size`, `mean`, `scale`, `eyes`.
    pub onnx: roadwarden_face::OnnxConfig,
    /// 1:N: a face strictly closer than this (Euclidean, dlib's 128-d space) to a person's face
    /// is a likely match, which an officer confirms (RID-06).
    pub match_threshold: f32,
    /// Incremental clustering of unmatched faces: the distance to a cluster's centroid below
    /// which a face joins it, and the faces a cluster needs before it is a provisional person.
    pub cluster_threshold: f32,
    pub cluster_min_faces: usize,
    /// The quality gates a face passes before any match.
    pub gates: QualityGatesConfig,
    /// A face photo with more pixels than this is searched for faces on a copy scaled down to
    /// it (the gates and the descriptor read the full photo). Larger finds smaller faces in
    /// large photos and costs time in proportion: 0.6 MP keeps a 3.3 MP portrait's event
    /// under 300 ms. At least 100,000.
    pub detect_max_pixels: u64,
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
            onnx: roadwarden_face::OnnxConfig {
                runtime: PathBuf::from("target/face-models/onnxruntime/libonnxruntime.so"),
                ..roadwarden_face::OnnxConfig::default()
            },
            match_threshold: 0.6,
            cluster_threshold: 0.6,
            cluster_min_faces: 3,
            gates: QualityGatesConfig::default(),
            detect_max_pixels: roadwarden_face::DEFAULT_DETECT_MAX_PIXELS,
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
