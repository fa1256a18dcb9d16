//! Issue 12: deadlines that are jobs. NOT-01 / NOT-02f late notices, REV-04 late eliminations
//! and APL-02 late objection decisions are flagged once and reach the unit head (audit chain,
//! timeline, a message on the overview); NOT-02c's overdue pass reads only what is due, in
//! batches; service by announcement; the calendar warns about years without a table (TIME-01).

use chrono::Duration;
use roadwarden_server::jobs::worker::run_one;
use roadwarden_server::jobs::{enqueue, Job};
use roadwarden_server::services::captures::overdue::overdue_pass_in_batches;
use roadwarden_store::units::Unit;
use roadwarden_testkit::{account, PASSWORD};
use serde_json::{json, Value};

use crate::captures::{notified_record, public_objection, world, RootToken, World};

async fn run(w: &World, job: Job) {
    enqueue(&w.app.state, &job, None, w.clock.now())
        .await
        .unwrap();
    while run_one(&w.app.state).await.unwrap().is_some() {}
}

async fn audit_count(w: &World, action: &str) -> usize {
    let root = w.o.root_admin_token(&w.app).await;
    let (_, audit) = w
        .app
        .get(&format!("/api/v1/audit?action={action}"), &root)
        .await;
    audit
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == action)
        .count()
}

async fn violation(w: &World, id: i64) -> Value {
    let (status, detail) = w
        .app
        .get(&format!("/api/v1/violations/{id}"), &w.clerk)
        .await;
    assert_eq!(status, 200, "{detail}");
    detail
}

fn events(detail: &Value) -> Vec<String> {
    detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str().map(str::to_owned))
        .collect()
}

/// The unit of the test organisation with this id.
fn unit_of(w: &World, id: i64) -> &Unit {
    [&w.o.province, &w.o.city, &w.o.county, &w.o.squad]
        .into_iter()
        .find(|u| u.id.0 == id)
        .expect("a unit of the test organisation")
}

/// A unit head at `unit`, signed in.
async fn head_at(w: &World, unit: &Unit, name: &str, n: u32) -> String {
    account(&w.app.state, unit, name, n, &["unit_head"]).await;
    w.app.token(name, PASSWORD).await
}

/// An approved capture of `plate`, entered and not notified.
async fn entered_record(w: &World, plate: &str, n: u8) -> i64 {
    let (status, r) = w.push("330522010201", &w.capture(plate, "1625", n)).await;
    assert_eq!(status, 201, "{r}");
    let out = w.approve(r["capture_id"].as_i64().unwrap()).await;
    out["violation_id"].as_i64().unwrap()
}

#[tokio::test]
async fn not_01_a_late_notice_is_flagged_once_and_reaches_the_unit_head() {
    let w = world().await;
    let vid = entered_record(&w, "浙E12345", 1).await;
    let unit_id = violation(&w, vid).await["violation"]["unit_id"]
        .as_i64()
        .unwrap();
    let head = head_at(&w, unit_of(&w, unit_id), "v.head", 21).await;
    // Monday 23 November + 5 working days: the notice is due by the end of Monday 30th.
    w.clock.advance(Duration::days(7));
    run(&w, Job::DeadlineEscalation).await;
    assert_eq!(
        audit_count(&w, "violation.notice_late").await,
        0,
        "not late yet"
    );
    w.clock.advance(Duration::days(1));
    run(&w, Job::DeadlineEscalation).await;
    run(&w, Job::DeadlineEscalation).await;
    assert_eq!(
        audit_count(&w, "violation.notice_late").await,
        1,
        "flagged once, however often the job runs"
    );
    let detail = violation(&w, vid).await;
    assert_eq!(
        events(&detail)
            .iter()
            .filter(|a| *a == "notice_late")
            .count(),
        1
    );
    assert!(detail["violation"]["notice_late_at"].is_string());
    // The head sees it on the overview and through the API.
    let (_, inbox) = w.app.get("/api/v1/messages", &head).await;
    let inbox = inbox.as_array().unwrap().clone();
    assert_eq!(inbox.len(), 1, "{inbox:?}");
    assert_eq!(inbox[0]["kind"], "notice_late");
    assert_eq!(inbox[0]["rule"], "NOT-01");
    assert_eq!(inbox[0]["subject_id"], vid.to_string());
    let page = w.app.page("/", Some(&head)).await;
    let card = page
        .split("id=\"home-messages\"")
        .nth(1)
        .expect("the messages card");
    assert!(card.contains("Owner not notified in time"), "{card}");
    assert!(card.contains(&format!("/violations/{vid}")));
    // A clerk of the unit is not the head: the message is not theirs to see or to read.
    let (_, clerk_inbox) = w.app.get("/api/v1/messages", &w.clerk).await;
    assert!(clerk_inbox.as_array().unwrap().is_empty());
    let path = format!("/api/v1/messages/{}/read", inbox[0]["id"]);
    let (status, _) = w.app.post(&path, &w.clerk, &json!({})).await;
    assert_eq!(status, 404);
    let (status, _) = w.app.post(&path, &head, &json!({})).await;
    assert_eq!(status, 204);
    let (_, inbox) = w.app.get("/api/v1/messages", &head).await;
    assert!(
        inbox.as_array().unwrap().is_empty(),
        "read messages leave the overview"
    );
    assert_eq!(audit_count(&w, "message.read").await, 1);
}

