use chrono::{Datelike, NaiveDate, Weekday};
use proptest::prelude::*;

use super::*;
use crate::calendar::DayKind;
use crate::capture::review::RejectReason;

mod rates;

pub(super) fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

pub(super) fn march() -> Period {
    Period::month(2026, 3).unwrap()
}

pub(super) fn today() -> NaiveDate {
    d(2026, 4, 2)
}

/// A clean day: 100 captures on weekdays, 40 at weekends, a little deterministic noise,
/// 90% approved, rejections spread over reasons.
pub(super) fn clean(date: NaiveDate) -> DayFigures {
    let weekend = matches!(date.weekday(), Weekday::Sat | Weekday::Sun);
    let noise = (date.ordinal() * 7 % 11) as i64 - 5;
    let captures = ((if weekend { 40 } else { 100 }) + noise) as u32;
    let mut day = DayFigures::empty(date);
    day.captures = captures;
    let rejected = captures / 10;
    day.approved = captures - rejected;
    day.rejected
        .add(RejectReason::EvidenceInsufficient, rejected / 2);
    day.rejected
        .add(RejectReason::VehicleUnidentifiable, rejected - rejected / 2);
    day.second_reviews = 5;
    day.objections_filed = u32::from(date.ordinal().is_multiple_of(10));
    day.objections_upheld = u32::from(date.ordinal().is_multiple_of(60));
    day.unidentifiable = captures / 20;
    day.clock_drift_seconds = 2;
    day.heartbeat_gap_hours = 1;
    day
}

/// Clean figures from `from` to the end of March, changed in March by `march`.
pub(super) fn device(
    from: NaiveDate,
    march_day: impl Fn(DayFigures) -> DayFigures,
) -> Vec<DayFigures> {
    from.iter_days()
        .take_while(|x| *x <= d(2026, 3, 31))
        .map(|x| {
            let day = clean(x);
            if march().contains(x) {
                march_day(day)
            } else {
                day
            }
        })
        .collect()
}

pub(super) fn history_and(march_day: impl Fn(DayFigures) -> DayFigures) -> Vec<DayFigures> {
    device(d(2025, 9, 1), march_day)
}

pub(super) fn run(days: &[DayFigures]) -> Analysis {
    analyse(
        days,
        march(),
        today(),
        &Calendar::default(),
        &Thresholds::default(),
    )
}

pub(super) fn kinds(a: &Analysis) -> Vec<FindingKind> {
    a.findings.iter().map(|f| f.kind).collect()
}

pub(super) fn only(a: &Analysis, kind: FindingKind) -> &Finding {
    let all: Vec<&Finding> = a.findings.iter().filter(|f| f.kind == kind).collect();
    assert_eq!(all.len(), 1, "{kind:?} in {:?}", kinds(a));
    all[0]
}

pub(super) fn scaled(mut day: DayFigures, percent: u32) -> DayFigures {
    day.captures = day.captures * percent / 100;
    day.approved = day.approved * percent / 100;
    let mut r = ReasonCounts::default();
    for reason in RejectReason::ALL {
        r.add(reason, day.rejected.get(reason) * percent / 100);
    }
    day.rejected = r;
    day.unidentifiable = day.unidentifiable * percent / 100;
    day
}

#[test]
fn sup_02_a_clean_device_has_no_findings() {
    let a = run(&history_and(|x| x));
    assert_eq!(kinds(&a), vec![]);
    assert!(!a.is_abnormal());
    assert_eq!(a.analysed_to, Some(d(2026, 3, 31)));
}

