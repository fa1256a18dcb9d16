//! SUP-02: a year of simulated traffic with planted faults, the evaluation in small.
//! Clean devices must raise (almost) no findings, planted faults must be found on every device
//! busy enough for the fault to show above counting noise.

use chrono::{Datelike, NaiveDate, Weekday};

use super::*;
use crate::capture::review::RejectReason;

/// xorshift64: deterministic, so the test gives the same figures every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }

    fn normal(&mut self) -> f64 {
        let (u, v) = (self.next().max(1e-12), self.next());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }

    fn poisson(&mut self, mean: f64) -> u32 {
        if mean > 30.0 {
            return (mean + mean.sqrt() * self.normal()).round().max(0.0) as u32;
        }
        let limit = (-mean).exp();
        let (mut k, mut p) = (0, 1.0);
        loop {
            p *= self.next();
            if p <= limit {
                return k;
            }
            k += 1;
        }
    }

    fn binomial(&mut self, n: u32, p: f64) -> u32 {
        if n < 50 {
            return (0..n).filter(|_| self.next() < p).count() as u32;
        }
        let m = f64::from(n) * p;
        (m + (m * (1.0 - p)).sqrt() * self.normal())
            .round()
            .clamp(0.0, f64::from(n)) as u32
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Fault {
    None,
    VolumeDrop79,
    RejectionDrift,
    ClockTenMinutesFast,
    SilentTwoDays,
    SpikeAfterRetiming,
    UpheldObjectionsRise,
    ClockAnHourBehind,
}

/// The share of a day's captures in each hour: quiet nights, morning and evening peaks.
fn hour_weight(h: usize) -> f64 {
    match h {
        7 | 8 | 17 | 18 => 7.0,
        6..=21 => 3.0,
        _ => 1.0,
    }
}

fn d(m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, m, day).unwrap()
}

/// Captures per weekday of the simulated device classes.
const CLASSES: [f64; 6] = [2.0, 5.0, 10.0, 30.0, 100.0, 400.0];

/// A year of one device; faults start in October (the spike from mid-October, the drift of two
/// points of rejections a month from April).
fn year(rng: &mut Rng, class: usize, fault: Fault) -> Vec<DayFigures> {
    let weekday_mean = CLASSES[class] * (0.7 + 0.6 * rng.next());
    let weekend = 0.4 + 0.8 * rng.next();
    let rejection = 0.03 + 0.17 * rng.next();
    let mut days = Vec::new();
    for date in d(1, 1).iter_days().take(365) {
        let october = date >= d(10, 1);
        if fault == Fault::SilentTwoDays && (date == d(10, 8) || date == d(10, 9)) {
            let mut x = DayFigures::empty(date);
            x.heartbeat_gap_hours = if date == d(10, 9) { 48 } else { 24 };
            days.push(x);
            continue;
        }
        let is_weekend = matches!(date.weekday(), Weekday::Sat | Weekday::Sun);
        let mut mean = weekday_mean
            * if is_weekend { weekend } else { 1.0 }
            * (1.0 + 0.1 * rng.normal()).max(0.1);
        match fault {
            Fault::VolumeDrop79 if october => mean *= 0.21,
            Fault::SpikeAfterRetiming if date >= d(10, 16) => mean *= 2.5,
            _ => {}
        }
        let months_since_april = (f64::from(date.ordinal()) / 30.0 - 3.0).max(0.0);
        let rejection = match fault {
            Fault::RejectionDrift => (rejection + 0.02 * months_since_april).min(0.9),
            _ => rejection,
        };
        let mut x = DayFigures::empty(date);
        let behind = usize::from(fault == Fault::ClockAnHourBehind && october);
        let weights: f64 = (0..24).map(hour_weight).sum();
        let mut hours = [0u32; 24];
        for (h, slot) in hours.iter_mut().enumerate() {
            *slot = rng.poisson(mean * hour_weight((h + behind) % 24) / weights);
        }
        x.captures = hours.iter().sum();
        x.captures_by_hour = Some(hours);
        let rejected = rng.binomial(x.captures, rejection);
        x.approved = x.captures - rejected;
        x.rejected.add(RejectReason::EvidenceInsufficient, rejected);
        x.second_reviews = rng.binomial(x.captures, 0.05);
        x.second_review_disagreements = rng.binomial(x.second_reviews, 0.03);
        x.objections_filed = rng.binomial(x.approved, 0.01);
        let upheld = if fault == Fault::UpheldObjectionsRise && october {
            0.8
        } else {
            0.2
        };
        x.objections_upheld = rng.binomial(x.objections_filed, upheld);
        x.complaints = rng.poisson(0.003);
        x.late_uploads = rng.binomial(x.captures, 0.01);
        x.unidentifiable = rng.binomial(x.captures, 0.05);
        x.clock_drift_seconds = (5.0 * rng.normal()) as i64;
        if fault == Fault::ClockTenMinutesFast && october {
            x.clock_drift_seconds += 600;
        }
        x.heartbeat_gap_hours = (rng.next() * 3.0) as u32;
        days.push(x);
    }
    days
}

fn analysed(days: &[DayFigures], month: u32) -> Analysis {
    let period = Period::month(2025, month).unwrap();
    let today = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
    analyse(
        days,
        period,
        today,
        &Calendar::default(),
        &Thresholds::default(),
    )
}

#[test]
fn sup_02_clean_devices_raise_at_most_one_percent_false_alarms() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let (mut flagged, mut total) = (0, 0);
    for device in 0..120 {
        let days = year(&mut rng, device % CLASSES.len(), Fault::None);
        for month in 7..=12 {
            total += 1;
            if analysed(&days, month).is_abnormal() {
                flagged += 1;
            }
        }
    }
    assert!(
        flagged * 100 <= total,
        "{flagged} of {total} clean device-months flagged"
    );
}

#[test]
fn sup_02_planted_faults_are_found_on_devices_busy_enough_to_show_them() {
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let expected = [
        (Fault::VolumeDrop79, FindingKind::VolumeDrop, 1),
        (Fault::RejectionDrift, FindingKind::RejectionRateDrift, 4),
        (Fault::ClockTenMinutesFast, FindingKind::ClockDrift, 0),
        (Fault::SilentTwoDays, FindingKind::HeartbeatGap, 0),
        (Fault::SpikeAfterRetiming, FindingKind::VolumeRise, 2),
        (
            Fault::UpheldObjectionsRise,
            FindingKind::ObjectionsUpheld,
            4,
        ),
        (Fault::ClockAnHourBehind, FindingKind::HourShift, 3),
    ];
    for (fault, kind, from_class) in expected {
        for device in 0..24 {
            let class = device % CLASSES.len();
            let a = analysed(&year(&mut rng, class, fault), 10);
            if class >= from_class {
                assert!(
                    a.findings.iter().any(|f| f.kind == kind),
                    "{fault:?} missed on a device of class {class}: {:?}",
                    a.findings
                );
            }
        }
    }
}
