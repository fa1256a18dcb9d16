//! DEV-02..05, DEV-03, SUP-06, ORG-03: proposal, review, notice, trial, formal use and the upper unit's steps (`services/devices/lifecycle.rs`).

use super::*;

#[tokio::test]
async fn dev_02_to_05_a_camera_walks_from_proposal_to_formal_use() {
    let w = world().await;
    let id = w.create(&camera(&w.o, "330522010001")).await;
    // DEV-02: no review before an assessment is filed.
    let (status, body) = w
        .app
        .post(
            &format!("/api/v1/devices/{id}/reviews"),
            &w.tech,
            &json!({ "department": "technology", "decision": "approve" }),
        )
        .await;
    assert_eq!(
        (status, body["error"]["rule"].as_str()),
        (422, Some("DEV-03")),
        "{body}"
    );
    // DEV-02: facilities not in order → refused, nothing changes.
    let mut bad = assessment();
    bad["facilities_ok"] = json!(false);
    let (status, body) = w
        .app
        .post(
            &format!("/api/v1/devices/{id}/assessments"),
            &w.manager,
            &bad,
        )
        .await;
    assert_eq!(
        (status, body["error"]["rule"].as_str()),
        (422, Some("DEV-02"))
    );
    assert_eq!(w.state(id).await["state"], "draft");
    let (status, d) = w
        .app
        .post(
            &format!("/api/v1/devices/{id}/assessments"),
            &w.manager,
            &assessment(),
        )
        .await;
    assert_eq!(
        (status, d["state"].as_str()),
        (200, Some("under_review")),
        "{d}"
    );
    // The legal department sees it in its inbox (it serves the county the squad belongs to).
    let (_, inbox) = w.app.get("/api/v1/device-reviews/inbox", &w.legal).await;
    assert_eq!(inbox.as_array().unwrap().len(), 1, "{inbox}");
    // DEV-03: all three approve → DEV-04 public notice for five days.
    let d = w.review_all(id).await;
    assert_eq!(d["state"], "public_notice", "{d}");
    assert_eq!(
        d["notice_ends_at"], "2026-03-07T16:00:00Z",
        "midnight Shanghai after 3..7 March"
    );
    let (_, feed) = w.app.get("/api/v1/public/devices?unit=330522", "").await;
    assert_eq!(feed["devices"][0]["stage"], "notice", "{feed}");
    // The job moves the device when the notice has run, not before.
    w.clock.advance(Duration::days(4));
    w.run_jobs(Job::DeviceDeadlines).await;
    assert_eq!(w.state(id).await["state"], "public_notice");
    w.clock.advance(Duration::days(2));
    w.run_jobs(Job::DeviceDeadlines).await;
    let d = w.state(id).await;
    assert_eq!(
        (d["state"].as_str(), d["capture_use"].as_str()),
        (Some("trial"), Some("warn_only"))
    );
    // DEV-05: not before fifteen days of trial; DEV-07: not before registration.
    let (status, body) = w
        .act(&w.manager, id, json!({ "action": "start_formal_use" }))
        .await;
    assert_eq!(
        (status, body["error"]["rule"].as_str()),
        (422, Some("DEV-05")),
        "{body}"
    );
    w.clock.advance(Duration::days(16));
    let (status, body) = w
        .act(&w.manager, id, json!({ "action": "start_formal_use" }))
        .await;
    assert_eq!(
        (status, body["error"]["rule"].as_str()),
        (422, Some("DEV-07")),
        "{body}"
    );
    w.app
        .post(
            &format!("/api/v1/devices/{id}/registration"),
            &w.manager,
            &json!({ "platform_ref": "JZ-330522-0001" }),
        )
        .await;
    let (status, d) = w
        .act(&w.manager, id, json!({ "action": "start_formal_use" }))
        .await;
    assert_eq!(
        (status, d["state"].as_str(), d["capture_use"].as_str()),
        (200, Some("in_use"), Some("enforce")),
        "{d}"
    );
    // The timeline holds every step with who and why.
    let d = w.state(id).await;
    let actions: Vec<&str> = d["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for step in [
        "create",
        "file_assessment",
        "review_approved",
        "reviews_approved",
        "notice_ended",
        "registered",
        "start_formal_use",
    ] {
        assert!(actions.contains(&step), "{step} missing from {actions:?}");
    }
}

