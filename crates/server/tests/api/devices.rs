//! DEV-01..15, SUP-04..06, ORG-03 through the API: every rule holds here, not only in the UI.

use chrono::{Duration, TimeZone, Utc};
use roadwarden_server::jobs::worker::run_one;
use roadwarden_server::jobs::{enqueue, Job};
use roadwarden_server::Clock;
use roadwarden_testkit::{account, org, unit, Org, TestApp};
use serde_json::{json, Value};

/// The organisation plus the people of the device lifecycle.
struct World {
    app: TestApp,
    clock: Clock,
    o: Org,
    manager: String,
    tech: String,
    legal: String,
    opinion: String,
    /// A police reviewer holding all three review roles at the county.
    county_reviewer: String,
    city_supervisor: String,
    county_supervisor: String,
    sibling: String,
}

async fn world() -> World {
    // Monday 2 March 2026, 10:00 in Shanghai.
    let clock = Clock::manual(Utc.with_ymd_and_hms(2026, 3, 2, 2, 0, 0).unwrap());
    // The clock moves months ahead: keep tokens and passwords valid meanwhile.
    let app = TestApp::spawn_with(
        |s| {
            s.security.api_token_days = 3650;
            s.security.password_max_age_days = 0;
        },
        clock.clone(),
    )
    .await;
    let o = org(&app.state).await;
    let s = &app.state;
    let kj = unit(
        s,
        Some(&o.county),
        "330522-KJ",
        "county",
        "technology_department",
    )
    .await;
    let fz = unit(
        s,
        Some(&o.county),
        "330522-FZ",
        "county",
        "legal_department",
    )
    .await;
    let yq = unit(
        s,
        Some(&o.county),
        "330522-YQ",
        "county",
        "public_opinion_centre",
    )
    .await;
    account(s, &o.squad, "sq.device", 11, &["device_manager"]).await;
    account(s, &kj, "kj.tech", 12, &["tech_reviewer"]).await;
    account(s, &fz, "fz.legal", 13, &["legal_reviewer"]).await;
    account(s, &yq, "yq.opinion", 14, &["opinion_reviewer"]).await;
    account(
        s,
        &o.county,
        "cx.reviewers",
        15,
        &["tech_reviewer", "legal_reviewer", "opinion_reviewer"],
    )
    .await;
    account(s, &o.city, "hz.supervisor", 16, &["supervisor"]).await;
    account(
        s,
        &o.county,
        "cx.supervisor",
        17,
        &["supervisor", "device_manager"],
    )
    .await;
    account(s, &o.sibling_county, "wx.device", 18, &["device_manager"]).await;
    let pw = roadwarden_testkit::PASSWORD;
    World {
        manager: app.token("sq.device", pw).await,
        tech: app.token("kj.tech", pw).await,
        legal: app.token("fz.legal", pw).await,
        opinion: app.token("yq.opinion", pw).await,
        county_reviewer: app.token("cx.reviewers", pw).await,
        city_supervisor: app.token("hz.supervisor", pw).await,
        county_supervisor: app.token("cx.supervisor", pw).await,
        sibling: app.token("wx.device", pw).await,
        app,
        clock,
        o,
    }
}

fn camera(o: &Org, number: &str) -> Value {
    json!({
        "number": number, "kind": "fixed_enforcement", "unit_id": o.squad.id.0,
        "name": "明珠路与长兴大道路口 闯红灯", "maintainer": "长兴智慧交通科技有限公司",
        "leader": "吴磊", "department": "雉城中队秩序组", "violation_types": ["1625", "1208"],
        "road": "长兴大道", "road_class": "urban", "place": "明珠路口", "direction": "由东向西",
        "longitude": 119.9103, "latitude": 31.0135, "make": "海康威视", "model": "iDS-TCV900",
        "serial": "J12345678", "mac": "00-1a-2b-3c-4d-5e", "channel": "1"
    })
}

