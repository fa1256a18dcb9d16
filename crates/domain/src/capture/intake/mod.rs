//! CAP-00..04: what a capture carries and what it may become before anyone reviews it.
//!
//! Every check here is a plain function of the capture's facts; the ingest service gathers the
//! facts (device state history, calibration, exemption list, recent captures) and stores the
//! outcome with the capture, so a reviewer sees why a capture was flagged.

use crate::codes::Code;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::device::lifecycle::capture_use_at;
use crate::device::{CaptureUse, DeviceKind, DeviceState};
use crate::{FieldError, RuleViolation};

/// CAP-00: where a capture comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaptureSource {
    RedLight,
    Checkpoint,
    Speed,
    Cctv,
    Mobile,
    Handheld,
    SectionSpeed,
    PublicReport,
    Other,
}

impl CaptureSource {
    pub const ALL: [CaptureSource; 9] = [
        CaptureSource::RedLight,
        CaptureSource::Checkpoint,
        CaptureSource::Speed,
        CaptureSource::Cctv,
        CaptureSource::Mobile,
        CaptureSource::Handheld,
        CaptureSource::SectionSpeed,
        CaptureSource::PublicReport,
        CaptureSource::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CaptureSource::RedLight => "red_light",
            CaptureSource::Checkpoint => "checkpoint",
            CaptureSource::Speed => "speed",
            CaptureSource::Cctv => "cctv",
            CaptureSource::Mobile => "mobile",
            CaptureSource::Handheld => "handheld",
            CaptureSource::SectionSpeed => "section_speed",
            CaptureSource::PublicReport => "public_report",
            CaptureSource::Other => "other",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == raw.trim())
            .ok_or_else(|| FieldError::new("source", "is not a known capture source"))
    }

    /// The source a device of `kind` produces when the push does not say.
    pub fn default_for(kind: DeviceKind) -> Self {
        match kind {
            DeviceKind::Speed => CaptureSource::Speed,
            DeviceKind::PlateRecognition => CaptureSource::Checkpoint,
            DeviceKind::MobileEnforcement => CaptureSource::Mobile,
            DeviceKind::SupportTerminal | DeviceKind::BodyWornRecorder => CaptureSource::Handheld,
            DeviceKind::Surveillance => CaptureSource::Cctv,
            _ => CaptureSource::RedLight,
        }
    }

    /// CAP-00 and REV-05: the source a device may declare follows from its kind. A camera
    /// cannot pose as a handheld terminal (whose captures name their collector) or as a
    /// citizen (public reports come only through the public report form), and a terminal or
    /// recorder is always handheld.
    pub fn check_for(self, kind: DeviceKind) -> Result<(), RuleViolation> {
        let handheld_kind = matches!(
            kind,
            DeviceKind::SupportTerminal | DeviceKind::BodyWornRecorder
        );
        let fits = match self {
            CaptureSource::PublicReport => false,
            CaptureSource::Handheld => handheld_kind,
            CaptureSource::Mobile => kind == DeviceKind::MobileEnforcement,
            _ => !handheld_kind,
        };
        if fits {
            Ok(())
        } else {
            Err(RuleViolation::new(
                "CAP-00",
                Code::CaptureSourceNotForDevice,
                format!(
                    "a {} device cannot send captures from source {}",
                    kind.as_str(),
                    self.as_str()
                ),
            ))
        }
    }
}

crate::stored_as_text!(CaptureSource);

/// CAP-02 windows (config): fixed devices upload "in real time", which we read as within
/// `fixed`; mobile devices and recorders within `mobile` (24 hours by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadWindows {
    pub fixed: Duration,
    pub mobile: Duration,
}

impl Default for UploadWindows {
    fn default() -> Self {
        Self {
            fixed: Duration::minutes(10),
            mobile: Duration::hours(24),
        }
    }
}

/// CAP-02: the upload window of a device of `kind`.
pub fn upload_window(kind: DeviceKind, windows: UploadWindows) -> Duration {
    if kind.is_fixed() {
        windows.fixed
    } else {
        windows.mobile
    }
}

/// CAP-02: a capture that reached us after its device's window is late. Late captures are still
/// taken (they are evidence) but flagged for the reviewer and counted against the device.
pub fn is_late(
    kind: DeviceKind,
    captured_at: DateTime<Utc>,
    received_at: DateTime<Utc>,
    windows: UploadWindows,
) -> bool {
    received_at - captured_at > upload_window(kind, windows)
}

/// A capture time in the future (beyond the drift the clock check tolerates) is refused at the
/// edge: no camera can photograph tomorrow.
pub fn check_capture_time(
    captured_at: DateTime<Utc>,
    received_at: DateTime<Utc>,
    tolerance: Duration,
) -> Result<(), FieldError> {
    if captured_at - received_at > tolerance {
        return Err(FieldError::new(
            "captured_at",
            "is in the future; check the device's clock",
        ));
    }
    // An offence not discovered within two years is no longer punished (Administrative
    // Penalty Law art. 36): an older capture is a broken clock or a wrong field, not evidence.
    if received_at - captured_at > Duration::days(2 * 366) {
        return Err(FieldError::new(
            "captured_at",
            "is more than two years ago; check the device's clock",
        ));
    }
    Ok(())
}

