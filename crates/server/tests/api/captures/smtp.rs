//! NOT-01 e-mail notices through a relay that wants protection: STARTTLS or TLS from the first
//! byte, checked against a private CA, and AUTH. A wrong password or a relay that cannot
//! encrypt is a failure retried like any other, and the reason shown never holds the password.

use chrono::Duration;
use roadwarden_server::config::{Secret, SmtpTls};
use serde_json::json;

use super::{world_with, SmtpSink, World};

const CA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/smtp_tls/ca.pem"
);

/// A world whose relay is the sink, protected as `tls` says, signing in with `password`.
async fn world_for(sink: &SmtpSink, tls: SmtpTls, password: &str) -> World {
    let relay = format!("127.0.0.1:{}", sink.port);
    let password = password.to_owned();
    world_with(move |s| {
        s.notices.smtp_relay = relay;
        s.notices.smtp_tls = tls;
        s.notices.smtp_ca_file = CA.into();
        if !password.is_empty() {
            s.notices.smtp_username = "notices".into();
            s.notices.smtp_password = Secret::new(password);
        }
        s.notices.max_attempts = 2;
    })
    .await
}

/// An approved record whose owner has an e-mail address: one e-mail notice is due.
async fn email_notice_due(w: &World) {
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
    w.approve(r["capture_id"].as_i64().unwrap()).await;
}

#[tokio::test]
async fn not_01_email_notice_over_starttls_with_auth() {
    let sink = SmtpSink::start_with(&["--starttls", "--auth", "notices:relay-pw-7"]);
    let w = world_for(&sink, SmtpTls::Starttls, "relay-pw-7").await;
    email_notice_due(&w).await;
    let report = w.captures(&w.clerk).send_notices().await;
    assert_eq!(report["sent"], 1, "{report}");
    let mail = sink.messages();
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0]["to"][0], "li.si@example.cn");
    assert_eq!(mail[0]["tls"], true, "{}", mail[0]);
    assert_eq!(mail[0]["auth"], "notices", "{}", mail[0]);
    assert!(
        mail[0]["subject"]
            .as_str()
            .unwrap()
            .contains("交通技术监控违法行为通知"),
        "{}",
        mail[0]
    );
}

#[tokio::test]
async fn not_01_email_notice_over_tls_from_the_first_byte() {
    let sink = SmtpSink::start_with(&["--tls"]);
    let w = world_for(&sink, SmtpTls::Tls, "").await;
    email_notice_due(&w).await;
    let report = w.captures(&w.clerk).send_notices().await;
    assert_eq!(report["sent"], 1, "{report}");
    let mail = sink.messages();
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0]["tls"], true, "{}", mail[0]);
    assert!(mail[0]["body"].as_str().unwrap().contains("浙E88888"));
}

#[tokio::test]
async fn not_01_a_refused_password_is_retried_then_given_up_and_never_shown() {
    let sink = SmtpSink::start_with(&["--starttls", "--auth", "notices:right-pw"]);
    let w = world_for(&sink, SmtpTls::Starttls, "wrong-pw-hunter2").await;
    email_notice_due(&w).await;
    let report = w.captures(&w.clerk).send_notices().await;
    assert_eq!(report["retried"], 1, "{report}");
    w.clock.advance(Duration::minutes(10));
    let report = w.captures(&w.clerk).send_notices().await;
    assert_eq!(report["failed"], 1, "{report}");
    assert!(sink.messages().is_empty());
    let (_, failed) = w.app.get("/api/v1/notices?state=failed", &w.clerk).await;
    assert_eq!(failed[0]["channel"], "email");
    let error = failed[0]["last_error"].as_str().unwrap();
    assert!(error.contains("535"), "{error}");
    assert!(!error.contains("hunter2"), "{error}");
}

#[tokio::test]
async fn not_01_starttls_is_never_dropped_for_plain_text() {
    // The sink offers no STARTTLS: the notice must wait, not go out in clear.
    let sink = SmtpSink::start_with(&[]);
    let w = world_for(&sink, SmtpTls::Starttls, "").await;
    email_notice_due(&w).await;
    let report = w.captures(&w.clerk).send_notices().await;
    assert_eq!(report["retried"], 1, "{report}");
    assert!(sink.messages().is_empty());
}
