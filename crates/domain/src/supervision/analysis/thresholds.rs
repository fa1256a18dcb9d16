//! SUP-02: the analysis' thresholds *(config)*, with the defaults a deployment may change.

use serde::{Deserialize, Serialize};

/// SUP-02 thresholds *(config)*. Percentages are whole percent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Thresholds {
    /// Volume: weeks of the same weekday the median is taken over.
    pub baseline_weeks: u32,
    /// Volume: fewer weeks of history than this, and volume is not compared at all.
    pub min_history_weeks: u32,
    pub volume_drop_percent: u32,
    pub volume_drop_serious_percent: u32,
    pub volume_rise_percent: u32,
    pub volume_rise_serious_percent: u32,
    /// Volume: expected captures below this are too few to judge.
    pub volume_min_expected: u32,
    /// Volume: the last days of the period compared on their own, to catch a fall that began
    /// late in the month.
    pub trailing_days: u32,
    /// Volume: a change must also exceed this many standard deviations of counting noise
    /// (√expected), so small devices do not raise alarms by chance.
    pub noise_sigmas: f64,
    /// Shares against a ceiling (rejections, disagreement, late uploads, unidentifiable) must
    /// exceed it by this many standard errors of a share at the ceiling.
    pub ceiling_sigmas: f64,
    /// Hour seasonality: the share of captures that moved to other hours of the day (the total
    /// variation between the hour profiles), in percent, beyond counting noise.
    pub hour_shift_percent: u32,
    pub hour_shift_serious_percent: u32,
    /// Hour seasonality needs this many captures with hours, in the period and in the history.
    pub hour_min_captures: u32,
    /// Consecutive days without captures on days whose median is at least one capture.
    pub silent_days: u32,
    pub silent_days_serious: u32,
    /// Rates: days of history before the period the device's own rates come from.
    pub rate_history_days: u32,
    /// Rates: fewer reviewed captures than this, in the period or the history, say nothing.
    pub min_reviewed: u32,
    pub rejection_rise_points: u32,
    /// A slow drift counts from a smaller rise, measured against the start of the history
    /// window (and still beyond counting noise).
    pub rejection_drift_points: u32,
    pub rejection_ceiling_percent: u32,
    pub rejection_serious_percent: u32,
    pub min_second_reviews: u32,
    pub disagreement_ceiling_percent: u32,
    pub disagreement_serious_percent: u32,
    /// Objections upheld: at least this many, and at least `upheld_rise_factor` times what
    /// the history predicts (or any number with no history).
    pub upheld_min: u32,
    pub upheld_serious: u32,
    pub upheld_rise_factor: u32,
    /// Rare counts (upheld objections) are abnormal only if chance would give that many less
    /// often than this (Poisson tail).
    pub rare_count_p_value: f64,
    pub complaints_ceiling: u32,
    pub complaints_serious: u32,
    /// Shares of captures (late uploads, unidentifiable) need this many captures.
    pub min_captures_for_shares: u32,
    pub late_upload_ceiling_percent: u32,
    pub late_upload_serious_percent: u32,
    pub unidentifiable_ceiling_percent: u32,
    pub unidentifiable_serious_percent: u32,
    pub clock_drift_seconds: u32,
    pub clock_drift_serious_seconds: u32,
    pub heartbeat_gap_hours: u32,
    pub heartbeat_gap_serious_hours: u32,
    /// Rows older than this before the period are not read (bounds the input).
    pub max_history_days: u32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            baseline_weeks: 8,
            min_history_weeks: 4,
            volume_drop_percent: 50,
            volume_drop_serious_percent: 90,
            volume_rise_percent: 100,
            volume_rise_serious_percent: 300,
            volume_min_expected: 20,
            trailing_days: 7,
            noise_sigmas: 4.0,
            ceiling_sigmas: 2.0,
            hour_shift_percent: 15,
            hour_shift_serious_percent: 40,
            hour_min_captures: 500,
            silent_days: 2,
            silent_days_serious: 7,
            rate_history_days: 180,
            min_reviewed: 30,
            rejection_rise_points: 10,
            rejection_drift_points: 6,
            rejection_ceiling_percent: 30,
            rejection_serious_percent: 60,
            min_second_reviews: 20,
            disagreement_ceiling_percent: 10,
            disagreement_serious_percent: 30,
            upheld_min: 3,
            upheld_serious: 10,
            upheld_rise_factor: 2,
            rare_count_p_value: 0.0001,
            complaints_ceiling: 3,
            complaints_serious: 10,
            min_captures_for_shares: 30,
            late_upload_ceiling_percent: 5,
            late_upload_serious_percent: 25,
            unidentifiable_ceiling_percent: 20,
            unidentifiable_serious_percent: 50,
            clock_drift_seconds: 60,
            clock_drift_serious_seconds: 600,
            heartbeat_gap_hours: 24,
            heartbeat_gap_serious_hours: 72,
            max_history_days: 400,
        }
    }
}