/// Coordinates a push may carry: finite, latitude within ±90 and longitude within ±180.
pub fn check_coordinates(longitude: Option<f64>, latitude: Option<f64>) -> Result<(), FieldError> {
    if let Some(lat) = latitude {
        if !lat.is_finite() || !(-90.0..=90.0).contains(&lat) {
            return Err(FieldError::new("latitude", "must be between -90 and 90"));
        }
    }
    if let Some(lon) = longitude {
        if !lon.is_finite() || !(-180.0..=180.0).contains(&lon) {
            return Err(FieldError::new("longitude", "must be between -180 and 180"));
        }
    }
    Ok(())
}

/// How far the device's clock is from ours, in whole seconds (positive: the device runs ahead).
/// Only meaningful for real-time pushes, where capture and arrival are moments apart.
pub fn clock_drift_secs(camera_time: DateTime<Utc>, received_at: DateTime<Utc>) -> i64 {
    (camera_time - received_at).num_seconds()
}

/// CAP-01: the elements a record must show. Returns the missing ones by field name.
#[derive(Debug, Clone, Default)]
pub struct Elements<'a> {
    pub vehicle_type: &'a str,
    pub violation_code: &'a str,
    pub place: &'a str,
    pub images: usize,
}

pub fn missing_elements(e: &Elements<'_>) -> Vec<&'static str> {
    let mut missing = Vec::new();
    if e.vehicle_type.trim().is_empty() {
        missing.push("vehicle_type");
    }
    if e.violation_code.trim().is_empty() {
        missing.push("violation_code");
    }
    if e.place.trim().is_empty() {
        missing.push("place");
    }
    if e.images == 0 {
        missing.push("images");
    }
    missing
}

/// REV-03(4) and REV-04: vehicles that may pass where others may not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExemptionKind {
    /// Police, fire, ambulance, rescue (REV-04: on duty).
    Emergency,
    /// A permit to pass or stop (REV-03(4)).
    Permitted,
}

impl ExemptionKind {
    pub const ALL: [ExemptionKind; 2] = [ExemptionKind::Emergency, ExemptionKind::Permitted];

    pub fn as_str(self) -> &'static str {
        match self {
            ExemptionKind::Emergency => "emergency",
            ExemptionKind::Permitted => "permitted",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        match raw.trim() {
            "emergency" => Ok(ExemptionKind::Emergency),
            "permitted" => Ok(ExemptionKind::Permitted),
            _ => Err(FieldError::new("kind", "must be emergency or permitted")),
        }
    }
}

crate::stored_as_text!(ExemptionKind);

/// One entry of the exemption list, valid over `[from, until)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Exemption {
    pub plate_key: String,
    pub kind: ExemptionKind,
    pub from: DateTime<Utc>,
    pub until: Option<DateTime<Utc>>,
}

/// The exemption covering `plate_key` at `t`, if any.
pub fn exemption_at<'a>(
    list: &'a [Exemption],
    plate_key: &str,
    t: DateTime<Utc>,
) -> Option<&'a Exemption> {
    list.iter()
        .find(|e| e.plate_key == plate_key && e.from <= t && e.until.is_none_or(|u| t < u))
}

/// A capture of the same vehicle, violation and place within `window` of another is likely the
/// same event seen twice (two frames, two cameras of one site); the reviewer decides.
pub const DUPLICATE_WINDOW_MINUTES: i64 = 10;

pub fn is_likely_duplicate(a: DateTime<Utc>, b: DateTime<Utc>) -> bool {
    (a - b).num_minutes().abs() < DUPLICATE_WINDOW_MINUTES
}

/// Why a capture was flagged before review. Each names its rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "flag", rename_all = "snake_case")]
pub enum Flag {
    /// CAP-03: the device was in trial: a warning at most.
    TrialWarningOnly,
    /// CAP-04 / DEV-05: the device was not in service (suspended, circuit-broken, …).
    DeviceNotInService { state: String },
    /// DEV-13: the measuring device's certificate did not cover the capture time.
    CalibrationInvalid,
    /// CAP-01: elements missing.
    MissingElements { fields: Vec<String> },
    /// REV-03(3): no plate could be read.
    PlateUnidentified,
    /// CAP-02: uploaded after the device's window.
    LateUpload { minutes: i64 },
    /// The device clock was off by more than the threshold.
    ClockDrift { seconds: i64 },
    /// REV-03(4) / REV-04: on the exemption list.
    Exempt { kind: ExemptionKind },
    /// Same vehicle, violation and place moments apart.
    LikelyDuplicate { of: i64 },
}

