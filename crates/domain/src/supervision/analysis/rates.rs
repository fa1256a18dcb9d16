//! SUP-02: enforcement results, complaints and the device's health.
//!
//! Rates are compared with the device's own history (`rate_history_days` before the period)
//! and with an absolute ceiling; counts and health figures (drift, heartbeat) with their
//! ceilings. A share of fewer than the configured minimum cases says nothing.

use chrono::NaiveDate;

use super::finding::percent;
use super::*;

pub(super) fn findings(s: &Series, t: &Thresholds) -> Vec<Finding> {
    let now = s.total(s.period.first(), next_day(s.to));
    let history_from = s.before_period(t.rate_history_days);
    let past = s.total(history_from, s.period.first());
    let history_days = s
        .history_since
        .map(|since| (s.period.first() - since.max(history_from)).num_days() as u32);
    let mut out = Vec::new();
    match rejection_rise(&now, &past, history_days, t) {
        Some(f) => out.push(f),
        None => out.extend(rejection_drift(s, &now, t)),
    }
    out.extend(rejection_high(&now, t));
    out.extend(disagreement(&now, t));
    out.extend(objections_upheld(&now, &past, history_days, t));
    out.extend(count_at_ceiling(
        FindingKind::Complaints,
        u64::from(now.complaints),
        None,
        (t.complaints_ceiling, t.complaints_serious),
    ));
    out.extend(share_of_captures(
        FindingKind::LateUploads,
        now.late_uploads,
        &now,
        (t.late_upload_ceiling_percent, t.late_upload_serious_percent),
        t,
    ));
    out.extend(share_of_captures(
        FindingKind::Unidentifiable,
        now.unidentifiable,
        &now,
        (
            t.unidentifiable_ceiling_percent,
            t.unidentifiable_serious_percent,
        ),
        t,
    ));
    out.extend(clock_drift(s, t));
    out.extend(heartbeat_gap(s, t));
    out
}

fn next_day(d: NaiveDate) -> NaiveDate {
    d.succ_opt().unwrap_or(d)
}

fn reviewed(d: &DayFigures) -> u64 {
    u64::from(d.approved) + d.rejected.total()
}

fn severity(figure: f64, serious_at: u32) -> Severity {
    if figure >= f64::from(serious_at) {
        Severity::Serious
    } else {
        Severity::Abnormal
    }
}

/// A share above its ceiling by more than sampling noise: `ceiling_sigmas` standard errors of
/// a share at the ceiling, so a device with few cases is not flagged by chance.
fn above_ceiling(p: f64, n: u64, ceiling: u32, t: &Thresholds) -> bool {
    let c = f64::from(ceiling.min(100)) / 100.0;
    let se = (c * (1.0 - c) / n.max(1) as f64).sqrt() * 100.0;
    p >= f64::from(ceiling) && p - f64::from(ceiling) >= t.ceiling_sigmas.max(0.0) * se
}

fn with_reason(mut f: Finding, rejected: &ReasonCounts) -> Finding {
    if let Some((reason, n)) = rejected.dominant() {
        f.reason = Some(reason);
        f.reason_share_percent = percent(u64::from(n), rejected.total()).map(finding::round1);
    }
    f
}

/// The rejection rate rose by `rejection_rise_points` against the device's own history, and by
/// more than counting noise (a two-proportion test at `noise_sigmas`).
fn rejection_rise(
    now: &DayFigures,
    past: &DayFigures,
    history_days: Option<u32>,
    t: &Thresholds,
) -> Option<Finding> {
    rate_rise(
        now,
        past,
        (FindingKind::RejectionRateRise, BaselineSource::OwnHistory),
        (history_days, t.rejection_rise_points),
        t,
    )
}

/// A slow drift: a rise that the whole history window hides because the window has drifted
/// too, seen against the window's first `DRIFT_BASE_DAYS` days. Only for a device with figures
/// over the whole window.
fn rejection_drift(s: &Series, now: &DayFigures, t: &Thresholds) -> Option<Finding> {
    let from = s.before_period(t.rate_history_days);
    if s.history_since? > from || t.rate_history_days < 2 * DRIFT_BASE_DAYS {
        return None;
    }
    let start = s.total(from, from + chrono::Days::new(u64::from(DRIFT_BASE_DAYS)));
    rate_rise(
        now,
        &start,
        (
            FindingKind::RejectionRateDrift,
            BaselineSource::OwnHistoryStart,
        ),
        (Some(t.rate_history_days), t.rejection_drift_points),
        t,
    )
}