#[tokio::test]
async fn dev_03_reviewers_decide_from_outside_and_a_return_needs_a_reason() {
    let w = world().await;
    let id = w.create(&camera(&w.o, "330522010002")).await;
    w.app
        .post(
            &format!("/api/v1/devices/{id}/assessments"),
            &w.manager,
            &assessment(),
        )
        .await;
    // The county's own reviewers review the squad's proposal...
    let (status, _) = w
        .app
        .post(
            &format!("/api/v1/devices/{id}/reviews"),
            &w.county_reviewer,
            &json!({ "department": "technology", "decision": "approve" }),
        )
        .await;
    assert_eq!(status, 200);
    // One person decides for one department per round, even holding all three roles.
    let (status, body) = w
        .app
        .post(
            &format!("/api/v1/devices/{id}/reviews"),
            &w.county_reviewer,
            &json!({ "department": "legal", "decision": "approve" }),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("review.one_department_per_person")),
        "{body}"
    );
    // ...not twice, and nobody approves for a department they do not belong to.
    let (status, body) = w
        .app
        .post(
            &format!("/api/v1/devices/{id}/reviews"),
            &w.tech,
            &json!({ "department": "technology", "decision": "approve" }),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("review.already_decided"))
    );
    let (status, body) = w
        .app
        .post(
            &format!("/api/v1/devices/{id}/reviews"),
            &w.tech,
            &json!({ "department": "legal", "decision": "approve" }),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("review.role_missing"))
    );
    // A return names its reason.
    let (status, body) = w
        .app
        .post(
            &format!("/api/v1/devices/{id}/reviews"),
            &w.legal,
            &json!({ "department": "legal", "decision": "return" }),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("review.reason_required"))
    );
    let (status, d) = w
        .app
        .post(
            &format!("/api/v1/devices/{id}/reviews"),
            &w.legal,
            &json!({ "department": "legal", "decision": "return", "reason": "公示计划未附" }),
        )
        .await;
    assert_eq!(
        (status, d["state"].as_str()),
        (200, Some("returned")),
        "{d}"
    );
    // A device of the county itself is not reviewed by the county's police reviewers.
    let own = json!({ "unit_id": w.o.county.id.0, "number": "330522010003" });
    let mut body = camera(&w.o, "330522010003");
    body["unit_id"] = own["unit_id"].clone();
    let (status, d) = w
        .app
        .post("/api/v1/devices", &w.county_supervisor, &body)
        .await;
    assert_eq!(status, 201, "{d}");
    let cid = d["id"].as_i64().unwrap();
    w.app
        .post(
            &format!("/api/v1/devices/{cid}/assessments"),
            &w.county_supervisor,
            &assessment(),
        )
        .await;
    let (status, body) = w
        .app
        .post(
            &format!("/api/v1/devices/{cid}/reviews"),
            &w.county_reviewer,
            &json!({ "department": "technology", "decision": "approve" }),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("review.own_unit")),
        "{body}"
    );
    // A reviewer outside the chain does not even see it.
    let (status, _) = w
        .app
        .get(&format!("/api/v1/devices/{id}"), &w.sibling)
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn dev_05_trial_captures_never_become_fines() {
    let w = world().await;
    let id = w.create(&camera(&w.o, "330522010004")).await;
    w.app
        .post(
            &format!("/api/v1/devices/{id}/assessments"),
            &w.manager,
            &assessment(),
        )
        .await;
    w.review_all(id).await;
    w.clock.advance(Duration::days(6));
    w.run_jobs(Job::DeviceDeadlines).await;
    let d = w.state(id).await;
    assert_eq!(
        (d["state"].as_str(), d["capture_use"].as_str()),
        (Some("trial"), Some("warn_only"))
    );
    // Every way out of the trial that skips its fifteen days is refused; suspension and
    // resumption lead back to the trial, never past it.
    let (status, _) = w
        .act(&w.manager, id, json!({ "action": "start_formal_use" }))
        .await;
    assert_eq!(status, 422);
    let (status, _) = w.act(&w.manager, id, json!({ "action": "suspend", "reason_code": "signals_non_standard", "reason": "信号灯故障" })).await;
    assert_eq!(status, 200);
    let (_, d) = w
        .act(
            &w.manager,
            id,
            json!({ "action": "resume", "reason": "信号灯已修复，验收合格" }),
        )
        .await;
    assert_eq!(
        (d["state"].as_str(), d["capture_use"].as_str()),
        (Some("trial"), Some("warn_only"))
    );
    for action in ["evaluate_keep", "evaluate_stop"] {
        let (status, _) = w
            .act(
                &w.manager,
                id,
                json!({ "action": action, "reason": "x-test" }),
            )
            .await;
        assert_eq!(status, 422, "{action}");
    }
    // The trial's captures stay warnings by the history, whatever the device does later.
    use roadwarden_domain::device::lifecycle::{capture_use_at, CaptureUse};
    use roadwarden_domain::device::DeviceState;
    let history: Vec<_> = d["timeline"]
        .as_array()
        .unwrap_or(&Vec::new())
        .iter()
        .chain(w.state(id).await["timeline"].as_array().unwrap().iter())
        .filter_map(|e| {
            Some((
                e["at"].as_str()?.parse().ok()?,
                DeviceState::parse(e["to_state"].as_str()?).ok()?,
            ))
        })
        .collect::<Vec<(chrono::DateTime<Utc>, DeviceState)>>();
    let now = w.clock.now();
    assert_eq!(
        capture_use_at(&history, now, now + Duration::days(40)),
        CaptureUse::WarnOnly
    );
}