fn assessment() -> Value {
    json!({ "necessity": "日均流量 3.2 万辆，近一年该路口事故 14 起，闯红灯多发", "conditions": "信号灯、标志标线齐全，夜间补光良好", "facilities_ok": true, "goal": "减少闯红灯，预防路口事故" })
}

impl World {
    async fn create(&self, body: &Value) -> i64 {
        let (status, d) = self.app.post("/api/v1/devices", &self.manager, body).await;
        assert_eq!(status, 201, "{d}");
        assert_eq!(d["state"], "draft");
        d["id"].as_i64().unwrap()
    }

    async fn state(&self, id: i64) -> Value {
        let (status, d) = self
            .app
            .get(&format!("/api/v1/devices/{id}"), &self.manager)
            .await;
        assert_eq!(status, 200, "{d}");
        d
    }

    async fn review_all(&self, id: i64) -> Value {
        let mut last = Value::Null;
        for (token, dept) in [
            (&self.tech, "technology"),
            (&self.legal, "legal"),
            (&self.opinion, "public_opinion"),
        ] {
            let (status, d) = self
                .app
                .post(
                    &format!("/api/v1/devices/{id}/reviews"),
                    token,
                    &json!({ "department": dept, "decision": "approve" }),
                )
                .await;
            assert_eq!(status, 200, "{dept}: {d}");
            last = d;
        }
        last
    }

    async fn act(&self, token: &str, id: i64, body: Value) -> (u16, Value) {
        self.app
            .post(&format!("/api/v1/devices/{id}/actions"), token, &body)
            .await
    }

    async fn run_jobs(&self, job: Job) {
        enqueue(&self.app.state, &job, None, self.clock.now())
            .await
            .unwrap();
        while run_one(&self.app.state).await.unwrap().is_some() {}
    }

    /// Proposal → review → notice → trial → registered → in use.
    async fn in_use(&self, number: &str) -> i64 {
        let id = self.create(&camera(&self.o, number)).await;
        self.app
            .post(
                &format!("/api/v1/devices/{id}/assessments"),
                &self.manager,
                &assessment(),
            )
            .await;
        self.review_all(id).await;
        self.clock.advance(Duration::days(6));
        self.run_jobs(Job::DeviceDeadlines).await;
        self.app
            .post(
                &format!("/api/v1/devices/{id}/registration"),
                &self.manager,
                &json!({ "platform_ref": format!("JZ-{number}") }),
            )
            .await;
        self.clock.advance(Duration::days(16));
        let (status, d) = self
            .act(&self.manager, id, json!({ "action": "start_formal_use" }))
            .await;
        assert_eq!(status, 200, "{d}");
        id
    }
}

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
async fn dev_08_numbers_are_checked_unique_and_never_reused() {
    let w = world().await;
    for (number, code) in [
        ("330522030001", "device.number_invalid"),
        ("33052201", "device.number_invalid"),
        ("110101010001", "device.number_invalid"),
    ] {
        let (status, body) = w
            .app
            .post("/api/v1/devices", &w.manager, &camera(&w.o, number))
            .await;
        assert_eq!(
            (
                status,
                body["error"]["code"].as_str(),
                body["error"]["rule"].as_str()
            ),
            (422, Some(code), Some("DEV-08")),
            "{number}: {body}"
        );
    }
    let id = w.create(&camera(&w.o, "330522010010")).await;
    let (status, body) = w
        .app
        .post("/api/v1/devices", &w.manager, &camera(&w.o, "330522010010"))
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (409, Some("number"))
    );
    w.act(
        &w.manager,
        id,
        json!({ "action": "retire", "reason": "建档错误" }),
    )
    .await;
    let (status, body) = w
        .app
        .post("/api/v1/devices", &w.manager, &camera(&w.o, "330522010010"))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("device.number_reused")),
        "{body}"
    );
}

