//! REV-00..05, SUP-07a: who reviews, the queue by deadline, coded rejections, second looks
//! (`services/captures/review.rs`).

use chrono::Duration;

use super::*;

#[tokio::test]
async fn rev_02_a_collector_never_reviews_their_own_capture() {
    let w = world().await;
    let mut c = w.capture("浙E12345", "1039", 1);
    c["collected_by"] = json!("sq.collector");
    let (status, r) = w.push("330522020204", &c).await;
    assert_eq!(r["state"], "pending", "{r}");
    assert_eq!(status, 201, "{r}");
    let id = r["capture_id"].as_i64().unwrap();
    // One person never holds both posts: while they collect, the review role is refused...
    let root = w.app.token(&w.o.root_admin.0, &w.o.root_admin.1).await;
    let collector_id: i64 = {
        let (_, list) = w.app.get("/api/v1/users?search=sq.collector", &root).await;
        list["items"][0]["id"].as_i64().unwrap()
    };
    let (status, body) = w
        .app
        .post(
            &format!("/api/v1/users/{collector_id}/roles"),
            &root,
            &json!({ "role": "reviewer" }),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["rule"], "REV-02");
    assert_eq!(body["error"]["code"], "role.collector_reviewer_separated");
    // ...and an officer moved from collection to review still never reviews what they collected.
    move_to_review_post(&w, collector_id).await;
    let collector = w.app.token("sq.collector", PASSWORD).await;
    let (status, body) = w
        .captures(&collector)
        .decide(id, &json!({ "decision": "approve" }))
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["rule"], "REV-02");
    // Their own queue does not offer it either.
    let resp = w
        .app
        .client
        .get(w.app.url("/api/v1/review/next"))
        .bearer_auth(&collector)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 204);
    // And the database refuses it whatever path writes it.
    let err = w
        .app
        .state
        .store
        .raw_execute(&format!(
            "UPDATE captures SET reviewed_by = {collector_id} WHERE id = {id}"
        ))
        .await;
    assert!(
        err.is_err(),
        "the CHECK constraint holds REV-02 in the database"
    );
    // Another reviewer may.
    w.approve(id).await;
}

/// The operator takes the collection post away and gives the review post (the order REV-02
/// allows).
async fn move_to_review_post(w: &World, user_id: i64) {
    use roadwarden_server::services::{accounts, Authority};
    let meta = roadwarden_server::context::RequestMeta::default();
    let user = roadwarden_domain::UserId(user_id);
    accounts::revoke_role(&w.app.state, Authority::Operator, &meta, user, "collector")
        .await
        .unwrap();
    accounts::grant_role(&w.app.state, Authority::Operator, &meta, user, "reviewer")
        .await
        .unwrap();
}

#[tokio::test]
async fn rev_02_a_handheld_push_names_a_collector_who_holds_the_collection_post() {
    let w = world().await;
    // No collector named: refused.
    let c = w.capture("浙E12345", "1039", 1);
    let (status, body) = w.push("330522090203", &c).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["field"], "collected_by", "{body}");
    // A named reviewer is not a collector: refused.
    let mut c = w.capture("浙E12345", "1039", 2);
    c["collected_by"] = json!("cx.reviewer");
    let (status, body) = w.push("330522090203", &c).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["field"], "collected_by", "{body}");
    // The collector of the terminal's unit: taken.
    let mut c = w.capture("浙E12345", "1039", 3);
    c["collected_by"] = json!("sq.collector");
    c["place"] = json!("长兴大道与明珠路口");
    let (status, body) = w.push("330522090203", &c).await;
    assert_eq!(status, 201, "{body}");
    // CAP-00: a handheld police terminal in formal use is a capture source like any other.
    assert_eq!(body["state"], "pending", "{body}");
    assert_eq!(body["usage"], "enforce", "{body}");
}

