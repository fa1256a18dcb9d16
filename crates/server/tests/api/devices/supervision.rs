//! SUP-02, SUP-03, SUP-06, SUP-07, AUD-09 through the API: the check and rectification list,
//! wired to the device lifecycle (SUP-04 suspension until accepted, SUP-06 circuit breaker).

use chrono::Duration;
use roadwarden_server::jobs::Job;
use serde_json::{json, Value};

use super::world;

async fn warn(w: &super::World, token: &str, device: i64) -> (u16, Value) {
    w.app
        .post(
            "/api/v1/supervision/warnings",
            token,
            &json!({ "device_id": device, "notice": "抓拍量较上月下降 79%，请复核" }),
        )
        .await
}

async fn step(w: &super::World, token: &str, item: i64, body: Value) -> (u16, Value) {
    w.app
        .post(
            &format!("/api/v1/supervision/items/{item}/steps"),
            token,
            &body,
        )
        .await
}

fn recheck(suspend: &str) -> Value {
    json!({
        "action": "recheck",
        "necessity_holds": true, "necessity": "路口事故多发，仍有必要",
        "rationality_holds": true, "rationality": "位置合理",
        "conformity_holds": false, "conformity": "补光灯损坏，识别率下降",
        "suspend_for": suspend,
    })
}

