use chrono::{Duration, TimeZone};

use super::*;
use crate::UnitId;

const SHANGHAI: Tz = chrono_tz::Asia::Shanghai;

fn facts(kind: DeviceKind, state: DeviceState) -> Facts {
    Facts {
        kind,
        state,
        state_since: at(2026, 1, 1, 0),
        resume_to: None,
        suspension_reason: None,
        round_purpose: None,
        notice_ends_at: None,
        trial_min_end_at: None,
        evaluation_due_at: None,
        registered: true,
        measuring: false,
        calibration_valid: true,
        tz: SHANGHAI,
    }
}

/// Local time in Shanghai.
fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    SHANGHAI
        .with_ymd_and_hms(y, m, d, h, 0, 0)
        .unwrap()
        .with_timezone(&Utc)
}

fn step(f: &mut Facts, s: Step, now: DateTime<Utc>) -> Result<Transition, RuleViolation> {
    let t = apply(f, s, now, &Periods::default())?;
    if t.to != f.state {
        f.state_since = now;
    }
    f.state = t.to;
    f.resume_to = t.resume_to;
    f.suspension_reason = t.suspension_reason;
    f.round_purpose = t.purpose;
    f.notice_ends_at = t.notice_ends_at;
    f.trial_min_end_at = t.trial_min_end_at;
    f.evaluation_due_at = t.evaluation_due_at;
    Ok(t)
}

#[test]
fn dev_02_nothing_happens_before_an_assessment_is_filed() {
    let mut f = facts(DeviceKind::FixedEnforcement, DeviceState::Draft);
    let now = at(2026, 3, 2, 10);
    for s in [
        Step::ReviewsApproved,
        Step::NoticeEnded,
        Step::StartFormalUse,
        Step::Resume,
        Step::CircuitBreak,
    ] {
        let err = apply(&f, s, now, &Periods::default()).unwrap_err();
        assert_eq!(err.code, "device.transition_out_of_order", "{s:?}");
    }
    let t = step(&mut f, Step::FileAssessment, now).unwrap();
    assert_eq!(
        (t.to, t.purpose),
        (DeviceState::UnderReview, Some(AssessmentPurpose::Add))
    );
    // Moving a device in use needs a new assessment: it leaves enforcement until reviewed.
    let mut moving = facts(DeviceKind::FixedEnforcement, DeviceState::InUse);
    let t = step(&mut moving, Step::FileAssessment, now).unwrap();
    assert_eq!(t.purpose, Some(AssessmentPurpose::Move));
    assert_eq!(capture_use(t.to), CaptureUse::Refuse);
}

#[test]
fn dev_03_a_return_sends_the_assessment_back_and_refiling_keeps_its_purpose() {
    let mut f = facts(DeviceKind::FixedEnforcement, DeviceState::CircuitBroken);
    let now = at(2026, 3, 2, 10);
    step(&mut f, Step::FileAssessment, now).unwrap();
    assert_eq!(
        step(&mut f, Step::ReviewReturned, now).unwrap().to,
        DeviceState::Returned
    );
    let t = step(&mut f, Step::FileAssessment, now).unwrap();
    assert_eq!(
        (t.to, t.purpose),
        (DeviceState::UnderReview, Some(AssessmentPurpose::ReEnable))
    );
}

#[test]
fn dev_04_a_fixed_device_is_published_for_five_days() {
    let mut f = facts(DeviceKind::FixedEnforcement, DeviceState::UnderReview);
    // Approved on Monday 2 March 10:00: notice days 3..7 March, ends at midnight into 8 March.
    let t = step(&mut f, Step::ReviewsApproved, at(2026, 3, 2, 10)).unwrap();
    assert_eq!(t.to, DeviceState::PublicNotice);
    assert_eq!(t.notice_ends_at, Some(at(2026, 3, 8, 0)));
    assert!(DeviceState::PublicNotice.is_published());
    let err = apply(
        &f,
        Step::NoticeEnded,
        at(2026, 3, 7, 23),
        &Periods::default(),
    )
    .unwrap_err();
    assert_eq!(err.rule, "DEV-04");
    assert_eq!(
        step(&mut f, Step::NoticeEnded, at(2026, 3, 8, 0))
            .unwrap()
            .to,
        DeviceState::Trial
    );
    // A mobile camera has no fixed place to publish: straight to its trial.
    let mut mobile = facts(DeviceKind::MobileEnforcement, DeviceState::UnderReview);
    assert_eq!(
        step(&mut mobile, Step::ReviewsApproved, at(2026, 3, 2, 10))
            .unwrap()
            .to,
        DeviceState::Trial
    );
    // A counting camera enforces nothing: straight to use.
    let mut counter = facts(DeviceKind::TrafficCounting, DeviceState::UnderReview);
    assert_eq!(
        step(&mut counter, Step::ReviewsApproved, at(2026, 3, 2, 10))
            .unwrap()
            .to,
        DeviceState::InUse
    );
    // The period is configuration.
    let long = Periods {
        notice_days: 7,
        ..Periods::default()
    };
    let g = facts(DeviceKind::FixedEnforcement, DeviceState::UnderReview);
    assert_eq!(
        apply(&g, Step::ReviewsApproved, at(2026, 3, 2, 10), &long)
            .unwrap()
            .notice_ends_at,
        Some(at(2026, 3, 10, 0))
    );
}

