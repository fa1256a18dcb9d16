use chrono::{NaiveDate, TimeZone, Utc};

use super::*;
use crate::UnitId;

fn d(m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, day).unwrap()
}

fn on(m: u32, day: u32) -> Moment {
    Moment::new(
        Utc.with_ymd_and_hms(2026, m, day, 2, 0, 0).unwrap(),
        chrono_tz::Asia::Shanghai,
    )
}

fn city() -> UnitPath {
    UnitPath::root(UnitId(1))
}

fn county() -> UnitPath {
    city().child(UnitId(2))
}

fn other_county() -> UnitPath {
    city().child(UnitId(3))
}

fn actor(user: i64, unit: UnitPath) -> Actor {
    Actor {
        user: UserId(user),
        unit,
    }
}

fn note(s: &str) -> Note {
    Note::parse("note", s).unwrap()
}

fn recheck(suspend_for: Option<SuspensionReason>) -> Action {
    let a = |holds, s| Answer::parse("answer", holds, s).unwrap();
    Action::Recheck(Recheck {
        necessity: a(true, "accident black spot, still needed"),
        rationality: a(false, "the stop line moved after the road works"),
        conformity: a(true, "signs in place"),
        suspend_for,
    })
}

fn warned() -> Item {
    raise_warning(
        county(),
        &actor(1, city()),
        note("volume fell 79%"),
        on(3, 2),
        &ListConfig::default(),
    )
    .unwrap()
    .item
}

fn step(item: &Item, action: Action, who: &Actor, when: Moment) -> Item {
    apply(item, action, who, when).unwrap().item
}

#[test]
fn sup_03_warning_recheck_plan_progress_submit_accept() {
    let cfg = ListConfig::default();
    let raised = raise_warning(county(), &actor(1, city()), note("n"), on(3, 2), &cfg).unwrap();
    assert_eq!(raised.record.step, StepKind::Warn);
    assert_eq!(raised.record.by, Some(UserId(1)));
    assert_eq!(raised.item.deadline, d(3, 12));
    let item = raised.item;
    let officer = actor(20, county());
    let head = actor(21, county());
    let t = apply(
        &item,
        recheck(Some(SuspensionReason::PreconditionsChanged)),
        &officer,
        on(3, 3),
    )
    .unwrap();
    // SUP-04: the re-check's finding suspends the device until accepted.
    assert_eq!(
        t.device_step,
        Some(Step::Suspend {
            reason: SuspensionReason::PreconditionsChanged
        })
    );
    assert!(t
        .record
        .note
        .as_deref()
        .unwrap()
        .contains("\"rationality\""));
    let item = t.item;
    let plan = Plan::parse("move the camera to the new stop line", d(4, 30), d(3, 4)).unwrap();
    let item = step(&item, Action::Plan(plan), &officer, on(3, 4));
    assert_eq!(item.state, ItemState::Planned);
    assert!(item.state.on_rectification_list());
    assert_eq!(item.deadline, d(4, 30));
    let item = step(
        &item,
        Action::ReportProgress {
            note: note("pole ordered"),
            percent: 40,
        },
        &officer,
        on(3, 20),
    );
    assert_eq!(
        (item.state, item.progress_percent),
        (ItemState::Planned, 40)
    );
    assert_eq!(waiting_on(&item), Party::ManagingUnit);
    let item = step(
        &item,
        Action::Submit {
            summary: note("moved and re-aimed"),
        },
        &head,
        on(4, 10),
    );
    assert_eq!(waiting_on(&item), Party::RaisingUnit);
    let t = apply(&item, Action::Accept, &actor(2, city()), on(4, 12)).unwrap();
    assert_eq!(t.item.state, ItemState::Accepted);
    assert_eq!(t.device_step, Some(Step::Resume));
    assert_eq!(t.record.by, Some(UserId(2)));
    assert_eq!(t.record.unit, city());
    assert_eq!(waiting_on(&t.item), Party::Nobody);
}

