//! SUP-02: enforcement results, complaints and device health.

use super::*;

#[test]
fn sup_02_rejection_rate_rise_against_the_devices_own_history() {
    let a = run(&history_and(|mut x| {
        let extra = x.approved / 7;
        x.approved -= extra;
        x.rejected.add(RejectReason::PermittedVehicle, extra);
        x
    }));
    let f = only(&a, FindingKind::RejectionRateRise);
    assert_eq!(f.baseline_source, BaselineSource::OwnHistory);
    assert!(f.baseline > 8.0 && f.baseline < 11.0, "{}", f.baseline);
    assert!(f.figure > 20.0 && f.figure < 30.0, "{}", f.figure);
    assert_eq!(f.history_days, Some(180));
    assert_eq!(f.reason, Some(RejectReason::PermittedVehicle));
    assert!(f.reason_share_percent.unwrap() > 50.0);
    assert!(!kinds(&a).contains(&FindingKind::RejectionRateHigh));
}

#[test]
fn sup_02_a_slow_drift_in_rejections_is_seen_against_the_start_of_the_history() {
    // One more point of rejections every fortnight since September: the last 180 days have
    // drifted too, so only the start of the window shows how far it has gone.
    let days = history_and(|x| x)
        .into_iter()
        .map(|mut x| {
            let steps = ((x.date - d(2025, 9, 1)).num_days() / 14) as u32;
            let extra = x.approved * steps / 100;
            x.approved -= extra;
            x.rejected.add(RejectReason::ProcedureCondition, extra);
            x
        })
        .collect::<Vec<_>>();
    let a = run(&days);
    assert!(
        !kinds(&a).contains(&FindingKind::RejectionRateRise),
        "{:?}",
        kinds(&a)
    );
    let f = only(&a, FindingKind::RejectionRateDrift);
    assert_eq!(f.baseline_source, BaselineSource::OwnHistoryStart);
    assert_eq!(f.history_days, Some(180));
    assert!(f.figure - f.baseline >= 10.0, "{f:?}");
}

#[test]
fn sup_02_rejection_rate_above_the_ceiling() {
    let a = run(&history_and(|mut x| {
        let extra = x.approved * 6 / 10;
        x.approved -= extra;
        x.rejected.add(RejectReason::ProcedureCondition, extra);
        x
    }));
    let f = only(&a, FindingKind::RejectionRateHigh);
    assert_eq!(f.baseline, 30.0);
    assert_eq!(f.baseline_source, BaselineSource::Ceiling);
    assert_eq!(f.severity, Severity::Serious);
    assert_eq!(f.reason, Some(RejectReason::ProcedureCondition));
    assert!(kinds(&a).contains(&FindingKind::RejectionRateRise));
}

#[test]
fn sup_02_second_review_disagreement() {
    let a = run(&history_and(|mut x| {
        x.second_review_disagreements = 1;
        x
    }));
    let f = only(&a, FindingKind::SecondReviewDisagreement);
    assert_eq!(f.figure, 20.0);
    assert_eq!(f.sample, Some(155));
}

#[test]
fn sup_02_objections_upheld_rise() {
    let a = run(&history_and(|mut x| {
        x.objections_filed = 1;
        x.objections_upheld = u32::from(x.date.day() % 3 == 0);
        x
    }));
    let f = only(&a, FindingKind::ObjectionsUpheld);
    assert_eq!(f.figure, 10.0);
    assert_eq!(f.baseline_source, BaselineSource::OwnHistory);
    assert!(f.baseline < 2.0);
    assert_eq!(f.severity, Severity::Serious);
    assert_eq!(f.sample, Some(31));
    // Without a history the configured minimum is the yardstick.
    let a = run(&device(d(2026, 3, 1), |mut x| {
        x.objections_upheld = u32::from(x.date.day() <= 4);
        x
    }));
    let f = only(&a, FindingKind::ObjectionsUpheld);
    assert_eq!((f.figure, f.baseline), (4.0, 3.0));
    assert_eq!(f.baseline_source, BaselineSource::Ceiling);
}

#[test]
fn sup_02_the_poisson_tail_is_finite_and_right() {
    assert_eq!(
        crate::supervision::analysis::rates::poisson_tail(0, 3.0),
        1.0
    );
    assert!((crate::supervision::analysis::rates::poisson_tail(5, 0.9) - 0.002_25).abs() < 0.000_1);
    assert!(
        (crate::supervision::analysis::rates::poisson_tail(10, 2.0) - 0.000_046_5).abs()
            < 0.000_001
    );
    assert_eq!(
        crate::supervision::analysis::rates::poisson_tail(3, 0.0),
        0.0
    );
    assert_eq!(
        crate::supervision::analysis::rates::poisson_tail(3, f64::NAN),
        0.0
    );
    let far = crate::supervision::analysis::rates::poisson_tail(u32::MAX, 1.0);
    assert!(far.is_finite() && far < 1e-100);
    let big = crate::supervision::analysis::rates::poisson_tail(1_300, 1_000.0);
    assert!(big > 0.0 && big < 1e-15, "{big}");
}

#[test]
fn sup_02_complaints() {
    let a = run(&history_and(|mut x| {
        x.complaints = u32::from(x.date.day() <= 3);
        x
    }));
    let f = only(&a, FindingKind::Complaints);
    assert_eq!((f.figure, f.baseline), (3.0, 3.0));
    assert_eq!(f.severity, Severity::Abnormal);
}

#[test]
fn sup_02_late_uploads_and_unidentifiable_shares() {
    let a = run(&history_and(|mut x| {
        x.late_uploads = x.captures / 4;
        x.unidentifiable = x.captures * 6 / 10;
        x
    }));
    let late = only(&a, FindingKind::LateUploads);
    assert!(late.figure > 20.0 && late.figure < 26.0);
    let unid = only(&a, FindingKind::Unidentifiable);
    assert_eq!(unid.severity, Severity::Serious);
    let captures: u64 = history_and(|x| x)
        .iter()
        .filter(|x| march().contains(x.date))
        .map(|x| u64::from(x.captures))
        .sum();
    assert_eq!(unid.sample, Some(captures));
}

#[test]
fn sup_02_clock_drift_keeps_its_sign_and_day() {
    let a = run(&history_and(|mut x| {
        if x.date.day() == 17 {
            x.clock_drift_seconds = 605;
        }
        x
    }));
    let f = only(&a, FindingKind::ClockDrift);
    assert_eq!(f.figure, 605.0);
    assert_eq!(f.severity, Severity::Serious);
    assert_eq!(f.first_day, Some(d(2026, 3, 17)));
    let a = run(&history_and(|mut x| {
        x.clock_drift_seconds = -90;
        x
    }));
    let f = only(&a, FindingKind::ClockDrift);
    assert_eq!((f.figure, f.severity), (-90.0, Severity::Abnormal));
}

#[test]
fn sup_02_heartbeat_gaps() {
    let a = run(&history_and(|mut x| {
        if x.date.day() == 9 {
            x.heartbeat_gap_hours = 49;
        }
        x
    }));
    let f = only(&a, FindingKind::HeartbeatGap);
    assert_eq!((f.figure, f.baseline), (49.0, 24.0));
    assert_eq!(f.last_day, Some(d(2026, 3, 9)));
}
