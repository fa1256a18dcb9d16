//! RID-01..11 storage: rider events kept once per device event, files listed by tier within
//! scope, the task loop guarded by state, and face vectors that round-trip bit for bit.

use chrono::Duration;
use roadwarden_domain::device::{DeviceKind, DeviceState};
use roadwarden_domain::org::Level;
use roadwarden_domain::rider::assessment::{village_score, AssessmentConfig};
use roadwarden_domain::rider::{
    tier_from_history, Addressee, MatchState, RiderTier, RiderViolation, TaskKind, TaskResult,
    TaskState, TierConfig,
};
use roadwarden_domain::{DeviceId, RiderPersonId, UserId};
use roadwarden_store::devices::{self, DeviceFields, NewDevice};
use roadwarden_store::list::Window;
use roadwarden_store::riders::events::{self, Inserted, NewRiderEvent};
use roadwarden_store::riders::faces::{self, NewFaceVector};
use roadwarden_store::riders::persons::{self, NewRiderPerson, PersonFilter};
use roadwarden_store::riders::tasks::{self, NewRiderTask, TaskChange};
use roadwarden_store::units::Unit;
use roadwarden_store::{users, Store, StoreError};

use super::{new_user, t0, unit, Db};

pub(super) async fn capture_point(store: &Store, u: &Unit) -> DeviceId {
    let mut tx = store.begin().await.unwrap();
    let id = devices::insert(
        &mut tx,
        &NewDevice {
            number: "330522070001".into(),
            kind: DeviceKind::EbikeCapture,
            unit_id: u.id,
            unit_path: u.path.clone(),
            fields: DeviceFields {
                name: "Jinling Road".into(),
                ..Default::default()
            },
            state: DeviceState::Draft,
            state_since: t0(),
            in_use_since: None,
            evaluation_due_at: None,
            trial_min_end_at: None,
            notice_ends_at: None,
            registered_at: None,
            platform_ref: String::new(),
            last_valid_capture_at: None,
            installed_at: t0(),
            resume_to: None,
            suspension_reason: None,
        },
        t0(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

pub(super) fn person(u: &Unit, id_number: Option<&str>, name: &str) -> NewRiderPerson {
    NewRiderPerson {
        unit_id: u.id,
        unit_path: u.path.clone(),
        id_number: id_number.map(Into::into),
        name: name.into(),
        village: "Hongxing Village".into(),
        employer: String::new(),
        phone: "13800000000".into(),
        party_member: false,
        provisional: id_number.is_none(),
        created_at: t0(),
    }
}

pub(super) fn event(
    device: DeviceId,
    u: &Unit,
    key: &str,
    person: Option<RiderPersonId>,
) -> NewRiderEvent {
    NewRiderEvent {
        device_id: device,
        device_event_id: key.into(),
        unit_id: u.id,
        person_id: person,
        violation: RiderViolation::NoHelmet,
        occurred_at: t0(),
        place: "Jinling Road / Mingzhu Road".into(),
        latitude: Some(31.02),
        longitude: Some(119.91),
        face_blob: Some("sha256-face".into()),
        scene_blob: Some("sha256-scene".into()),
        clip_blob: Some("sha256-clip".into()),
        match_state: MatchState::Matched,
        match_reason: String::new(),
        match_score: Some(0.31),
        received_at: t0(),
        usage: roadwarden_domain::device::CaptureUse::Enforce,
    }
}

#[tokio::test]
async fn rid_01_an_event_sent_twice_is_kept_once_and_reads_back_typed() {
    let db = Db::fresh().await;
    let county = unit(&db.store, None, "330522", Level::County).await;
    let point = capture_point(&db.store, &county).await;
    let mut tx = db.store.begin().await.unwrap();
    let rider = persons::insert(
        &mut tx,
        &person(&county, Some("330522199001011234"), "Li Hua"),
    )
    .await
    .unwrap();
    let new = event(point, &county, "evt-1", Some(rider));
    let first = events::insert(&mut tx, &new).await.unwrap();
    let Inserted::New(id) = first else {
        panic!("first insert must be new: {first:?}")
    };
    let mut again = new.clone();
    again.violation = RiderViolation::RedLight;
    assert_eq!(
        events::insert(&mut tx, &again).await.unwrap(),
        Inserted::Existing(id)
    );
    let stored = events::get(&mut tx, id).await.unwrap().unwrap();
    assert_eq!(stored.violation, RiderViolation::NoHelmet);
    assert_eq!(stored.match_state, MatchState::Matched);
    assert_eq!(stored.person(), Some(rider));
    assert_eq!(stored.clip_blob.as_deref(), Some("sha256-clip"));
    // The same device event id from another point is another event.
    let other_point = {
        let mut d = new.clone();
        d.device_event_id = "evt-2".into();
        d
    };
    assert!(matches!(
        events::insert(&mut tx, &other_point).await.unwrap(),
        Inserted::New(_)
    ));
    tx.commit().await.unwrap();
    db.done().await;
}

#[tokio::test]
async fn rid_08_tier_times_count_only_confirmed_events_and_the_tier_is_stored() {
    let db = Db::fresh().await;
    let county = unit(&db.store, None, "330522", Level::County).await;
    let point = capture_point(&db.store, &county).await;
    let mut tx = db.store.begin().await.unwrap();
    let rider = persons::insert(
        &mut tx,
        &person(&county, Some("330522199001011234"), "Li Hua"),
    )
    .await
    .unwrap();
    for i in 0..5 {
        let mut e = event(point, &county, &format!("evt-{i}"), Some(rider));
        e.occurred_at = t0() - Duration::days(i);
        if i == 4 {
            // A likely match no officer confirmed: never counts (RID-06).
            e.match_state = MatchState::Unconfirmed;
        }
        events::insert(&mut tx, &e).await.unwrap();
    }
    let mut old = event(point, &county, "evt-old", Some(rider));
    old.occurred_at = t0() - Duration::days(400);
    events::insert(&mut tx, &old).await.unwrap();

    let times = events::tier_event_times(&mut tx, rider, t0() - Duration::days(365))
        .await
        .unwrap();
    assert_eq!(times.len(), 4);
    assert!(times.windows(2).all(|w| w[0].1 <= w[1].1), "oldest first");
    let config = TierConfig::default();
    let only: Vec<_> = times.iter().map(|&(_, t)| t).collect();
    let decision = tier_from_history(&only, None, t0(), &config);
    assert_eq!(decision.tier, RiderTier::Frequent);

    assert!(persons::set_tier(&mut tx, rider, decision.tier, t0())
        .await
        .unwrap());
    // The same tier again changes nothing, not even its date.
    assert!(!persons::set_tier(
        &mut tx,
        rider,
        RiderTier::Frequent,
        t0() + Duration::days(1)
    )
    .await
    .unwrap());
    assert!(persons::set_last_education(&mut tx, rider, t0())
        .await
        .unwrap());
    assert!(
        !persons::set_last_education(&mut tx, rider, t0() - Duration::days(3))
            .await
            .unwrap()
    );
    let p = persons::get(&mut tx, rider).await.unwrap().unwrap();
    assert_eq!((p.tier, p.tier_since), (RiderTier::Frequent, t0()));
    assert_eq!(p.last_education_at, Some(t0()));

    // Matching decisions move an event in and out of the count.
    let (first_id, _) = times[0];
    assert!(events::set_match(
        &mut tx,
        first_id,
        None,
        MatchState::Held,
        "face.too_small",
        None
    )
    .await
    .unwrap());
    let times = events::tier_event_times(&mut tx, rider, t0() - Duration::days(365))
        .await
        .unwrap();
    assert_eq!(times.len(), 3);
    tx.commit().await.unwrap();
    db.done().await;
}

#[tokio::test]
async fn rid_06_persons_list_by_tier_with_search_paging_and_scope() {
    let db = Db::fresh().await;
    let county = unit(&db.store, None, "330522", Level::County).await;
    let town = unit(&db.store, Some(&county), "330522101", Level::Squad).await;
    let other = unit(&db.store, None, "330523", Level::County).await;
    let mut tx = db.store.begin().await.unwrap();
    let mut ids = Vec::new();
    for i in 0..5 {
        let id = persons::insert(
            &mut tx,
            &person(
                &town,
                Some(&format!("33052219900101{i:04}")),
                &format!("Wang {i}"),
            ),
        )
        .await
        .unwrap();
        ids.push(id);
    }
    persons::insert(
        &mut tx,
        &person(&other, Some("330523199001019999"), "Wang Other"),
    )
    .await
    .unwrap();
    let provisional = persons::insert(&mut tx, &person(&town, None, ""))
        .await
        .unwrap();
    for (i, id) in ids.iter().enumerate().take(3) {
        persons::set_tier(
            &mut tx,
            *id,
            RiderTier::Frequent,
            t0() + Duration::hours(i as i64),
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    // The ID number is unique among confirmed persons (a failed write ends the transaction on
    // PostgreSQL: its own).
    let mut tx = db.store.begin().await.unwrap();
    let dup = persons::insert(&mut tx, &person(&town, Some("330522199001010000"), "Copy")).await;
    assert!(matches!(dup, Err(StoreError::Conflict { .. })), "{dup:?}");
    drop(tx);

    let mut tx = db.store.begin_read().await.unwrap();
    let frequent = PersonFilter {
        tier: Some(RiderTier::Frequent),
        ..Default::default()
    };
    let (page, total) = persons::list(&mut tx, &county.path, &frequent, Window::new(2, 0))
        .await
        .unwrap();
    assert_eq!(total, 3);
    assert_eq!(page.len(), 2);
    // Newest tier change first.
    assert_eq!(page[0].id, ids[2]);
    let (rest, _) = persons::list(&mut tx, &county.path, &frequent, Window::new(2, 2))
        .await
        .unwrap();
    assert_eq!(rest.iter().map(|p| p.id).collect::<Vec<_>>(), vec![ids[0]]);

    let search = PersonFilter {
        search: Some("wang 4".into()),
        ..Default::default()
    };
    let (found, total) = persons::list(&mut tx, &county.path, &search, Window::new(50, 0))
        .await
        .unwrap();
    assert_eq!((found.len(), total), (1, 1));
    assert_eq!(found[0].tier, RiderTier::Clear);
    // ORG-02: the other county's Wang is not in scope; LIKE wildcards are literal.
    let (all_wang, _) = persons::list(
        &mut tx,
        &county.path,
        &PersonFilter {
            search: Some("Wang".into()),
            ..Default::default()
        },
        Window::new(50, 0),
    )
    .await
    .unwrap();
    assert_eq!(all_wang.len(), 5);
    let (none, _) = persons::list(
        &mut tx,
        &county.path,
        &PersonFilter {
            search: Some("%".into()),
            ..Default::default()
        },
        Window::new(50, 0),
    )
    .await
    .unwrap();
    assert!(none.is_empty());
    let (prov, _) = persons::list(
        &mut tx,
        &county.path,
        &PersonFilter {
            provisional: Some(true),
            ..Default::default()
        },
        Window::new(50, 0),
    )
    .await
    .unwrap();
    assert_eq!(
        prov.iter().map(|p| p.id).collect::<Vec<_>>(),
        vec![provisional]
    );
    let counts = persons::count_by_tier(&mut tx, &county.path).await.unwrap();
    assert!(counts.contains(&(RiderTier::Frequent, 3)));
    assert!(counts.contains(&(RiderTier::Clear, 3)));
    tx.commit().await.unwrap();

    let mut tx = db.store.begin().await.unwrap();
    assert!(
        persons::confirm(&mut tx, provisional, "330522199001015555", "Zhao")
            .await
            .unwrap()
    );
    let p = persons::get(&mut tx, provisional).await.unwrap().unwrap();
    assert!(!p.provisional);
    assert_eq!(
        persons::by_id_number(&mut tx, "330522199001015555")
            .await
            .unwrap()
            .map(|p| p.id),
        Some(provisional)
    );
    tx.commit().await.unwrap();
    db.done().await;
}

#[tokio::test]
async fn rid_11_tasks_follow_the_loop_and_overdue_ones_are_listed() {
    let db = Db::fresh().await;
    let county = unit(&db.store, None, "330522", Level::County).await;
    let village = unit(&db.store, Some(&county), "330522101", Level::Squad).await;
    let other_scope = unit(&db.store, None, "330599", Level::County).await;
    let mut tx = db.store.begin().await.unwrap();
    let worker = users::insert(
        &mut tx,
        &new_user(village.id, "grid", "330522199001011111"),
        t0(),
    )
    .await
    .unwrap();
    let officer = users::insert(
        &mut tx,
        &new_user(county.id, "officer", "330522199001012222"),
        t0(),
    )
    .await
    .unwrap();
    let rider = persons::insert(&mut tx, &person(&village, Some("330522199001011234"), "Li"))
        .await
        .unwrap();
    let new_task = |due_days: i64| NewRiderTask {
        person_id: rider,
        unit_id: village.id,
        unit_path: village.path.clone(),
        kind: TaskKind::GridVisit,
        addressee: Addressee::Village,
        due_at: t0() + Duration::days(due_days),
        created_at: t0(),
    };
    let task = tasks::insert(&mut tx, &new_task(7)).await.unwrap();
    let late = tasks::insert(&mut tx, &new_task(2)).await.unwrap();
    let (w, o): (UserId, UserId) = (worker, officer);

    let at = t0() + Duration::days(1);
    assert!(tasks::transition(
        &mut tx,
        task,
        TaskState::Dispatched,
        TaskChange::Accept { by: Some(w) },
        at
    )
    .await
    .unwrap());
    // A second accept from the state already left writes nothing.
    assert!(!tasks::transition(
        &mut tx,
        task,
        TaskState::Dispatched,
        TaskChange::Accept { by: Some(w) },
        at
    )
    .await
    .unwrap());
    let result = TaskResult::parse(
        "visited; helmet bought",
        vec!["blob-a".into(), "blob-b".into()],
    )
    .unwrap();
    assert!(tasks::transition(
        &mut tx,
        task,
        TaskState::Accepted,
        TaskChange::Report {
            by: Some(w),
            result: &result
        },
        at
    )
    .await
    .unwrap());
    assert!(tasks::transition(
        &mut tx,
        task,
        TaskState::Reported,
        TaskChange::SendBack {
            by: o,
            reason: "no photo of the rider"
        },
        at
    )
    .await
    .unwrap());
    let t = tasks::get(&mut tx, task).await.unwrap().unwrap();
    assert_eq!(t.state, TaskState::Accepted);
    assert_eq!(t.send_back_reason, "no photo of the rider");
    assert_eq!(t.photos.0, vec!["blob-a".to_owned(), "blob-b".to_owned()]);
    assert!(tasks::transition(
        &mut tx,
        task,
        TaskState::Accepted,
        TaskChange::Report {
            by: Some(w),
            result: &result
        },
        at
    )
    .await
    .unwrap());
    assert!(tasks::transition(
        &mut tx,
        task,
        TaskState::Reported,
        TaskChange::Pass { by: o },
        at
    )
    .await
    .unwrap());
    let t = tasks::get(&mut tx, task).await.unwrap().unwrap();
    assert_eq!(t.state, TaskState::Passed);
    assert_eq!(t.passed_at, Some(at));
    assert_eq!(t.evaluated_by, Some(officer.0));
    assert_eq!(t.kind, TaskKind::GridVisit);

    let now = t0() + Duration::days(10);
    let overdue = tasks::list_overdue(&mut tx, &county.path, now, Window::new(50, 0))
        .await
        .unwrap();
    assert_eq!(overdue.iter().map(|t| t.id).collect::<Vec<_>>(), vec![late]);
    assert!(
        tasks::list_overdue(&mut tx, &other_scope.path, now, Window::new(50, 0))
            .await
            .unwrap()
            .is_empty()
    );
    let board = tasks::list_for_unit(&mut tx, village.id, None, Window::new(50, 0))
        .await
        .unwrap();
    assert_eq!(board.iter().map(|t| t.id).collect::<Vec<_>>(), vec![late]);
    let passed = tasks::list_for_unit(
        &mut tx,
        village.id,
        Some(TaskState::Passed),
        Window::new(50, 0),
    )
    .await
    .unwrap();
    assert_eq!(passed.len(), 1);
    assert_eq!(
        tasks::list_for_person(&mut tx, rider).await.unwrap().len(),
        2
    );

    // RID-10 c: the month's assessment sees the late task only.
    let rows = tasks::assessed_tasks(&mut tx, &county.path, t0(), t0() + Duration::days(30))
        .await
        .unwrap();
    let village_tasks: Vec<_> = rows
        .iter()
        .filter(|(u, _)| *u == village.id)
        .map(|&(_, t)| t)
        .collect();
    let score = village_score(
        &village_tasks,
        t0(),
        t0() + Duration::days(30),
        &AssessmentConfig::default(),
    );
    assert_eq!(score.overdue_tasks, 1);
    tx.commit().await.unwrap();
    db.done().await;
}

#[tokio::test]
async fn rid_05_face_vectors_round_trip_and_load_in_pages() {
    let db = Db::fresh().await;
    let county = unit(&db.store, None, "330522", Level::County).await;
    let mut tx = db.store.begin().await.unwrap();
    let rider = persons::insert(&mut tx, &person(&county, Some("330522199001011234"), "Li"))
        .await
        .unwrap();
    let a: Vec<f32> = (0..128).map(|i| (i as f32 - 64.0) / 17.0).collect();
    let b: Vec<f32> = vec![f32::MIN_POSITIVE, -0.0, 1.5, f32::MAX];
    let ida = faces::insert(
        &mut tx,
        &NewFaceVector {
            person_id: Some(rider),
            event_id: None,
            values: &a,
            created_at: t0(),
        },
    )
    .await
    .unwrap();
    let idb = faces::insert(
        &mut tx,
        &NewFaceVector {
            person_id: None,
            event_id: None,
            values: &b,
            created_at: t0(),
        },
    )
    .await
    .unwrap();
    assert!(faces::insert(
        &mut tx,
        &NewFaceVector {
            person_id: None,
            event_id: None,
            values: &[],
            created_at: t0(),
        },
    )
    .await
    .is_err());
    assert!(faces::set_person(&mut tx, idb, Some(rider)).await.unwrap());
    tx.commit().await.unwrap();

    let mut tx = db.store.begin_read().await.unwrap();
    let all = faces::load_all(&mut tx).await.unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].id, ida);
    assert_eq!(all[0].values, a);
    assert_eq!(
        all[1]
            .values
            .iter()
            .map(|v| v.to_bits())
            .collect::<Vec<_>>(),
        b.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
    );
    assert_eq!(all[1].person_id, Some(rider));
    let page = faces::load_page(&mut tx, ida, 10).await.unwrap();
    assert_eq!(page.iter().map(|f| f.id).collect::<Vec<_>>(), vec![idb]);
    tx.commit().await.unwrap();
    db.done().await;
}

#[tokio::test]
async fn rid_07_frequency_by_place_device_day_and_count_range() {
    use roadwarden_store::riders::stats::{self, GroupBy};
    let db = Db::fresh().await;
    let county = unit(&db.store, None, "330522", Level::County).await;
    let point = capture_point(&db.store, &county).await;
    let mut tx = db.store.begin().await.unwrap();
    let busy = persons::insert(&mut tx, &person(&county, Some("330522199001011234"), "Li"))
        .await
        .unwrap();
    let quiet = persons::insert(&mut tx, &person(&county, Some("330522199001015678"), "Wu"))
        .await
        .unwrap();
    // t0 is 08:00 UTC = 16:00 in Changxing; +10 h crosses midnight there, not in UTC.
    let plan = [
        (busy, "Jinling Road", 0),
        (busy, "Jinling Road", 10),
        (busy, "Mingzhu Road", 24),
        (quiet, "Jinling Road", 1),
    ];
    for (i, (who, place, hours)) in plan.into_iter().enumerate() {
        let mut e = event(point, &county, &format!("evt-{i}"), Some(who));
        e.place = place.into();
        e.occurred_at = t0() + Duration::hours(hours);
        events::insert(&mut tx, &e).await.unwrap();
    }
    let mut unconfirmed = event(point, &county, "evt-u", Some(quiet));
    unconfirmed.match_state = MatchState::Unconfirmed;
    events::insert(&mut tx, &unconfirmed).await.unwrap();
    tx.commit().await.unwrap();

    let mut tx = db.store.begin_read().await.unwrap();
    let (from, to) = (t0() - Duration::days(1), t0() + Duration::days(2));
    let by_place = stats::frequency(&mut tx, &county.path, from, to, GroupBy::Place)
        .await
        .unwrap();
    assert_eq!(
        by_place,
        vec![
            ("Jinling Road".to_owned(), 3),
            ("Mingzhu Road".to_owned(), 1)
        ]
    );
    let by_device = stats::frequency(&mut tx, &county.path, from, to, GroupBy::Device)
        .await
        .unwrap();
    assert_eq!(by_device, vec![("330522070001".to_owned(), 4)]);
    let shanghai = GroupBy::Day {
        utc_offset_minutes: 480,
    };
    let by_day = stats::frequency(&mut tx, &county.path, from, to, shanghai)
        .await
        .unwrap();
    assert_eq!(
        by_day,
        vec![("2026-11-23".to_owned(), 2), ("2026-11-24".to_owned(), 2)]
    );
    let utc = GroupBy::Day {
        utc_offset_minutes: 0,
    };
    let by_utc_day = stats::frequency(&mut tx, &county.path, from, to, utc)
        .await
        .unwrap();
    assert_eq!(
        by_utc_day,
        vec![("2026-11-23".to_owned(), 3), ("2026-11-24".to_owned(), 1)]
    );
    let ranged = stats::persons_by_count(&mut tx, &county.path, from, to, 2, 5)
        .await
        .unwrap();
    assert_eq!(ranged, vec![(busy, 3)]);
    let all = stats::persons_by_count(&mut tx, &county.path, from, to, 1, 100)
        .await
        .unwrap();
    assert_eq!(all, vec![(busy, 3), (quiet, 1)]);
    tx.commit().await.unwrap();
    db.done().await;
}

#[tokio::test]
async fn rid_08_the_nightly_rebuild_reads_tiered_persons_and_their_times_in_pages() {
    use roadwarden_store::riders::stats;
    let db = Db::fresh().await;
    let county = unit(&db.store, None, "330522", Level::County).await;
    let point = capture_point(&db.store, &county).await;
    let mut tx = db.store.begin().await.unwrap();
    let mut ids = Vec::new();
    for i in 0..4 {
        let id = persons::insert(
            &mut tx,
            &person(&county, Some(&format!("33052219900101{i:04}")), "P"),
        )
        .await
        .unwrap();
        ids.push(id);
        let mut e = event(point, &county, &format!("evt-{i}"), Some(id));
        e.occurred_at = t0() - Duration::days(i64::from(i));
        events::insert(&mut tx, &e).await.unwrap();
    }
    for &id in &ids[1..] {
        persons::set_tier(&mut tx, id, RiderTier::Occasional, t0())
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();

    let mut tx = db.store.begin_read().await.unwrap();
    let page = stats::tiered_page(&mut tx, 0, 2).await.unwrap();
    assert_eq!(
        page.iter().map(|r| r.id).collect::<Vec<_>>(),
        ids[1..3].to_vec()
    );
    assert!(page.iter().all(|r| r.tier == RiderTier::Occasional));
    let next = stats::tiered_page(&mut tx, page[1].id.0, 2).await.unwrap();
    assert_eq!(next.iter().map(|r| r.id).collect::<Vec<_>>(), vec![ids[3]]);
    let times = stats::tier_times_between(&mut tx, 0, page[1].id.0, t0() - Duration::days(365))
        .await
        .unwrap();
    assert_eq!(
        times.iter().map(|&(p, _)| p).collect::<Vec<_>>(),
        ids[..3].to_vec()
    );
    tx.commit().await.unwrap();
    db.done().await;
}
