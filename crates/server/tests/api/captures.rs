//! CAP-00..04, REV-00..06, NOT-01..03, APL-01..03 through the API: from a device's push to a
//! notice, a payment, an objection and the inspection block.

use std::sync::{Arc, Mutex};

use base64::Engine;
use chrono::{Duration, TimeZone, Utc};
use roadwarden_server::jobs::worker::run_one;
use roadwarden_server::jobs::{enqueue, Job};
use roadwarden_server::Clock;
use roadwarden_testkit::{account, org, unit, Org, TestApp, PASSWORD};
use serde_json::{json, Value};

const HEADER: &str = "设备编号,设备类型,管理单位代码,设备名称,维护单位,责任领导,责任部门,违法类型,道路,道路等级,公里桩,地点,附近村庄,经度,纬度,状态,正式启用日期,试用开始日期,备案日期,检定机构,检定证书编号,检定有效期起,检定有效期止,MAC地址,通道,公示开始日期";
/// In use, red light and lane arrows, with a MAC for ISAPI.
const RED_LIGHT: &str = "330522010201,fixed_enforcement,330522-01,长兴大道与明珠路口,长兴智慧交通,吴磊,秩序组,1625;1208,长兴大道,urban,,明珠路口,,119.9103,31.0135,in_use,2024-05-01,2024-04-01,2024-04-20,,,,,bc:5e:33:62:2a:5c,1,2024-03-20";
/// In trial (CAP-03).
const TRIAL: &str = "330522010202,fixed_enforcement,330522-01,画溪路口,长兴智慧交通,吴磊,秩序组,1625,画溪路,urban,,画溪路口,,119.91,31.02,trial,,2026-11-01,,,,,,,,2026-10-20";
/// A handheld terminal (its captures have a collecting officer).
const HANDHELD: &str = "330522090203,support_terminal,330522-01,执法终端 03,长兴智慧交通,吴磊,秩序组,1039,,,,,,,,in_use,2024-05-01,2024-04-01,2024-04-20,,,,,,,";
/// A mobile camera (may upload within 24 hours).
const MOBILE: &str = "330522020204,mobile_enforcement,330522-01,移动测违 04,长兴智慧交通,吴磊,秩序组,1039,长兴大道,urban,,明珠路口,,119.912,31.011,in_use,2024-05-01,2024-04-01,2024-04-20,,,,,,,";

