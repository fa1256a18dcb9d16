//! NOT-02b..d, NOT-03: the record's extension, late fee and intended decision notice, and the
//! inspection block (`services/captures/violations.rs`, `overdue.rs`, `inspection.rs`).

use chrono::Duration;

use super::*;

#[tokio::test]
async fn not_02b_extension_up_to_three_months_once() {
    let w = world().await;
    let vid = notified_record(&w, 1).await;
    let clerk = w.captures(&w.clerk);
    let (status, body) = clerk
        .act(
            vid,
            &json!({ "action": "extend", "until": "2027-03-24", "reason": "abroad" }),
        )
        .await;
    assert_eq!(
        (status, body["error"]["rule"].as_str()),
        (422, Some("NOT-02b")),
        "{body}"
    );
    let (status, body) = clerk.act(vid, &json!({ "action": "extend", "until": "2027-03-23", "reason": "owner abroad until March" })).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["extended_until"], "2027-03-23");
}

#[tokio::test]
async fn not_02d_late_fee_three_percent_a_day_and_rev_06_driver() {
    let w = world().await;
    let vid = notified_record(&w, 1).await;
    let clerk = w.captures(&w.clerk);
    let (status, body) = clerk
        .act(vid, &json!({ "action": "handle", "driver_name": "王大明" }))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["party"], "driver");
    assert_eq!(body["payment_due"], "2026-12-08");
    // Paid two days after the payment deadline: 200 + 2 × 6 = 212 yuan.
    w.clock.advance(Duration::days(17));
    let (status, body) = clerk.act(vid, &json!({ "action": "pay" })).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["late_fee_minor"], 1200);
    assert_eq!(body["paid_minor"], 21200);
    assert_eq!(body["state"], "closed");
}

#[tokio::test]
async fn not_03_inspection_block_until_the_case_is_closed() {
    let w = world().await;
    let (status, body) = w
        .app
        .get("/api/v1/inspection/vehicles/浙E12345", &w.inspector)
        .await;
    assert_eq!((status, &body["blocked"]), (200, &json!(false)), "{body}");
    let vid = notified_record(&w, 1).await;
    let (_, body) = w
        .app
        .get("/api/v1/inspection/vehicles/浙E12345", &w.inspector)
        .await;
    assert_eq!(body["blocked"], true, "{body}");
    assert_eq!(body["reasons"][0]["violation_id"], vid);
    assert!(body.get("owner_name").is_none());
    let (_, feed) = w.app.get("/api/v1/inspection/blocked", &w.inspector).await;
    assert_eq!(feed["items"][0]["plate"], "浙E12345");
    // Reviewers and clerks are not inspection stations.
    let (status, _) = w.app.get("/api/v1/inspection/blocked", &w.reviewer).await;
    assert_eq!(status, 403);
    let (status, _) = w
        .app
        .get("/api/v1/inspection/vehicles/浙E12345", &w.clerk)
        .await;
    assert_eq!(status, 403);
    let clerk = w.captures(&w.clerk);
    clerk.act(vid, &json!({ "action": "handle" })).await;
    let (_, body) = w
        .app
        .get("/api/v1/inspection/vehicles/浙E12345", &w.inspector)
        .await;
    assert_eq!(body["blocked"], true, "decided but unpaid");
    clerk.act(vid, &json!({ "action": "pay" })).await;
    let (_, body) = w
        .app
        .get("/api/v1/inspection/vehicles/浙E12345", &w.inspector)
        .await;
    assert_eq!(body["blocked"], false, "cleared the moment the case closed");
}

#[tokio::test]
async fn not_02c_five_unhandled_records_lead_to_the_intended_decision_notice() {
    let w = world().await;
    let mut ids = Vec::new();
    for n in 0..5 {
        ids.push(notified_record(&w, n).await);
        w.clock.advance(Duration::minutes(20));
    }
    w.clock.advance(Duration::days(31));
    w.run_job(Job::ViolationOverdue).await;
    let detail = w.captures(&w.clerk).violation(ids[0]).await;
    assert!(
        detail["violation"]["intended_notice_on"].is_string(),
        "{detail}"
    );
    let actions: Vec<&str> = detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(actions.contains(&"intended_decision_notice"), "{actions:?}");
}