/// How many days at the start of the history window a drift is measured from.
const DRIFT_BASE_DAYS: u32 = 30;

fn rate_rise(
    now: &DayFigures,
    past: &DayFigures,
    (kind, source): (FindingKind, BaselineSource),
    (history_days, points): (Option<u32>, u32),
    t: &Thresholds,
) -> Option<Finding> {
    let (n1, n2) = (reviewed(now), reviewed(past));
    let min = u64::from(t.min_reviewed.max(1));
    if n1 < min || n2 < min {
        return None;
    }
    let (r1, r2) = (now.rejected.total(), past.rejected.total());
    let p1 = percent(r1, n1)?;
    let p2 = percent(r2, n2)?;
    let pooled = (r1 + r2) as f64 / (n1 + n2) as f64;
    let se = (pooled * (1.0 - pooled) * (1.0 / n1 as f64 + 1.0 / n2 as f64)).sqrt() * 100.0;
    let rise = p1 - p2;
    if rise < f64::from(points) || rise < t.noise_sigmas.max(0.0) * se {
        return None;
    }
    let mut f = Finding::new(
        kind,
        severity(p1, t.rejection_serious_percent),
        p1,
        p2,
        source,
    )
    .with_change(p1, p2)
    .with_sample(n1);
    f.history_days = history_days;
    Some(with_reason(f, &now.rejected))
}

fn rejection_high(now: &DayFigures, t: &Thresholds) -> Option<Finding> {
    let n = reviewed(now);
    if n < u64::from(t.min_reviewed.max(1)) {
        return None;
    }
    let p = percent(now.rejected.total(), n)?;
    if !above_ceiling(p, n, t.rejection_ceiling_percent, t) {
        return None;
    }
    let f = Finding::new(
        FindingKind::RejectionRateHigh,
        severity(p, t.rejection_serious_percent),
        p,
        f64::from(t.rejection_ceiling_percent),
        BaselineSource::Ceiling,
    )
    .with_sample(n);
    Some(with_reason(f, &now.rejected))
}

fn disagreement(now: &DayFigures, t: &Thresholds) -> Option<Finding> {
    let n = u64::from(now.second_reviews);
    if n < u64::from(t.min_second_reviews.max(1)) {
        return None;
    }
    let p = percent(
        u64::from(now.second_review_disagreements.min(now.second_reviews)),
        n,
    )?;
    if !above_ceiling(p, n, t.disagreement_ceiling_percent, t) {
        return None;
    }
    Some(
        Finding::new(
            FindingKind::SecondReviewDisagreement,
            severity(p, t.disagreement_serious_percent),
            p,
            f64::from(t.disagreement_ceiling_percent),
            BaselineSource::Ceiling,
        )
        .with_sample(n),
    )
}

/// Objections upheld: at least `upheld_min`, and, with a history, at least `upheld_rise_factor`
/// times (and more than noise above) what the history's rate per approved capture predicts.
fn objections_upheld(
    now: &DayFigures,
    past: &DayFigures,
    history_days: Option<u32>,
    t: &Thresholds,
) -> Option<Finding> {
    let upheld = f64::from(now.objections_upheld);
    if now.objections_upheld < t.upheld_min.max(1) {
        return None;
    }
    let sev = severity(upheld, t.upheld_serious);
    let f = if past.approved > 0 && history_days.is_some() {
        let expected =
            f64::from(past.objections_upheld) / f64::from(past.approved) * f64::from(now.approved);
        let factor = f64::from(t.upheld_rise_factor.max(1));
        // Upheld objections are rare: the Poisson tail, not a normal approximation, says
        // whether this many could be chance (a history that saw few counts as at least one
        // half, so one lucky quiet history does not make every objection look abnormal).
        let chance = poisson_tail(now.objections_upheld, expected.max(0.5));
        // A NaN p-value in the configuration flags nothing.
        let unlikely = chance.partial_cmp(&t.rare_count_p_value) == Some(std::cmp::Ordering::Less);
        if upheld < factor * expected || !unlikely {
            return None;
        }
        let mut f = Finding::new(
            FindingKind::ObjectionsUpheld,
            sev,
            upheld,
            expected,
            BaselineSource::OwnHistory,
        )
        .with_change(upheld, expected);
        f.history_days = history_days;
        f
    } else {
        Finding::new(
            FindingKind::ObjectionsUpheld,
            sev,
            upheld,
            f64::from(t.upheld_min),
            BaselineSource::Ceiling,
        )
    };
    Some(f.with_sample(u64::from(now.objections_filed)))
}

