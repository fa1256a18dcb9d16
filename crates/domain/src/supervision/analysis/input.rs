//! SUP-02: what the store hands the analysis: one device's figures per local day, and the
//! period to analyse.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::capture::review::RejectReason;
use crate::FieldError;

/// Rejected captures per REV-03 reason.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReasonCounts(pub [u32; REASONS]);

/// One count per REV-03 reason, in the order of `RejectReason::ALL`.
pub const REASONS: usize = RejectReason::ALL.len();

impl ReasonCounts {
    fn slot(reason: RejectReason) -> usize {
        usize::from(reason.item())
            .saturating_sub(1)
            .min(REASONS - 1)
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

    pub(super) fn merge(&mut self, other: &ReasonCounts) {
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
    /// Captures per local hour of the day (0..=23), when the store has them; hour seasonality
    /// is compared only over days that have them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub captures_by_hour: Option<[u32; 24]>,
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
            captures_by_hour: None,
            heartbeat_gap_hours: 0,
        }
    }

    /// Two rows for the same day add up (counts) or keep the worst (drift, gaps).
    pub(super) fn merge(&mut self, o: &DayFigures) {
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
        if let Some(theirs) = o.captures_by_hour {
            let mine = self.captures_by_hour.get_or_insert([0; 24]);
            for (m, t) in mine.iter_mut().zip(theirs) {
                *m = m.saturating_add(t);
            }
        }
    }
}

/// The days analysed: a calendar month by default (SUP-02), any span on demand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub(super) first: NaiveDate,
    pub(super) last: NaiveDate,
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