#[test]
fn sup_03_fixed_on_the_spot_then_accepted_by_the_managing_unit_for_its_own_analysis() {
    let cfg = ListConfig::default();
    let t = raise_from_analysis(county(), on(3, 1), &cfg);
    assert_eq!(t.record.by, None);
    assert_eq!(t.item.raised_by_unit, county());
    let officer = actor(20, county());
    let item = step(&t.item, recheck(None), &officer, on(3, 2));
    let t = apply(
        &item,
        Action::FixOnSpot {
            done: note("cleaned the lens, re-synced the clock"),
        },
        &officer,
        on(3, 2),
    )
    .unwrap();
    assert_eq!(t.device_step, None);
    assert_eq!(t.item.state, ItemState::FixedOnSpot);
    let back = step(
        &t.item,
        Action::SendBack {
            reason: note("clock still 40 s off"),
            new_deadline: None,
        },
        &actor(21, county()),
        on(3, 3),
    );
    assert_eq!(back.state, ItemState::Rechecked);
    let fixed = step(
        &back,
        Action::FixOnSpot {
            done: note("NTP configured"),
        },
        &officer,
        on(3, 4),
    );
    let done = step(&fixed, Action::Accept, &actor(21, county()), on(3, 5));
    assert_eq!(done.state, ItemState::Accepted);
}

#[test]
fn sup_03_a_sent_back_rectification_returns_to_the_plan_with_a_new_deadline() {
    let officer = actor(20, county());
    let item = step(&warned(), recheck(None), &officer, on(3, 3));
    let plan = Plan::parse("replace the flash", d(3, 31), d(3, 3)).unwrap();
    let item = step(&item, Action::Plan(plan), &officer, on(3, 3));
    let item = step(
        &item,
        Action::Submit {
            summary: note("done"),
        },
        &officer,
        on(3, 20),
    );
    let more = Plan::new_deadline(d(4, 15), d(3, 21)).unwrap();
    let item = step(
        &item,
        Action::SendBack {
            reason: note("night images still dark"),
            new_deadline: Some(more),
        },
        &actor(2, city()),
        on(3, 21),
    );
    assert_eq!((item.state, item.deadline), (ItemState::Planned, d(4, 15)));
    assert_eq!(item.fixed_by, None);
}

#[test]
fn sup_03_steps_out_of_order_are_refused() {
    let officer = actor(20, county());
    let item = warned();
    let plan = Plan::parse("p", d(4, 1), d(3, 3)).unwrap();
    // No plan before the re-check, no acceptance of nothing, nothing after acceptance.
    let e = apply(&item, Action::Plan(plan), &officer, on(3, 3)).unwrap_err();
    assert_eq!(e.code, "supervision.step_out_of_order");
    let e = apply(&item, Action::Accept, &actor(2, city()), on(3, 3)).unwrap_err();
    assert_eq!(e.code, "supervision.step_out_of_order");
    let mut closed = item;
    closed.state = ItemState::Accepted;
    assert!(apply(&closed, recheck(None), &officer, on(3, 3)).is_err());
}

#[test]
fn sup_03_bad_input_deadline_in_the_past_and_empty_answers() {
    assert_eq!(
        Plan::parse("p", d(3, 1), d(3, 2)).unwrap_err().field,
        "deadline"
    );
    assert!(Plan::parse("p", d(3, 2), d(3, 2)).is_ok());
    assert!(Plan::parse("p", d(12, 31) + chrono::Days::new(400), d(3, 2)).is_err());
    assert!(Plan::parse("  ", d(4, 2), d(3, 2)).is_err());
    assert!(Plan::new_deadline(d(2, 1), d(3, 2)).is_err());
    assert!(Answer::parse("necessity", true, " ").is_err());
    assert!(Note::parse("done", &"x".repeat(Note::MAX_CHARS + 1)).is_err());
}

