//! NOT-01: the outbox sends the owner's notices by SMS, letter and e-mail, and retries
//! (`services/captures/outbox.rs`).

use chrono::Duration;

use super::*;

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
    w.run_job(Job::NoticeOutbox).await;
    let sms = received.lock().unwrap().clone();
    assert_eq!(sms.len(), 1);
    assert_eq!(sms[0]["to"], "13800000000");
    let text = sms[0]["text"].as_str().unwrap();
    assert!(
        text.contains("浙E12345") && text.contains("2026年12月23日"),
        "{text}"
    );
    assert!(text.contains("行政复议"), "APL-03 is in the notice: {text}");
    let detail = w.captures(&w.clerk).violation(vid).await;
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
    let report = w.captures(&w.clerk).send_notices().await;
    assert_eq!(report["retried"], 1, "{report}");
    w.clock.advance(Duration::minutes(10));
    let report = w.captures(&w.clerk).send_notices().await;
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
    let report = w.captures(&w.clerk).send_notices().await;
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
    let v = w
        .captures(&w.clerk)
        .violation(out["violation_id"].as_i64().unwrap())
        .await;
    assert_eq!(
        v["violation"]["state"], "notified",
        "e-mail service counts when sent"
    );
}