impl Flag {
    pub fn rule(&self) -> &'static str {
        match self {
            Flag::TrialWarningOnly => "CAP-03",
            Flag::DeviceNotInService { .. } => "CAP-04",
            Flag::CalibrationInvalid => "DEV-13",
            Flag::MissingElements { .. } => "CAP-01",
            Flag::PlateUnidentified => "REV-03",
            Flag::LateUpload { .. } => "CAP-02",
            Flag::ClockDrift { .. } => "CAP-02",
            Flag::Exempt { .. } => "REV-04",
            Flag::LikelyDuplicate { .. } => "CAP-01",
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Flag::TrialWarningOnly => "trial_warning_only",
            Flag::DeviceNotInService { .. } => "device_not_in_service",
            Flag::CalibrationInvalid => "calibration_invalid",
            Flag::MissingElements { .. } => "missing_elements",
            Flag::PlateUnidentified => "plate_unidentified",
            Flag::LateUpload { .. } => "late_upload",
            Flag::ClockDrift { .. } => "clock_drift",
            Flag::Exempt { .. } => "exempt",
            Flag::LikelyDuplicate { .. } => "likely_duplicate",
        }
    }
}

/// A capture's flags, in the order the pre-checks raised them. The database keeps them as a
/// JSON list (`[{"flag":"late_upload","minutes":42}]`), decoded once where the row is read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Flags(pub Vec<Flag>);

impl Flags {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        serde_json::from_str(raw)
            .map(Flags)
            .map_err(|e| FieldError::new("flags", format!("is not a list of capture flags: {e}")))
    }

    /// The JSON list the database keeps and the API shows.
    pub fn to_json(&self) -> String {
        // A list of these enums always serializes (no map keys, no floats): the empty list
        // is never actually returned.
        serde_json::to_string(&self.0).unwrap_or_else(|_| "[]".to_owned())
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Flag> {
        self.0.iter()
    }
}

crate::stored_as_text!(Flags);

/// What the pre-checks decided: the capture's use and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreCheck {
    pub usage: CaptureUse,
    pub flags: Vec<Flag>,
}

impl PreCheck {
    /// CAP-04, DEV-13, CAP-01: a capture that may not enter the violation system at all. It is
    /// kept (as evidence of what the device did) but never reaches a reviewer's queue.
    pub fn enterable(&self) -> bool {
        self.usage != CaptureUse::Refuse
    }
}

/// The facts the pre-checks need, gathered by the ingest service.
#[derive(Debug, Clone)]
pub struct Facts<'a> {
    pub kind: DeviceKind,
    pub measuring: bool,
    /// `(since, state)` in time order, from the device's timeline.
    pub history: &'a [(DateTime<Utc>, DeviceState)],
    pub captured_at: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
    /// For a measuring device: whether a valid certificate covered `captured_at`.
    pub calibrated_at_capture: bool,
    pub missing: Vec<&'static str>,
    pub plate_read: bool,
    pub exemption: Option<ExemptionKind>,
    pub duplicate_of: Option<i64>,
    pub clock_drift_secs: Option<i64>,
    pub drift_threshold_secs: i64,
    pub windows: UploadWindows,
}

/// CAP-01..04 and DEV-13 together: the stricter of everything that applies.
pub fn pre_check(f: &Facts<'_>) -> PreCheck {
    let mut flags = Vec::new();
    let mut usage = if f.kind.enforces() {
        capture_use_at(f.history, f.captured_at, f.received_at)
    } else {
        CaptureUse::Refuse
    };
    match usage {
        CaptureUse::WarnOnly => flags.push(Flag::TrialWarningOnly),
        CaptureUse::Refuse => {
            let state = crate::device::lifecycle::state_at(f.history, f.captured_at)
                .map_or("unknown", DeviceState::as_str);
            flags.push(Flag::DeviceNotInService {
                state: state.to_owned(),
            });
        }
        CaptureUse::Enforce => {}
    }
    if f.measuring && !f.calibrated_at_capture {
        flags.push(Flag::CalibrationInvalid);
        usage = CaptureUse::Refuse;
    }
    if !f.missing.is_empty() {
        flags.push(Flag::MissingElements {
            fields: f.missing.iter().map(|s| (*s).to_owned()).collect(),
        });
        usage = CaptureUse::Refuse;
    }
    if !f.plate_read {
        flags.push(Flag::PlateUnidentified);
    }
    if is_late(f.kind, f.captured_at, f.received_at, f.windows) {
        flags.push(Flag::LateUpload {
            minutes: (f.received_at - f.captured_at).num_minutes(),
        });
    }
    if let Some(drift) = f.clock_drift_secs {
        if drift.abs() > f.drift_threshold_secs {
            flags.push(Flag::ClockDrift { seconds: drift });
        }
    }
    if let Some(kind) = f.exemption {
        flags.push(Flag::Exempt { kind });
    }
    if let Some(of) = f.duplicate_of {
        flags.push(Flag::LikelyDuplicate { of });
    }
    PreCheck { usage, flags }
}

#[cfg(test)]
mod tests;
