//! SUP-02: what the analysis finds, as data (kind and numbers) the UI puts into words.

use chrono::{NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use crate::capture::review::RejectReason;
use crate::FieldError;

/// What is abnormal about a device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// Fewer captures than the same weekdays of the last weeks.
    VolumeDrop,
    /// More captures than the same weekdays of the last weeks.
    VolumeRise,
    /// Not one capture in the period.
    NoCaptures,
    /// Consecutive days without a capture on days that usually have some.
    SilentDays,
    /// The share of reviewed captures rejected rose against the device's own history.
    RejectionRateRise,
    /// The rejection rate crept up: against the start of the history window, not the whole.
    RejectionRateDrift,
    /// The share of reviewed captures rejected is above the configured ceiling.
    RejectionRateHigh,
    /// Second reviews disagreeing with the first, above the ceiling.
    SecondReviewDisagreement,
    /// More objections upheld than the device's history or the ceiling allows.
    ObjectionsUpheld,
    /// Complaints about the device (AUD-09) at or above the ceiling.
    Complaints,
    /// Captures uploaded late, as a share of captures.
    LateUploads,
    /// Captures with no identifiable vehicle, as a share of captures.
    Unidentifiable,
    /// The device clock differs from the platform's.
    ClockDrift,
    /// The device stopped reporting that it is alive.
    HeartbeatGap,
    /// Figures dated after today: ignored, and a sign of a wrong clock.
    FutureDated,
    /// Captures moved between hours of the day against the last weeks (a clock set to the
    /// wrong hour, night captures gone, a retimed signal).
    HourShift,
}

impl FindingKind {
    pub const ALL: [FindingKind; 16] = [
        FindingKind::VolumeDrop,
        FindingKind::VolumeRise,
        FindingKind::NoCaptures,
        FindingKind::SilentDays,
        FindingKind::RejectionRateRise,
        FindingKind::RejectionRateDrift,
        FindingKind::RejectionRateHigh,
        FindingKind::SecondReviewDisagreement,
        FindingKind::ObjectionsUpheld,
        FindingKind::Complaints,
        FindingKind::LateUploads,
        FindingKind::Unidentifiable,
        FindingKind::ClockDrift,
        FindingKind::HeartbeatGap,
        FindingKind::FutureDated,
        FindingKind::HourShift,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::VolumeDrop => "volume_drop",
            FindingKind::VolumeRise => "volume_rise",
            FindingKind::NoCaptures => "no_captures",
            FindingKind::SilentDays => "silent_days",
            FindingKind::RejectionRateRise => "rejection_rate_rise",
            FindingKind::RejectionRateDrift => "rejection_rate_drift",
            FindingKind::RejectionRateHigh => "rejection_rate_high",
            FindingKind::SecondReviewDisagreement => "second_review_disagreement",
            FindingKind::ObjectionsUpheld => "objections_upheld",
            FindingKind::Complaints => "complaints",
            FindingKind::LateUploads => "late_uploads",
            FindingKind::Unidentifiable => "unidentifiable",
            FindingKind::ClockDrift => "clock_drift",
            FindingKind::HeartbeatGap => "heartbeat_gap",
            FindingKind::FutureDated => "future_dated",
            FindingKind::HourShift => "hour_shift",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == raw.trim())
            .ok_or_else(|| FieldError::new("kind", "is not a kind of finding"))
    }

    /// What `Finding::figure` and `Finding::baseline` count for this kind.
    pub fn unit(self) -> FigureUnit {
        match self {
            FindingKind::VolumeDrop | FindingKind::VolumeRise | FindingKind::NoCaptures => {
                FigureUnit::Captures
            }
            FindingKind::SilentDays | FindingKind::FutureDated => FigureUnit::Days,
            FindingKind::RejectionRateRise
            | FindingKind::RejectionRateDrift
            | FindingKind::RejectionRateHigh
            | FindingKind::SecondReviewDisagreement
            | FindingKind::LateUploads
            | FindingKind::Unidentifiable
            | FindingKind::HourShift => FigureUnit::Percent,
            FindingKind::ObjectionsUpheld | FindingKind::Complaints => FigureUnit::Count,
            FindingKind::ClockDrift => FigureUnit::Seconds,
            FindingKind::HeartbeatGap => FigureUnit::Hours,
        }
    }
}

crate::stored_as_text!(FindingKind);