/// P(X ≥ k) for X ~ Poisson(mean), mean > 0: the terms from k on, summed until they no longer
/// matter. Computed in logarithms so large counts neither overflow nor underflow to NaN.
pub(super) fn poisson_tail(k: u32, mean: f64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if !mean.is_finite() || mean <= 0.0 {
        return 0.0;
    }
    if f64::from(k) <= mean {
        // At or below the mean the tail is large; its exact size does not matter here.
        return 1.0;
    }
    let ln_k_factorial = ln_factorial(k);
    let mut term = (-mean + f64::from(k) * mean.ln() - ln_k_factorial).exp();
    let mut sum = 0.0;
    let mut i = f64::from(k);
    // Past the mean each term is smaller than the last; 10 000 terms is far past any need.
    for _ in 0..10_000 {
        sum += term;
        i += 1.0;
        term *= mean / i;
        if term <= sum * 1e-12 {
            break;
        }
    }
    sum.min(1.0)
}

/// ln(k!): summed for small k, Stirling's series beyond (exact to far below 1e-9 there).
fn ln_factorial(k: u32) -> f64 {
    if k <= 256 {
        return (2..=k).map(|i| f64::from(i).ln()).sum();
    }
    let k = f64::from(k);
    k * k.ln() - k + 0.5 * (2.0 * std::f64::consts::PI * k).ln() + 1.0 / (12.0 * k)
}

/// A count at or above its ceiling.
fn count_at_ceiling(
    kind: FindingKind,
    count: u64,
    sample: Option<u64>,
    (ceiling, serious): (u32, u32),
) -> Option<Finding> {
    if count < u64::from(ceiling.max(1)) {
        return None;
    }
    let mut f = Finding::new(
        kind,
        severity(count as f64, serious),
        count as f64,
        f64::from(ceiling),
        BaselineSource::Ceiling,
    );
    f.sample = sample;
    Some(f)
}

/// A share of the period's captures at or above its ceiling.
fn share_of_captures(
    kind: FindingKind,
    part: u32,
    now: &DayFigures,
    (ceiling, serious): (u32, u32),
    t: &Thresholds,
) -> Option<Finding> {
    let n = u64::from(now.captures);
    if n < u64::from(t.min_captures_for_shares.max(1)) {
        return None;
    }
    let p = percent(u64::from(part).min(n), n)?;
    if !above_ceiling(p, n, ceiling, t) {
        return None;
    }
    Some(
        Finding::new(
            kind,
            severity(p, serious),
            p,
            f64::from(ceiling),
            BaselineSource::Ceiling,
        )
        .with_sample(n),
    )
}

/// The day the device clock was furthest off, if beyond the ceiling. The figure keeps its sign
/// (positive: the device runs ahead).
fn clock_drift(s: &Series, t: &Thresholds) -> Option<Finding> {
    let worst = s
        .period_days()
        .map(|d| s.get(d))
        .max_by_key(|d| d.clock_drift_seconds.unsigned_abs())?;
    let off = worst.clock_drift_seconds.unsigned_abs();
    if off < u64::from(t.clock_drift_seconds.max(1)) {
        return None;
    }
    let sev = if off >= u64::from(t.clock_drift_serious_seconds) {
        Severity::Serious
    } else {
        Severity::Abnormal
    };
    Some(
        Finding::new(
            FindingKind::ClockDrift,
            sev,
            worst.clock_drift_seconds as f64,
            f64::from(t.clock_drift_seconds),
            BaselineSource::Ceiling,
        )
        .with_days(worst.date, worst.date),
    )
}

fn heartbeat_gap(s: &Series, t: &Thresholds) -> Option<Finding> {
    let worst = s
        .period_days()
        .map(|d| s.get(d))
        .max_by_key(|d| d.heartbeat_gap_hours)?;
    let f = count_at_ceiling(
        FindingKind::HeartbeatGap,
        u64::from(worst.heartbeat_gap_hours),
        None,
        (t.heartbeat_gap_hours, t.heartbeat_gap_serious_hours),
    )?;
    Some(f.with_days(worst.date, worst.date))
}