/// A small real JPEG (an 8x8 grey picture) with a comment segment of 2,048 bytes `n` after
/// SOI, so that each image has its own hash.
fn jpeg(n: u8) -> Vec<u8> {
    const GREY_8X8: &[u8] = include_bytes!("../fixtures/grey_8x8.jpg");
    let mut b = GREY_8X8[..2].to_vec();
    b.extend([0xFF, 0xFE, 0x08, 0x02]);
    b.extend(std::iter::repeat_n(n, 2048));
    b.extend(&GREY_8X8[2..]);
    b
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

pub(crate) struct World {
    pub(crate) app: TestApp,
    pub(crate) clock: Clock,
    pub(crate) o: Org,
    pub(crate) manager: String,
    pub(crate) reviewer: String,
    pub(crate) clerk: String,
    pub(crate) handler: String,
    pub(crate) inspector: String,
    /// Device number → (id, key, secret).
    pub(crate) devices: std::collections::HashMap<String, (i64, String, String)>,
}

pub(crate) async fn world() -> World {
    world_with(|_| {}).await
}

pub(crate) async fn world_with(
    adjust: impl FnOnce(&mut roadwarden_server::config::Settings),
) -> World {
    // Monday 23 November 2026, 10:00 in Shanghai.
    let clock = Clock::manual(Utc.with_ymd_and_hms(2026, 11, 23, 2, 0, 0).unwrap());
    let app = TestApp::spawn_with(
        |s| {
            s.security.api_token_days = 3650;
            s.security.password_max_age_days = 0;
            s.captures.second_review_percent = 0;
            adjust(s);
        },
        clock.clone(),
    )
    .await;
    let o = org(&app.state).await;
    let s = &app.state;
    let station = unit(
        s,
        Some(&o.county),
        "330522-JC",
        "squad",
        "inspection_station",
    )
    .await;
    account(s, &o.squad, "sq.device", 11, &["device_manager"]).await;
    account(s, &o.county, "cx.reviewer", 12, &["reviewer"]).await;
    account(s, &o.county, "cx.clerk", 13, &["notice_clerk"]).await;
    account(s, &o.county, "cx.objection", 14, &["objection_handler"]).await;
    account(s, &station, "jc.station", 15, &["interface_client"]).await;
    account(s, &o.squad, "sq.collector", 16, &["collector"]).await;
    let mut w = World {
        app,
        clock,
        o,
        manager: String::new(),
        reviewer: String::new(),
        clerk: String::new(),
        handler: String::new(),
        inspector: String::new(),
        devices: Default::default(),
    };
    w.manager = w.app.token("sq.device", PASSWORD).await;
    w.reviewer = w.app.token("cx.reviewer", PASSWORD).await;
    w.clerk = w.app.token("cx.clerk", PASSWORD).await;
    w.handler = w.app.token("cx.objection", PASSWORD).await;
    w.inspector = w.app.token("jc.station", PASSWORD).await;
    let ledger = format!("{HEADER}\n{RED_LIGHT}\n{TRIAL}\n{HANDHELD}\n{MOBILE}");
    let resp = w
        .app
        .client
        .post(w.app.url("/api/v1/device-imports?file_name=ledger.csv"))
        .bearer_auth(&w.manager)
        .header("content-type", "text/csv")
        .body(ledger)
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.status().as_u16(),
        201,
        "{}",
        resp.text().await.unwrap()
    );
    let (_, page) = w.app.get("/api/v1/devices", &w.manager).await;
    for d in page["items"].as_array().unwrap() {
        let id = d["id"].as_i64().unwrap();
        let (status, cred) = w
            .app
            .post(
                &format!("/api/v1/devices/{id}/credentials"),
                &w.manager,
                &json!({}),
            )
            .await;
        assert_eq!(status, 201, "{cred}");
        w.devices.insert(
            d["number"].as_str().unwrap().to_owned(),
            (
                id,
                cred["key_id"].as_str().unwrap().into(),
                cred["secret"].as_str().unwrap().into(),
            ),
        );
    }
    // The owner of 浙E12345, in the embedded registry.
    let (status, body) = w
        .app
        .post(
            "/api/v1/vehicles",
            &w.clerk,
            &json!({ "plate": "浙E12345", "plate_colour": "blue", "country": "CN", "vin": "LSVAU2180N2123456",
                     "owner_name": "王小明", "owner_address": "浙江省长兴县雉城街道明珠路 8 号",
                     "owner_phone": "13800000000" }),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    w
}

impl World {
    fn cred(&self, number: &str) -> (String, String) {
        let (_, k, s) = &self.devices[number];
        (k.clone(), s.clone())
    }

    pub(crate) async fn push(&self, number: &str, body: &Value) -> (u16, Value) {
        let (key, secret) = self.cred(number);
        let resp = self
            .app
            .client
            .post(self.app.url("/api/v1/captures/push"))
            .basic_auth(key, Some(secret))
            .json(body)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    /// A capture now, of `plate`, for `code`, with one image.
    pub(crate) fn capture(&self, plate: &str, code: &str, n: u8) -> Value {
        json!({
            "plate": plate, "plate_colour": "blue", "vehicle_type": "small_car",
            "violation_code": code, "captured_at": self.clock.now().to_rfc3339(),
            "images": [{ "kind": "scene", "data": b64(&jpeg(n)) }],
        })
    }

    pub(crate) async fn approve(&self, capture: i64) -> Value {
        let (status, out) = self
            .app
            .post(
                &format!("/api/v1/captures/{capture}/decision"),
                &self.reviewer,
                &json!({ "decision": "approve" }),
            )
            .await;
        assert_eq!(status, 200, "{out}");
        out
    }

    async fn run_jobs(&self) {
        while run_one(&self.app.state).await.unwrap().is_some() {}
    }
}

#[tokio::test]
async fn cap_00_json_push_is_stored_and_reviewable() {
    let w = world().await;
    let (status, receipt) = w
        .push("330522010201", &w.capture("浙E12345", "1625", 1))
        .await;
    assert_eq!(status, 201, "{receipt}");
    assert_eq!(receipt["state"], "pending");
    assert_eq!(receipt["usage"], "enforce");
    assert!(receipt["review_due_at"].is_string());
    let id = receipt["capture_id"].as_i64().unwrap();
    let (status, view) = w
        .app
        .get(&format!("/api/v1/captures/{id}"), &w.reviewer)
        .await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["plate"], "浙E12345");
    assert_eq!(view["device_number"], "330522010201");
    assert_eq!(view["can_decide"], true);
    assert_eq!(view["images"][0]["kind"], "scene");
    let img = w
        .app
        .client
        .get(w.app.url(&format!("/api/v1/captures/{id}/images/0")))
        .bearer_auth(&w.reviewer)
        .send()
        .await
        .unwrap();
    assert_eq!(img.status().as_u16(), 200);
    assert_eq!(
        img.bytes().await.unwrap().to_vec(),
        jpeg(1),
        "stored bytes are never altered"
    );
    // Reading the evidence is in the audit chain.
    let (_, audit) = w
        .app
        .get(
            "/api/v1/audit?action=capture.",
            &w.o.root_admin_token(&w.app).await,
        )
        .await;
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(actions.contains(&"capture.ingest"), "{actions:?}");
    assert!(actions.contains(&"capture.image"), "{actions:?}");
}

pub(crate) trait RootToken {
    async fn root_admin_token(&self, app: &TestApp) -> String;
}

impl RootToken for Org {
    async fn root_admin_token(&self, app: &TestApp) -> String {
        app.token(&self.root_admin.0, &self.root_admin.1).await
    }
}

/// A real ISAPI payload with the plate of a Zhejiang car.
fn isapi_xml(uuid: &str, time: &str, retransmission: bool) -> String {
    include_str!("../../../isapi/tests/fixtures/anpr_plate_detected.xml")
        .replace("KH35192", "浙E12345")
        .replace(
            "<plateColor>unknown</plateColor>",
            "<plateColor>blue</plateColor>",
        )
        .replace("2023-08-11T13:49:00+01:00", time)
        .replace(
            "20230811134901822007gWpiNIuI14ikdwfKR5eDCzuV45RubEmi88qaD5w0YTq",
            uuid,
        )
        .replace(
            "<isDataRetransmission>false</isDataRetransmission>",
            &format!("<isDataRetransmission>{retransmission}</isDataRetransmission>"),
        )
}

#[tokio::test]
async fn cap_00_isapi_push_with_jpeg_parts_and_resends_accepted_once() {
    let w = world().await;
    let (key, secret) = w.cred("330522010201");
    let now = w
        .clock
        .now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .to_rfc3339();
    let xml = isapi_xml("uuid-0001", &now, false);
    let form = reqwest::multipart::Form::new()
        .part(
            "anpr.xml",
            reqwest::multipart::Part::bytes(xml.clone().into_bytes())
                .file_name("anpr.xml")
                .mime_str("application/xml")
                .unwrap(),
        )
        .part(
            "licensePlatePicture.jpg",
            reqwest::multipart::Part::bytes(jpeg(7))
                .file_name("licensePlatePicture.jpg")
                .mime_str("image/jpeg")
                .unwrap(),
        )
        .part(
            "vehiclePicture.jpg",
            reqwest::multipart::Part::bytes(jpeg(8))
                .file_name("vehiclePicture.jpg")
                .mime_str("image/jpeg")
                .unwrap(),
        );
    let resp = w
        .app
        .client
        .post(w.app.url("/api/v1/isapi/events?violation=1625"))
        .basic_auth(&key, Some(&secret))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 201);
    let receipt: Value = resp.json().await.unwrap();
    let id = receipt["capture_id"].as_i64().unwrap();
    let (_, view) = w
        .app
        .get(&format!("/api/v1/captures/{id}"), &w.reviewer)
        .await;
    assert_eq!(view["plate"], "浙E12345");
    assert_eq!(view["via"], "isapi");
    assert_eq!(view["lane"], 1);
    assert_eq!(view["confidence"], 100);
    assert_eq!(view["direction"], "forward");
    assert_eq!(view["images"][0]["kind"], "plate");
    assert_eq!(view["images"][1]["kind"], "vehicle");
    assert_eq!(view["images"][1]["plate_x"], 544);
    // The camera resends the same event (bare XML, marked as a retransmission): accepted once.
    let resend = isapi_xml("uuid-0001", &now, true);
    let resp = w
        .app
        .client
        .post(w.app.url("/api/v1/isapi/events?violation=1625"))
        .basic_auth(&key, Some(&secret))
        .header("content-type", "application/xml")
        .body(resend)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let again: Value = resp.json().await.unwrap();
    assert_eq!(again["duplicate"], true);
    assert_eq!(again["capture_id"], id);
    // A camera whose MAC is not this credential's device is refused.
    let other = xml.replace("bc:5e:33:62:2a:5c", "00:11:22:33:44:55");
    let resp = w
        .app
        .client
        .post(w.app.url("/api/v1/isapi/events"))
        .basic_auth(&key, Some(&secret))
        .body(other)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);
}