#[test]
fn sup_02_a_warning_comes_only_from_above_the_managing_unit() {
    let cfg = ListConfig::default();
    // A sibling, the unit itself, a unit below: refused.
    for unit in [other_county(), county(), county().child(UnitId(9))] {
        let e = raise_warning(county(), &actor(5, unit), note("n"), on(3, 2), &cfg).unwrap_err();
        assert_eq!(e.code, "device.not_upper_unit");
    }
}

#[test]
fn sup_03_only_the_managing_unit_rechecks_and_only_the_raising_unit_accepts() {
    let item = warned();
    let e = apply(&item, recheck(None), &actor(1, city()), on(3, 3)).unwrap_err();
    assert_eq!(e.code, "supervision.not_managing_unit");
    let e = apply(&item, recheck(None), &actor(30, other_county()), on(3, 3)).unwrap_err();
    assert_eq!(e.code, "supervision.not_managing_unit");
    let officer = actor(20, county());
    let item = step(&item, recheck(None), &officer, on(3, 3));
    let item = step(
        &item,
        Action::FixOnSpot { done: note("ok") },
        &officer,
        on(3, 3),
    );
    // The managing unit may not accept what the city raised.
    let e = apply(&item, Action::Accept, &actor(21, county()), on(3, 4)).unwrap_err();
    assert_eq!(e.code, "supervision.not_raising_unit");
}

#[test]
fn sup_07_nobody_accepts_their_own_fix_and_every_step_names_its_person() {
    let cfg = ListConfig::default();
    let t = raise_from_analysis(county(), on(3, 1), &cfg);
    let officer = actor(20, county());
    let r = apply(&t.item, recheck(None), &officer, on(3, 2)).unwrap();
    assert_eq!(r.record.by, Some(UserId(20)));
    let f = apply(
        &r.item,
        Action::FixOnSpot { done: note("ok") },
        &officer,
        on(3, 2),
    )
    .unwrap();
    assert_eq!(f.record.by, Some(UserId(20)));
    assert_eq!(f.record.note.as_deref(), Some("ok"));
    let e = apply(&f.item, Action::Accept, &officer, on(3, 3)).unwrap_err();
    assert_eq!((e.rule, e.code), ("SUP-07", Code::SupervisionOwnFix));
    // Nor the person who wrote the plan someone else carried out.
    let item = step(&warned(), recheck(None), &officer, on(3, 3));
    let plan = Plan::parse("p", d(4, 1), d(3, 3)).unwrap();
    let boss = actor(1, city());
    let mut item = step(&item, Action::Plan(plan), &officer, on(3, 3));
    item.raised_by_unit = county(); // as if the county had raised it itself
    let item = step(
        &item,
        Action::Submit {
            summary: note("done"),
        },
        &actor(22, county()),
        on(3, 9),
    );
    let e = apply(&item, Action::Accept, &officer, on(3, 10)).unwrap_err();
    assert_eq!(e.code, "supervision.own_fix");
    assert!(apply(&item, Action::Accept, &boss, on(3, 10)).is_err());
    assert!(apply(&item, Action::Accept, &actor(23, county()), on(3, 10)).is_ok());
}

#[test]
fn sup_03_overdue_items_escalate_by_days_late() {
    let cfg = ListConfig::default();
    let item = warned(); // re-check due by 12 March
    assert_eq!(days_overdue(&item, d(3, 12)), None);
    assert_eq!(escalation_level(&item, d(3, 12), &cfg), 0);
    assert_eq!(days_overdue(&item, d(3, 13)), Some(1));
    assert_eq!(escalation_level(&item, d(3, 13), &cfg), 1);
    assert_eq!(escalation_level(&item, d(3, 19), &cfg), 2);
    assert_eq!(escalation_level(&item, d(3, 27), &cfg), 3);
    assert_eq!(escalation_level(&item, d(12, 27), &cfg), 3);
    let mut done = item.clone();
    done.state = ItemState::Accepted;
    assert_eq!(escalation_level(&done, d(12, 27), &cfg), 0);
    // An empty escalation list never escalates; a date before the raise is not overdue.
    let none = ListConfig {
        escalation_days: vec![],
        ..ListConfig::default()
    };
    assert_eq!(escalation_level(&item, d(12, 27), &none), 0);
    assert_eq!(days_overdue(&item, d(1, 1)), None);
}

