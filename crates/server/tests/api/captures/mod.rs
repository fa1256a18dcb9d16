//! CAP-00..04, REV-00..06, NOT-01..03, APL-01..03 through the API: from a device's push to a
//! notice, a payment, an objection and the inspection block.
//!
//! The tests mirror `services/captures/`: `intake` (JSON and ISAPI pushes, CAP-00..04),
//! `review` (the queue and decisions, REV-00..05), `notices` (the outbox, SMS and e-mail) with
//! `smtp` (a protected relay), `violations` (the record's deadlines and the inspection block),
//! `objections`, `owner` (the owner's proof, the registry, notices by unit) and `pages`. This
//! file holds the area's world, its typed client and the fixtures other areas borrow
//! (`notified_record`, `public_objection`, the SMS and SMTP sinks).

mod capture_list;
mod correction_records;
mod corrections;
mod device_health;
mod intake;
mod lists;
mod notices;
mod objections;
mod owner;
mod pages;
mod public_forms;
mod review;
mod sinks;
mod smtp;
mod violations;

use std::collections::HashMap;

use base64::Engine;
use chrono::{TimeZone, Utc};
use roadwarden_server::jobs::worker::run_one;
use roadwarden_server::jobs::{enqueue, Job};
use roadwarden_testkit::{account, unit, Org, TestApp, PASSWORD};
use serde_json::{json, Value};

pub(crate) use sinks::{sms_sink, SmtpSink};

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
    const GREY_8X8: &[u8] = include_bytes!("../../fixtures/grey_8x8.jpg");
    let mut b = GREY_8X8[..2].to_vec();
    b.extend([0xFF, 0xFE, 0x08, 0x02]);
    b.extend(std::iter::repeat_n(n, 2048));
    b.extend(&GREY_8X8[2..]);
    b
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The captures area's people and devices on the shared [`roadwarden_testkit::World`] (its
/// `app`, `o` and `clock` are reached through `Deref`).
pub(crate) struct World {
    pub(crate) base: roadwarden_testkit::World,
    /// device_manager of the squad, who imported the ledger.
    pub(crate) manager: String,
    /// reviewer at the county.
    pub(crate) reviewer: String,
    /// notice_clerk at the county.
    pub(crate) clerk: String,
    /// objection_handler at the county.
    pub(crate) handler: String,
    /// The inspection station's interface client (NOT-03).
    pub(crate) inspector: String,
    /// Device number → (id, key, secret).
    pub(crate) devices: HashMap<String, (i64, String, String)>,
}

impl std::ops::Deref for World {
    type Target = roadwarden_testkit::World;
    fn deref(&self) -> &roadwarden_testkit::World {
        &self.base
    }
}

pub(crate) async fn world() -> World {
    world_with(|_| {}).await
}

pub(crate) async fn world_with(
    adjust: impl FnOnce(&mut roadwarden_server::config::Settings),
) -> World {
    // Monday 23 November 2026, 10:00 in Shanghai. No second looks unless a test asks (REV-05).
    let base =
        roadwarden_testkit::World::at(Utc.with_ymd_and_hms(2026, 11, 23, 2, 0, 0).unwrap(), |s| {
            s.captures.second_review_percent = 0;
            adjust(s);
        })
        .await;
    let o = &base.o;
    let station = unit(
        &base.app.state,
        Some(&o.county),
        "330522-JC",
        "squad",
        "inspection_station",
    )
    .await;
    let manager = base
        .person(&o.squad, "sq.device", 11, &["device_manager"])
        .await;
    let reviewer = base
        .person(&o.county, "cx.reviewer", 12, &["reviewer"])
        .await;
    let clerk = base
        .person(&o.county, "cx.clerk", 13, &["notice_clerk"])
        .await;
    let handler = base
        .person(&o.county, "cx.objection", 14, &["objection_handler"])
        .await;
    let inspector = base
        .person(&station, "jc.station", 15, &["interface_client"])
        .await;
    // The collector signs in only in the tests that need them (REV-02).
    account(
        &base.app.state,
        &o.squad,
        "sq.collector",
        16,
        &["collector"],
    )
    .await;
    let devices = import_devices(&base.app, &manager).await;
    let w = World {
        base,
        manager,
        reviewer,
        clerk,
        handler,
        inspector,
        devices,
    };
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

/// Imports the four devices of the ledger and gives each a push credential: number → (id,
/// key, secret).
async fn import_devices(app: &TestApp, manager: &str) -> HashMap<String, (i64, String, String)> {
    let ledger = format!("{HEADER}\n{RED_LIGHT}\n{TRIAL}\n{HANDHELD}\n{MOBILE}");
    let resp = app
        .client
        .post(app.url("/api/v1/device-imports?file_name=ledger.csv"))
        .bearer_auth(manager)
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
    let mut devices = HashMap::new();
    let (_, page) = app.get("/api/v1/devices", manager).await;
    for d in page["items"].as_array().unwrap() {
        let id = d["id"].as_i64().unwrap();
        let (status, cred) = app
            .post(
                &format!("/api/v1/devices/{id}/credentials"),
                manager,
                &json!({}),
            )
            .await;
        assert_eq!(status, 201, "{cred}");
        devices.insert(
            d["number"].as_str().unwrap().to_owned(),
            (
                id,
                cred["key_id"].as_str().unwrap().into(),
                cred["secret"].as_str().unwrap().into(),
            ),
        );
    }
    devices
}

/// The capture, review and violation endpoints as one person calls them: the request shapes
/// the tests repeat.
pub(crate) struct CapturesClient<'a> {
    app: &'a TestApp,
    token: &'a str,
}