#[test]
fn sup_02_volume_drop_is_measured_against_the_median_of_the_same_weekdays() {
    let a = run(&history_and(|x| scaled(x, 21)));
    let f = only(&a, FindingKind::VolumeDrop);
    assert_eq!(f.baseline_source, BaselineSource::SameWeekdayMedian);
    assert_eq!(f.history_weeks, Some(8));
    assert_eq!(f.weekday, None);
    let change = f.change_percent.unwrap();
    assert!((-81.0..=-77.0).contains(&change), "{change}");
    assert_eq!(f.severity, Severity::Abnormal);
    assert_eq!(
        (f.first_day, f.last_day),
        (Some(d(2026, 3, 1)), Some(d(2026, 3, 31)))
    );
    assert!(a.is_abnormal() && !a.is_serious());
    let gone = run(&history_and(|x| scaled(x, 5)));
    assert_eq!(
        only(&gone, FindingKind::VolumeDrop).severity,
        Severity::Serious
    );
}

#[test]
fn sup_02_quiet_weekends_are_seasonality_not_a_drop() {
    // Weekends have 40 captures against weekdays' 100 every week: never a finding.
    let a = run(&history_and(|x| x));
    assert!(!kinds(&a).contains(&FindingKind::VolumeDrop));
    // A weekday as quiet as a weekend is.
    let a = run(&history_and(|mut x| {
        if x.date.weekday() == Weekday::Tue {
            x.captures = 20;
        }
        x
    }));
    let f = only(&a, FindingKind::VolumeDrop);
    assert_eq!(f.weekday, Some(Weekday::Tue));
    assert_eq!(f.figure, 20.0);
    assert!(f.baseline >= 95.0 && f.baseline <= 105.0, "{}", f.baseline);
}

#[test]
fn sup_02_a_drop_late_in_the_month_is_caught_on_the_last_days() {
    let a = run(&history_and(|x| {
        if x.date.day() >= 24 {
            scaled(x, 10)
        } else {
            x
        }
    }));
    let f = only(&a, FindingKind::VolumeDrop);
    assert_eq!(f.first_day, Some(d(2026, 3, 25)));
    assert_eq!(f.last_day, Some(d(2026, 3, 31)));
}

#[test]
fn sup_02_holidays_are_compared_with_nothing() {
    // A holiday week at the end of the month, quiet as holidays are: a drop on the last days
    // unless the calendar says they are holidays.
    let days = history_and(|x| if x.date.day() >= 25 { scaled(x, 30) } else { x });
    assert!(kinds(&run(&days)).contains(&FindingKind::VolumeDrop));
    let holidays = Calendar::new(
        d(2026, 3, 25)
            .iter_days()
            .take(7)
            .map(|x| (x, DayKind::Holiday)),
    );
    let a = analyse(&days, march(), today(), &holidays, &Thresholds::default());
    assert_eq!(kinds(&a), vec![]);
}

#[test]
fn sup_02_volume_rise_after_a_signal_retiming() {
    let a = run(&history_and(|x| scaled(x, 260)));
    let f = only(&a, FindingKind::VolumeRise);
    assert!(f.change_percent.unwrap() > 150.0);
    assert_eq!(f.severity, Severity::Abnormal);
}

#[test]
fn sup_02_silent_days_on_days_that_usually_capture() {
    let a = run(&history_and(|mut x| {
        if (10..=11).contains(&x.date.day()) {
            x.captures = 0;
        }
        x
    }));
    let f = only(&a, FindingKind::SilentDays);
    assert_eq!(f.figure, 2.0);
    assert_eq!(
        (f.first_day, f.last_day),
        (Some(d(2026, 3, 10)), Some(d(2026, 3, 11)))
    );
    assert!(f.baseline > 150.0);
    assert_eq!(f.severity, Severity::Abnormal);
}

#[test]
fn sup_02_a_month_with_no_captures() {
    let nothing = |x: DayFigures| DayFigures::empty(x.date);
    let a = run(&history_and(nothing));
    assert_eq!(kinds(&a), vec![FindingKind::NoCaptures]);
    let f = &a.findings[0];
    assert_eq!(f.severity, Severity::Serious);
    assert_eq!(f.change_percent, Some(-100.0));
    // No history either: abnormal, with nothing to compare with, and no rate divides by zero.
    let a = analyse(
        &[],
        march(),
        today(),
        &Calendar::default(),
        &Thresholds::default(),
    );
    assert_eq!(kinds(&a), vec![FindingKind::NoCaptures]);
    assert_eq!(a.findings[0].severity, Severity::Abnormal);
    assert_eq!(a.findings[0].baseline_source, BaselineSource::None);
    assert_eq!(a.findings[0].change_percent, None);
}

