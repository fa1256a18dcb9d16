//! Captures, violation records and objections keep their domain values: what is written comes
//! back as the same enum, and a word the domain does not know is refused where the row is read
//! (not parsed again, or silently skipped, by each service).

use roadwarden_domain::capture::intake::{CaptureSource, ExemptionKind, Flag, Flags};
use roadwarden_domain::capture::notice::ViolationState;
use roadwarden_domain::capture::objection::{Channel, ObjectionState, Photos};
use roadwarden_domain::capture::penalty::{Currency, Procedure};
use roadwarden_domain::capture::plate::PlateColour;
use roadwarden_domain::capture::review::{CaptureState, Outcome, Party};
use roadwarden_domain::device::CaptureUse;
use roadwarden_domain::org::{Country, Level};
use roadwarden_store::captures::{self, NewCapture};
use roadwarden_store::units::Unit;
use roadwarden_store::users;
use roadwarden_store::violations::{self, NewObjection, NewViolation};

use super::{new_user, t0, unit, Db};

/// A public report (no device), pending review, as the report form writes it.
pub(crate) fn new_capture(u: &Unit, flags: Flags) -> NewCapture {
    NewCapture {
        device_id: None,
        unit_id: u.id,
        unit_path: u.path.clone(),
        event_key: "public:1".into(),
        source: CaptureSource::PublicReport,
        via: "website".into(),
        plate: "浙E12345".into(),
        plate_key: "浙E12345".into(),
        plate_colour: PlateColour::YellowGreen,
        vehicle_type: "small_car".into(),
        vehicle_colour: String::new(),
        violation_code: "1625".into(),
        place: "Mingzhu Road crossing".into(),
        division_code: String::new(),
        road_code: String::new(),
        km_marker: String::new(),
        direction: String::new(),
        lane: None,
        speed: None,
        speed_limit: None,
        confidence: None,
        longitude: None,
        latitude: None,
        video_url: String::new(),
        captured_at: t0(),
        received_at: t0(),
        camera_time: None,
        usage: CaptureUse::WarnOnly,
        flags,
        state: CaptureState::Pending,
        review_due_at: Some(t0()),
        collected_by: None,
        images: Vec::new(),
    }
}

pub(crate) fn new_violation(u: &Unit, capture_id: i64) -> NewViolation {
    NewViolation {
        capture_id,
        unit_id: u.id,
        unit_path: u.path.clone(),
        country: Country::Vietnam,
        outcome: Outcome::Warning,
        plate: "30A-123.45".into(),
        plate_key: "30A12345".into(),
        plate_colour: PlateColour::White,
        violation_code: "VN01".into(),
        occurred_at: t0(),
        place: "Mingzhu Road crossing".into(),
        fine_minor: 0,
        currency: Currency::Vnd,
        points: 0,
        procedure: Procedure::General,
        vehicle_id: None,
        entered_at: t0(),
        notice_due_at: t0(),
        next_step_at: None,
    }
}

#[tokio::test]
async fn captures_and_exemptions_come_back_with_their_domain_values() {
    let db = Db::fresh().await;
    let county = unit(&db.store, None, "330522", Level::County).await;
    let flags = Flags(vec![
        Flag::LateUpload { minutes: 42 },
        Flag::Exempt {
            kind: ExemptionKind::Emergency,
        },
    ]);
    let mut tx = db.store.begin().await.unwrap();
    let reviewer = users::insert(&mut tx, &new_user(county.id, "rev", "1"), t0())
        .await
        .unwrap();
    let id = captures::insert(&mut tx, &new_capture(&county, flags.clone()))
        .await
        .unwrap()
        .unwrap();
    let c = captures::get(&mut tx, id).await.unwrap().unwrap();
    assert_eq!(c.source, CaptureSource::PublicReport);
    assert_eq!(c.plate_colour, PlateColour::YellowGreen);
    assert_eq!(c.usage, CaptureUse::WarnOnly);
    assert_eq!(c.state, CaptureState::Pending);
    assert_eq!(c.flags, flags);

    let (queue, total) = captures::queue(&mut tx, &county.path, reviewer, t0(), 10)
        .await
        .unwrap();
    assert_eq!(total, 1);
    let item = &queue[0];
    assert_eq!(
        (item.state, item.usage, item.source),
        (
            CaptureState::Pending,
            CaptureUse::WarnOnly,
            CaptureSource::PublicReport
        )
    );
    assert_eq!(item.flags, flags);

    let (pending, second) = (CaptureState::Pending, CaptureState::SecondReview);
    let first = captures::decide(&mut tx, id, pending, second, reviewer, None, "", t0());
    assert!(first.await.unwrap());
    let late = captures::decide(
        &mut tx,
        id,
        pending,
        CaptureState::Approved,
        reviewer,
        None,
        "",
        t0(),
    );
    assert!(
        !late.await.unwrap(),
        "a decision from a state the capture left changes nothing"
    );
    let c = captures::get(&mut tx, id).await.unwrap().unwrap();
    assert_eq!(c.state, CaptureState::SecondReview);
    assert_eq!(c.first_reviewer, Some(reviewer.0));

    captures::add_exemption(
        &mut tx,
        county.id,
        &county.path,
        "浙E12345",
        ExemptionKind::Permitted,
        t0(),
        None,
        "",
        None,
        t0(),
    )
    .await
    .unwrap();
    let listed = captures::exemptions_for(&mut tx, "浙E12345").await.unwrap();
    assert_eq!(listed[0].kind, ExemptionKind::Permitted);
    tx.commit().await.unwrap();

    // A word the domain does not know is refused where the row is read.
    db.store
        .raw_execute(&format!(
            "UPDATE captures SET usage = 'sometimes' WHERE id = {id}"
        ))
        .await
        .unwrap();
    let mut tx = db.store.begin_read().await.unwrap();
    assert!(captures::get(&mut tx, id).await.is_err());
    drop(tx);
    db.store
        .raw_execute(&format!(
            "UPDATE captures SET usage = 'enforce', flags = '[{{\"flag\":\"sunny\"}}]' \
             WHERE id = {id}"
        ))
        .await
        .unwrap();
    let mut tx = db.store.begin_read().await.unwrap();
    assert!(captures::get(&mut tx, id).await.is_err());
    drop(tx);
    db.done().await;
}

