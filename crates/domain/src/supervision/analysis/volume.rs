//! SUP-02: capture volume against the median of the same weekday over the last weeks.
//!
//! Three views of the period, the first that is abnormal wins for each direction: the whole
//! period, its last days (a fall that began late in the month), and each weekday on its own
//! (one day of the week gone quiet). A change counts only when it is both large in percent and
//! larger than counting noise (√expected times `noise_sigmas`), so a device with a handful of
//! captures a day does not raise alarms by chance.

use chrono::{Datelike, NaiveDate, Weekday};

use super::finding::change_percent;
use super::*;

/// The median of each weekday (Monday first) over the weeks before the period.
///
/// The median is what a finding reports ("the median of the last 8 Tuesdays"); the mean is a
/// second opinion a change must also pass, because the median of small counts is coarse (the
/// median of 0, 0, 1, 1, 2 is 1, not 0.8) and would otherwise raise alarms on quiet devices.
struct Baseline {
    median: [f64; 7],
    mean: [f64; 7],
    /// The fewest weeks any weekday's median was taken over.
    weeks: u32,
}

impl Baseline {
    fn of(&self, d: NaiveDate) -> f64 {
        self.median[slot(d.weekday())]
    }

    fn expected(&self, days: &[NaiveDate]) -> f64 {
        days.iter().map(|d| self.of(*d)).sum()
    }

    fn mean_of(&self, d: NaiveDate) -> f64 {
        self.mean[slot(d.weekday())]
    }

    fn mean_expected(&self, days: &[NaiveDate]) -> f64 {
        days.iter().map(|d| self.mean_of(*d)).sum()
    }
}

fn slot(w: Weekday) -> usize {
    w.num_days_from_monday() as usize
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    Drop,
    Rise,
}

pub(super) fn findings(s: &Series, t: &Thresholds) -> Vec<Finding> {
    let days: Vec<NaiveDate> = s.period_days().collect();
    let (Some(&first), Some(&last)) = (days.first(), days.last()) else {
        return Vec::new();
    };
    let actual: u64 = days.iter().map(|d| u64::from(s.get(*d).captures)).sum();
    let baseline = baseline(s, t);
    if actual == 0 {
        // Nothing at all: with a history that expected captures this is serious; a device
        // with no history that captured nothing is abnormal on its own.
        let expected = baseline.as_ref().map_or(0.0, |b| b.expected(&days));
        let serious = expected >= f64::from(t.volume_min_expected);
        let mut f = Finding::new(
            FindingKind::NoCaptures,
            if serious {
                Severity::Serious
            } else {
                Severity::Abnormal
            },
            0.0,
            expected,
            if baseline.is_some() {
                BaselineSource::SameWeekdayMedian
            } else {
                BaselineSource::None
            },
        )
        .with_change(0.0, expected)
        .with_days(first, last);
        f.history_weeks = baseline.as_ref().map(|b| b.weeks);
        return vec![f];
    }
    let Some(b) = baseline else {
        return Vec::new();
    };
    let mut out = Vec::new();
    out.extend(silent_days(s, &days, &b, t));
    // Holidays and make-up working days are compared with nothing.
    let days: Vec<NaiveDate> = days
        .into_iter()
        .filter(|d| !s.special.contains(d))
        .collect();
    if days.is_empty() {
        return out;
    }
    let actual: u64 = days.iter().map(|d| u64::from(s.get(*d).captures)).sum();
    for dir in [Direction::Drop, Direction::Rise] {
        let found = whole(&days, actual, &b, dir, t)
            .or_else(|| trailing(s, &days, &b, dir, t))
            .or_else(|| weekday(s, &days, &b, dir, t));
        out.extend(found);
    }
    out
}

/// The median of each weekday over the `baseline_weeks` weeks before the period, counting a
/// day without a row as a day without captures, but only from the device's first figures on,
/// and leaving out holidays and make-up working days.
fn baseline(s: &Series, t: &Thresholds) -> Option<Baseline> {
    let since = s.history_since?;
    let mut values: [Vec<u32>; 7] = Default::default();
    for back in 1..=t.baseline_weeks.saturating_mul(7) {
        let d = days_before(s.period.first(), back);
        if d < since || d < s.oldest {
            break;
        }
        if s.special.contains(&d) {
            continue;
        }
        values[slot(d.weekday())].push(s.get(d).captures);
    }
    let weeks = values.iter().map(Vec::len).min().unwrap_or(0) as u32;
    if weeks == 0 || weeks < t.min_history_weeks {
        return None;
    }
    let mut median = [0.0; 7];
    let mut mean = [0.0; 7];
    for ((m, a), v) in median
        .iter_mut()
        .zip(mean.iter_mut())
        .zip(values.iter_mut())
    {
        // Never empty here: every weekday has at least `weeks` ≥ 1 values.
        *a = v.iter().map(|n| f64::from(*n)).sum::<f64>() / v.len().max(1) as f64;
        *m = median_of(v);
    }
    Some(Baseline {
        median,
        mean,
        weeks,
    })
}

/// The median of a non-empty list (the mean of the middle two for an even count); 0 if empty.
pub(super) fn median_of(v: &mut [u32]) -> f64 {
    v.sort_unstable();
    let n = v.len();
    match n {
        0 => 0.0,
        _ if n % 2 == 1 => f64::from(v[n / 2]),
        _ => (f64::from(v[n / 2 - 1]) + f64::from(v[n / 2])) / 2.0,
    }
}

