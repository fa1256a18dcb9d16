use chrono::{Duration, TimeZone, Utc};
use roadwarden_server::jobs::worker::{run_one, Ran};
use roadwarden_server::jobs::{enqueue, scheduler, Job};
use roadwarden_server::Clock;
use roadwarden_testkit::{org, TestApp};
use serde_json::json;

#[tokio::test]
async fn sec_05_daily_review_flags_suspicious_sign_ins() {
    let start = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap();
    let clock = Clock::manual(start);
    let app = TestApp::spawn_with(|_| {}, clock.clone()).await;
    let o = org(&app.state).await;
    for _ in 0..3 {
        app.post(
            "/api/v1/auth/token",
            "",
            &json!({ "username": "county.admin", "password": "Guess-1234!" }),
        )
        .await;
    }
    // The schedule fires at 01:10 the next day and reviews the day before.
    clock.advance(Duration::hours(17));
    let schedules = scheduler::parse_schedules(&app.state.settings.jobs.schedules).unwrap();
    let added = scheduler::enqueue_due(&app.state, &schedules, start, clock.now()).await;
    assert!(added >= 1);
    // Enqueueing the same window again adds nothing: one firing, one job.
    assert_eq!(
        scheduler::enqueue_due(&app.state, &schedules, start, clock.now()).await,
        0
    );
    let mut ran = Vec::new();
    while let Some(r) = run_one(&app.state).await.unwrap() {
        ran.push(r);
    }
    assert!(ran.iter().all(|r| matches!(r, Ran::Done { .. })), "{ran:?}");
    assert!(ran
        .iter()
        .any(|r| matches!(r, Ran::Done { kind, .. } if kind == "audit_daily_review")));
    let root = app.token(&o.root_admin.0, &o.root_admin.1).await;
    let (_, reviews) = app
        .get("/api/v1/audit?action=audit.daily_review", &root)
        .await;
    let detail: serde_json::Value =
        serde_json::from_str(reviews[0]["detail"].as_str().unwrap()).unwrap();
    let flagged = detail["flagged"].to_string();
    assert!(
        flagged.contains("3 failed sign-ins for 'county.admin'"),
        "{flagged}"
    );
}

#[tokio::test]
async fn failed_jobs_are_retried_with_back_off_then_given_up() {
    let clock = Clock::manual(Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap());
    let app = TestApp::spawn_with(|_| {}, clock.clone()).await;
    // A job whose payload no longer matches its kind fails every time.
    let mut tx = app.state.store.begin().await.unwrap();
    let id = roadwarden_store::jobs::enqueue(
        &mut tx,
        &roadwarden_store::jobs::NewJob {
            kind: "audit_daily_review",
            payload: "{\"day\":\"not a date\"}".into(),
            unique_key: None,
            run_at: clock.now(),
            max_attempts: 2,
        },
        clock.now(),
    )
    .await
    .unwrap()
    .unwrap();
    tx.commit().await.unwrap();
    match run_one(&app.state).await.unwrap() {
        Some(Ran::Failed {
            id: failed,
            will_retry: true,
            ..
        }) => assert_eq!(failed, id),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        run_one(&app.state).await.unwrap(),
        None,
        "not due before the back-off"
    );
    clock.advance(Duration::seconds(11));
    assert!(matches!(
        run_one(&app.state).await.unwrap(),
        Some(Ran::Failed {
            will_retry: false,
            ..
        })
    ));
    let mut tx = app.state.store.begin_read().await.unwrap();
    let job = roadwarden_store::jobs::get(&mut tx, id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((job.status.as_str(), job.attempts), ("failed", 2));
    assert!(job.last_error.unwrap().contains("payload"));
}

#[tokio::test]
async fn jobs_run_once_even_when_enqueued_twice_with_a_key() {
    let app = TestApp::spawn().await;
    let now = app.state.clock.now();
    let key = Some("once".to_owned());
    assert!(enqueue(&app.state, &Job::SessionPurge, key.clone(), now)
        .await
        .unwrap()
        .is_some());
    assert!(enqueue(&app.state, &Job::SessionPurge, key, now)
        .await
        .unwrap()
        .is_none());
    assert!(run_one(&app.state).await.unwrap().is_some());
    assert!(run_one(&app.state).await.unwrap().is_none());
}