/// The unit of a finding's figure and baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FigureUnit {
    Captures,
    Days,
    Percent,
    Count,
    Seconds,
    Hours,
}

/// How bad a finding is. Ordered: the worst of several is the maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Abnormal data (SUP-02): the device goes on its managing unit's check list.
    Abnormal,
    /// Seriously abnormal data (SUP-06): grounds for the upper unit's circuit breaker.
    Serious,
}

impl Severity {
    pub const ALL: [Severity; 2] = [Severity::Abnormal, Severity::Serious];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Abnormal => "abnormal",
            Severity::Serious => "serious",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == raw.trim())
            .ok_or_else(|| FieldError::new("severity", "must be abnormal or serious"))
    }
}

crate::stored_as_text!(Severity);

/// Where a finding's baseline comes from, so the sentence can name it ("against the median
/// of the last 8 Tuesdays", "against the ceiling of 30%").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BaselineSource {
    /// The median of the same weekday over `history_weeks` weeks before the period, summed
    /// over the days compared (or that median itself when `weekday` is set).
    SameWeekdayMedian,
    /// The device's own figure over `history_days` days before the period.
    OwnHistory,
    /// The device's own figure over the first 30 days of the `history_days` before the period
    /// (where a slow drift started from).
    OwnHistoryStart,
    /// The configured ceiling.
    Ceiling,
    /// Nothing to compare with: the figure speaks for itself (no captures, future dates).
    None,
}

/// One abnormal figure and what made it abnormal: numbers only, the UI words it
/// (`supervision.finding.<kind>` with these values).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub kind: FindingKind,
    pub severity: Severity,
    /// The period's figure, in `kind.unit()`.
    pub figure: f64,
    /// What the figure was compared with, in the same unit; for `SilentDays` the captures those
    /// days usually have, for `NoCaptures` the captures the period usually has.
    pub baseline: f64,
    pub baseline_source: BaselineSource,
    /// `figure` against `baseline`, in percent (negative for a fall), rounded to 0.1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change_percent: Option<f64>,
    /// How many weeks of the same weekday the median was taken over.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history_weeks: Option<u32>,
    /// How many days of history a rate was compared with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history_days: Option<u32>,
    /// Set when one weekday alone is abnormal ("the last 8 Tuesdays").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weekday: Option<Weekday>,
    /// The days the figure covers (a stretch of silent days, the worst day of drift).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_day: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_day: Option<NaiveDate>,
    /// How many cases a share was taken of (reviewed captures, second reviews, captures).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample: Option<u64>,
    /// The most frequent rejection reason behind a rejection finding, and its share.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<RejectReason>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason_share_percent: Option<f64>,
    /// For an hour shift: the hour of the day (0..=23) that changed most, its share of the
    /// period's captures and its usual share.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hour: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hour_share_percent: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hour_baseline_share_percent: Option<f64>,
}

impl Finding {
    /// A finding with only its kind, severity, figure and baseline; the builders below add the
    /// rest.
    pub fn new(
        kind: FindingKind,
        severity: Severity,
        figure: f64,
        baseline: f64,
        baseline_source: BaselineSource,
    ) -> Self {
        Self {
            kind,
            severity,
            figure: round1(figure),
            baseline: round1(baseline),
            baseline_source,
            change_percent: None,
            history_weeks: None,
            history_days: None,
            weekday: None,
            first_day: None,
            last_day: None,
            sample: None,
            reason: None,
            reason_share_percent: None,
            hour: None,
            hour_share_percent: None,
            hour_baseline_share_percent: None,
        }
    }

    pub(super) fn with_change(mut self, figure: f64, baseline: f64) -> Self {
        self.change_percent = change_percent(figure, baseline);
        self
    }

    pub(super) fn with_days(mut self, first: NaiveDate, last: NaiveDate) -> Self {
        self.first_day = Some(first);
        self.last_day = Some(last);
        self
    }

    pub(super) fn with_sample(mut self, sample: u64) -> Self {
        self.sample = Some(sample);
        self
    }
}

/// Rounded to one decimal; the analysis only ever rounds finite numbers.
pub(super) fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// `figure` against `baseline` in percent; none against a zero baseline (no division by 0).
pub(super) fn change_percent(figure: f64, baseline: f64) -> Option<f64> {
    (baseline > 0.0).then(|| round1((figure - baseline) / baseline * 100.0))
}

/// `part` of `whole` in percent; none of nothing.
pub(super) fn percent(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64 * 100.0)
}
