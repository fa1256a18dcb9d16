//! SUP-01, SUP-02: the monthly analysis of one device's figures.
//!
//! The store hands over one row of figures per device and local day (the period's days and the
//! history before them); `analyse` compares the period with the device's own history and with
//! configured ceilings and returns the findings. Capture volume is compared with the median of
//! the same weekday over the last weeks, so a quiet Sunday is not a fault; rates are compared
//! with the device's own history and with an absolute ceiling. A device with no history gets
//! only the absolute findings. Every division is guarded, so no figure is ever NaN or infinite.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use crate::calendar::Calendar;
use crate::capture::review::RejectReason;
use crate::FieldError;

mod finding;
mod rates;
mod volume;

pub use finding::{BaselineSource, FigureUnit, Finding, FindingKind, Severity};

#[cfg(test)]
mod planted;
#[cfg(test)]
mod tests;

/// Rejected captures per REV-03 reason.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReasonCounts(pub [u32; 5]);

impl ReasonCounts {
    fn slot(reason: RejectReason) -> usize {
        usize::from(reason.item()).saturating_sub(1).min(4)
    }

    pub fn add(&mut self, reason: RejectReason, n: u32) {
        let slot = &mut self.0[Self::slot(reason)];
        *slot = slot.saturating_add(n);
    }

    pub fn get(&self, reason: RejectReason) -> u32 {
        self.0[Self::slot(reason)]
    }

    pub fn total(&self) -> u64 {
        self.0.iter().map(|n| u64::from(*n)).sum()
    }

    fn merge(&mut self, other: &ReasonCounts) {
        for r in RejectReason::ALL {
            self.add(r, other.get(r));
        }
    }

    /// The most frequent reason (the first of equals), if any capture was rejected.
    pub fn dominant(&self) -> Option<(RejectReason, u32)> {
        RejectReason::ALL
            .into_iter()
            .map(|r| (r, self.get(r)))
            .filter(|(_, n)| *n > 0)
            .fold(
                None,
                |best: Option<(RejectReason, u32)>, (r, n)| match best {
                    Some((_, m)) if m >= n => best,
                    _ => Some((r, n)),
                },
            )
    }
}

/// One device's figures for one local day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayFigures {
    pub date: NaiveDate,
    pub captures: u32,
    pub approved: u32,
    pub rejected: ReasonCounts,
    pub second_reviews: u32,
    /// Second reviews that disagreed with the first.
    pub second_review_disagreements: u32,
    pub objections_filed: u32,
    pub objections_upheld: u32,
    /// AUD-09: complaints registered against the device that day.
    pub complaints: u32,
    pub late_uploads: u32,
    /// Captures with no identifiable vehicle.
    pub unidentifiable: u32,
    /// The largest difference between the device clock and the platform's seen that day, in
    /// seconds; positive when the device runs ahead.
    pub clock_drift_seconds: i64,
    /// The longest stretch without a heartbeat that ended that day, in whole hours (more than
    /// 24 when the device was silent for days).
    pub heartbeat_gap_hours: u32,
}

impl DayFigures {
    /// A day with nothing counted.
    pub fn empty(date: NaiveDate) -> Self {
        Self {
            date,
            captures: 0,
            approved: 0,
            rejected: ReasonCounts::default(),
            second_reviews: 0,
            second_review_disagreements: 0,
            objections_filed: 0,
            objections_upheld: 0,
            complaints: 0,
            late_uploads: 0,
            unidentifiable: 0,
            clock_drift_seconds: 0,
            heartbeat_gap_hours: 0,
        }
    }

    /// Two rows for the same day add up (counts) or keep the worst (drift, gaps).
    fn merge(&mut self, o: &DayFigures) {
        self.captures = self.captures.saturating_add(o.captures);
        self.approved = self.approved.saturating_add(o.approved);
        self.rejected.merge(&o.rejected);
        self.second_reviews = self.second_reviews.saturating_add(o.second_reviews);
        self.second_review_disagreements = self
            .second_review_disagreements
            .saturating_add(o.second_review_disagreements);
        self.objections_filed = self.objections_filed.saturating_add(o.objections_filed);
        self.objections_upheld = self.objections_upheld.saturating_add(o.objections_upheld);
        self.complaints = self.complaints.saturating_add(o.complaints);
        self.late_uploads = self.late_uploads.saturating_add(o.late_uploads);
        self.unidentifiable = self.unidentifiable.saturating_add(o.unidentifiable);
        if o.clock_drift_seconds.unsigned_abs() > self.clock_drift_seconds.unsigned_abs() {
            self.clock_drift_seconds = o.clock_drift_seconds;
        }
        self.heartbeat_gap_hours = self.heartbeat_gap_hours.max(o.heartbeat_gap_hours);
    }
}

/// The days analysed: a calendar month by default (SUP-02), any span on demand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    first: NaiveDate,
    last: NaiveDate,
}

impl Period {
    /// Longer spans are refused: the analysis is monthly, a quarter at most.
    pub const MAX_DAYS: u32 = 92;

    pub fn new(first: NaiveDate, last: NaiveDate) -> Result<Self, FieldError> {
        if last < first {
            return Err(FieldError::new("period", "ends before it starts"));
        }
        if (last - first).num_days() >= i64::from(Self::MAX_DAYS) {
            return Err(FieldError::new(
                "period",
                format!("is longer than {} days", Self::MAX_DAYS),
            ));
        }
        Ok(Self { first, last })
    }

