//! A device's records keep their domain values: each assessment purpose and outcome, review
//! department and decision, patrol and operation status, timeline state, alert kind and
//! clean-up state comes back as the enum it was written as, and a word the domain does not
//! know is refused where the row is read, naming the column.

use roadwarden_domain::device::lifecycle::AssessmentPurpose;
use roadwarden_domain::device::review::{Decision, Department, RoundOutcome};
use roadwarden_domain::device::upkeep::ObservedStatus;
use roadwarden_domain::device::{AlertKind, DeviceKind, DeviceState};
use roadwarden_domain::org::Level;
use roadwarden_domain::DeviceId;
use roadwarden_store::device_records::{self, NewAssessment, NewEvent, NewReview};
use roadwarden_store::devices::{self, DeviceFields, NewDevice};
use roadwarden_store::units::Unit;
use roadwarden_store::{users, Store};

use super::{new_user, t0, unit, Db};

async fn device(store: &Store, u: &Unit) -> DeviceId {
    let mut tx = store.begin().await.unwrap();
    let new = NewDevice {
        number: "330522-0001".into(),
        kind: DeviceKind::FixedEnforcement,
        unit_id: u.id,
        unit_path: u.path.clone(),
        fields: DeviceFields::default(),
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
    };
    let id = devices::insert(&mut tx, &new, t0()).await.unwrap();
    tx.commit().await.unwrap();
    id
}

/// Writes `bad` into `column` of the first row of `table`, expects `read` to fail naming the
/// column, and puts `good` (the row's value) back (or, for the timeline, the table).
async fn refused<T, F, Fut>(
    store: &Store,
    table: &str,
    (column, bad, good): (&str, &str, &str),
    read: F,
) where
    F: FnOnce(roadwarden_store::Tx) -> Fut,
    Fut: std::future::Future<Output = roadwarden_store::Result<T>>,
{
    store
        .raw_execute(&format!(
            "UPDATE {table} SET {column} = '{bad}' WHERE id = (SELECT MIN(id) FROM {table})"
        ))
        .await
        .unwrap();
    let tx = store.begin_read().await.unwrap();
    let err = match read(tx).await {
        Ok(_) => panic!("{table}.{column} = '{bad}' was read as a domain value"),
        Err(e) => e.to_string(),
    };
    store
        .raw_execute(&format!(
            "UPDATE {table} SET {column} = '{good}' WHERE id = (SELECT MIN(id) FROM {table})"
        ))
        .await
        .unwrap();
    assert!(
        err.contains(column) || err.contains(table),
        "the error names the column: {err}"
    );
}