#[test]
fn sup_06_the_circuit_breaker_after_a_warning_left_without_rectification() {
    let cfg = ListConfig::default();
    let item = warned(); // 2 March
    let upper = actor(1, city());
    assert_eq!(circuit_breaker_grounds(&item, d(3, 20), &cfg), None);
    let e = check_circuit_break(&item, &upper, d(3, 20), &cfg).unwrap_err();
    assert_eq!(e.code, "supervision.breaker_not_due");
    assert_eq!(
        check_circuit_break(&item, &upper, d(4, 1), &cfg),
        Ok(BreakerGrounds::NoRectificationAfterWarning {
            days_since_warning: 30
        })
    );
    // Only from above.
    let e = check_circuit_break(&item, &actor(20, county()), d(4, 1), &cfg).unwrap_err();
    assert_eq!(e.rule, "SUP-06");
    // A plan past its deadline is grounds before the 30 days.
    let officer = actor(20, county());
    let item2 = step(&item, recheck(None), &officer, on(3, 3));
    let plan = Plan::parse("p", d(3, 10), d(3, 3)).unwrap();
    let planned = step(&item2, Action::Plan(plan), &officer, on(3, 3));
    assert_eq!(
        circuit_breaker_grounds(&planned, d(3, 14), &cfg),
        Some(BreakerGrounds::PlanOverdue { days_overdue: 4 })
    );
    // A submitted rectification is a rectification: no grounds while it waits.
    let submitted = step(
        &planned,
        Action::Submit {
            summary: note("done"),
        },
        &officer,
        on(3, 9),
    );
    assert_eq!(circuit_breaker_grounds(&submitted, d(5, 1), &cfg), None);
    // The analysis' own items are not warnings.
    let own = raise_from_analysis(county(), on(3, 1), &cfg).item;
    assert_eq!(circuit_breaker_grounds(&own, d(6, 1), &cfg), None);
}

#[test]
fn sup_03_list_words_round_trip() {
    for s in ItemState::ALL {
        assert_eq!(ItemState::try_from(s.as_str().to_owned()), Ok(s));
    }
    for s in StepKind::ALL {
        assert_eq!(StepKind::try_from(s.as_str().to_owned()), Ok(s));
    }
    for o in Origin::ALL {
        assert_eq!(Origin::try_from(o.as_str().to_owned()), Ok(o));
    }
    assert!(ItemState::parse("lost").is_err());
}

/// SUP-01: data screening never closes an item by itself: what the analysis raises waits on
/// the managing unit, whose first step must be the on-site re-check; it cannot be fixed or
/// accepted before someone has looked.
#[test]
fn sup_01_screening_raises_an_item_that_waits_for_an_on_site_recheck() {
    let cfg = ListConfig::default();
    let t = raise_from_analysis(county(), on(3, 1), &cfg);
    assert_eq!(t.item.state, ItemState::Raised);
    assert_eq!(waiting_on(&t.item), Party::ManagingUnit);
    let officer = actor(20, county());
    let fix = Action::FixOnSpot {
        done: note("cleaned the lens"),
    };
    assert!(apply(&t.item, fix, &officer, on(3, 2)).is_err());
    assert!(apply(&t.item, Action::Accept, &actor(21, county()), on(3, 2)).is_err());
    let checked = step(&t.item, recheck(None), &officer, on(3, 2));
    assert_eq!(checked.state, ItemState::Rechecked);
}