#[test]
fn dev_05_the_trial_lasts_at_least_fifteen_days() {
    let mut f = facts(DeviceKind::FixedEnforcement, DeviceState::PublicNotice);
    f.notice_ends_at = Some(at(2026, 3, 8, 0));
    let t = step(&mut f, Step::NoticeEnded, at(2026, 3, 8, 0)).unwrap();
    // Starts at midnight 8 March: days 8..22 March, formal use from 23 March.
    assert_eq!(t.trial_min_end_at, Some(at(2026, 3, 23, 0)));
    let err = apply(
        &f,
        Step::StartFormalUse,
        at(2026, 3, 22, 23),
        &Periods::default(),
    )
    .unwrap_err();
    assert_eq!(
        (err.rule, err.code.as_str()),
        ("DEV-05", "device.trial_too_short")
    );
    assert_eq!(capture_use(DeviceState::Trial), CaptureUse::WarnOnly);
    let t = step(&mut f, Step::StartFormalUse, at(2026, 3, 23, 9)).unwrap();
    assert_eq!(t.to, DeviceState::InUse);
    assert_eq!(capture_use(t.to), CaptureUse::Enforce);
}

#[test]
fn dev_05_trial_captures_never_become_fines_on_any_path() {
    // Walk every sequence of steps up to a depth, with time moving on a day at each step, and
    // check at each point: only formal use enforces, and a capture taken during a trial stays
    // a warning whatever happened to the device afterwards and whenever it was uploaded.
    let all_steps = [
        Step::FileAssessment,
        Step::ReviewsApproved,
        Step::ReviewReturned,
        Step::NoticeEnded,
        Step::StartFormalUse,
        Step::EvaluationFallsDue,
        Step::Evaluate { keep: true },
        Step::Evaluate { keep: false },
        Step::Suspend {
            reason: SuspensionReason::LowAccuracy,
        },
        Step::Resume,
        Step::CircuitBreak,
        Step::Stop,
        Step::Retire,
    ];
    let start = at(2026, 1, 5, 9);
    let mut stack = vec![(
        facts(DeviceKind::FixedEnforcement, DeviceState::Draft),
        vec![(start, DeviceState::Draft)],
        start,
    )];
    let mut paths = 0u64;
    let mut reached = std::collections::BTreeSet::new();
    while let Some((f, history, now)) = stack.pop() {
        paths += 1;
        reached.insert(f.state);
        // Every instant in the history: a capture taken then, uploaded at any later instant.
        for (i, (since, state)) in history.iter().enumerate() {
            let taken = *since + Duration::hours(1);
            for (upload_at, _) in history.iter().skip(i) {
                let upload = (*upload_at + Duration::hours(2)).max(taken);
                let gate = capture_use_at(&history, taken, upload);
                if *state == DeviceState::Trial {
                    assert_ne!(
                        gate,
                        CaptureUse::Enforce,
                        "trial capture enforced after {history:?}"
                    );
                }
                if gate == CaptureUse::Enforce {
                    assert!(matches!(
                        *state,
                        DeviceState::InUse | DeviceState::EvaluationDue
                    ));
                }
            }
        }
        if history.len() > 13 {
            continue;
        }
        for s in all_steps {
            // Jump far enough that every waiting period can have run.
            let later = now + Duration::days(100);
            let mut g = f.clone();
            if let Ok(t) = step(&mut g, s, later) {
                // Formal use is only ever reached from a trial.
                if t.to == DeviceState::InUse && t.from != DeviceState::InUse {
                    assert!(
                        matches!(
                            t.from,
                            DeviceState::Trial
                                | DeviceState::EvaluationDue
                                | DeviceState::Suspended
                                | DeviceState::UnderReview
                        ),
                        "{t:?}"
                    );
                    if t.from == DeviceState::UnderReview {
                        assert!(!f.kind.enforces());
                    }
                    if t.from == DeviceState::Suspended {
                        assert_ne!(f.resume_to, Some(DeviceState::Trial));
                    }
                }
                let mut h = history.clone();
                h.push((later, t.to));
                stack.push((g, h, later));
            }
        }
    }
    assert!(paths > 5_000, "explored {paths} paths");
    assert_eq!(
        reached.len(),
        DeviceState::ALL.len(),
        "every state reached: {reached:?}"
    );
}