#[tokio::test]
async fn device_records_come_back_with_their_domain_values() {
    let db = Db::fresh().await;
    let county = unit(&db.store, None, "330522", Level::County).await;
    let id = device(&db.store, &county).await;
    let mut tx = db.store.begin().await.unwrap();
    let reviewer = users::insert(&mut tx, &new_user(county.id, "rev", "1"), t0())
        .await
        .unwrap();

    // DEV-02: every purpose, and every outcome a round can end in.
    for purpose in AssessmentPurpose::ALL {
        let a = NewAssessment {
            device_id: id,
            purpose,
            necessity: "busy crossing",
            conditions: "signs in order",
            facilities_ok: true,
            goal: "fewer red-light runs",
            filed_by: None,
            filed_unit: Some(county.id),
        };
        device_records::add_assessment(&mut tx, &a, t0())
            .await
            .unwrap();
    }
    let filed = device_records::assessments(&mut tx, id).await.unwrap();
    let purposes: Vec<_> = filed.iter().map(|a| a.purpose).collect();
    assert_eq!(purposes, AssessmentPurpose::ALL);
    assert!(filed.iter().all(|a| a.outcome == RoundOutcome::Pending));
    for (a, outcome) in filed.iter().zip(RoundOutcome::ALL) {
        device_records::decide_assessment(&mut tx, a.id, outcome, t0())
            .await
            .unwrap();
    }
    let decided = device_records::assessments(&mut tx, id).await.unwrap();
    let outcomes: Vec<_> = decided.iter().map(|a| a.outcome).collect();
    assert_eq!(outcomes, RoundOutcome::ALL);

    // DEV-03: each department's decision, and the inbox asked by department.
    let round = decided[0].id;
    for (department, decision) in Department::ALL
        .into_iter()
        .zip(Decision::ALL.into_iter().cycle())
    {
        let r = NewReview {
            assessment_id: round,
            device_id: id,
            department,
            decision,
            reason: "",
            reviewer,
            reviewer_unit: county.id,
        };
        device_records::add_review(&mut tx, &r, t0()).await.unwrap();
    }
    let reviews = device_records::reviews(&mut tx, id).await.unwrap();
    let pairs: Vec<_> = reviews.iter().map(|r| (r.department, r.decision)).collect();
    assert_eq!(
        pairs,
        [
            (Department::Technology, Decision::Approve),
            (Department::Legal, Decision::Return),
            (Department::PublicOpinion, Decision::Approve),
        ]
    );
    let inbox = device_records::review_inbox(&mut tx, &county.path, Department::Legal, 10);
    assert!(inbox.await.unwrap().is_empty(), "the device is a draft");

    // DEV-10 and DEV-15: each status a patrol finds or an operator confirms.
    for status in ObservedStatus::ALL {
        device_records::add_patrol(&mut tx, id, t0(), "Wang", true, status, "", None, t0())
            .await
            .unwrap();
        device_records::add_operation(&mut tx, id, t0(), "restart", status, "", None, "Wang")
            .await
            .unwrap();
    }
    let mut patrolled: Vec<_> = device_records::patrols(&mut tx, id, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.status)
        .collect();
    patrolled.reverse();
    assert_eq!(patrolled, ObservedStatus::ALL);
    let mut operated: Vec<_> = device_records::operations(&mut tx, id, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.status)
        .collect();
    operated.reverse();
    assert_eq!(operated, ObservedStatus::ALL);

    // The timeline: every state, and a record that changes none.
    for (i, to) in DeviceState::ALL.into_iter().enumerate() {
        let from = i.checked_sub(1).map(|p| DeviceState::ALL[p]);
        let e = NewEvent {
            device_id: id,
            action: "step",
            from_state: from,
            to_state: Some(to),
            actor_user_id: None,
            actor: "test",
            actor_unit_id: None,
            reason: "",
            detail: serde_json::json!({}),
        };
        device_records::add_event(&mut tx, &e, t0()).await.unwrap();
    }
    let note = NewEvent {
        device_id: id,
        action: "registered",
        from_state: None,
        to_state: None,
        actor_user_id: None,
        actor: "test",
        actor_unit_id: None,
        reason: "",
        detail: serde_json::json!({}),
    };
    device_records::add_event(&mut tx, &note, t0())
        .await
        .unwrap();
    let timeline = device_records::events(&mut tx, id).await.unwrap();
    let states: Vec<_> = timeline.iter().filter_map(|e| e.to_state).collect();
    assert_eq!(states, DeviceState::ALL);
    assert_eq!(timeline[0].from_state, None);
    assert_eq!(timeline[1].from_state, Some(DeviceState::Draft));
    assert_eq!(timeline.last().map(|e| e.to_state), Some(None));

    // Alerts: every kind, and resolving one kind leaves the others.
    for kind in AlertKind::ALL {
        let key = format!("{}:{id}", kind.as_str());
        let new = device_records::add_alert(&mut tx, id, &county.path, kind, "", &key, t0());
        assert!(new.await.unwrap());
    }
    let mut kinds: Vec<_> = device_records::alerts(&mut tx, &county.path, Some(id), 20)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.kind)
        .collect();
    kinds.sort_by_key(|k| k.as_str());
    let mut all = AlertKind::ALL.to_vec();
    all.sort_by_key(|k| k.as_str());
    assert_eq!(kinds, all);
    let resolved = device_records::resolve_alerts(&mut tx, id, AlertKind::Warn, t0());
    assert_eq!(resolved.await.unwrap(), 1);
    let open = device_records::alerts(&mut tx, &county.path, Some(id), 20);
    assert_eq!(open.await.unwrap().len(), AlertKind::ALL.len() - 1);

    // DEV-12: the clean-up list shows the device's state.
    device_records::add_cleanup_item(&mut tx, 2026, id, &county.path, "no_patrol", t0())
        .await
        .unwrap();
    let items = device_records::cleanup_items(&mut tx, &county.path, 2026)
        .await
        .unwrap();
    assert_eq!(items[0].state, DeviceState::Draft);
    tx.commit().await.unwrap();

    // A word the domain does not know is refused where the row is read, naming the column.
    let scope = &county.path;
    let store = &db.store;
    refused(
        store,
        "device_assessments",
        ("purpose", "sideways", "add"),
        |mut tx| async move { device_records::assessments(&mut tx, id).await },
    )
    .await;
    refused(
        store,
        "device_assessments",
        ("outcome", "maybe", "pending"),
        |mut tx| async move { device_records::assessments(&mut tx, id).await },
    )
    .await;
    refused(
        store,
        "device_reviews",
        ("department", "finance", "technology"),
        |mut tx| async move { device_records::reviews(&mut tx, id).await },
    )
    .await;
    refused(
        store,
        "device_reviews",
        ("decision", "abstain", "approve"),
        |mut tx| async move { device_records::reviews(&mut tx, id).await },
    )
    .await;
    refused(
        store,
        "device_patrols",
        ("status", "abnormal", "normal"),
        |mut tx| async move { device_records::patrols(&mut tx, id, 10).await },
    )
    .await;
    refused(
        store,
        "device_operations",
        ("status", "fine", "normal"),
        |mut tx| async move { device_records::operations(&mut tx, id, 10).await },
    )
    .await;
    refused(
        store,
        "device_events",
        ("to_state", "melted", "draft"),
        |mut tx| async move { device_records::events(&mut tx, id).await },
    )
    .await;
    refused(
        store,
        "device_alerts",
        ("kind", "clock", "clock_drift"),
        |mut tx| async move { device_records::alerts(&mut tx, scope, Some(id), 20).await },
    )
    .await;
    refused(
        store,
        "devices",
        ("state", "lost", "draft"),
        |mut tx| async move { device_records::cleanup_items(&mut tx, scope, 2026).await },
    )
    .await;
    db.done().await;
}