#[tokio::test]
async fn cap_01_bad_input_is_refused_whole_and_the_device_told_why() {
    let w = world().await;
    let (key, secret) = w.cred("330522010201");
    let post_xml = |body: Vec<u8>| {
        w.app
            .client
            .post(w.app.url("/api/v1/isapi/events"))
            .basic_auth(&key, Some(&secret))
            .header("content-type", "application/xml")
            .body(body)
            .send()
    };
    let r = post_xml(b"<EventNotificationAlert><macAddress>".to_vec())
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);
    let body: Value = r.json().await.unwrap();
    assert!(
        body["error"]["message"].as_str().unwrap().contains("XML"),
        "{body}"
    );
    // Not a JPEG.
    let mut c = w.capture("浙E12345", "1625", 2);
    c["images"][0]["data"] = json!(b64(b"GIF89a not a jpeg"));
    let (status, body) = w.push("330522010201", &c).await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("images")),
        "{body}"
    );
    // JPEG framing (SOI, an APP0 header, EOI) around bytes that are no picture (issue 12
    // item 10): the headers are read by a JPEG decoder.
    let mut framed = vec![
        0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0,
    ];
    framed.extend(std::iter::repeat_n(7, 2048));
    framed.extend([0xFF, 0xD9]);
    let mut c = w.capture("浙E12345", "1625", 2);
    c["images"][0]["data"] = json!(b64(&framed));
    let (status, body) = w.push("330522010201", &c).await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("images")),
        "{body}"
    );
    // A camera posing as a citizen or as a handheld terminal (CAP-00, REV-05).
    for source in ["public_report", "handheld"] {
        let mut c = w.capture("浙E12345", "1625", 2);
        c["source"] = json!(source);
        c["collected_by"] = json!("cx.reviewer");
        let (status, body) = w.push("330522010201", &c).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (422, Some("capture.source_not_for_device")),
            "{source}: {body}"
        );
    }
    // A plate with characters no plate has.
    let (status, body) = w
        .push("330522010201", &w.capture("浙E1234<", "1625", 3))
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("plate")),
        "{body}"
    );
    // A time in the future.
    let mut c = w.capture("浙E12345", "1625", 4);
    c["captured_at"] = json!((w.clock.now() + Duration::hours(2)).to_rfc3339());
    let (status, body) = w.push("330522010201", &c).await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("captured_at")),
        "{body}"
    );
    // A violation the device is not published for (DEV-04).
    let (status, body) = w
        .push("330522010201", &w.capture("浙E12345", "1039", 5))
        .await;
    assert_eq!(
        (status, body["error"]["rule"].as_str()),
        (422, Some("DEV-04")),
        "{body}"
    );
    // An unknown credential, a wrong secret.
    let resp = w
        .app
        .client
        .post(w.app.url("/api/v1/captures/push"))
        .basic_auth("dk_nobody", Some("ds_nothing"))
        .json(&w.capture("浙E12345", "1625", 6))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    // A 50 MB payload.
    let resp = post_xml(vec![b'<'; 50 * 1024 * 1024]).await.unwrap();
    assert_eq!(resp.status().as_u16(), 413);
    // Nothing was stored by any of them.
    let (_, q) = w.app.get("/api/v1/review/queue", &w.reviewer).await;
    assert_eq!(q["total"], 0, "{q}");
    // A revoked credential is refused.
    let (id, _, _) = &w.devices["330522010201"];
    let (_, detail) = w
        .app
        .get(&format!("/api/v1/devices/{id}"), &w.manager)
        .await;
    let cred_id = detail["credentials"][0]["id"].as_i64().unwrap();
    let (status, _) = w
        .app
        .delete(
            &format!("/api/v1/devices/{id}/credentials/{cred_id}"),
            &w.manager,
        )
        .await;
    assert_eq!(status, 204);
    let (status, body) = w
        .push("330522010201", &w.capture("浙E12345", "1625", 9))
        .await;
    assert_eq!(status, 401, "{body}");
}