#[tokio::test]
async fn rev_00_only_the_police_of_the_place_review() {
    let w = world().await;
    let (_, r) = w
        .push("330522010201", &w.capture("浙E12345", "1625", 1))
        .await;
    let id = r["capture_id"].as_i64().unwrap();
    let sibling = w
        .app
        .token(&w.o.sibling_reviewer.0, &w.o.sibling_reviewer.1)
        .await;
    let (status, _) = w.captures(&sibling).capture(id).await;
    assert_eq!(status, 404, "another county does not even see it");
    // In scope but without a role of the chain: no evidence.
    let (status, _) = w.captures(&w.manager).capture(id).await;
    assert_eq!(status, 403);
    let (status, _) = w
        .app
        .get(&format!("/api/v1/captures/{id}/images/0"), &w.manager)
        .await;
    assert_eq!(status, 403);
    let (status, _) = w
        .captures(&sibling)
        .decide(id, &json!({ "decision": "approve" }))
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn rev_03_rejections_carry_a_coded_reason() {
    let w = world().await;
    let (_, r) = w.push("330522010201", &w.capture("", "1625", 1)).await;
    assert_eq!(r["flags"][0]["flag"], "plate_unidentified", "{r}");
    let id = r["capture_id"].as_i64().unwrap();
    let (status, body) = w
        .captures(&w.reviewer)
        .decide(id, &json!({ "decision": "reject" }))
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("reason")),
        "{body}"
    );
    let (status, body) = w
        .captures(&w.reviewer)
        .decide(id, &json!({ "decision": "reject", "reason": "blurry" }))
        .await;
    assert_eq!(status, 422, "{body}");
    let (status, body) = w
        .captures(&w.reviewer)
        .decide(
            id,
            &json!({ "decision": "reject", "reason": "vehicle_unidentifiable" }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["state"], "rejected");
    let (_, view) = w.captures(&w.reviewer).capture(id).await;
    assert_eq!(view["reject_reason"], "vehicle_unidentifiable");
    // Decided once: a second decision is refused.
    let (status, _) = w
        .captures(&w.reviewer)
        .decide(id, &json!({ "decision": "approve" }))
        .await;
    assert_eq!(status, 422);
}

#[tokio::test]
async fn rev_01_queue_by_deadline_and_overdue_escalates() {
    let w = world().await;
    let (_, first) = w
        .push("330522010201", &w.capture("浙E12345", "1625", 1))
        .await;
    w.clock.advance(Duration::days(1));
    let (_, second) = w
        .push("330522010201", &w.capture("浙E12346", "1625", 2))
        .await;
    let (_, next) = w.app.get("/api/v1/review/next", &w.reviewer).await;
    assert_eq!(
        next["id"], first["capture_id"],
        "the nearest deadline first"
    );
    let (_, after) = w
        .app
        .get(
            &format!("/api/v1/review/next?after={}", first["capture_id"]),
            &w.reviewer,
        )
        .await;
    assert_eq!(after["id"], second["capture_id"]);
    // Monday 23rd + 5 working days = Monday 30th; on 1 December it is overdue.
    w.clock.advance(Duration::days(7));
    let q = w.captures(&w.reviewer).queue().await;
    assert_eq!(q["overdue"], 1, "{q}");
    w.run_job(Job::CaptureEscalation).await;
    let root = w.o.root_admin_token(&w.app).await;
    let (_, audit) = w
        .app
        .get("/api/v1/audit?action=capture.review_overdue", &root)
        .await;
    assert_eq!(audit.as_array().unwrap().len(), 1, "{audit}");
    // The unit head sees it on the overview.
    account(&w.app.state, &w.o.county, "cx.head", 18, &["unit_head"]).await;
    let head = w.app.token("cx.head", PASSWORD).await;
    let page = w.app.page("/", Some(&head)).await;
    let card = page
        .split("id=\"home-overdue\"")
        .nth(1)
        .expect("the overdue card");
    assert!(card.contains(">1</span>"), "one capture overdue: {card}");
}

#[tokio::test]
async fn rev_05_a_share_of_approvals_gets_a_second_look_and_sup_07a_stats_rate_accuracy() {
    let w = world_with(|s| s.captures.second_review_percent = 100).await;
    account(&w.app.state, &w.o.county, "cx.reviewer2", 17, &["reviewer"]).await;
    let second = w.app.token("cx.reviewer2", PASSWORD).await;
    let (_, r) = w
        .push("330522010201", &w.capture("浙E12345", "1625", 1))
        .await;
    let id = r["capture_id"].as_i64().unwrap();
    let out = w.approve(id).await;
    assert_eq!(out["state"], "second_review");
    assert!(out["violation_id"].is_null());
    let (status, body) = w
        .captures(&w.reviewer)
        .decide(id, &json!({ "decision": "approve" }))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("review.second_by_first"))
    );
    let (status, body) = w
        .captures(&second)
        .decide(id, &json!({ "decision": "approve" }))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["state"], "approved");
    let (_, stats) = w.app.get("/api/v1/review/stats", &w.reviewer).await;
    let me = stats
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["username"] == "cx.reviewer")
        .unwrap();
    assert_eq!(me["second_looked"], 1);
    assert_eq!(me["overturned"], 0);
    assert!(me.get("fines").is_none(), "SUP-07a: never counts of fines");
}