#[tokio::test]
async fn dev_09_locations_are_precise_and_inside_the_country() {
    let w = world().await;
    let mut hanoi = camera(&w.o, "330522010020");
    hanoi["longitude"] = json!(105.85);
    hanoi["latitude"] = json!(21.03);
    let (status, body) = w.app.post("/api/v1/devices", &w.manager, &hanoi).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("device.coordinates_outside_country"))
    );
    let mut national = camera(&w.o, "330522010021");
    national["road_class"] = json!("national");
    national["km_marker"] = json!("K1532+40");
    let (status, body) = w.app.post("/api/v1/devices", &w.manager, &national).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("device.village_required")),
        "{body}"
    );
    national["nearest_village"] = json!("林城镇大云寺村");
    let (status, body) = w.app.post("/api/v1/devices", &w.manager, &national).await;
    assert_eq!(
        (status, body["km_marker"].as_str()),
        (201, Some("K1532+040")),
        "{body}"
    );
    // Nothing half-written: only the good device exists.
    let (_, page) = w.app.get("/api/v1/devices", &w.manager).await;
    assert_eq!(page["total"], 1);
}

#[tokio::test]
async fn dev_10_to_15_upkeep_is_recorded_and_rated_without_interrupting_operation() {
    let w = world().await;
    let id = w.in_use("330522010030").await;
    let (status, body) = w.app.post(&format!("/api/v1/devices/{id}/patrols"), &w.manager, &json!({ "patroller": "吴磊", "conforming": false, "status": "degraded", "findings": "" })).await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("findings"))
    );
    for conforming in [true, true, false] {
        let (status, body) = w.app.post(&format!("/api/v1/devices/{id}/patrols"), &w.manager, &json!({ "patroller": "吴磊", "conforming": conforming, "status": "normal", "findings": "补光灯偏暗" })).await;
        assert_eq!(status, 201, "{body}");
    }
    let (_, fault) = w
        .app
        .post(
            &format!("/api/v1/devices/{id}/faults"),
            &w.manager,
            &json!({ "description": "相机离线" }),
        )
        .await;
    let fid = fault["id"].as_i64().unwrap();
    // DEV-14: a fault does not take the device out of its lifecycle state.
    assert_eq!(w.state(id).await["state"], "in_use");
    w.clock.advance(Duration::hours(6));
    let (status, body) = w
        .app
        .post(
            &format!("/api/v1/devices/{id}/faults/{fid}/fix"),
            &w.manager,
            &json!({ "note": "更换交换机", "fixed_at": "2020-01-01 08:00" }),
        )
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("fixed_at"))
    );
    let (status, _) = w
        .app
        .post(
            &format!("/api/v1/devices/{id}/faults/{fid}/fix"),
            &w.manager,
            &json!({ "note": "更换交换机" }),
        )
        .await;
    assert_eq!(status, 204);
    let (status, body) = w
        .app
        .post(
            &format!("/api/v1/devices/{id}/operations"),
            &w.manager,
            &json!({ "action": "日常状态确认", "status": "normal" }),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = w
        .app
        .post(
            &format!("/api/v1/devices/{id}/operations"),
            &w.manager,
            &json!({ "action": "x", "status": "fine" }),
        )
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("status"))
    );
    // DEV-11: the month's ratings.
    let month = w.clock.now().format("%Y-%m").to_string();
    let (status, r) = w
        .app
        .get(&format!("/api/v1/device-report?month={month}"), &w.manager)
        .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["total"]["patrols"], 3);
    let conformity = r["total"]["conformity_rate"].as_f64().unwrap();
    assert!((conformity - 2.0 / 3.0).abs() < 1e-9, "{r}");
    let intact = r["total"]["intact_rate"].as_f64().unwrap();
    assert!(intact < 1.0 && intact > 0.9, "{r}");
    assert_eq!(r["total"]["registration_completeness"], 1.0);
    assert_eq!(r["by_maintainer"][0]["label"], "长兴智慧交通科技有限公司");
}