#[tokio::test]
async fn cap_02_late_uploads_and_drifting_clocks_are_flagged() {
    let w = world().await;
    // A fixed camera sending a capture an hour old: late, and its clock looks an hour off.
    let mut c = w.capture("浙E12345", "1625", 1);
    c["captured_at"] = json!((w.clock.now() - Duration::hours(1)).to_rfc3339());
    let (status, r) = w.push("330522010201", &c).await;
    assert_eq!(status, 201, "{r}");
    let flags: Vec<&str> = r["flags"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["flag"].as_str())
        .collect();
    assert!(flags.contains(&"late_upload"), "{flags:?}");
    assert!(flags.contains(&"clock_drift"), "{flags:?}");
    assert_eq!(r["state"], "pending", "late captures are still evidence");
    let (_, alerts) = w.app.get("/api/v1/device-alerts", &w.manager).await;
    assert!(
        alerts
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["kind"] == "clock_drift"),
        "{alerts}"
    );
    // A mobile camera may upload within 24 hours.
    let mut c = w.capture("浙E12345", "1039", 2);
    c["captured_at"] = json!((w.clock.now() - Duration::hours(20)).to_rfc3339());
    let (_, r) = w.push("330522020204", &c).await;
    assert_eq!(r["flags"], json!([]), "{r}");
}

#[tokio::test]
async fn cap_03_trial_captures_become_warnings_without_a_fine() {
    let w = world().await;
    let (_, r) = w
        .push("330522010202", &w.capture("浙E12345", "1625", 1))
        .await;
    assert_eq!(r["usage"], "warn_only", "{r}");
    let out = w.approve(r["capture_id"].as_i64().unwrap()).await;
    let vid = out["violation_id"].as_i64().unwrap();
    let (_, v) = w
        .app
        .get(&format!("/api/v1/violations/{vid}"), &w.clerk)
        .await;
    assert_eq!(v["violation"]["outcome"], "warning");
    assert_eq!(v["violation"]["fine_minor"], 0);
    assert_eq!(v["violation"]["points"], 0);
}