#[test]
fn cap_03_cap_04_the_gate_takes_the_stricter_of_capture_and_upload_time() {
    let h = [
        (at(2026, 3, 1, 0), DeviceState::Trial),
        (at(2026, 3, 20, 0), DeviceState::InUse),
        (at(2026, 4, 1, 0), DeviceState::Suspended),
    ];
    // Taken in trial, uploaded after formal use began: still a warning.
    assert_eq!(
        capture_use_at(&h, at(2026, 3, 10, 8), at(2026, 3, 21, 8)),
        CaptureUse::WarnOnly
    );
    // A device clock that claims formal use while the upload came during the trial.
    assert_eq!(
        capture_use_at(&h, at(2026, 3, 25, 8), at(2026, 3, 15, 8)),
        CaptureUse::WarnOnly
    );
    assert_eq!(
        capture_use_at(&h, at(2026, 3, 25, 8), at(2026, 3, 25, 9)),
        CaptureUse::Enforce
    );
    // Before the device existed, or uploaded after suspension (CAP-04).
    assert_eq!(
        capture_use_at(&h, at(2026, 2, 1, 8), at(2026, 3, 25, 9)),
        CaptureUse::Refuse
    );
    assert_eq!(
        capture_use_at(&h, at(2026, 3, 25, 8), at(2026, 4, 2, 9)),
        CaptureUse::Refuse
    );
}

#[test]
fn dev_06_effectiveness_is_evaluated_three_months_after_formal_use() {
    let mut f = facts(DeviceKind::FixedEnforcement, DeviceState::Trial);
    f.trial_min_end_at = Some(at(2026, 3, 23, 0));
    let t = step(&mut f, Step::StartFormalUse, at(2026, 3, 23, 9)).unwrap();
    assert_eq!(t.evaluation_due_at, Some(at(2026, 6, 23, 0)));
    assert_eq!(
        apply(
            &f,
            Step::EvaluationFallsDue,
            at(2026, 6, 22, 12),
            &Periods::default()
        )
        .unwrap_err()
        .rule,
        "DEV-06"
    );
    assert_eq!(
        step(&mut f, Step::EvaluationFallsDue, at(2026, 6, 23, 0))
            .unwrap()
            .to,
        DeviceState::EvaluationDue
    );
    // Still enforcing while the evaluation is due.
    assert_eq!(capture_use(f.state), CaptureUse::Enforce);
    let mut stopped = f.clone();
    assert_eq!(
        step(
            &mut stopped,
            Step::Evaluate { keep: false },
            at(2026, 6, 24, 9)
        )
        .unwrap()
        .to,
        DeviceState::Stopped
    );
    let t = step(&mut f, Step::Evaluate { keep: true }, at(2026, 6, 24, 9)).unwrap();
    assert_eq!((t.to, t.evaluation_due_at), (DeviceState::InUse, None));
    // Month ends are clamped: 31 May + 3 months = 31 August; 30 November + 3 = 28 February.
    assert_eq!(
        after_months(at(2026, 11, 30, 9), 3, SHANGHAI),
        at(2027, 2, 28, 0)
    );
}

#[test]
fn dev_07_a_fixed_device_is_registered_before_formal_use() {
    let mut f = facts(DeviceKind::FixedEnforcement, DeviceState::Trial);
    f.trial_min_end_at = Some(at(2026, 3, 23, 0));
    f.registered = false;
    let err = apply(
        &f,
        Step::StartFormalUse,
        at(2026, 3, 24, 9),
        &Periods::default(),
    )
    .unwrap_err();
    assert_eq!(err.rule, "DEV-07");
    // A mobile camera is not a fixed device.
    let mut mobile = f;
    mobile.kind = DeviceKind::MobileEnforcement;
    assert!(apply(
        &mobile,
        Step::StartFormalUse,
        at(2026, 3, 24, 9),
        &Periods::default()
    )
    .is_ok());
}