#[tokio::test]
async fn dev_06_the_evaluation_falls_due_three_months_after_formal_use() {
    let w = world().await;
    let id = w.in_use("330522010040").await;
    w.clock.advance(Duration::days(80));
    w.run_jobs(Job::DeviceDeadlines).await;
    assert_eq!(w.state(id).await["state"], "in_use");
    w.clock.advance(Duration::days(15));
    w.run_jobs(Job::DeviceDeadlines).await;
    let d = w.state(id).await;
    assert_eq!(
        (d["state"].as_str(), d["capture_use"].as_str()),
        (Some("evaluation_due"), Some("enforce"))
    );
    assert!(d["alerts"].to_string().contains("evaluation_due"));
    let (_, d) = w
        .act(
            &w.manager,
            id,
            json!({ "action": "evaluate_keep", "reason": "闯红灯下降 62%" }),
        )
        .await;
    assert_eq!(d["state"], "in_use");
}

#[tokio::test]
async fn dev_13_sup_05_an_expired_certificate_suspends_a_speed_camera() {
    let w = world().await;
    let mut speed = camera(&w.o, "330522030050");
    speed["kind"] = json!("speed");
    // A speed camera measures whatever the request says (DEV-13).
    speed["measuring"] = json!(false);
    speed["violation_types"] = json!(["1352", "1636"]);
    let id = w.create(&speed).await;
    let (status, body) = w.app.post(&format!("/api/v1/devices/{id}/calibrations"), &w.manager, &json!({ "issuer": "湖州市计量检定测试所", "certificate_no": "HZJL-2026-0001", "valid_from": "2026-05-01", "valid_until": "2026-04-30" })).await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("valid_until"))
    );
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
    w.app
        .post(
            &format!("/api/v1/devices/{id}/registration"),
            &w.manager,
            &json!({ "platform_ref": "JZ-50" }),
        )
        .await;
    w.clock.advance(Duration::days(16));
    let (status, body) = w
        .act(&w.manager, id, json!({ "action": "start_formal_use" }))
        .await;
    assert_eq!(
        (status, body["error"]["rule"].as_str()),
        (422, Some("DEV-13"))
    );
    let scan = base64_of(b"%PDF-1.4 calibration certificate");
    let (status, body) = w.app.post(&format!("/api/v1/devices/{id}/calibrations"), &w.manager, &json!({ "issuer": "湖州市计量检定测试所", "certificate_no": "HZJL-2026-0002", "valid_from": "2026-03-01", "valid_until": "2026-05-31", "scan_name": "cert.pdf", "scan_base64": scan })).await;
    assert_eq!(status, 201, "{body}");
    let (status, _) = w
        .act(&w.manager, id, json!({ "action": "start_formal_use" }))
        .await;
    assert_eq!(status, 200);
    // 30 days before expiry the managing unit is told; after it the device is suspended.
    w.clock.advance(Duration::days(40));
    w.run_jobs(Job::DeviceCalibrationCheck).await;
    assert!(w.state(id).await["alerts"]
        .to_string()
        .contains("calibration_expiring"));
    w.clock.advance(Duration::days(30));
    w.run_jobs(Job::DeviceCalibrationCheck).await;
    let d = w.state(id).await;
    assert_eq!(
        (
            d["state"].as_str(),
            d["suspension_reason"].as_str(),
            d["capture_use"].as_str()
        ),
        (
            Some("suspended"),
            Some("calibration_invalid"),
            Some("refuse")
        ),
        "{d}"
    );
    let (status, body) = w
        .act(
            &w.manager,
            id,
            json!({ "action": "resume", "reason": "已送检" }),
        )
        .await;
    assert_eq!(
        (status, body["error"]["rule"].as_str()),
        (422, Some("SUP-05"))
    );
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
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