#[tokio::test]
async fn cap_04_sup_06_a_pending_capture_is_not_approved_once_its_device_is_stopped() {
    let w = world().await;
    let (id, _, _) = &w.devices["330522010201"];
    let (status, r) = w
        .push("330522010201", &w.capture("浙E12345", "1625", 1))
        .await;
    assert_eq!((status, r["state"].as_str()), (201, Some("pending")), "{r}");
    // The device is suspended while the capture waits in the queue.
    w.clock.advance(Duration::minutes(1));
    let (status, body) = w
        .app
        .post(
            &format!("/api/v1/devices/{id}/actions"),
            &w.manager,
            &json!({ "action": "suspend", "reason_code": "signals_non_standard", "reason": "signal cable cut" }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let url = format!("/api/v1/captures/{}/decision", r["capture_id"]);
    let (status, body) = w
        .app
        .post(&url, &w.reviewer, &json!({ "decision": "approve" }))
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["rule"], "CAP-04");
    assert_eq!(body["error"]["code"], "review.device_not_in_service");
    let (_, list) = w.app.get("/api/v1/violations", &w.clerk).await;
    let records = list.get("items").unwrap_or(&list);
    assert_eq!(records.as_array().map(Vec::len), Some(0), "{list}");
    // Rejecting it stays possible, so the queue can be cleared.
    let (status, body) = w
        .app
        .post(
            &url,
            &w.reviewer,
            &json!({ "decision": "reject", "reason": "evidence_insufficient" }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn cap_04_captures_of_a_suspended_device_are_not_entered() {
    let w = world().await;
    let (id, _, _) = &w.devices["330522010201"];
    let (status, body) = w
        .app
        .post(
            &format!("/api/v1/devices/{id}/actions"),
            &w.manager,
            &json!({ "action": "suspend", "reason_code": "signals_non_standard", "reason": "signal cable cut" }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    w.clock.advance(Duration::minutes(1));
    let (status, r) = w
        .push("330522010201", &w.capture("浙E12345", "1625", 1))
        .await;
    assert_eq!(status, 201, "{r}");
    assert_eq!(r["state"], "not_entered");
    assert_eq!(r["usage"], "refuse");
    assert_eq!(r["flags"][0]["flag"], "device_not_in_service");
    let (_, q) = w.app.get("/api/v1/review/queue", &w.reviewer).await;
    assert_eq!(q["total"], 0, "never reaches a reviewer");
    let (status, body) = w
        .app
        .post(
            &format!("/api/v1/captures/{}/decision", r["capture_id"]),
            &w.reviewer,
            &json!({ "decision": "approve" }),
        )
        .await;
    assert_eq!(status, 422, "{body}");
}

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
        .app
        .post(
            &format!("/api/v1/captures/{id}/decision"),
            &collector,
            &json!({ "decision": "approve" }),
        )
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
    let (status, _) = w.app.get(&format!("/api/v1/captures/{id}"), &sibling).await;
    assert_eq!(status, 404, "another county does not even see it");
    // In scope but without a role of the chain: no evidence.
    let (status, _) = w
        .app
        .get(&format!("/api/v1/captures/{id}"), &w.manager)
        .await;
    assert_eq!(status, 403);
    let (status, _) = w
        .app
        .get(&format!("/api/v1/captures/{id}/images/0"), &w.manager)
        .await;
    assert_eq!(status, 403);
    let (status, _) = w
        .app
        .post(
            &format!("/api/v1/captures/{id}/decision"),
            &sibling,
            &json!({ "decision": "approve" }),
        )
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn rev_03_rejections_carry_a_coded_reason() {
    let w = world().await;
    let (_, r) = w.push("330522010201", &w.capture("", "1625", 1)).await;
    assert_eq!(r["flags"][0]["flag"], "plate_unidentified", "{r}");
    let id = r["capture_id"].as_i64().unwrap();
    let path = format!("/api/v1/captures/{id}/decision");
    let (status, body) = w
        .app
        .post(&path, &w.reviewer, &json!({ "decision": "reject" }))
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("reason")),
        "{body}"
    );
    let (status, body) = w
        .app
        .post(
            &path,
            &w.reviewer,
            &json!({ "decision": "reject", "reason": "blurry" }),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let (status, body) = w
        .app
        .post(
            &path,
            &w.reviewer,
            &json!({ "decision": "reject", "reason": "vehicle_unidentifiable" }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["state"], "rejected");
    let (_, view) = w
        .app
        .get(&format!("/api/v1/captures/{id}"), &w.reviewer)
        .await;
    assert_eq!(view["reject_reason"], "vehicle_unidentifiable");
    // Decided once: a second decision is refused.
    let (status, _) = w
        .app
        .post(&path, &w.reviewer, &json!({ "decision": "approve" }))
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
    let (_, q) = w.app.get("/api/v1/review/queue", &w.reviewer).await;
    assert_eq!(q["overdue"], 1, "{q}");
    enqueue(&w.app.state, &Job::CaptureEscalation, None, w.clock.now())
        .await
        .unwrap();
    w.run_jobs().await;
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
    let path = format!("/api/v1/captures/{id}/decision");
    let (status, body) = w
        .app
        .post(&path, &w.reviewer, &json!({ "decision": "approve" }))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("review.second_by_first"))
    );
    let (status, body) = w
        .app
        .post(&path, &second, &json!({ "decision": "approve" }))
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

/// An HTTP sink standing in for the SMS gateway (over a real socket).
pub(crate) async fn sms_sink() -> (String, Arc<Mutex<Vec<Value>>>) {
    let got = Arc::new(Mutex::new(Vec::new()));
    let kept = got.clone();
    let app = axum::Router::new().route(
        "/sms",
        axum::routing::post(move |axum::Json(v): axum::Json<Value>| {
            let kept = kept.clone();
            async move {
                kept.lock().unwrap().push(v);
                axum::Json(json!({ "ok": true }))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/sms"), got)
}

#[tokio::test]
async fn not_01_an_approval_notifies_the_owner_through_the_outbox() {
    let (gateway, received) = sms_sink().await;
    let w = world_with(|s| s.notices.sms_gateway_url = gateway).await;
    let (_, r) = w
        .push("330522010201", &w.capture("浙E12345", "1625", 1))
        .await;
    let out = w.approve(r["capture_id"].as_i64().unwrap()).await;
    let vid = out["violation_id"].as_i64().unwrap();
    // NOT-02a: publicly queryable at once, with the second factor.
    let resp = w
        .app
        .client
        .get(
            w.app
                .url("/api/v1/public/violations?plate=浙E12345&vin_tail=123456"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let records: Value = resp.json().await.unwrap();
    assert_eq!(records[0]["state"], "entered");
    assert_eq!(records[0]["fine"], "200.00 元");
    assert!(records[0].get("owner_name").is_none());
    // The outbox sends the SMS and produces the letter.
    enqueue(&w.app.state, &Job::NoticeOutbox, None, w.clock.now())
        .await
        .unwrap();
    w.run_jobs().await;
    let sms = received.lock().unwrap().clone();
    assert_eq!(sms.len(), 1);
    assert_eq!(sms[0]["to"], "13800000000");
    let text = sms[0]["text"].as_str().unwrap();
    assert!(
        text.contains("浙E12345") && text.contains("2026年12月23日"),
        "{text}"
    );
    assert!(text.contains("行政复议"), "APL-03 is in the notice: {text}");
    let (_, detail) = w
        .app
        .get(&format!("/api/v1/violations/{vid}"), &w.clerk)
        .await;
    let v = &detail["violation"];
    assert_eq!(v["state"], "notified");
    assert_eq!(
        v["handle_by"], "2026-12-23",
        "NOT-02: 30 days from the notice"
    );
    let letter = detail["notices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["channel"] == "letter")
        .unwrap();
    assert_eq!(letter["state"], "sent");
    let pdf = w
        .app
        .client
        .get(
            w.app
                .url(&format!("/api/v1/notices/{}/letter", letter["id"])),
        )
        .bearer_auth(&w.clerk)
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.status().as_u16(), 200);
    assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF-"));
}

#[tokio::test]
async fn not_01_sms_gateway_failures_are_retried_then_given_up() {
    let w = world_with(|s| {
        s.notices.sms_gateway_url = "http://127.0.0.1:9/unreachable".into();
        s.notices.max_attempts = 2;
    })
    .await;
    let (_, r) = w
        .push("330522010201", &w.capture("浙E12345", "1625", 1))
        .await;
    w.approve(r["capture_id"].as_i64().unwrap()).await;
    let (_, report) = w
        .app
        .post("/api/v1/notices/send", &w.clerk, &json!({}))
        .await;
    assert_eq!(report["retried"], 1, "{report}");
    w.clock.advance(Duration::minutes(10));
    let (_, report) = w
        .app
        .post("/api/v1/notices/send", &w.clerk, &json!({}))
        .await;
    assert_eq!(report["failed"], 1, "{report}");
    let (_, failed) = w.app.get("/api/v1/notices?state=failed", &w.clerk).await;
    assert_eq!(failed[0]["channel"], "sms");
    assert!(failed[0]["last_error"]
        .as_str()
        .unwrap()
        .contains("unreachable"));
    let (status, _) = w
        .app
        .post(
            &format!("/api/v1/notices/{}/retry", failed[0]["id"]),
            &w.clerk,
            &json!({}),
        )
        .await;
    assert_eq!(status, 204);
}

/// The record of an approved capture, notified by the clerk (letter posted).
pub(crate) async fn notified_record(w: &World, n: u8) -> i64 {
    let (_, r) = w
        .push("330522010201", &w.capture("浙E12345", "1625", n))
        .await;
    let out = w.approve(r["capture_id"].as_i64().unwrap()).await;
    let vid = out["violation_id"].as_i64().unwrap();
    let (status, body) = w
        .app
        .post(
            &format!("/api/v1/violations/{vid}/actions"),
            &w.clerk,
            &json!({ "action": "notify", "channel": "post" }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    vid
}

#[tokio::test]
async fn not_02b_extension_up_to_three_months_once() {
    let w = world().await;
    let vid = notified_record(&w, 1).await;
    let path = format!("/api/v1/violations/{vid}/actions");
    let (status, body) = w
        .app
        .post(
            &path,
            &w.clerk,
            &json!({ "action": "extend", "until": "2027-03-24", "reason": "abroad" }),
        )
        .await;
    assert_eq!(
        (status, body["error"]["rule"].as_str()),
        (422, Some("NOT-02b")),
        "{body}"
    );
    let (status, body) = w
        .app
        .post(&path, &w.clerk, &json!({ "action": "extend", "until": "2027-03-23", "reason": "owner abroad until March" }))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["extended_until"], "2027-03-23");
}

#[tokio::test]
async fn not_02d_late_fee_three_percent_a_day_and_rev_06_driver() {
    let w = world().await;
    let vid = notified_record(&w, 1).await;
    let path = format!("/api/v1/violations/{vid}/actions");
    let (status, body) = w
        .app
        .post(
            &path,
            &w.clerk,
            &json!({ "action": "handle", "driver_name": "王大明" }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["party"], "driver");
    assert_eq!(body["payment_due"], "2026-12-08");
    // Paid two days after the payment deadline: 200 + 2 × 6 = 212 yuan.
    w.clock.advance(Duration::days(17));
    let (status, body) = w
        .app
        .post(&path, &w.clerk, &json!({ "action": "pay" }))
        .await;
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
    let path = format!("/api/v1/violations/{vid}/actions");
    w.app
        .post(&path, &w.clerk, &json!({ "action": "handle" }))
        .await;
    let (_, body) = w
        .app
        .get("/api/v1/inspection/vehicles/浙E12345", &w.inspector)
        .await;
    assert_eq!(body["blocked"], true, "decided but unpaid");
    w.app
        .post(&path, &w.clerk, &json!({ "action": "pay" }))
        .await;
    let (_, body) = w
        .app
        .get("/api/v1/inspection/vehicles/浙E12345", &w.inspector)
        .await;
    assert_eq!(body["blocked"], false, "cleared the moment the case closed");
}

pub(crate) async fn public_objection(w: &World, vid: i64, vin_tail: &str) -> (u16, Value) {
    let form = reqwest::multipart::Form::new()
        .text("violation_id", vid.to_string())
        .text("plate", "浙E12345")
        .text("vin_tail", vin_tail.to_owned())
        .text("text", "那天信号灯故障，黄灯常亮，我是正常通行。")
        .text("contact", "13800000000")
        .part(
            "photos",
            reqwest::multipart::Part::bytes(jpeg(42))
                .file_name("signal.jpg")
                .mime_str("image/jpeg")
                .unwrap(),
        );
    let resp = w
        .app
        .client
        .post(w.app.url("/api/v1/public/objections"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn apl_02_upheld_objection_eliminates_the_record_and_clears_the_block() {
    let w = world().await;
    let vid = notified_record(&w, 1).await;
    let (status, _) = public_objection(&w, vid, "999999").await;
    assert_eq!(status, 404, "the second factor must match");
    let (status, o) = public_objection(&w, vid, "123456").await;
    assert_eq!(status, 201, "{o}");
    assert_eq!(o["state"], "received");
    // Monday 23rd + 5 working days: due at the end of Monday 30th.
    assert_eq!(o["due_at"], "2026-11-30T16:00:00Z");
    let (status, _) = public_objection(&w, vid, "123456").await;
    assert_eq!(status, 422, "one open objection at a time");
    let (_, open) = w.app.get("/api/v1/objections", &w.handler).await;
    assert_eq!(open.as_array().unwrap().len(), 1);
    let path = format!("/api/v1/objections/{}/decision", o["id"]);
    let (status, body) = w
        .app
        .post(
            &path,
            &w.handler,
            &json!({ "upheld": true, "reply": "信号灯当日故障，记录撤销。" }),
        )
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("elimination_reason")),
        "{body}"
    );
    let (status, body) = w
        .app
        .post(&path, &w.handler, &json!({ "upheld": true, "reply": "信号灯当日故障，记录撤销。", "elimination_reason": "conflicting_signals" }))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["state"], "upheld");
    let (_, detail) = w
        .app
        .get(&format!("/api/v1/violations/{vid}"), &w.clerk)
        .await;
    assert_eq!(detail["violation"]["state"], "eliminated");
    assert_eq!(
        detail["violation"]["elimination_reason"],
        "conflicting_signals"
    );
    let (_, body) = w
        .app
        .get("/api/v1/inspection/vehicles/浙E12345", &w.inspector)
        .await;
    assert_eq!(body["blocked"], false);
    let root = w.o.root_admin_token(&w.app).await;
    let (_, audit) = w.app.get("/api/v1/audit?action=objection.", &root).await;
    let mut actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    actions.sort_unstable();
    assert_eq!(
        actions,
        ["objection.list", "objection.lodge", "objection.uphold"],
        "lodged, listed and decided: all audited"
    );
}

#[tokio::test]
async fn apl_02_not_upheld_objection_is_answered_with_the_reason() {
    let w = world().await;
    let vid = notified_record(&w, 1).await;
    let (_, o) = public_objection(&w, vid, "123456").await;
    let path = format!("/api/v1/objections/{}/decision", o["id"]);
    let (status, body) = w
        .app
        .post(
            &path,
            &w.handler,
            &json!({ "upheld": false, "reply": "不行" }),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("objection.reply_required"))
    );
    let (status, body) = w
        .app
        .post(&path, &w.handler, &json!({ "upheld": false, "reply": "经核查，信号灯工作正常，三张照片清楚显示红灯时越线。" }))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["state"], "not_upheld");
    let (_, detail) = w
        .app
        .get(&format!("/api/v1/violations/{vid}"), &w.clerk)
        .await;
    assert_eq!(
        detail["violation"]["state"], "notified",
        "the record stands"
    );
    assert_eq!(
        detail["objections"][0]["reply"],
        "经核查，信号灯工作正常，三张照片清楚显示红灯时越线。"
    );
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
    enqueue(&w.app.state, &Job::ViolationOverdue, None, w.clock.now())
        .await
        .unwrap();
    w.run_jobs().await;
    let (_, detail) = w
        .app
        .get(&format!("/api/v1/violations/{}", ids[0]), &w.clerk)
        .await;
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

#[tokio::test]
async fn capture_pages_render_for_their_users() {
    let w = world_with(|s| s.captures.second_review_percent = 0).await;
    let vid = notified_record(&w, 1).await;
    let (_, pending) = w
        .push("330522010201", &w.capture("浙E12346", "1625", 2))
        .await;
    let (_, o) = public_objection(&w, vid, "123456").await;
    assert!(o["id"].is_i64(), "{o}");
    let pages = [
        (&w.reviewer, "/review".to_owned()),
        (&w.reviewer, format!("/review?id={}", pending["capture_id"])),
        (
            &w.reviewer,
            format!("/review?after={}", pending["capture_id"]),
        ),
        (&w.clerk, "/violations".to_owned()),
        (&w.clerk, "/violations?state=notified".to_owned()),
        (&w.clerk, format!("/violations/{vid}")),
        (&w.handler, format!("/violations/{vid}")),
        (&w.handler, "/objections".to_owned()),
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
            .get(w.app.url(&format!(
                "/public/violations?plate=浙E12345&vin_tail=123456&lang={lang}"
            )))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200, "{lang}");
        let body = resp.text().await.unwrap();
        assert!(body.contains("浙E12345"), "{lang}");
    }
    let resp = w
        .app
        .client
        .get(
            w.app
                .url("/public/violations?plate=浙E12345&vin_tail=000000"),
        )
        .send()
        .await
        .unwrap();
    assert!(resp.text().await.unwrap().contains("lookup-error"));
}

/// A real SMTP server (aiosmtpd, installed by scripts/test.sh from PyPI) on a free port.
pub(crate) struct SmtpSink {
    child: std::process::Child,
    pub(crate) port: u16,
    out: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl SmtpSink {
    fn start() -> Self {
        Self::start_with(&[])
    }

    /// With the sink's options: `--starttls`, `--tls`, `--auth USER:PASSWORD`.
    pub(crate) fn start_with(options: &[&str]) -> Self {
        use std::io::BufRead;
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("mail.jsonl");
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/smtp_sink.py");
        let mut child = std::process::Command::new("python3")
            .arg(script)
            .arg(&out)
            .args(options)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("python3 runs the SMTP sink (pip install aiosmtpd)");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .strip_prefix("ready ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| {
                panic!("the SMTP sink did not start (is aiosmtpd installed?): {line:?}")
            });
        Self {
            child,
            port,
            out,
            _dir: dir,
        }
    }

    pub(crate) fn messages(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.out)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn not_01_email_notice_over_smtp() {
    let smtp = SmtpSink::start();
    let relay = format!("127.0.0.1:{}", smtp.port);
    let w = world_with(|s| s.notices.smtp_relay = relay).await;
    let (status, body) = w
        .app
        .post(
            "/api/v1/vehicles",
            &w.clerk,
            &json!({ "plate": "浙E88888", "plate_colour": "blue", "country": "CN", "vin": "LSVAU2180N2654321",
                     "owner_name": "李四", "owner_email": "li.si@example.cn" }),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let (_, r) = w
        .push("330522010201", &w.capture("浙E88888", "1625", 1))
        .await;
    let out = w.approve(r["capture_id"].as_i64().unwrap()).await;
    let (_, report) = w
        .app
        .post("/api/v1/notices/send", &w.clerk, &json!({}))
        .await;
    assert_eq!(report["sent"], 1, "{report}");
    let mail = smtp.messages();
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0]["to"][0], "li.si@example.cn");
    assert!(
        mail[0]["subject"]
            .as_str()
            .unwrap()
            .contains("交通技术监控违法行为通知"),
        "{}",
        mail[0]
    );
    let text = mail[0]["body"].as_str().unwrap();
    assert!(
        text.contains("浙E88888") && text.contains("2026年12月23日"),
        "{text}"
    );
    let (_, v) = w
        .app
        .get(
            &format!("/api/v1/violations/{}", out["violation_id"]),
            &w.clerk,
        )
        .await;
    assert_eq!(
        v["violation"]["state"], "notified",
        "e-mail service counts when sent"
    );
}
