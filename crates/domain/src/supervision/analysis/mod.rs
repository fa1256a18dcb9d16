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
use serde::Serialize;

use crate::calendar::Calendar;

mod finding;
mod hours;
mod input;
mod rates;
mod thresholds;
mod volume;

pub use finding::{BaselineSource, FigureUnit, Finding, FindingKind, Severity};
pub use input::{DayFigures, Period, ReasonCounts};
pub use thresholds::Thresholds;

#[cfg(test)]
mod planted;
pub mod simulated;
#[cfg(test)]
mod tests;

/// The most history `analyse` reads before the period (about three years).
pub const MAX_HISTORY_DAYS: u32 = 1100;

/// What the analysis of one device found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Analysis {
    pub period: Period,
    /// The last day of the period that was looked at: its last day, or yesterday while the
    /// period is running (today's figures are not complete). None before the period began.
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
    /// The last complete day of the period (before today).
    pub to: NaiveDate,
    /// The oldest day read: every window looking back stops here.
    pub oldest: NaiveDate,
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

    /// `n` days before the period, but not before the oldest day read.
    pub fn before_period(&self, n: u32) -> NaiveDate {
        days_before(self.period.first, n).max(self.oldest)
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
/// days without a row count as days without captures. Today is not complete, so a running
/// period is analysed to yesterday. Rows dated after `today` are ignored and reported
/// (`FutureDated`): a device clock running ahead. `calendar` names the holidays and make-up
/// working days, which volume comparisons leave out. At most `MAX_HISTORY_DAYS` before the
/// period are read, whatever the configuration says.
pub fn analyse(
    days: &[DayFigures],
    period: Period,
    today: NaiveDate,
    calendar: &Calendar,
    t: &Thresholds,
) -> Analysis {
    let oldest = days_before(period.first, t.max_history_days.min(MAX_HISTORY_DAYS));
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
    let to = period.last.min(today.pred_opt().unwrap_or(today));
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
        oldest,
        history_since,
        special,
    };
    findings.extend(volume::findings(&d, t));
    findings.extend(hours::finding(&d, t));
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
    let dates: BTreeSet<NaiveDate> = future.iter().map(|d| d.date).collect();
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