/// Whether `actual` against `expected` is abnormal in `dir`, and how badly.
fn judge(actual: f64, expected: f64, dir: Direction, t: &Thresholds) -> Option<Severity> {
    if expected < f64::from(t.volume_min_expected.max(1)) {
        return None;
    }
    let change = (actual - expected) / expected * 100.0;
    // `max` also turns a NaN from the configuration into 0.
    let noise = t.noise_sigmas.max(0.0) * expected.sqrt();
    let (beyond, serious) = match dir {
        Direction::Drop => (
            change <= -f64::from(t.volume_drop_percent) && expected - actual >= noise,
            change <= -f64::from(t.volume_drop_serious_percent),
        ),
        Direction::Rise => (
            change >= f64::from(t.volume_rise_percent) && actual - expected >= noise,
            change >= f64::from(t.volume_rise_serious_percent),
        ),
    };
    beyond.then_some(if serious {
        Severity::Serious
    } else {
        Severity::Abnormal
    })
}

fn kind(dir: Direction) -> FindingKind {
    match dir {
        Direction::Drop => FindingKind::VolumeDrop,
        Direction::Rise => FindingKind::VolumeRise,
    }
}

fn volume_finding(
    dir: Direction,
    severity: Severity,
    actual: f64,
    expected: f64,
    b: &Baseline,
    span: (NaiveDate, NaiveDate),
) -> Finding {
    let mut f = Finding::new(
        kind(dir),
        severity,
        actual,
        expected,
        BaselineSource::SameWeekdayMedian,
    )
    .with_change(actual, expected)
    .with_days(span.0, span.1);
    f.history_weeks = Some(b.weeks);
    f
}

fn whole(
    days: &[NaiveDate],
    actual: u64,
    b: &Baseline,
    dir: Direction,
    t: &Thresholds,
) -> Option<Finding> {
    let expected = b.expected(days);
    let severity = judge(actual as f64, expected, dir, t)?;
    judge(actual as f64, b.mean_expected(days), dir, t)?;
    let span = (*days.first()?, *days.last()?);
    Some(volume_finding(
        dir,
        severity,
        actual as f64,
        expected,
        b,
        span,
    ))
}

fn trailing(
    s: &Series,
    days: &[NaiveDate],
    b: &Baseline,
    dir: Direction,
    t: &Thresholds,
) -> Option<Finding> {
    let n = t.trailing_days as usize;
    if n == 0 || days.len() <= n {
        return None;
    }
    let tail = &days[days.len() - n..];
    let actual: u64 = tail.iter().map(|d| u64::from(s.get(*d).captures)).sum();
    let expected = b.expected(tail);
    let severity = judge(actual as f64, expected, dir, t)?;
    judge(actual as f64, b.mean_expected(tail), dir, t)?;
    let span = (*tail.first()?, *tail.last()?);
    Some(volume_finding(
        dir,
        severity,
        actual as f64,
        expected,
        b,
        span,
    ))
}

/// The weekday whose median in the period is furthest from its usual median, if abnormal.
fn weekday(
    s: &Series,
    days: &[NaiveDate],
    b: &Baseline,
    dir: Direction,
    t: &Thresholds,
) -> Option<Finding> {
    let mut worst: Option<(f64, Finding)> = None;
    for w in 0..7u32 {
        let same: Vec<NaiveDate> = days
            .iter()
            .copied()
            .filter(|d| d.weekday().num_days_from_monday() == w)
            .collect();
        if same.len() < 3 {
            continue;
        }
        let mut counts: Vec<u32> = same.iter().map(|d| s.get(*d).captures).collect();
        let actual = median_of(&mut counts);
        let expected = b.of(same[0]);
        let Some(severity) = judge(actual, expected, dir, t) else {
            continue;
        };
        if judge(actual, b.mean_of(same[0]), dir, t).is_none() {
            continue;
        }
        let change = change_percent(actual, expected).unwrap_or(0.0).abs();
        if worst.as_ref().is_none_or(|(c, _)| change > *c) {
            let span = (same[0], same[same.len() - 1]);
            let mut f = volume_finding(dir, severity, actual, expected, b, span);
            f.weekday = Some(same[0].weekday());
            worst = Some((change, f));
        }
    }
    worst.map(|(_, f)| f)
}

/// The stretch of consecutive days without captures that should have had the most, if it is
/// long enough and those days usually have enough captures (`volume_min_expected`) that
/// silence is not chance: a device with one capture a day is often quiet for two days.
fn silent_days(s: &Series, days: &[NaiveDate], b: &Baseline, t: &Thresholds) -> Option<Finding> {
    let mut runs: Vec<Vec<NaiveDate>> = Vec::new();
    let mut run: Vec<NaiveDate> = Vec::new();
    for d in days {
        if s.get(*d).captures == 0 {
            run.push(*d);
        } else if !run.is_empty() {
            runs.push(std::mem::take(&mut run));
        }
    }
    if !run.is_empty() {
        runs.push(run);
    }
    let min_expected = f64::from(t.volume_min_expected.max(1));
    let (stretch, expected) = runs
        .into_iter()
        .filter(|r| r.len() >= t.silent_days.max(1) as usize)
        .map(|r| {
            let e = b.expected(&r);
            (r, e)
        })
        .filter(|(_, e)| *e >= min_expected)
        .max_by(|x, y| x.1.total_cmp(&y.1))?;
    let n = stretch.len() as u32;
    let mut f = Finding::new(
        FindingKind::SilentDays,
        if n >= t.silent_days_serious {
            Severity::Serious
        } else {
            Severity::Abnormal
        },
        f64::from(n),
        expected,
        BaselineSource::SameWeekdayMedian,
    )
    .with_days(*stretch.first()?, *stretch.last()?);
    f.history_weeks = Some(b.weeks);
    Some(f)
}