#[tokio::test]
async fn sup_03_sup_07_warning_to_acceptance_names_every_person() {
    let w = world().await;
    let id = w.in_use("33052201000101").await;
    let (status, page) = warn(&w, &w.city_supervisor, id).await;
    assert_eq!(status, 201, "{page}");
    let item = page["item"]["id"].as_i64().unwrap();
    assert_eq!(page["item"]["origin"], "warning");
    assert_eq!(page["item"]["waiting_on"], "managing_unit");

    // The raising unit cannot re-check; the managing unit can, and its finding suspends.
    let (status, e) = step(&w, &w.city_supervisor, item, recheck("")).await;
    assert_eq!(status, 422, "{e}");
    assert_eq!(e["error"]["code"], "supervision.not_managing_unit");
    let (status, e) = step(&w, &w.manager, item, json!({ "action": "recheck" })).await;
    assert_eq!(status, 422, "{e}");
    assert_eq!(e["error"]["field"], "necessity");
    let (status, p) = step(&w, &w.manager, item, recheck("low_accuracy")).await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(w.state(id).await["state"], "suspended");

    let deadline = (w.clock.now() + Duration::days(20))
        .date_naive()
        .to_string();
    let (status, p) = step(
        &w,
        &w.manager,
        item,
        json!({ "action": "plan", "note": "更换补光灯并重新标定", "deadline": deadline }),
    )
    .await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(p["item"]["rectification"], true);
    let (status, p) = step(
        &w,
        &w.manager,
        item,
        json!({ "action": "report_progress", "note": "已采购", "percent": 40 }),
    )
    .await;
    assert_eq!(status, 200, "{p}");
    let (status, p) = step(
        &w,
        &w.manager,
        item,
        json!({ "action": "submit", "note": "已更换并标定" }),
    )
    .await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(p["item"]["waiting_on"], "raising_unit");
    assert_eq!(p["actions"], json!([]), "the managing unit waits");
    let (status, e) = step(&w, &w.manager, item, json!({ "action": "accept" })).await;
    assert_eq!(status, 422, "{e}");
    assert_eq!(e["error"]["code"], "supervision.not_raising_unit");

    let (status, p) = step(&w, &w.city_supervisor, item, json!({ "action": "accept" })).await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(p["item"]["state"], "accepted");
    assert_eq!(
        w.state(id).await["state"],
        "in_use",
        "SUP-04: back in use once accepted"
    );

    // SUP-07: every step names its person and unit.
    let steps = p["steps"].as_array().unwrap();
    let kinds: Vec<&str> = steps.iter().map(|s| s["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "warn",
            "recheck",
            "plan",
            "report_progress",
            "submit",
            "accept"
        ]
    );
    assert!(steps
        .iter()
        .all(|s| s["by_user_id"].is_i64() && s["unit_name"].is_string()));

    // The device's history of decisions.
    let (status, hist) = w
        .app
        .get(
            &format!("/api/v1/supervision/items?device_id={id}"),
            &w.manager,
        )
        .await;
    assert_eq!(status, 200, "{hist}");
    assert_eq!(hist.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn sup_03_bad_input_is_refused_clearly() {
    let w = world().await;
    let id = w.in_use("33052201000102").await;
    // A device manager cannot warn; a warning about an unknown device is "not found".
    let (status, _) = warn(&w, &w.manager, id).await;
    assert_eq!(status, 403);
    let (status, _) = warn(&w, &w.city_supervisor, 999_999).await;
    assert_eq!(status, 404);
    // The managing unit's own supervisor is not above it.
    let (_, page) = warn(&w, &w.city_supervisor, id).await;
    let item = page["item"]["id"].as_i64().unwrap();
    step(&w, &w.manager, item, recheck("")).await;
    // A plan with a deadline in the past is refused on its field.
    let past = (w.clock.now() - Duration::days(3)).date_naive().to_string();
    let (status, e) = step(
        &w,
        &w.manager,
        item,
        json!({ "action": "plan", "note": "整改", "deadline": past }),
    )
    .await;
    assert_eq!(status, 422, "{e}");
    assert_eq!(e["error"]["field"], "deadline");
    // A step out of order names its rule.
    let (status, e) = step(
        &w,
        &w.manager,
        item,
        json!({ "action": "submit", "note": "x" }),
    )
    .await;
    assert_eq!(status, 422, "{e}");
    assert_eq!(e["error"]["code"], "supervision.step_out_of_order");
    // The sibling county sees nothing of it.
    let (status, _) = w
        .app
        .get(&format!("/api/v1/supervision/items/{item}"), &w.sibling)
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn sup_06_circuit_breaker_after_an_unheeded_warning_and_escalation() {
    let w = world().await;
    let id = w.in_use("33052201000103").await;
    let (_, page) = warn(&w, &w.city_supervisor, id).await;
    let item = page["item"]["id"].as_i64().unwrap();
    let breaker = format!("/api/v1/supervision/items/{item}/circuit-break");
    let body = json!({ "reason": "警示后逾期未整改" });
    let (status, e) = w.app.post(&breaker, &w.city_supervisor, &body).await;
    assert_eq!(status, 422, "{e}");
    assert_eq!(e["error"]["code"], "supervision.breaker_not_due");

    // Overdue: the daily job escalates it and says so once per level.
    w.clock.advance(Duration::days(12));
    w.run_jobs(Job::SupervisionEscalation).await;
    let (_, p) = w
        .app
        .get(&format!("/api/v1/supervision/items/{item}"), &w.manager)
        .await;
    assert_eq!(p["item"]["escalation_level"], 1, "{p}");

    w.clock.advance(Duration::days(20));
    let (_, p) = w
        .app
        .get(
            &format!("/api/v1/supervision/items/{item}"),
            &w.city_supervisor,
        )
        .await;
    assert!(
        p["actions"]
            .as_array()
            .unwrap()
            .contains(&json!("circuit_break")),
        "{p}"
    );
    // The managing unit cannot break its own device's circuit.
    let (status, _) = w.app.post(&breaker, &w.manager, &body).await;
    assert_eq!(status, 403);
    let (status, p) = w.app.post(&breaker, &w.city_supervisor, &body).await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(w.state(id).await["state"], "circuit_broken");
}

#[tokio::test]
async fn aud_09_sup_02_complaints_feed_the_analysis_once_per_period() {
    let w = world().await;
    let id = w.in_use("33052201000104").await;
    let c = |summary: &str| json!({ "channel": "phone", "target_kind": "device", "target_id": id, "summary": summary });
    let mut first = 0;
    for n in 0..3 {
        let (status, v) = w
            .app
            .post(
                "/api/v1/supervision/complaints",
                &w.city_supervisor,
                &c(&format!("投诉 {n}：抓拍错误")),
            )
            .await;
        assert_eq!(status, 201, "{v}");
        assert_eq!(v["state"], "registered");
        if n == 0 {
            first = v["id"].as_i64().unwrap();
        }
    }
    // Bad input: an unknown channel names its field.
    let mut bad = c("x");
    bad["channel"] = json!("fax");
    let (status, e) = w
        .app
        .post("/api/v1/supervision/complaints", &w.city_supervisor, &bad)
        .await;
    assert_eq!(status, 422);
    assert_eq!(e["error"]["field"], "channel");

    // Checked, answered, closed; each step by a person.
    let url = format!("/api/v1/supervision/complaints/{first}/steps");
    let (status, v) = w
        .app
        .post(
            &url,
            &w.city_supervisor,
            &json!({ "action": "answer", "outcome": "upheld", "reply": "x" }),
        )
        .await;
    assert_eq!(status, 422, "{v}");
    assert_eq!(v["error"]["code"], "complaint.step_out_of_order");
    let (status, _) = w
        .app
        .post(
            &url,
            &w.city_supervisor,
            &json!({ "action": "start_check" }),
        )
        .await;
    assert_eq!(status, 200);
    let (status, v) = w
        .app
        .post(
            &url,
            &w.city_supervisor,
            &json!({ "action": "answer", "outcome": "upheld", "reply": "已核实，记录已撤销" }),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["result"], "upheld");
    assert!(v["answered_by"].is_i64());

    // The others go overdue and are flagged by the daily job.
    w.clock.advance(Duration::days(20));
    w.run_jobs(Job::SupervisionEscalation).await;
    let (_, list) = w
        .app
        .get("/api/v1/supervision/complaints", &w.city_supervisor)
        .await;
    assert_eq!(
        list.as_array()
            .unwrap()
            .iter()
            .filter(|c| c["overdue"] == true)
            .count(),
        2
    );

    // SUP-02: three complaints reach the ceiling: the device joins the check list, once.
    let today = w.clock.now().date_naive();
    let period =
        json!({ "first": (today - Duration::days(25)).to_string(), "last": today.to_string() });
    let (status, r) = w
        .app
        .post("/api/v1/supervision/analysis", &w.city_supervisor, &period)
        .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["raised"].as_array().unwrap().len(), 1, "{r}");
    let (_, again) = w
        .app
        .post("/api/v1/supervision/analysis", &w.city_supervisor, &period)
        .await;
    assert_eq!(again["raised"], json!([]), "{again}");
    let (_, items) = w
        .app
        .get("/api/v1/supervision/items?open=true", &w.manager)
        .await;
    let findings = items[0]["findings"].as_array().unwrap();
    let finding = findings
        .iter()
        .find(|f| f["kind"] == "complaints")
        .expect("complaints");
    assert_eq!(finding["figure"], 3.0);
    // A device manager cannot run the analysis.
    let (status, _) = w
        .app
        .post("/api/v1/supervision/analysis", &w.manager, &period)
        .await;
    assert_eq!(status, 403);
}