#[tokio::test]
async fn sup_06_org_03_the_upper_unit_circuit_breaks_and_re_enabling_starts_over() {
    let w = world().await;
    let id = w.in_use("330522010060").await;
    // The county (the managing unit's parent, but not above the county's own devices) and a
    // sibling may not; the city may.
    let (status, body) = w
        .act(
            &w.sibling,
            id,
            json!({ "action": "circuit_break", "reason": "数据异常" }),
        )
        .await;
    assert_eq!(status, 404, "{body}");
    let (status, body) = w
        .act(
            &w.manager,
            id,
            json!({ "action": "circuit_break", "reason": "数据异常" }),
        )
        .await;
    assert_eq!(status, 403, "{body}");
    let (status, body) = w
        .act(
            &w.city_supervisor,
            id,
            json!({ "action": "warn", "reason": "抓拍量异常升高" }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, d) = w
        .act(
            &w.city_supervisor,
            id,
            json!({ "action": "circuit_break", "reason": "预警后未整改" }),
        )
        .await;
    assert_eq!(
        (status, d["state"].as_str(), d["capture_use"].as_str()),
        (200, Some("circuit_broken"), Some("refuse")),
        "{d}"
    );
    let (status, body) = w
        .act(
            &w.manager,
            id,
            json!({ "action": "resume", "reason": "已整改" }),
        )
        .await;
    assert_eq!(
        (status, body["error"]["rule"].as_str()),
        (422, Some("SUP-06"))
    );
    // Re-enabling: assessment, review, notice, trial again.
    let (_, d) = w
        .app
        .post(
            &format!("/api/v1/devices/{id}/assessments"),
            &w.manager,
            &assessment(),
        )
        .await;
    assert_eq!(d["state"], "under_review");
    assert_eq!(w.review_all(id).await["state"], "public_notice");
    let d = w.state(id).await;
    assert_eq!(
        d["assessments"].as_array().unwrap().last().unwrap()["purpose"],
        "re_enable"
    );
}