#[test]
fn dev_13_a_measuring_device_needs_a_valid_certificate_for_formal_use() {
    let mut f = facts(DeviceKind::Speed, DeviceState::Trial);
    f.trial_min_end_at = Some(at(2026, 3, 23, 0));
    f.measuring = true;
    f.calibration_valid = false;
    assert_eq!(
        apply(
            &f,
            Step::StartFormalUse,
            at(2026, 3, 24, 9),
            &Periods::default()
        )
        .unwrap_err()
        .rule,
        "DEV-13"
    );
    f.calibration_valid = true;
    assert!(apply(
        &f,
        Step::StartFormalUse,
        at(2026, 3, 24, 9),
        &Periods::default()
    )
    .is_ok());
}

#[test]
fn sup_05_an_expired_calibration_suspends_until_a_valid_certificate_is_recorded() {
    let mut f = facts(DeviceKind::Speed, DeviceState::InUse);
    f.measuring = true;
    f.calibration_valid = false;
    let t = step(
        &mut f,
        Step::Suspend {
            reason: SuspensionReason::CalibrationInvalid,
        },
        at(2026, 5, 1, 0),
    )
    .unwrap();
    assert_eq!(
        (t.to, t.resume_to),
        (DeviceState::Suspended, Some(DeviceState::InUse))
    );
    assert_eq!(capture_use(t.to), CaptureUse::Refuse);
    assert_eq!(
        apply(&f, Step::Resume, at(2026, 5, 2, 9), &Periods::default())
            .unwrap_err()
            .rule,
        "SUP-05"
    );
    f.calibration_valid = true;
    assert_eq!(
        step(&mut f, Step::Resume, at(2026, 5, 3, 9)).unwrap().to,
        DeviceState::InUse
    );
}

#[test]
fn sup_04_a_suspended_device_resumes_where_it_was() {
    let mut f = facts(DeviceKind::FixedEnforcement, DeviceState::Trial);
    step(
        &mut f,
        Step::Suspend {
            reason: SuspensionReason::PreconditionsChanged,
        },
        at(2026, 3, 10, 9),
    )
    .unwrap();
    assert_eq!(
        apply(
            &f,
            Step::Suspend {
                reason: SuspensionReason::Other
            },
            at(2026, 3, 10, 9),
            &Periods::default()
        )
        .unwrap_err()
        .rule,
        "SUP-04"
    );
    // A trial device returns to its trial, never straight to formal use.
    assert_eq!(
        step(&mut f, Step::Resume, at(2026, 3, 12, 9)).unwrap().to,
        DeviceState::Trial
    );
    for r in SuspensionReason::ALL {
        assert_eq!(SuspensionReason::parse(r.as_str()).unwrap(), r);
    }
}

#[test]
fn sup_06_a_circuit_broken_device_is_re_enabled_only_through_review_notice_and_trial() {
    let mut f = facts(DeviceKind::FixedEnforcement, DeviceState::InUse);
    step(&mut f, Step::CircuitBreak, at(2026, 4, 1, 9)).unwrap();
    assert_eq!(capture_use(f.state), CaptureUse::Refuse);
    for s in [
        Step::Resume,
        Step::StartFormalUse,
        Step::ReviewsApproved,
        Step::NoticeEnded,
    ] {
        assert!(
            apply(&f, s, at(2026, 4, 2, 9), &Periods::default()).is_err(),
            "{s:?}"
        );
    }
    assert_eq!(
        apply(&f, Step::Resume, at(2026, 4, 2, 9), &Periods::default())
            .unwrap_err()
            .rule,
        "SUP-06"
    );
    let path = [
        Step::FileAssessment,
        Step::ReviewsApproved,
        Step::NoticeEnded,
        Step::StartFormalUse,
    ];
    let expected = [
        DeviceState::UnderReview,
        DeviceState::PublicNotice,
        DeviceState::Trial,
        DeviceState::InUse,
    ];
    let mut now = at(2026, 4, 3, 9);
    for (s, want) in path.into_iter().zip(expected) {
        now += Duration::days(20);
        assert_eq!(step(&mut f, s, now).unwrap().to, want);
    }
}

