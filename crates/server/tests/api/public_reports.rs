//! REV-05: photos reported by the public go through the same review (PR art. 23): the public
//! report form's API, the contact proof, the rate limits, the same image and plate checks, the
//! review queue flag and the decision into a violation.

use std::sync::{Arc, Mutex};

use base64::Engine;
use chrono::Duration;
use serde_json::{json, Value};

use crate::captures::{sms_sink, world_with, World};

/// A valid 8x8 baseline JPEG.
const TINY_JPEG: &str = "/9j/4AAQSkZJRgABAgAAAQABAAD/wAALCAAIAAgBABEA/9sAQwAQCwwODAoQDg0OEhEQExgoGhgWFhgxIyUdKDozPTw5Mzg3QEhcTkBEV0U3OFBtUVdfYmdoZz5NcXlwZHhcZWdj/9sAQwEREhIYFRgvGhovY0I4QmNjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2Nj/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/9oACAEAAAA/ACv/2Q==";

const PHONE: &str = "13912345678";

/// A real JPEG, made distinct by a COM segment carrying `n` right after SOI.
fn photo(n: u8) -> Vec<u8> {
    let tiny = base64::engine::general_purpose::STANDARD
        .decode(TINY_JPEG)
        .unwrap();
    let text = format!("public report photo {n}");
    let len = u16::try_from(text.len() + 2).unwrap().to_be_bytes();
    let mut out = tiny[..2].to_vec();
    out.extend([0xFF, 0xFE, len[0], len[1]]);
    out.extend(text.as_bytes());
    out.extend(&tiny[2..]);
    out
}

type Inbox = Arc<Mutex<Vec<Value>>>;

async fn world(adjust: impl FnOnce(&mut roadwarden_server::config::Settings)) -> (World, Inbox) {
    let (gateway, inbox) = sms_sink().await;
    let w = world_with(|s| {
        s.notices.sms_gateway_url = gateway;
        adjust(s);
    })
    .await;
    (w, inbox)
}