#[tokio::test]
async fn rev_04_a_verified_record_not_eliminated_in_three_working_days_goes_to_the_head() {
    let w = world().await;
    let vid = notified_record(&w, 1).await;
    let unit_id = violation(&w, vid).await["violation"]["unit_id"]
        .as_i64()
        .unwrap();
    let head = head_at(&w, unit_of(&w, unit_id), "e.head", 22).await;
    let act = |body: Value| {
        let path = format!("/api/v1/violations/{vid}/actions");
        let app = &w.app;
        let clerk = w.clerk.clone();
        async move { app.post(&path, &clerk, &body).await }
    };
    let (status, body) = act(
        json!({ "action": "verify_elimination", "reason": "stolen_or_cloned",
                                     "note": "police report 2026-118" }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    // Monday 23rd + 3 working days: eliminate by the end of Thursday 26th (Shanghai).
    assert_eq!(body["elimination_due_at"], "2026-11-26T16:00:00Z", "{body}");
    let (status, body) = act(json!({ "action": "verify_elimination", "reason": "other" })).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("violation.elimination_already_verified"))
    );
    w.clock.advance(Duration::days(3));
    run(&w, Job::DeadlineEscalation).await;
    assert_eq!(audit_count(&w, "violation.elimination_late").await, 0);
    w.clock.advance(Duration::days(1));
    run(&w, Job::DeadlineEscalation).await;
    run(&w, Job::DeadlineEscalation).await;
    assert_eq!(audit_count(&w, "violation.elimination_late").await, 1);
    let (_, inbox) = w.app.get("/api/v1/messages", &head).await;
    let kinds: Vec<&str> = inbox
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["elimination_late"]);
    assert_eq!(inbox[0]["rule"], "REV-04");
    let detail = violation(&w, vid).await;
    let ev = events(&detail);
    assert!(ev.contains(&"elimination_verified".to_owned()), "{ev:?}");
    assert!(ev.contains(&"elimination_late".to_owned()), "{ev:?}");
}

#[tokio::test]
async fn apl_02_an_objection_not_decided_in_five_working_days_goes_to_the_head() {
    let w = world().await;
    let vid = notified_record(&w, 1).await;
    let (status, o) = public_objection(&w, vid, "123456").await;
    assert_eq!(status, 201, "{o}");
    let unit_id = o["unit_id"].as_i64().unwrap();
    let head = head_at(&w, unit_of(&w, unit_id), "o.head", 23).await;
    // Due by the end of Monday 30 November.
    w.clock.advance(Duration::days(7));
    run(&w, Job::DeadlineEscalation).await;
    assert_eq!(audit_count(&w, "objection.decision_late").await, 0);
    w.clock.advance(Duration::days(1));
    run(&w, Job::DeadlineEscalation).await;
    run(&w, Job::DeadlineEscalation).await;
    assert_eq!(audit_count(&w, "objection.decision_late").await, 1);
    let (_, inbox) = w.app.get("/api/v1/messages", &head).await;
    let inbox = inbox.as_array().unwrap();
    assert_eq!(inbox.len(), 1, "{inbox:?}");
    assert_eq!(inbox[0]["kind"], "objection_late");
    assert_eq!(inbox[0]["rule"], "APL-02");
    assert_eq!(inbox[0]["subject_id"], o["id"].to_string());
    assert!(events(&violation(&w, vid).await).contains(&"objection_late".to_owned()));
}