impl CapturesClient<'_> {
    /// The capture as this person may see it.
    async fn capture(&self, id: i64) -> (u16, Value) {
        self.app
            .get(&format!("/api/v1/captures/{id}"), self.token)
            .await
    }

    /// This person's review queue with its counts.
    async fn queue(&self) -> Value {
        self.app.get("/api/v1/review/queue", self.token).await.1
    }

    /// A review decision on a capture (`{"decision": "approve"}`, a rejection with its reason).
    pub(crate) async fn decide(&self, capture: i64, body: &Value) -> (u16, Value) {
        self.app
            .post(
                &format!("/api/v1/captures/{capture}/decision"),
                self.token,
                body,
            )
            .await
    }

    /// The violation record with its events, notices and objections.
    async fn violation(&self, vid: i64) -> Value {
        self.app
            .get(&format!("/api/v1/violations/{vid}"), self.token)
            .await
            .1
    }

    /// Sends the notices due now (the clerk's button): the outbox's report.
    async fn send_notices(&self) -> Value {
        self.app
            .post("/api/v1/notices/send", self.token, &json!({}))
            .await
            .1
    }

    /// The handler's decision on an objection (upheld or not, with the reply).
    async fn decide_objection(&self, objection: i64, body: &Value) -> (u16, Value) {
        self.app
            .post(
                &format!("/api/v1/objections/{objection}/decision"),
                self.token,
                body,
            )
            .await
    }

    /// A clerk's step on a violation record (`notify`, `extend`, `handle`, `pay`…).
    async fn act(&self, vid: i64, body: &Value) -> (u16, Value) {
        self.app
            .post(
                &format!("/api/v1/violations/{vid}/actions"),
                self.token,
                body,
            )
            .await
    }
}

impl World {
    /// The capture endpoints as `token` calls them.
    pub(crate) fn captures<'a>(&'a self, token: &'a str) -> CapturesClient<'a> {
        CapturesClient {
            app: &self.app,
            token,
        }
    }

    pub(crate) fn cred(&self, number: &str) -> (String, String) {
        let (_, k, s) = &self.devices[number];
        (k.clone(), s.clone())
    }

    /// A JSON push by the device `number`, with its own credential.
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

    /// The reviewer approves `capture`: the decision's answer.
    pub(crate) async fn approve(&self, capture: i64) -> Value {
        let (status, out) = self
            .captures(&self.reviewer)
            .decide(capture, &json!({ "decision": "approve" }))
            .await;
        assert_eq!(status, 200, "{out}");
        out
    }

    /// Queues `job` now and runs every job due, as the worker would.
    pub(crate) async fn run_job(&self, job: Job) {
        enqueue(&self.app.state, &job, None, self.clock.now())
            .await
            .unwrap();
        while run_one(&self.app.state).await.unwrap().is_some() {}
    }
}

pub(crate) trait RootToken {
    async fn root_admin_token(&self, app: &TestApp) -> String;
}

impl RootToken for Org {
    async fn root_admin_token(&self, app: &TestApp) -> String {
        app.token(&self.root_admin.0, &self.root_admin.1).await
    }
}

/// The record of an approved capture, notified by the clerk (letter posted).
pub(crate) async fn notified_record(w: &World, n: u8) -> i64 {
    let (_, r) = w
        .push("330522010201", &w.capture("浙E12345", "1625", n))
        .await;
    let out = w.approve(r["capture_id"].as_i64().unwrap()).await;
    let vid = out["violation_id"].as_i64().unwrap();
    let (status, body) = w
        .captures(&w.clerk)
        .act(vid, &json!({ "action": "notify", "channel": "post" }))
        .await;
    assert_eq!(status, 200, "{body}");
    vid
}

/// An objection lodged on the public form, proved by the plate and `vin_tail`.
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
