//! SUP-02: a simulated year of one device's traffic, with or without a planted fault: the
//! issue's evaluation data. The planted-fault tests (`planted.rs`) analyse it in memory; the
//! year-scale benchmark (`bench-captures --only analysis`) writes it to a database as
//! captures and analyses it there. Deterministic: the same seed gives the same year.

use chrono::{Datelike, NaiveDate, Weekday};

use super::{DayFigures, FindingKind};
use crate::capture::review::RejectReason;

/// xorshift64: deterministic, so a test or a benchmark gives the same figures every run.
pub struct Rng(pub u64);

impl Rng {
    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }

    fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform().max(1e-12), self.uniform());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }

    fn poisson(&mut self, mean: f64) -> u32 {
        if mean > 30.0 {
            return (mean + mean.sqrt() * self.normal()).round().max(0.0) as u32;
        }
        let limit = (-mean).exp();
        let (mut k, mut p) = (0, 1.0);
        loop {
            p *= self.uniform();
            if p <= limit {
                return k;
            }
            k += 1;
        }
    }

    fn binomial(&mut self, n: u32, p: f64) -> u32 {
        if n < 50 {
            return (0..n).filter(|_| self.uniform() < p).count() as u32;
        }
        let m = f64::from(n) * p;
        (m + (m * (1.0 - p)).sqrt() * self.normal())
            .round()
            .clamp(0.0, f64::from(n)) as u32
    }
}

/// The faults the issue asks to plant, and none.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Fault {
    None,
    /// Volume falls by 79% from the fault's start.
    VolumeDrop79,
    /// Rejections drift up two points a month from the fourth month.
    RejectionDrift,
    /// The camera's clock runs ten minutes fast.
    ClockTenMinutesFast,
    /// Silent for two days, early in the fault's month.
    SilentTwoDays,
    /// Volume 2.5× from mid-month (a signal retiming).
    SpikeAfterRetiming,
    /// Upheld objections rise from 20% to 80%.
    UpheldObjectionsRise,
    /// The camera's clock an hour behind: the day's shape shifts.
    ClockAnHourBehind,
}

impl Fault {
    /// Every planted fault (not `None`).
    pub const PLANTED: [Fault; 7] = [
        Fault::VolumeDrop79,
        Fault::RejectionDrift,
        Fault::ClockTenMinutesFast,
        Fault::SilentTwoDays,
        Fault::SpikeAfterRetiming,
        Fault::UpheldObjectionsRise,
        Fault::ClockAnHourBehind,
    ];
}

/// Captures per weekday of the simulated device classes, quietest first.
pub const CLASSES: [f64; 6] = [2.0, 5.0, 10.0, 30.0, 100.0, 400.0];

/// Each planted fault, the finding that must name it, and the quietest class (an index into
/// `CLASSES`) on which it shows above counting noise: on quieter devices it may go unseen.
pub const EXPECTED: [(Fault, FindingKind, usize); 7] = [
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

/// The share of a day's captures in each hour: quiet nights, morning and evening peaks.
fn hour_weight(h: usize) -> f64 {
    match h {
        7 | 8 | 17 | 18 => 7.0,
        6..=21 => 3.0,
        _ => 1.0,
    }
}

/// One device of the simulation: its typical captures on a weekday, and its fault, which
/// starts on `fault_from` (the spike half a month later; the rejection drift builds from the
/// year's fourth month).
#[derive(Clone, Copy, Debug)]
pub struct Device {
    pub weekday_captures: f64,
    pub fault: Fault,
    pub fault_from: NaiveDate,
}

/// `days` days of `device` from `first` (its local days).
pub fn year(rng: &mut Rng, device: Device, first: NaiveDate, days: usize) -> Vec<DayFigures> {
    let weekday_mean = device.weekday_captures * (0.7 + 0.6 * rng.uniform());
    let weekend = 0.4 + 0.8 * rng.uniform();
    let rejection = 0.03 + 0.17 * rng.uniform();
    let fault = device.fault;
    let from = device.fault_from;
    let mut out = Vec::with_capacity(days);
    for date in first.iter_days().take(days) {
        let faulty = date >= from;
        let silent_days = [from + chrono::Days::new(7), from + chrono::Days::new(8)];
        if fault == Fault::SilentTwoDays && silent_days.contains(&date) {
            let mut x = DayFigures::empty(date);
            x.heartbeat_gap_hours = if date == silent_days[1] { 48 } else { 24 };
            out.push(x);
            continue;
        }
        let is_weekend = matches!(date.weekday(), Weekday::Sat | Weekday::Sun);
        let mut mean = weekday_mean
            * if is_weekend { weekend } else { 1.0 }
            * (1.0 + 0.1 * rng.normal()).max(0.1);
        match fault {
            Fault::VolumeDrop79 if faulty => mean *= 0.21,
            Fault::SpikeAfterRetiming if date >= from + chrono::Days::new(15) => mean *= 2.5,
            _ => {}
        }
        let months_in = (f64::from(date.ordinal()) / 30.0 - 3.0).max(0.0);
        let rejection = match fault {
            Fault::RejectionDrift => (rejection + 0.02 * months_in).min(0.9),
            _ => rejection,
        };
        let mut x = DayFigures::empty(date);
        let behind = usize::from(fault == Fault::ClockAnHourBehind && faulty);
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
        let upheld = if fault == Fault::UpheldObjectionsRise && faulty {
            0.8
        } else {
            0.2
        };
        x.objections_upheld = rng.binomial(x.objections_filed, upheld);
        x.complaints = rng.poisson(0.003);
        x.late_uploads = rng.binomial(x.captures, 0.01);
        x.unidentifiable = rng.binomial(x.captures, 0.05);
        x.clock_drift_seconds = (5.0 * rng.normal()) as i64;
        if fault == Fault::ClockTenMinutesFast && faulty {
            x.clock_drift_seconds += 600;
        }
        x.heartbeat_gap_hours = (rng.uniform() * 3.0) as u32;
        out.push(x);
    }
    out
}