#[tokio::test]
async fn violations_and_objections_come_back_with_their_domain_values() {
    let db = Db::fresh().await;
    let county = unit(&db.store, None, "330522", Level::County).await;
    let mut tx = db.store.begin().await.unwrap();
    let handler = users::insert(&mut tx, &new_user(county.id, "obj", "1"), t0())
        .await
        .unwrap();
    let capture = captures::insert(&mut tx, &new_capture(&county, Flags::default()))
        .await
        .unwrap()
        .unwrap();
    let id = violations::insert(&mut tx, &new_violation(&county, capture))
        .await
        .unwrap();
    let mut v = violations::get(&mut tx, id).await.unwrap().unwrap();
    assert_eq!(v.country, Country::Vietnam);
    assert_eq!(v.outcome, Outcome::Warning);
    assert_eq!(v.plate_colour, PlateColour::White);
    assert_eq!(v.currency, Currency::Vnd);
    assert_eq!(v.procedure, Procedure::General);
    assert_eq!(v.state, ViolationState::Entered);
    assert_eq!(v.party, Party::Owner);

    v.state = ViolationState::Notified;
    v.party = Party::Driver;
    assert!(violations::save(&mut tx, &v, ViolationState::Entered)
        .await
        .unwrap());
    assert!(
        !violations::save(&mut tx, &v, ViolationState::Entered)
            .await
            .unwrap(),
        "a save expecting a state the record left changes nothing"
    );
    let v = violations::get(&mut tx, id).await.unwrap().unwrap();
    assert_eq!(
        (v.state, v.party),
        (ViolationState::Notified, Party::Driver)
    );
    let notified = violations::list(&mut tx, &county.path, Some(ViolationState::Notified), 10);
    assert_eq!(notified.await.unwrap().len(), 1);
    let closed = violations::list(&mut tx, &county.path, Some(ViolationState::Closed), 10);
    assert!(closed.await.unwrap().is_empty());

    let photos = Photos(vec!["ab".repeat(32)]);
    let objection = violations::add_objection(
        &mut tx,
        &NewObjection {
            violation_id: id,
            unit_id: county.id.0,
            unit_path: county.path.as_str(),
            channel: Channel::Window,
            received_unit_id: None,
            text: "the light was green",
            contact: "",
            photos: &photos,
            received_at: t0(),
            due_at: t0(),
        },
    )
    .await
    .unwrap();
    let o = violations::objection(&mut tx, objection)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (o.channel, o.state, &o.photos),
        (Channel::Window, ObjectionState::Received, &photos)
    );
    let open =
        violations::objections_in_scope(&mut tx, &county.path, Some(ObjectionState::Received), 10)
            .await
            .unwrap();
    assert_eq!(open.len(), 1);
    assert!(violations::decide_objection(
        &mut tx,
        objection,
        ObjectionState::NotUpheld,
        handler,
        "the photos show a red light",
        t0(),
    )
    .await
    .unwrap());
    let o = violations::objection(&mut tx, objection)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(o.state, ObjectionState::NotUpheld);
    tx.commit().await.unwrap();

    db.store
        .raw_execute("UPDATE objections SET photos = 'photo.jpg'")
        .await
        .unwrap();
    let mut tx = db.store.begin_read().await.unwrap();
    assert!(violations::objection(&mut tx, objection).await.is_err());
    drop(tx);
    db.store
        .raw_execute("UPDATE violations SET outcome = 'fine'")
        .await
        .unwrap();
    let mut tx = db.store.begin_read().await.unwrap();
    assert!(violations::get(&mut tx, id).await.is_err());
    drop(tx);
    db.done().await;
}