/// Issue 14 item 6: a skipped capture does not come straight back after the reviewer's next
/// decision; it comes back when nothing else is left, and another reviewer may take it at once.
#[tokio::test]
async fn rev_01_a_skip_sticks_for_that_reviewer() {
    let w = world().await;
    let mut ids = Vec::new();
    for (n, plate) in [(1, "浙E12345"), (2, "浙E12346"), (3, "浙E12347")] {
        let (_, c) = w.push("330522010201", &w.capture(plate, "1625", n)).await;
        ids.push(c["capture_id"].as_i64().unwrap());
        w.clock.advance(Duration::hours(1));
    }
    let next = |after: Option<i64>| {
        let path = match after {
            Some(a) => format!("/api/v1/review/next?after={a}"),
            None => "/api/v1/review/next".to_owned(),
        };
        let app = &w.app;
        let token = w.reviewer.clone();
        async move { app.get(&path, &token).await.1["id"].as_i64() }
    };
    assert_eq!(next(None).await, Some(ids[0]));
    assert_eq!(next(Some(ids[0])).await, Some(ids[1]), "skipped");
    w.approve(ids[1]).await;
    assert_eq!(next(None).await, Some(ids[2]), "the skip sticks");
    w.approve(ids[2]).await;
    account(&w.app.state, &w.o.county, "cx.reviewer2", 19, &["reviewer"]).await;
    let other = w.app.token("cx.reviewer2", PASSWORD).await;
    let (_, theirs) = w.app.get("/api/v1/review/next", &other).await;
    assert_eq!(
        theirs["id"], ids[0],
        "a skipped capture is let go for others"
    );
}

/// Issue 14: a skip is kept in the database, so it still sticks after a restart.
#[tokio::test]
async fn rev_01_a_skip_sticks_across_a_restart() {
    let mut w = world().await;
    let mut ids = Vec::new();
    for (n, plate) in [(1, "浙E12345"), (2, "浙E12346"), (3, "浙E12347")] {
        let (_, c) = w.push("330522010201", &w.capture(plate, "1625", n)).await;
        ids.push(c["capture_id"].as_i64().unwrap());
        w.clock.advance(Duration::hours(1));
    }
    let (_, first) = w.app.get("/api/v1/review/next", &w.reviewer).await;
    assert_eq!(first["id"], ids[0]);
    let after = format!("/api/v1/review/next?after={}", ids[0]);
    let (_, second) = w.app.get(&after, &w.reviewer).await;
    assert_eq!(second["id"], ids[1], "skipped");
    w.base.app = w.base.app.restart().await;
    w.approve(ids[1]).await;
    let (_, third) = w.app.get("/api/v1/review/next", &w.reviewer).await;
    assert_eq!(third["id"], ids[2], "the skip outlived the restart");
}

/// Undo on the desk (issue 14): while the desk holds a decision for a few seconds, the next
/// capture is handed out past it; the held capture stays claimed by this reviewer (nobody else
/// takes it) and is not a skip, so an undo finds it waiting and it never comes back as skipped.
#[tokio::test]
async fn rev_01_a_capture_held_for_undo_is_stepped_over_without_becoming_a_skip() {
    let w = world().await;
    let mut ids = Vec::new();
    for (n, plate) in [(1, "浙E12345"), (2, "浙E12346")] {
        let (_, c) = w.push("330522010201", &w.capture(plate, "1625", n)).await;
        ids.push(c["capture_id"].as_i64().unwrap());
        w.clock.advance(Duration::hours(1));
    }
    let (_, first) = w.app.get("/api/v1/review/next", &w.reviewer).await;
    assert_eq!(first["id"], ids[0]);
    let held = format!("/api/v1/review/next?holding={}", ids[0]);
    let (_, second) = w.app.get(&held, &w.reviewer).await;
    assert_eq!(second["id"], ids[1], "the held capture is stepped over");
    account(&w.app.state, &w.o.county, "cx.reviewer2", 19, &["reviewer"]).await;
    let other = w.app.token("cx.reviewer2", PASSWORD).await;
    let (status, _) = w.app.get("/api/v1/review/next", &other).await;
    assert_eq!(status, 204, "both are claimed by the first reviewer");
    w.approve(ids[1]).await;
    let (_, again) = w.app.get("/api/v1/review/next", &w.reviewer).await;
    assert_eq!(again["id"], ids[0], "not a skip: it is next straight away");
    let only = format!("/api/v1/review/next?holding={}", ids[0]);
    let (status, _) = w.app.get(&only, &w.reviewer).await;
    assert_eq!(
        status, 204,
        "only the held one is left: the desk shows an empty queue"
    );
    let (status, _) = w
        .app
        .get("/api/v1/review/next?holding=abc", &w.reviewer)
        .await;
    assert_eq!(status, 422);
}

#[tokio::test]
async fn rev_01_only_skipped_captures_left_come_back() {
    let w = world().await;
    let (_, c) = w
        .push("330522010201", &w.capture("浙E12345", "1625", 1))
        .await;
    let id = c["capture_id"].as_i64().unwrap();
    let (_, first) = w.app.get("/api/v1/review/next", &w.reviewer).await;
    assert_eq!(first["id"], id);
    let (status, _) = w
        .app
        .get(&format!("/api/v1/review/next?after={id}"), &w.reviewer)
        .await;
    assert!(status == 200 || status == 204, "nothing after it: {status}");
    let (_, again) = w.app.get("/api/v1/review/next", &w.reviewer).await;
    assert_eq!(again["id"], id, "the only capture left comes back");
}