#[test]
fn org_03_only_an_upper_unit_warns_and_circuit_breaks() {
    let city = UnitPath::root(UnitId(1)).child(UnitId(2));
    let county = city.child(UnitId(3));
    let sibling = city.child(UnitId(4));
    assert!(check_oversight(&city, &county, Oversight::Above, "circuit_break").is_ok());
    assert_eq!(
        check_oversight(&county, &county, Oversight::Above, "circuit_break")
            .unwrap_err()
            .rule,
        "SUP-06"
    );
    assert_eq!(
        check_oversight(&sibling, &county, Oversight::Above, "warn")
            .unwrap_err()
            .rule,
        "ORG-03"
    );
    assert!(check_oversight(&county, &county, Oversight::ManagingOrAbove, "suspend").is_ok());
    assert!(check_oversight(&county, &city, Oversight::ManagingOrAbove, "suspend").is_err());
}

#[test]
fn retired_is_final() {
    let mut f = facts(DeviceKind::FixedEnforcement, DeviceState::InUse);
    step(&mut f, Step::Retire, at(2026, 4, 1, 9)).unwrap();
    for s in [Step::FileAssessment, Step::Resume, Step::Retire] {
        assert!(apply(&f, s, at(2026, 4, 2, 9), &Periods::default()).is_err());
    }
    for s in DeviceState::ALL {
        assert_eq!(DeviceState::parse(s.as_str()).unwrap(), s);
    }
}

#[test]
fn dev_01_kinds_that_enforce_nothing_never_produce_fines() {
    for kind in DeviceKind::ALL {
        let gate = capture_use_for(kind, DeviceState::InUse);
        assert_eq!(gate == CaptureUse::Enforce, kind.enforces(), "{kind:?}");
    }
}

#[test]
fn sup_04_resuming_checks_what_formal_use_required_and_a_suspended_trial_is_extended() {
    // Suspended for accuracy; the certificate lapsed meanwhile: no resumption (DEV-13).
    let mut f = facts(DeviceKind::Speed, DeviceState::InUse);
    f.measuring = true;
    step(
        &mut f,
        Step::Suspend {
            reason: SuspensionReason::LowAccuracy,
        },
        at(2026, 5, 1, 9),
    )
    .unwrap();
    f.calibration_valid = false;
    assert_eq!(
        apply(&f, Step::Resume, at(2026, 5, 3, 9), &Periods::default())
            .unwrap_err()
            .rule,
        "DEV-13"
    );
    // A trial suspended for three days ends three days later.
    let mut g = facts(DeviceKind::FixedEnforcement, DeviceState::Trial);
    g.trial_min_end_at = Some(at(2026, 3, 23, 0));
    step(
        &mut g,
        Step::Suspend {
            reason: SuspensionReason::SignalsNonStandard,
        },
        at(2026, 3, 10, 9),
    )
    .unwrap();
    let t = step(&mut g, Step::Resume, at(2026, 3, 13, 9)).unwrap();
    assert_eq!(
        (t.to, t.trial_min_end_at),
        (DeviceState::Trial, Some(at(2026, 3, 26, 0)))
    );
    assert_eq!(t.suspension_reason, None);
}

#[test]
fn dev_04_a_notice_moved_by_the_job_minutes_late_still_starts_the_trial_at_its_end() {
    let mut f = facts(DeviceKind::FixedEnforcement, DeviceState::PublicNotice);
    f.notice_ends_at = Some(at(2026, 3, 8, 0));
    let t = step(
        &mut f,
        Step::NoticeEnded,
        at(2026, 3, 8, 0) + Duration::minutes(5),
    )
    .unwrap();
    assert_eq!(t.trial_min_end_at, Some(at(2026, 3, 23, 0)));
}