/// The violations list's page (issue 14 item 5): filters bound as parameters, LIMIT/OFFSET,
/// the count, and the scope (ORG-02) kept whatever the filter asks, on both databases.
#[tokio::test]
async fn violation_pages_filter_sort_count_and_keep_to_the_scope() {
    use roadwarden_store::list::{Direction, Window};
    use roadwarden_store::violations::{ViolationFilter, ViolationSort};

    let db = Db::fresh().await;
    let city = unit(&db.store, None, "330500", Level::City).await;
    let county = unit(&db.store, Some(&city), "330522", Level::County).await;
    let sibling = unit(&db.store, Some(&city), "330502", Level::County).await;
    let mut tx = db.store.begin().await.unwrap();
    let day = chrono::Duration::days(1);
    for (i, (u, key)) in [
        (&county, "浙E12345"),
        (&county, "浙A00001"),
        (&county, "浙B77777"),
        (&sibling, "浙E12399"),
    ]
    .into_iter()
    .enumerate()
    {
        let capture = NewCapture {
            event_key: format!("public:{i}"),
            ..new_capture(u, Flags::default())
        };
        let capture = captures::insert(&mut tx, &capture).await.unwrap().unwrap();
        let when = t0() + day * i32::try_from(i).unwrap();
        let v = NewViolation {
            plate: key.to_owned(),
            plate_key: key.to_owned(),
            occurred_at: when,
            ..new_violation(u, capture)
        };
        violations::insert(&mut tx, &v).await.unwrap();
    }
    let store = &db.store;
    let page = |filter: ViolationFilter, sort, dir, window| {
        let scope = county.path.clone();
        async move {
            let mut tx = store.begin_read().await.unwrap();
            let (rows, total) = violations::page(&mut tx, &scope, &filter, sort, dir, window)
                .await
                .unwrap();
            let keys: Vec<String> = rows.into_iter().map(|v| v.plate_key).collect();
            (keys, total)
        }
    };
    tx.commit().await.unwrap();
    let all = Window::new(50, 0);
    let (keys, total) = page(
        ViolationFilter::default(),
        ViolationSort::Time,
        Direction::Desc,
        all,
    )
    .await;
    assert_eq!(
        (keys, total),
        (
            vec![
                "浙B77777".to_owned(),
                "浙A00001".to_owned(),
                "浙E12345".to_owned()
            ],
            3
        )
    );
    let (keys, _) = page(
        ViolationFilter::default(),
        ViolationSort::Plate,
        Direction::Asc,
        all,
    )
    .await;
    assert_eq!(keys, ["浙A00001", "浙B77777", "浙E12345"]);
    // A plate part: only this county's 浙E123.., never the sibling's.
    let by_plate = ViolationFilter {
        plate: Some("E123".into()),
        ..ViolationFilter::default()
    };
    assert_eq!(
        page(by_plate, ViolationSort::Time, Direction::Desc, all).await,
        (vec!["浙E12345".to_owned()], 1)
    );
    // A LIKE wildcard typed in is a character, not a pattern.
    let wildcard = ViolationFilter {
        plate: Some("%".into()),
        ..ViolationFilter::default()
    };
    assert_eq!(
        page(wildcard, ViolationSort::Time, Direction::Desc, all)
            .await
            .1,
        0
    );
    // A day range: [t0 + 1 day, t0 + 2 days).
    let range = ViolationFilter {
        from: Some(t0() + day),
        until: Some(t0() + day * 2),
        ..ViolationFilter::default()
    };
    assert_eq!(
        page(range, ViolationSort::Time, Direction::Desc, all)
            .await
            .0,
        ["浙A00001"]
    );
    // A unit outside the scope narrows nothing: the scope holds.
    let outside = ViolationFilter {
        unit: Some(sibling.path.clone()),
        ..ViolationFilter::default()
    };
    assert_eq!(
        page(outside, ViolationSort::Time, Direction::Desc, all)
            .await
            .1,
        3
    );
    // Pages: LIMIT and OFFSET, the count unchanged.
    let second = Window::new(2, 2);
    assert_eq!(
        page(
            ViolationFilter::default(),
            ViolationSort::Time,
            Direction::Desc,
            second
        )
        .await,
        (vec!["浙E12345".to_owned()], 3)
    );
    db.done().await;
}