#[test]
fn sup_02_a_device_with_no_history_gets_only_absolute_findings() {
    // New in March, captures a fifth of what others do and rejects half: no volume finding
    // (nothing to compare with), but the ceiling on rejections applies.
    let days = device(d(2026, 3, 1), |x| {
        let mut x = scaled(x, 20);
        x.rejected = ReasonCounts::default();
        x.rejected
            .add(RejectReason::PassagePrevented, x.captures / 2);
        x.approved = x.captures - x.captures / 2;
        x
    });
    let a = run(&days);
    assert_eq!(kinds(&a), vec![FindingKind::RejectionRateHigh]);
    // A device with only three weeks of history is not compared either.
    let a = run(&device(d(2026, 2, 8), |x| scaled(x, 10)));
    assert!(
        !kinds(&a).contains(&FindingKind::VolumeDrop),
        "{:?}",
        kinds(&a)
    );
}

/// Spreads the day's captures over the hours: quiet nights, morning and evening peaks, the
/// whole profile turned `shift` hours later (a device clock set to the wrong hour).
fn with_hours(mut day: DayFigures, shift: usize) -> DayFigures {
    let weight = |h: usize| match h {
        7 | 8 | 17 | 18 => 7,
        6..=21 => 3,
        _ => 1,
    };
    let sum: u32 = (0..24).map(weight).sum();
    let mut hours = [0u32; 24];
    for (h, slot) in hours.iter_mut().enumerate() {
        *slot = day.captures * weight((h + 24 - shift) % 24) / sum;
    }
    hours[12] += day.captures - hours.iter().sum::<u32>();
    day.captures_by_hour = Some(hours);
    day
}

#[test]
fn sup_02_a_clock_an_hour_off_counts_below_the_general_hour_threshold() {
    // The profile of `with_hours`, in whole captures (two per unit of weight), so that a
    // rolled day is exactly the day rolled.
    fn shaped(mut day: DayFigures, shift: usize) -> DayFigures {
        let weight = |h: usize| match h {
            7 | 8 | 17 | 18 => 14,
            6..=21 => 6,
            _ => 2,
        };
        let mut hours = [0u32; 24];
        for (h, slot) in hours.iter_mut().enumerate() {
            *slot = weight((h + 24 - shift) % 24);
        }
        day.captures = hours.iter().sum();
        day.approved = day.approved.min(day.captures);
        day.captures_by_hour = Some(hours);
        day
    }
    let steady: Vec<_> = history_and(|x| x)
        .into_iter()
        .map(|x| shaped(x, 0))
        .collect();
    let in_march = |shape: fn(DayFigures) -> DayFigures| {
        steady
            .iter()
            .cloned()
            .map(|x| {
                if march().contains(x.date) {
                    shape(x)
                } else {
                    x
                }
            })
            .collect::<Vec<_>>()
    };
    // An hour earlier: about 14% of captures move, under the 15% threshold, but the history
    // rolled by an hour matches, so it is a clock and it counts.
    let behind = in_march(|x| shaped(x, 23));
    let a = run(&behind);
    let f = only(&a, FindingKind::HourShift);
    assert!(f.figure > 10.0 && f.figure < 15.0, "{f:?}");
    // The same share moved from the morning peak to the evening one is a change of shape no
    // roll explains: it must reach the threshold, and does not.
    let evening = in_march(|x| {
        let mut x = shaped(x, 0);
        if let Some(h) = x.captures_by_hour.as_mut() {
            for (from, to) in [(7, 17), (8, 18)] {
                let moved = h[from] * 7 / 10;
                h[from] -= moved;
                h[to] += moved;
            }
        }
        x
    });
    assert_eq!(kinds(&run(&evening)), vec![]);
}