#[tokio::test]
async fn dev_07_every_change_is_registered_and_exported() {
    let w = world().await;
    let id = w.in_use("330522010070").await;
    let (_, records) = w.app.get("/api/v1/device-registrations", &w.manager).await;
    let changes: Vec<&str> = records
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["change"].as_str().unwrap())
        .collect();
    assert!(
        changes.starts_with(&["create"])
            && changes.contains(&"registered")
            && changes.contains(&"state"),
        "{changes:?}"
    );
    let last = records.as_array().unwrap().last().unwrap();
    assert_eq!(last["device"]["number"], "330522010070");
    assert!(last["by"].is_string() && last["at"].is_string() && last["seq"].is_i64());
    // The platform keeps a cursor and asks for what is new.
    let seq = last["seq"].as_i64().unwrap();
    w.act(
        &w.manager,
        id,
        json!({ "action": "stop", "reason": "道路改造" }),
    )
    .await;
    let (_, newer) = w
        .app
        .get(
            &format!("/api/v1/device-registrations?after={seq}"),
            &w.manager,
        )
        .await;
    assert_eq!(newer.as_array().unwrap().len(), 1);
    assert_eq!(newer[0]["device"]["state"], "stopped");
    let resp = w
        .app
        .client
        .get(w.app.url("/api/v1/device-registrations?format=csv"))
        .bearer_auth(&w.manager)
        .send()
        .await
        .unwrap();
    let csv = resp.text().await.unwrap();
    assert!(
        csv.starts_with("seq,at,change,by,number") && csv.contains("330522010070"),
        "{csv}"
    );
    // A sibling county's platform export does not include this device.
    let (_, theirs) = w.app.get("/api/v1/device-registrations", &w.sibling).await;
    assert!(theirs.as_array().unwrap().is_empty());
}