async fn ask_code(w: &World, phone: &str) -> (u16, Value) {
    let resp = w
        .app
        .client
        .post(w.app.url("/api/v1/public/report-codes"))
        .json(&json!({ "phone": phone }))
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// The code the SMS gateway last took for `phone`.
fn last_code(inbox: &Inbox, phone: &str) -> String {
    let sms = inbox.lock().unwrap();
    let text = sms
        .iter()
        .rev()
        .find(|m| m["to"] == phone)
        .expect("an SMS to the phone")["text"]
        .as_str()
        .unwrap()
        .to_owned();
    text.split(|c: char| !c.is_ascii_digit())
        .find(|s| s.len() == 6)
        .expect("a 6-digit code")
        .to_owned()
}

struct Report {
    fields: Vec<(&'static str, String)>,
    photos: Vec<Vec<u8>>,
}

impl Report {
    fn new(w: &World, plate: &str, code: &str) -> Self {
        let at = (w.clock.now() - Duration::hours(2)).to_rfc3339();
        Self {
            fields: vec![
                ("unit", "330522".into()),
                ("plate", plate.into()),
                ("plate_colour", "blue".into()),
                ("violation_code", "1625".into()),
                ("place", "长兴大道与明珠路口".into()),
                ("captured_at", at),
                ("phone", PHONE.into()),
                ("code", code.into()),
                ("lang", "zh-CN".into()),
            ],
            photos: vec![photo(1), photo(2)],
        }
    }

    fn set(mut self, name: &'static str, value: &str) -> Self {
        self.fields.retain(|(n, _)| *n != name);
        self.fields.push((name, value.into()));
        self
    }

    fn photos(mut self, photos: Vec<Vec<u8>>) -> Self {
        self.photos = photos;
        self
    }

    async fn send(self, w: &World) -> (u16, Value) {
        let mut form = reqwest::multipart::Form::new();
        for (n, v) in self.fields {
            form = form.text(n, v);
        }
        for (i, p) in self.photos.into_iter().enumerate() {
            form = form.part(
                "photos",
                reqwest::multipart::Part::bytes(p)
                    .file_name(format!("photo{i}.jpg"))
                    .mime_str("image/jpeg")
                    .unwrap(),
            );
        }
        let resp = w
            .app
            .client
            .post(w.app.url("/api/v1/public/reports"))
            .multipart(form)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }
}

/// Asks for a code for PHONE and sends a report of `plate` with it.
async fn report(w: &World, inbox: &Inbox, plate: &str) -> (u16, Value) {
    let (status, sent) = ask_code(w, PHONE).await;
    assert_eq!(status, 201, "{sent}");
    let code = last_code(inbox, PHONE);
    Report::new(w, plate, &code).send(w).await
}

#[tokio::test]
async fn rev_05_public_report_enters_review_flagged() {
    let (w, inbox) = world(|_| {}).await;
    let (status, sent) = ask_code(&w, PHONE).await;
    assert_eq!(status, 201, "{sent}");
    assert_eq!(sent["phone"], "139****5678");
    let code = last_code(&inbox, PHONE);
    let (status, receipt) = Report::new(&w, "浙E 88888", &code).send(&w).await;
    assert_eq!(status, 201, "{receipt}");
    assert_eq!(receipt["state"], "pending");
    assert!(receipt["reference"].as_str().unwrap().starts_with("RP-"));
    assert!(receipt["review_due_at"].is_string(), "REV-01 applies too");
    let id = receipt["report_id"].as_i64().unwrap();

    // The same review queue as captures, flagged as a public report.
    let (status, queue) = w.app.get("/api/v1/review/queue", &w.reviewer).await;
    assert_eq!(status, 200, "{queue}");
    let item = queue["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == id)
        .expect("the report is in the queue");
    assert_eq!(item["source"], "public_report");
    assert_eq!(item["plate"], "浙E88888", "the plate is read as at ingest");

    let (status, view) = w
        .app
        .get(&format!("/api/v1/captures/{id}"), &w.reviewer)
        .await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["source"], "public_report");
    assert_eq!(view["device_id"], Value::Null);
    assert_eq!(view["public_report"]["phone_masked"], "139****5678");
    assert_eq!(view["images"].as_array().unwrap().len(), 2);
    assert_eq!(view["can_decide"], true);
    assert!(
        !view.to_string().contains(PHONE),
        "the reporter's phone is not shown to reviewers: {view}"
    );
    // The photos are stored as sent.
    let img = w
        .app
        .client
        .get(w.app.url(&format!("/api/v1/captures/{id}/images/1")))
        .bearer_auth(&w.reviewer)
        .send()
        .await
        .unwrap();
    assert_eq!(img.bytes().await.unwrap().to_vec(), photo(2));

    // A reviewer of another county does not see it (REV-00).
    let sibling = w
        .app
        .token(&w.o.sibling_reviewer.0, &w.o.sibling_reviewer.1)
        .await;
    let (status, _) = w.app.get(&format!("/api/v1/captures/{id}"), &sibling).await;
    assert_eq!(status, 404);

    // Receiving it and reading it are in the audit chain, without the code or the phone.
    let admin = crate::captures::RootToken::root_admin_token(&w.o, &w.app).await;
    let (_, audit) = w.app.get("/api/v1/audit?limit=200", &admin).await;
    let text = audit.to_string();
    assert!(text.contains("public_report.receive"), "{text}");
    assert!(text.contains("public_report.code_sent"), "{text}");
    assert!(text.contains("capture.view"), "{text}");
    assert!(!text.contains(PHONE), "the audit keeps the phone masked");
    assert!(!text.contains(&code), "the code is never in the audit");

    // The form's options list the county and its country's violation types.
    let resp = w
        .app
        .client
        .get(w.app.url("/api/v1/public/report-options?lang=en"))
        .send()
        .await
        .unwrap();
    let options: Value = resp.json().await.unwrap();
    let county = options["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["code"] == "330522")
        .unwrap();
    assert!(county["violation_types"]
        .as_array()
        .unwrap()
        .iter()
        .any(|v| v["code"] == "1625" && v["name"] == "Running a red light"));
    // It is in the OpenAPI document.
    let resp = w
        .app
        .client
        .get(w.app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    let doc: Value = resp.json().await.unwrap();
    assert!(doc["paths"]["/api/v1/public/reports"]["post"].is_object());
    assert!(doc["paths"]["/api/v1/public/report-codes"]["post"].is_object());
}

#[tokio::test]
async fn rev_05_requires_contact_proof() {
    let (w, inbox) = world(|_| {}).await;
    // No code asked for.
    let (status, body) = Report::new(&w, "浙E88888", "123456").send(&w).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["code"], "report.contact_unproven");
    assert_eq!(body["error"]["rule"], "REV-05");

    // A wrong code is refused; the right one then works once.
    let (status, _) = ask_code(&w, PHONE).await;
    assert_eq!(status, 201);
    let code = last_code(&inbox, PHONE);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let (status, body) = Report::new(&w, "浙E88888", wrong).send(&w).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["code"], "report.contact_unproven");
    let (status, body) = Report::new(&w, "浙E88888", &code).send(&w).await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = Report::new(&w, "浙E88889", &code).send(&w).await;
    assert_eq!(status, 422, "a code is used once: {body}");

    // Bounded attempts: after five wrong tries even the right code is dead.
    let (status, _) = ask_code(&w, PHONE).await;
    assert_eq!(status, 201);
    let code = last_code(&inbox, PHONE);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..5 {
        let (status, _) = Report::new(&w, "浙E88888", wrong).send(&w).await;
        assert_eq!(status, 422);
    }
    let (status, body) = Report::new(&w, "浙E88888", &code).send(&w).await;
    assert_eq!(status, 422, "{body}");

    // Expiry: ten minutes.
    let (status, _) = ask_code(&w, PHONE).await;
    assert_eq!(status, 201);
    let code = last_code(&inbox, PHONE);
    w.clock.advance(Duration::minutes(11));
    let (status, body) = Report::new(&w, "浙E88888", &code).send(&w).await;
    assert_eq!(status, 422, "an expired code: {body}");

    // A code for another phone proves nothing for this one.
    let (status, _) = ask_code(&w, "13700000001").await;
    assert_eq!(status, 201);
    let other = last_code(&inbox, "13700000001");
    let (status, _) = Report::new(&w, "浙E88888", &other).send(&w).await;
    assert_eq!(status, 422);

    // Without an SMS gateway (and without the development log channel) no code is sent.
    let (w2, _) = world(|s| s.notices.sms_gateway_url = String::new()).await;
    let (status, body) = ask_code(&w2, PHONE).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["code"], "report.no_sms_gateway");
}

#[tokio::test]
async fn rev_05_rate_limited() {
    let (w, inbox) = world(|s| {
        s.reports.reports_per_phone_per_day = 2;
        s.reports.codes_per_phone_per_hour = 10;
    })
    .await;
    for plate in ["浙E10001", "浙E10002"] {
        let (status, body) = report(&w, &inbox, plate).await;
        assert_eq!(status, 201, "{body}");
    }
    // The third report from the phone the same day: 429, with a Retry-After.
    let (status, _) = ask_code(&w, PHONE).await;
    assert_eq!(status, 201);
    let code = last_code(&inbox, PHONE);
    let (status, body) = Report::new(&w, "浙E10003", &code).send(&w).await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["error"]["code"], "auth.throttled");
    // A day later the phone may report again (the unused code has expired: a new one).
    w.clock.advance(Duration::hours(25));
    let (status, body) = report(&w, &inbox, "浙E10003").await;
    assert_eq!(status, 201, "{body}");

    // Codes per phone per hour.
    let (w, _) = world(|s| s.reports.codes_per_phone_per_hour = 3).await;
    for _ in 0..3 {
        let (status, _) = ask_code(&w, PHONE).await;
        assert_eq!(status, 201);
    }
    let resp = w
        .app
        .client
        .post(w.app.url("/api/v1/public/report-codes"))
        .json(&json!({ "phone": PHONE }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 429);
    assert!(resp.headers().get("retry-after").is_some());

    // Per address: many phones from one address.
    let (w, _) = world(|s| s.reports.codes_per_address_per_hour = 4).await;
    for n in 0..4 {
        let (status, _) = ask_code(&w, &format!("1380000100{n}")).await;
        assert_eq!(status, 201);
    }
    let (status, _) = ask_code(&w, "13800001009").await;
    assert_eq!(status, 429);

    // Reports per address per hour.
    let (w, inbox) = world(|s| s.reports.reports_per_address_per_hour = 1).await;
    let (status, body) = report(&w, &inbox, "浙E20001").await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = report(&w, &inbox, "浙E20002").await;
    assert_eq!(status, 429, "{body}");
}

#[tokio::test]
async fn rev_05_refuses_non_images_and_bad_plates() {
    let (w, inbox) = world(|_| {}).await;
    let (status, _) = ask_code(&w, PHONE).await;
    assert_eq!(status, 201);
    let code = last_code(&inbox, PHONE);
    let refused = |body: &Value, field: &str| {
        assert_eq!(body["error"]["field"], field, "{body}");
    };
    // Not a JPEG (a PNG signature; and text).
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    let (status, body) = Report::new(&w, "浙E88888", &code)
        .photos(vec![png])
        .send(&w)
        .await;
    assert_eq!(status, 422);
    refused(&body, "images");
    let (status, body) = Report::new(&w, "浙E88888", &code)
        .photos(vec![photo(1), b"not a picture".to_vec()])
        .send(&w)
        .await;
    assert_eq!(status, 422);
    refused(&body, "images");
    // No photo, too many photos, too large a photo.
    let (status, body) = Report::new(&w, "浙E88888", &code)
        .photos(vec![])
        .send(&w)
        .await;
    assert_eq!(status, 422);
    refused(&body, "images");
    let (status, body) = Report::new(&w, "浙E88888", &code)
        .photos((1..=5).map(photo).collect())
        .send(&w)
        .await;
    assert_eq!(status, 422);
    refused(&body, "images");
    let mut big = photo(9);
    big.splice(2..2, vec![0u8; 5 * 1024 * 1024]);
    let (status, _) = Report::new(&w, "浙E88888", &code)
        .photos(vec![big])
        .send(&w)
        .await;
    assert_eq!(status, 413);
    // Plates: unreadable, a hidden character, not a plate at all, none.
    for plate in ["浙E1234\u{200b}5", "HELLO WORLD 123", "无牌", ""] {
        let (status, body) = Report::new(&w, plate, &code).send(&w).await;
        assert_eq!(status, 422, "{plate}: {body}");
        refused(&body, "plate");
    }
    // A violation type outside the county's country, a unit that is not a county.
    let (status, body) = Report::new(&w, "浙E88888", &code)
        .set("violation_code", "VN06")
        .send(&w)
        .await;
    assert_eq!(status, 422);
    refused(&body, "violation_code");
    let (status, body) = Report::new(&w, "浙E88888", &code)
        .set("unit", "330522-01")
        .send(&w)
        .await;
    assert_eq!(status, 422);
    refused(&body, "unit");
    // A time in the future.
    let future = (w.clock.now() + Duration::hours(2)).to_rfc3339();
    let (status, body) = Report::new(&w, "浙E88888", &code)
        .set("captured_at", &future)
        .send(&w)
        .await;
    assert_eq!(status, 422, "{body}");
    // Nothing refused entered the queue, and the refusals did not use the code up.
    let (_, queue) = w.app.get("/api/v1/review/queue", &w.reviewer).await;
    assert_eq!(queue["total"], 0, "{queue}");
    let (status, body) = Report::new(&w, "浙E88888", &code).send(&w).await;
    assert_eq!(status, 201, "{body}");
}

#[tokio::test]
async fn rev_05_a_decided_public_report_becomes_a_violation_like_a_capture() {
    let (w, inbox) = world(|_| {}).await;
    // The owner of 浙E12345 is registered in the world.
    let (status, receipt) = report(&w, &inbox, "浙E12345").await;
    assert_eq!(status, 201, "{receipt}");
    let id = receipt["report_id"].as_i64().unwrap();
    let out = w.approve(id).await;
    assert_eq!(out["state"], "approved");
    let vid = out["violation_id"].as_i64().expect("a violation record");
    let (status, detail) = w
        .app
        .get(&format!("/api/v1/violations/{vid}"), &w.clerk)
        .await;
    assert_eq!(status, 200, "{detail}");
    let v = &detail["violation"];
    assert_eq!(v["plate"], "浙E12345");
    assert_eq!(v["violation_code"], "1625");
    assert_eq!(v["outcome"], "violation");
    assert_eq!(v["state"], "entered");
    // A rejected report stays out, with its REV-03 reason, as a capture would.
    let (status, receipt) = report(&w, &inbox, "浙E12346").await;
    assert_eq!(status, 201, "{receipt}");
    let id = receipt["report_id"].as_i64().unwrap();
    let (status, out) = w
        .app
        .post(
            &format!("/api/v1/captures/{id}/decision"),
            &w.reviewer,
            &json!({ "decision": "reject", "reason": "vehicle_unidentifiable" }),
        )
        .await;
    assert_eq!(status, 200, "{out}");
    assert_eq!(out["state"], "rejected");
    assert_eq!(out["violation_id"], Value::Null);
}

#[tokio::test]
async fn rev_05_report_page_works_without_sign_in_in_three_languages() {
    let (w, inbox) = world(|_| {}).await;
    let html = w.app.page("/report?lang=en", None).await;
    assert!(html.contains("Report a traffic violation"), "{html}");
    assert!(html.contains("value=\"330522\""), "the county is offered");
    let html = w.app.page("/report?unit=330522&lang=vi", None).await;
    assert!(html.contains("Gửi mã cho tôi") && html.contains("Vượt đèn đỏ"));
    let html = w.app.page("/report?unit=330522&lang=zh-CN", None).await;
    assert!(html.contains("获取验证码") && html.contains("驾驶机动车违反道路交通信号灯通行"));
    assert!(html.contains("width=device-width"), "made for a phone");

    // The code from the page.
    let resp = w
        .app
        .client
        .post(w.app.url("/report/code?lang=en"))
        .form(&[("unit", "330522"), ("phone", PHONE)])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 303);
    let to = resp.headers()["location"].to_str().unwrap().to_owned();
    assert!(to.contains("ok=report_code_sent"), "{to}");
    let html = w.app.page(&to, None).await;
    assert!(html.contains("id=\"report-form\""), "{html}");
    let code = last_code(&inbox, PHONE);

    // A refusal comes back on the page, in the person's language, with what was entered.
    let form = reqwest::multipart::Form::new()
        .text("unit", "330522")
        .text("phone", PHONE)
        .text("code", code.clone())
        .text("plate", "浙E88888")
        .text("violation_code", "1625")
        .text("place", "明珠路口")
        .text("captured_at", "2026-11-23T08:30")
        .part(
            "photos",
            reqwest::multipart::Part::bytes(b"GIF89a".to_vec()).file_name("a.gif"),
        );
    let resp = w
        .app
        .client
        .post(w.app.url("/report?lang=en"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 422);
    let html = resp.text().await.unwrap();
    assert!(
        html.contains("id=\"report-error\"") && html.contains("JPEG"),
        "{html}"
    );
    assert!(html.contains("明珠路口"), "the fields are kept");

    // The report (a local time from the phone's date-time field).
    let form = reqwest::multipart::Form::new()
        .text("unit", "330522")
        .text("phone", PHONE)
        .text("code", code)
        .text("plate", "浙E88888")
        .text("plate_colour", "blue")
        .text("violation_code", "1625")
        .text("place", "明珠路口")
        .text("captured_at", "2026-11-23T08:30")
        .part(
            "photos",
            reqwest::multipart::Part::bytes(photo(5)).file_name("a.jpg"),
        );
    let resp = w
        .app
        .client
        .post(w.app.url("/report?lang=en"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let html = resp.text().await.unwrap();
    assert!(html.contains("id=\"report-reference\""), "{html}");

    // The review desk flags it, with the phone masked.
    let (_, queue) = w.app.get("/api/v1/review/queue", &w.reviewer).await;
    let id = queue["items"][0]["id"].as_i64().unwrap();
    let html = w
        .app
        .page(&format!("/review?id={id}&lang=zh-CN"), Some(&w.reviewer))
        .await;
    assert!(html.contains("id=\"review-public-report\""), "{html}");
    assert!(html.contains("群众举报") && html.contains("139****5678"));
    assert!(!html.contains(PHONE));
    assert!(html.contains(&format!("id=\"queue-public-{id}\"")));
    let (_, view) = w
        .app
        .get(&format!("/api/v1/captures/{id}"), &w.reviewer)
        .await;
    assert_eq!(
        view["captured_at"], "2026-11-23T00:30:00Z",
        "the local time is the county's (Asia/Shanghai)"
    );
}