    /// The calendar month `month` (1..=12) of `year`.
    pub fn month(year: i32, month: u32) -> Result<Self, FieldError> {
        let first = NaiveDate::from_ymd_opt(year, month, 1)
            .ok_or_else(|| FieldError::new("month", "is not a month"))?;
        let next = first
            .checked_add_months(chrono::Months::new(1))
            .ok_or_else(|| FieldError::new("month", "is not a month"))?;
        Self::new(first, next.pred_opt().unwrap_or(first))
    }

    pub fn first(&self) -> NaiveDate {
        self.first
    }

    pub fn last(&self) -> NaiveDate {
        self.last
    }

    pub fn contains(&self, d: NaiveDate) -> bool {
        self.first <= d && d <= self.last
    }
}

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

/// What the analysis of one device found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Analysis {
    pub period: Period,
    /// The last day of the period that was looked at (today, when the period is running).
    pub analysed_to: Option<NaiveDate>,
    pub findings: Vec<Finding>,
}

impl Analysis {
    /// SUP-02: abnormal data puts the device on the check list.
    pub fn is_abnormal(&self) -> bool {
        !self.findings.is_empty()
    }

    /// SUP-06: seriously abnormal data lets the upper unit apply the circuit breaker.
    pub fn is_serious(&self) -> bool {
        self.worst() == Some(Severity::Serious)
    }

    pub fn worst(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }
}

/// The device's days, merged per date and split into the period and its history.
pub(super) struct Series {
    pub by_date: BTreeMap<NaiveDate, DayFigures>,
    pub period: Period,
    /// The last day of the period that has begun (≤ today).
    pub to: NaiveDate,
    /// The first day the device has any figures for, before the period.
    pub history_since: Option<NaiveDate>,
    /// Holidays and make-up working days (TIME-01): traffic on them follows no weekday, so
    /// volume comparisons leave them out on both sides.
    pub special: BTreeSet<NaiveDate>,
}

impl Series {
    /// The figures of `d`, zero if the store had no row (a day without captures).
    pub fn get(&self, d: NaiveDate) -> DayFigures {
        self.by_date
            .get(&d)
            .cloned()
            .unwrap_or_else(|| DayFigures::empty(d))
    }

    /// The period's days looked at, in order.
    pub fn period_days(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.period.first.iter_days().take_while(|d| *d <= self.to)
    }

    /// The sum of the days `from..to` (end exclusive) that are known.
    pub fn total(&self, from: NaiveDate, to: NaiveDate) -> DayFigures {
        let mut sum = DayFigures::empty(from);
        for (_, day) in self.by_date.range(from..to) {
            sum.merge(day);
        }
        sum
    }
}

/// SUP-02: the analysis of one device over `period`, looked at on `today` (the unit's local
/// date). `days` are the device's daily figures, in any order, the period's and its history;
/// days without a row count as days without captures. Rows dated after `today` are ignored and
/// reported (`FutureDated`): a device clock running ahead. `calendar` names the holidays and
/// make-up working days, which volume comparisons leave out.
pub fn analyse(
    days: &[DayFigures],
    period: Period,
    today: NaiveDate,
    calendar: &Calendar,
    t: &Thresholds,
) -> Analysis {
    let oldest = period
        .first
        .checked_sub_days(chrono::Days::new(u64::from(t.max_history_days)))
        .unwrap_or(NaiveDate::MIN);
    let mut by_date: BTreeMap<NaiveDate, DayFigures> = BTreeMap::new();
    let mut future: Vec<&DayFigures> = Vec::new();
    for day in days {
        if day.date > today {
            future.push(day);
        } else if day.date >= oldest && day.date <= period.last {
            by_date
                .entry(day.date)
                .or_insert_with(|| DayFigures::empty(day.date))
                .merge(day);
        }
    }
    let mut findings = Vec::new();
    if let Some(f) = future_dated(&future) {
        findings.push(f);
    }
    let to = period.last.min(today);
    if to < period.first {
        return Analysis {
            period,
            analysed_to: None,
            findings,
        };
    }
    let history_since = by_date.range(..period.first).next().map(|(d, _)| *d);
    let special = oldest
        .iter_days()
        .take_while(|d| *d <= to)
        .filter(|d| calendar.is_working_day(*d) == is_weekend(*d))
        .collect();
    let d = Series {
        by_date,
        period,
        to,
        history_since,
        special,
    };
    findings.extend(volume::findings(&d, t));
    findings.extend(rates::findings(&d, t));
    Analysis {
        period,
        analysed_to: Some(to),
        findings,
    }
}

fn future_dated(future: &[&DayFigures]) -> Option<Finding> {
    let first = future.iter().map(|d| d.date).min()?;
    let last = future.iter().map(|d| d.date).max()?;
    let dates: std::collections::BTreeSet<NaiveDate> = future.iter().map(|d| d.date).collect();
    let captures: u64 = future.iter().map(|d| u64::from(d.captures)).sum();
    Some(
        Finding::new(
            FindingKind::FutureDated,
            Severity::Abnormal,
            dates.len() as f64,
            0.0,
            BaselineSource::None,
        )
        .with_days(first, last)
        .with_sample(captures),
    )
}

fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// `d` minus `n` days, or the earliest date.
pub(super) fn days_before(d: NaiveDate, n: u32) -> NaiveDate {
    d.checked_sub_days(Days::new(u64::from(n)))
        .unwrap_or(NaiveDate::MIN)
}
