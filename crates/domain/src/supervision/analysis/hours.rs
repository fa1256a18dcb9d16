//! SUP-02: hour seasonality. The period's captures by hour of the day against the same weeks
//! the volume baseline uses. The figure is the share of captures that moved to other hours
//! (the total variation distance between the two profiles); it counts when it passes the
//! configured share and counting noise (its mean plus `noise_sigmas` standard deviations for
//! two samples of these sizes with no change at all).

use super::finding::percent;
use super::*;

pub(super) fn finding(s: &Series, t: &Thresholds) -> Option<Finding> {
    let usable = |d: &NaiveDate| !s.special.contains(d);
    let period = profile(s, s.period_days().filter(usable));
    let from = s.before_period(t.baseline_weeks.saturating_mul(7));
    let history_days = from
        .iter_days()
        .take_while(|d| *d < s.period.first)
        .filter(usable);
    let history = profile(s, history_days);
    let (n1, n2) = (total(&period), total(&history));
    let min = u64::from(t.hour_min_captures.max(1));
    if n1 < min || n2 < min {
        return None;
    }
    let share = |p: &[u64; 24], h: usize, n: u64| percent(p[h], n).unwrap_or(0.0);
    let mut moved = 0.0;
    let mut null_mean = 0.0;
    let mut null_var = 0.0;
    let mut worst = (0usize, 0.0f64);
    for h in 0..24 {
        let diff = share(&period, h, n1) - share(&history, h, n2);
        moved += diff.abs() / 2.0;
        if diff.abs() > worst.1.abs() {
            worst = (h, diff);
        }
        // Under no change both shares estimate the pooled one; |difference| is half-normal.
        let pooled = (period[h] + history[h]) as f64 / (n1 + n2) as f64;
        let var = pooled * (1.0 - pooled) * (1.0 / n1 as f64 + 1.0 / n2 as f64) * 10_000.0;
        null_mean += var.sqrt() * (2.0 / std::f64::consts::PI).sqrt() / 2.0;
        null_var += var * (1.0 - 2.0 / std::f64::consts::PI) / 4.0;
    }
    let noise = null_mean + t.noise_sigmas.max(0.0) * null_var.sqrt();
    // A clock set wrong moves the whole day by its error: one hour on a two-peak day moves
    // only about 14% of captures, under the general threshold. So a change that the history
    // rolled by one or two hours explains (leaves a third of it or less) counts from half
    // the threshold; a change of shape that no roll explains must reach the threshold.
    let bar = if rolled_fits(&period, n1, &history, n2, moved) {
        f64::from(t.hour_shift_percent) / 2.0
    } else {
        f64::from(t.hour_shift_percent)
    };
    if moved < bar || moved < noise {
        return None;
    }
    let severity = if moved >= f64::from(t.hour_shift_serious_percent) {
        Severity::Serious
    } else {
        Severity::Abnormal
    };
    let mut f = Finding::new(
        FindingKind::HourShift,
        severity,
        moved,
        f64::from(t.hour_shift_percent),
        BaselineSource::Ceiling,
    )
    .with_sample(n1);
    let h = worst.0;
    f.history_weeks = Some(t.baseline_weeks);
    f.hour = u8::try_from(h).ok();
    f.hour_share_percent = Some(finding::round1(share(&period, h, n1)));
    f.hour_baseline_share_percent = Some(finding::round1(share(&history, h, n2)));
    Some(f)
}

/// Whether the history moved one or two hours earlier or later matches the period's profile
/// far better than as it was: the share still moved is at most a third of `moved`.
fn rolled_fits(period: &[u64; 24], n1: u64, history: &[u64; 24], n2: u64, moved: f64) -> bool {
    [1usize, 2, 22, 23].iter().any(|&k| {
        let rolled: f64 = (0..24)
            .map(|h| {
                let now = percent(period[h], n1).unwrap_or(0.0);
                let then = percent(history[(h + k) % 24], n2).unwrap_or(0.0);
                (now - then).abs() / 2.0
            })
            .sum();
        rolled * 3.0 <= moved
    })
}

/// Captures per hour over `days`, from the days that have hours.
fn profile(s: &Series, days: impl Iterator<Item = NaiveDate>) -> [u64; 24] {
    let mut sum = [0u64; 24];
    for d in days {
        if let Some(hours) = s.by_date.get(&d).and_then(|x| x.captures_by_hour) {
            for (acc, n) in sum.iter_mut().zip(hours) {
                *acc += u64::from(n);
            }
        }
    }
    sum
}

fn total(p: &[u64; 24]) -> u64 {
    p.iter().sum()
}
