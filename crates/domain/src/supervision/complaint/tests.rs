use super::*;
use chrono::{NaiveDate, TimeZone};

fn at(m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, m, d, 2, 0, 0).unwrap()
}

fn county() -> UnitPath {
    UnitPath::root(UnitId(1)).child(UnitId(2))
}

fn clerk() -> Actor {
    Actor {
        user: UserId(7),
        unit: county(),
    }
}

fn registered() -> Complaint {
    register(
        Channel::Phone,
        Target::Device(DeviceId(42)),
        county(),
        Note::parse("summary", "camera flashes at every car").unwrap(),
        &clerk(),
        at(3, 2),
        &Calendar::default(),
        chrono_tz::Asia::Shanghai,
        &ComplaintConfig::default(),
    )
    .unwrap()
    .0
}

#[test]
fn aud_09_registered_checked_answered_closed_with_who_did_each() {
    let c = registered();
    assert_eq!(c.state, ComplaintState::Registered);
    // 2 March + 15 days = 17 March, a Tuesday.
    assert_eq!(
        c.due.last_day,
        NaiveDate::from_ymd_opt(2026, 3, 17).unwrap()
    );
    let (c, r) = apply(&c, ComplaintAction::StartCheck, &clerk(), at(3, 3)).unwrap();
    assert_eq!((r.step, r.by), (ComplaintStep::StartCheck, UserId(7)));
    let reply = Note::parse("reply", "the flash was re-aimed; thank you").unwrap();
    let (c, r) = apply(
        &c,
        ComplaintAction::Answer {
            outcome: Outcome::Upheld,
            reply,
        },
        &clerk(),
        at(3, 5),
    )
    .unwrap();
    assert_eq!(c.outcome, Some(Outcome::Upheld));
    assert_eq!(r.note.as_deref(), Some("the flash was re-aimed; thank you"));
    let (c, _) = apply(&c, ComplaintAction::Close, &clerk(), at(3, 6)).unwrap();
    assert_eq!(c.state, ComplaintState::Closed);
    assert_eq!(c.target.device(), Some(DeviceId(42)));
}

#[test]
fn aud_09_overdue_while_unanswered_after_the_configured_days() {
    let c = registered();
    assert!(!c.is_overdue(at(3, 17)));
    assert!(c.is_overdue(at(3, 18)));
    let (checking, _) = apply(&c, ComplaintAction::StartCheck, &clerk(), at(3, 3)).unwrap();
    assert!(checking.is_overdue(at(3, 20)));
    let reply = Note::parse("reply", "not upheld: the signal is lawful").unwrap();
    let (answered, _) = apply(
        &checking,
        ComplaintAction::Answer {
            outcome: Outcome::NotUpheld,
            reply,
        },
        &clerk(),
        at(3, 25),
    )
    .unwrap();
    assert!(!answered.is_overdue(at(4, 30)));
}

#[test]
fn aud_09_steps_out_of_order_and_out_of_scope_are_refused() {
    let c = registered();
    let reply = Note::parse("reply", "x").unwrap();
    let e = apply(
        &c,
        ComplaintAction::Answer {
            outcome: Outcome::Upheld,
            reply,
        },
        &clerk(),
        at(3, 3),
    )
    .unwrap_err();
    assert_eq!(e.code, "complaint.step_out_of_order");
    assert!(apply(&c, ComplaintAction::Close, &clerk(), at(3, 3)).is_err());
    let sibling = Actor {
        user: UserId(8),
        unit: UnitPath::root(UnitId(1)).child(UnitId(3)),
    };
    let e = apply(&c, ComplaintAction::StartCheck, &sibling, at(3, 3)).unwrap_err();
    assert_eq!(e.code, "complaint.out_of_scope");
    let city = Actor {
        user: UserId(9),
        unit: UnitPath::root(UnitId(1)),
    };
    assert!(apply(&c, ComplaintAction::StartCheck, &city, at(3, 3)).is_ok());
}

#[test]
fn aud_09_words_and_targets_round_trip() {
    for c in Channel::ALL {
        assert_eq!(Channel::try_from(c.as_str().to_owned()), Ok(c));
    }
    for s in ComplaintState::ALL {
        assert_eq!(ComplaintState::try_from(s.as_str().to_owned()), Ok(s));
    }
    for s in ComplaintStep::ALL {
        assert_eq!(ComplaintStep::try_from(s.as_str().to_owned()), Ok(s));
    }
    for o in Outcome::ALL {
        assert_eq!(Outcome::try_from(o.as_str().to_owned()), Ok(o));
    }
    for k in TargetKind::ALL {
        let t =
            Target::from_parts(TargetKind::try_from(k.as_str().to_owned()).unwrap(), 5).unwrap();
        assert_eq!((t.kind(), t.id()), (k, 5));
    }
    assert!(Target::from_parts(TargetKind::Record, 0).is_err());
    assert!(Channel::parse("fax").is_err());
    assert_eq!(
        serde_json::to_value(Target::Record(9)).unwrap(),
        serde_json::json!({"kind": "record", "id": 9})
    );
}