#[test]
fn sup_02_hour_shift_against_the_same_weeks() {
    let steady = history_and(|x| x)
        .into_iter()
        .map(|x| with_hours(x, 0))
        .collect::<Vec<_>>();
    assert_eq!(kinds(&run(&steady)), vec![]);
    let shifted = steady
        .iter()
        .cloned()
        .map(|x| {
            if march().contains(x.date) {
                with_hours(x, 3)
            } else {
                x
            }
        })
        .collect::<Vec<_>>();
    let a = run(&shifted);
    let f = only(&a, FindingKind::HourShift);
    assert!(f.figure >= 30.0, "{f:?}");
    assert_eq!(f.history_weeks, Some(8));
    let h = f.hour.unwrap();
    assert!(f.hour_share_percent != f.hour_baseline_share_percent, "{h}");
    // Without hours, or with too few captures to tell, nothing is said.
    assert_eq!(kinds(&run(&history_and(|x| x))), vec![]);
    let t = Thresholds {
        hour_min_captures: 1_000_000,
        ..Thresholds::default()
    };
    let a = analyse(&shifted, march(), today(), &Calendar::default(), &t);
    assert_eq!(kinds(&a), vec![]);
}

#[test]
fn sup_02_figures_dated_in_the_future_are_ignored_and_reported() {
    let mut days = history_and(|x| x);
    // A clock a year ahead: a burst of captures dated next year must not count.
    for x in d(2027, 3, 1).iter_days().take(3) {
        let mut day = clean(x);
        day.captures = 10_000;
        days.push(day);
    }
    let a = run(&days);
    assert_eq!(kinds(&a), vec![FindingKind::FutureDated]);
    let f = &a.findings[0];
    assert_eq!(f.figure, 3.0);
    assert_eq!(f.sample, Some(30_000));
    assert_eq!(
        (f.first_day, f.last_day),
        (Some(d(2027, 3, 1)), Some(d(2027, 3, 3)))
    );
}

#[test]
fn sup_02_a_running_month_is_analysed_to_yesterday_and_a_future_one_not_at_all() {
    let days = history_and(|x| x);
    let a = analyse(
        &days,
        march(),
        d(2026, 3, 16),
        &Calendar::default(),
        &Thresholds::default(),
    );
    // Today (the 16th) is not complete: compared, it would look like a drop.
    assert_eq!(a.analysed_to, Some(d(2026, 3, 15)));
    // The rows after the 16th are "in the future" on the 16th.
    assert_eq!(kinds(&a), vec![FindingKind::FutureDated]);
    assert_eq!(a.findings[0].first_day, Some(d(2026, 3, 17)));
    let a = analyse(
        &days,
        march(),
        d(2026, 2, 15),
        &Calendar::default(),
        &Thresholds::default(),
    );
    assert_eq!(a.analysed_to, None);
    assert_eq!(kinds(&a), vec![FindingKind::FutureDated]);
}

#[test]
fn sup_02_a_huge_history_setting_is_bounded() {
    let t = Thresholds {
        max_history_days: u32::MAX,
        baseline_weeks: u32::MAX,
        rate_history_days: u32::MAX,
        ..Thresholds::default()
    };
    let a = analyse(
        &history_and(|x| x),
        march(),
        today(),
        &Calendar::default(),
        &t,
    );
    assert!(a.findings.iter().all(|f| f.figure.is_finite()));
}

#[test]
fn sup_02_two_rows_for_one_day_add_up() {
    let mut days = history_and(|x| x);
    let mut extra = DayFigures::empty(d(2026, 3, 3));
    extra.complaints = 5;
    extra.clock_drift_seconds = -70;
    days.push(extra);
    let a = run(&days);
    assert_eq!(only(&a, FindingKind::Complaints).figure, 5.0);
    assert_eq!(only(&a, FindingKind::ClockDrift).figure, -70.0);
}