#[tokio::test]
async fn not_02c_the_overdue_pass_reads_in_batches_and_reaches_records_behind_the_first() {
    let w = world().await;
    let mut ids = Vec::new();
    for n in 0..7 {
        ids.push(notified_record(&w, n).await);
        w.clock.advance(Duration::minutes(20));
    }
    w.clock.advance(Duration::days(31));
    // Batches of 2: seven due records need four reads; every one is advanced.
    let steps = overdue_pass_in_batches(&w.app.state, 2).await.unwrap();
    assert_eq!(steps, 7);
    for id in &ids {
        let detail = violation(&w, *id).await;
        assert!(
            detail["violation"]["intended_notice_on"].is_string(),
            "record {id} behind the first batch: {detail}"
        );
        assert!(
            detail["violation"]["next_step_at"].is_string(),
            "the next look is the announcement's date"
        );
    }
    // Nothing else is due: a second pass reads nothing and records nothing.
    assert_eq!(overdue_pass_in_batches(&w.app.state, 2).await.unwrap(), 0);
    assert_eq!(
        audit_count(&w, "violation.intended_decision_notice").await,
        7
    );
}

#[tokio::test]
async fn not_02c_an_owner_the_notice_cannot_reach_is_served_by_announcement_in_sixty_days() {
    let w = world().await;
    // No registry entry: no notice can be sent.
    let vid = entered_record(&w, "浙E99999", 1).await;
    w.clock.advance(Duration::days(8));
    run(&w, Job::ViolationOverdue).await;
    let detail = violation(&w, vid).await;
    assert_eq!(detail["violation"]["state"], "entered");
    assert!(
        detail["violation"]["service_announced_on"].is_string(),
        "{detail}"
    );
    let announced = detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "service_announced")
        .expect("the announcement on the timeline")
        .clone();
    assert_eq!(
        announced["detail"], "浙E***99",
        "the plate masked, nothing else"
    );
    // 1 December + 60 days is Saturday 30 January 2027: served on Monday 1 February.
    w.clock.advance(Duration::days(60));
    run(&w, Job::ViolationOverdue).await;
    assert_eq!(violation(&w, vid).await["violation"]["state"], "entered");
    w.clock.advance(Duration::days(2));
    run(&w, Job::ViolationOverdue).await;
    let detail = violation(&w, vid).await;
    assert_eq!(detail["violation"]["state"], "notified", "{detail}");
    assert!(detail["violation"]["handle_by"].is_string());
    assert!(events(&detail).contains(&"served_by_announcement".to_owned()));
}

#[tokio::test]
async fn time_01_the_calendar_page_warns_about_years_without_a_table() {
    let w = world().await;
    let page = w.app.page("/calendar?year=2028", Some(&w.clerk)).await;
    let warning = page
        .split("id=\"calendar-missing-years\"")
        .nth(1)
        .expect("a warning for 2028");
    assert!(warning.contains("2028"), "{warning}");
    let page = w.app.page("/calendar?year=2026", Some(&w.clerk)).await;
    assert!(
        !page.contains("calendar-missing-years"),
        "2026 and 2027 ship"
    );
    let page = w
        .app
        .page("/calendar?from=2027-12-28&days=5", Some(&w.clerk))
        .await;
    assert!(
        page.contains("id=\"deadline-no-table\""),
        "a deadline in 2028"
    );
}