#[test]
fn dev_05_a_ledger_device_in_use_proves_its_notice_and_full_trial() {
    let p = Periods::default();
    let day = |m, d| at(2026, m, d, 0);
    let proven = EntryHistory {
        notice_started: Some(day(3, 1)),
        trial_started: Some(day(3, 6)),
        in_use_since: Some(day(3, 21)),
    };
    assert!(check_formal_use_history(DeviceKind::FixedEnforcement, &proven, &p, SHANGHAI).is_ok());
    // No trial on record, or one that ran 14 days: not proven.
    let no_trial = EntryHistory {
        trial_started: None,
        ..proven
    };
    let short = EntryHistory {
        in_use_since: Some(day(3, 20)),
        ..proven
    };
    for (h, code) in [
        (no_trial, "device.trial_not_proven"),
        (short, "device.trial_too_short"),
    ] {
        let v = check_formal_use_history(DeviceKind::Speed, &h, &p, SHANGHAI).unwrap_err();
        assert_eq!((v.rule, v.code.as_str()), ("DEV-05", code));
    }
    // A fixed enforcing device shows its whole notice before the trial.
    let no_notice = EntryHistory {
        notice_started: None,
        ..proven
    };
    let early_trial = EntryHistory {
        notice_started: Some(day(3, 2)),
        ..proven
    };
    for (h, code) in [
        (no_notice, "device.notice_not_proven"),
        (early_trial, "device.notice_too_short"),
    ] {
        let v =
            check_formal_use_history(DeviceKind::FixedEnforcement, &h, &p, SHANGHAI).unwrap_err();
        assert_eq!((v.rule, v.code.as_str()), ("DEV-04", code));
    }
    // A mobile camera has no notice; a counting camera enforces nothing and needs neither.
    assert!(
        check_formal_use_history(DeviceKind::MobileEnforcement, &no_notice, &p, SHANGHAI).is_ok()
    );
    assert!(check_formal_use_history(
        DeviceKind::TrafficCounting,
        &EntryHistory::default(),
        &p,
        SHANGHAI
    )
    .is_ok());
}

#[test]
fn dev_05_a_device_held_for_review_serves_the_whole_notice_and_trial_after_it() {
    let p = Periods::default();
    let imported = at(2026, 3, 2, 10);
    let unproven = check_formal_use_history(
        DeviceKind::FixedEnforcement,
        &EntryHistory {
            in_use_since: Some(at(2025, 1, 1, 0)),
            ..EntryHistory::default()
        },
        &p,
        SHANGHAI,
    )
    .unwrap_err();
    let hold = hold_for_review(&unproven, imported, &p, SHANGHAI);
    assert_eq!(hold.resume_to, DeviceState::PublicNotice);
    let mut f = facts(DeviceKind::FixedEnforcement, DeviceState::Suspended);
    f.state_since = imported;
    f.resume_to = Some(hold.resume_to);
    f.suspension_reason = Some(SuspensionReason::FormalUseNotProven);
    f.notice_ends_at = hold.notice_ends_at;
    f.trial_min_end_at = hold.trial_min_end_at;
    assert_eq!(capture_use(f.state), CaptureUse::Refuse);
    // Reviewed ten days later: the whole notice runs from then, then the whole trial.
    let resumed = imported + Duration::days(10);
    let t = step(&mut f, Step::Resume, resumed).unwrap();
    assert_eq!(t.to, DeviceState::PublicNotice);
    assert!(t.notice_ends_at.unwrap() >= resumed + Duration::days(5));
    let err = apply(&f, Step::NoticeEnded, resumed + Duration::days(4), &p).unwrap_err();
    assert_eq!(err.code, "device.notice_running");
    let ended = f.notice_ends_at.unwrap();
    step(&mut f, Step::NoticeEnded, ended).unwrap();
    assert_eq!(capture_use(f.state), CaptureUse::WarnOnly);
    let err = apply(&f, Step::StartFormalUse, ended + Duration::days(14), &p).unwrap_err();
    assert_eq!(err.code, "device.trial_too_short");
    // A trial with no recorded end is no trial at all.
    let mut blank = facts(DeviceKind::MobileEnforcement, DeviceState::Trial);
    blank.trial_min_end_at = None;
    assert_eq!(
        apply(&blank, Step::StartFormalUse, resumed, &p)
            .unwrap_err()
            .code,
        "device.trial_not_proven"
    );
    // Only the trial unproven: the review resumes it to a whole trial from then.
    let trial_only = check_formal_use_history(
        DeviceKind::MobileEnforcement,
        &EntryHistory {
            in_use_since: Some(at(2025, 1, 1, 0)),
            ..EntryHistory::default()
        },
        &p,
        SHANGHAI,
    )
    .unwrap_err();
    let hold = hold_for_review(&trial_only, imported, &p, SHANGHAI);
    let mut m = facts(DeviceKind::MobileEnforcement, DeviceState::Suspended);
    m.state_since = imported;
    m.resume_to = Some(hold.resume_to);
    m.trial_min_end_at = hold.trial_min_end_at;
    step(&mut m, Step::Resume, resumed).unwrap();
    assert_eq!(m.state, DeviceState::Trial);
    assert!(m.trial_min_end_at.unwrap() >= resumed + Duration::days(15));
}