#[test]
fn sup_02_small_devices_do_not_raise_alarms_by_chance() {
    // One or two captures a day, and this month a few quiet days in a row: chance, not a fault.
    let days: Vec<DayFigures> = history_and(|x| x)
        .into_iter()
        .map(|x| {
            let mut day = DayFigures::empty(x.date);
            day.captures = 1 + x.date.ordinal() % 2;
            if march().contains(x.date) && x.date.day() % 5 < 2 {
                day.captures = 0;
            }
            day
        })
        .collect();
    let a = run(&days);
    assert_eq!(kinds(&a), vec![]);
}

#[test]
fn sup_02_periods_are_bounded_and_well_formed() {
    assert!(Period::month(2026, 13).is_err());
    assert_eq!(Period::month(2026, 2).unwrap().last(), d(2026, 2, 28));
    assert!(Period::new(d(2026, 3, 2), d(2026, 3, 1)).is_err());
    assert!(Period::new(d(2026, 1, 1), d(2026, 12, 31)).is_err());
    assert!(Period::new(d(2026, 1, 1), d(2026, 3, 31)).is_ok());
}

#[test]
fn sup_02_findings_are_data_the_ui_words() {
    for k in FindingKind::ALL {
        assert_eq!(FindingKind::parse(k.as_str()), Ok(k));
        assert_eq!(FindingKind::try_from(k.as_str().to_owned()), Ok(k));
        let _ = k.unit();
    }
    for s in Severity::ALL {
        assert_eq!(Severity::try_from(s.as_str().to_owned()), Ok(s));
    }
    let a = run(&history_and(|mut x| {
        if x.date.weekday() == Weekday::Tue {
            x.captures /= 5;
        }
        x
    }));
    let json = serde_json::to_value(&a.findings[0]).unwrap();
    assert_eq!(json["kind"], "volume_drop");
    assert_eq!(json["weekday"], "Tue");
    assert_eq!(json["history_weeks"], 8);
    assert!(json["change_percent"].as_f64().unwrap() < -70.0);
    let back: Finding = serde_json::from_value(json).unwrap();
    assert_eq!(back, a.findings[0]);
}

#[test]
fn sup_02_a_nan_in_the_configuration_does_not_poison_the_arithmetic() {
    let t = Thresholds {
        noise_sigmas: f64::NAN,
        ..Thresholds::default()
    };
    let a = analyse(
        &history_and(|x| scaled(x, 21)),
        march(),
        today(),
        &Calendar::default(),
        &t,
    );
    assert!(kinds(&a).contains(&FindingKind::VolumeDrop));
}

fn any_day() -> impl Strategy<Value = DayFigures> {
    (
        0u32..120,
        any::<u32>(),
        any::<[u32; 5]>(),
        (any::<u32>(), any::<u32>(), any::<u32>(), any::<u32>()),
        (any::<u32>(), any::<u32>(), any::<u32>()),
        any::<i64>(),
        any::<u32>(),
    )
        .prop_map(
            |(offset, captures, rejected, (a, b, c, e), (f, g, h), drift, gap)| {
                let mut day =
                    DayFigures::empty(d(2026, 1, 1) + chrono::Days::new(u64::from(offset)));
                day.captures = captures;
                day.approved = a;
                day.rejected = ReasonCounts(rejected);
                day.second_reviews = b;
                day.second_review_disagreements = c;
                day.objections_filed = e;
                day.objections_upheld = f;
                day.complaints = g;
                day.late_uploads = h;
                day.unidentifiable = captures;
                day.clock_drift_seconds = drift;
                day.heartbeat_gap_hours = gap;
                day
            },
        )
}

proptest! {
    #[test]
    fn sup_02_never_panics_and_every_number_is_finite(
        days in proptest::collection::vec(any_day(), 0..80)
    ) {
        let a = analyse(&days, march(), today(), &Calendar::default(), &Thresholds::default());
        for f in &a.findings {
            prop_assert!(f.figure.is_finite() && f.baseline.is_finite(), "{f:?}");
            prop_assert!(f.change_percent.is_none_or(f64::is_finite));
            prop_assert!(f.reason_share_percent.is_none_or(f64::is_finite));
        }
    }
}