#[tokio::test]
async fn dev_12_devices_idle_for_a_year_are_listed_for_clean_up() {
    let w = world().await;
    let id = w.in_use("330522010080").await;
    w.clock.advance(Duration::days(400));
    w.run_jobs(Job::DeviceCleanup).await;
    let (_, items) = w
        .app
        .get("/api/v1/device-cleanup?year=2027", &w.manager)
        .await;
    let item = &items[0];
    assert_eq!(item["device_id"], id);
    assert!(item["reasons"].as_str().unwrap().contains("no_patrol"));
    let iid = item["id"].as_i64().unwrap();
    let (status, _) = w
        .app
        .post(
            &format!("/api/v1/device-cleanup/{iid}"),
            &w.manager,
            &json!({ "resolution": "retire", "reason": "路口改造后无效" }),
        )
        .await;
    assert_eq!(status, 204);
    let d = w.state(id).await;
    assert_eq!(d["state"], "retired");
    assert!(d["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| !c["revoked_at"].is_null()));
}

#[tokio::test]
async fn device_credentials_are_shown_once_rotated_and_revoked() {
    let w = world().await;
    let id = w.create(&camera(&w.o, "330522010090")).await;
    let (status, first) = w
        .app
        .post(
            &format!("/api/v1/devices/{id}/credentials"),
            &w.manager,
            &json!({}),
        )
        .await;
    assert_eq!(status, 201);
    assert!(first["secret"].as_str().unwrap().starts_with("ds_"));
    let (_, second) = w
        .app
        .post(
            &format!("/api/v1/devices/{id}/credentials"),
            &w.manager,
            &json!({}),
        )
        .await;
    assert_eq!(second["revoked"], 1);
    let d = w.state(id).await;
    assert!(
        !d.to_string().contains(first["secret"].as_str().unwrap()),
        "secrets are never shown again"
    );
    let live: Vec<&Value> = d["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["revoked_at"].is_null())
        .collect();
    assert_eq!(live.len(), 1);
    let cid = live[0]["id"].as_i64().unwrap();
    let (status, _) = w
        .app
        .delete(
            &format!("/api/v1/devices/{id}/credentials/{cid}"),
            &w.manager,
        )
        .await;
    assert_eq!(status, 204);
}

#[tokio::test]
async fn org_02_devices_are_scoped_and_the_public_feed_shows_no_internal_fields() {
    let w = world().await;
    let id = w.in_use("330522010100").await;
    let (_, theirs) = w.app.get("/api/v1/devices", &w.sibling).await;
    assert_eq!(theirs["total"], 0);
    let (status, _) = w
        .app
        .post(
            &format!("/api/v1/devices/{id}/patrols"),
            &w.sibling,
            &json!({ "patroller": "x", "conforming": true, "status": "normal" }),
        )
        .await;
    assert_eq!(status, 404);
    let (_, filtered) = w
        .app
        .get(
            "/api/v1/devices?state=in_use,trial&kind=fixed_enforcement",
            &w.manager,
        )
        .await;
    assert_eq!(filtered["total"], 1);
    let (status, body) = w.app.get("/api/v1/devices?state=flying", &w.manager).await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("state"))
    );
    let (status, feed) = w
        .app
        .get("/api/v1/public/devices?unit=330522&lang=en", "")
        .await;
    assert_eq!(status, 200);
    let text = feed.to_string();
    assert!(
        text.contains("Running a red light") && text.contains("in_use"),
        "{text}"
    );
    for internal in [
        "maintainer",
        "leader",
        "mac",
        "serial",
        "credential",
        "330522010100",
        "智慧交通",
    ] {
        assert!(!text.contains(internal), "{internal} leaked: {text}");
    }
}

#[tokio::test]
async fn device_pages_render_for_their_users() {
    let w = world().await;
    let id = w.in_use("330522010110").await;
    w.clock.advance(Duration::days(400));
    w.run_jobs(Job::DeviceCleanup).await;
    let pages = [
        (&w.manager, "/devices".to_owned()),
        (
            &w.manager,
            "/devices?state=in_use&kind=fixed_enforcement&search=330522".to_owned(),
        ),
        (&w.manager, format!("/devices/{id}")),
        (&w.manager, "/devices/new".to_owned()),
        (&w.manager, "/device-report".to_owned()),
        (&w.tech, "/device-reviews".to_owned()),
        (&w.city_supervisor, format!("/devices/{id}")),
    ];
    for (token, path) in pages {
        let resp = w
            .app
            .client
            .get(w.app.url(&path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let body = resp.text().await.unwrap();
        assert_eq!(status, 200, "{path}: {body}");
        assert!(body.contains("</html>"), "{path}");
    }
    for lang in ["zh-CN", "en", "vi"] {
        let resp = w
            .app
            .client
            .get(
                w.app
                    .url(&format!("/public/devices?unit=330522&lang={lang}")),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200, "{lang}");
    }
}

#[tokio::test]
async fn the_map_draws_configured_tiles_and_allows_only_their_origin() {
    let app = TestApp::spawn_with(
        |s| s.devices.map_tile_url = "https://tiles.example.cn/{z}/{x}/{y}.png".into(),
        Clock::System,
    )
    .await;
    let o = org(&app.state).await;
    account(&app.state, &o.squad, "sq.device", 11, &["device_manager"]).await;
    let token = app.token("sq.device", roadwarden_testkit::PASSWORD).await;
    for (n, lon) in [("330522010501", 119.90), ("330522010502", 119.93)] {
        let mut body = camera(&o, n);
        body["longitude"] = json!(lon);
        let (status, d) = app.post("/api/v1/devices", &token, &body).await;
        assert_eq!(status, 201, "{d}");
    }
    let resp = app
        .client
        .get(app.url("/devices"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let csp = resp.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("img-src 'self' data: https://tiles.example.cn;"),
        "{csp}"
    );
    let html = resp.text().await.unwrap();
    // (minijinja escapes '/' in attributes as &#x2f;, which the browser reads back as '/')
    assert!(
        html.contains("<image href=\"https:") && html.contains("tiles.example.cn"),
        "tiles drawn"
    );
    assert_eq!(html.matches("<circle").count(), 2);
}
