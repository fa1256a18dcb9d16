//! RID-09, RID-10: the SMS and voice reminders of an occasional rider, sent by the job
//! `rider_reminders` against a small fake SMS and voice gateway over a real socket: sent to the
//! phone on file with the self-study link, retried with back-off and then failed, failed at once
//! with no phone, left pending with no gateway, never sent twice.

use std::sync::{Arc, Mutex};

use axum::http::StatusCode;
use axum::routing::post;
use axum::Json;
use roadwarden_server::config::Secret;
use roadwarden_server::jobs::{tasks::run, Job};
use roadwarden_server::services::riders::reminders;

use super::*;

const PUBLIC_URL: &str = "https://jj.example.cn";

/// The fake gateway's knobs and what it saw.
#[derive(Default)]
struct Gateway {
    /// Answer every call 503.
    refuse: bool,
    /// Calls received: (path, body, authorization).
    calls: Vec<(String, Value, String)>,
}

type Shared = Arc<Mutex<Gateway>>;

/// The fake SMS (`/sms`) and voice (`/voice`) gateway on a free port: its base and its state.
async fn fake_gateway() -> (String, Shared) {
    let fake: Shared = Arc::default();
    let take = |path: &'static str| {
        move |axum::extract::State(f): axum::extract::State<Shared>,
              h: axum::http::HeaderMap,
              Json(b): Json<Value>| async move {
            let mut g = f.lock().unwrap();
            let auth = h
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            g.calls.push((path.to_owned(), b, auth));
            if g.refuse {
                return (
                    StatusCode::SERVICE_UNAVAILABLE,
                    Json(json!({ "error": "quota exhausted" })),
                );
            }
            let id = format!("G{}", g.calls.len());
            (StatusCode::OK, Json(json!({ "id": id })))
        }
    };
    let app = axum::Router::new()
        .route("/sms", post(take("sms")))
        .route("/voice", post(take("voice")))
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), fake)
}

/// The riders' world with both gateways at the fake.
async fn connected(max_attempts: i32) -> (Riders, Shared) {
    let (base, fake) = fake_gateway().await;
    let r = riders_with(|s| {
        s.notices.sms_gateway_url = format!("{base}/sms");
        s.notices.sms_gateway_token = Secret::new("sms-key-1");
        s.notices.public_url = PUBLIC_URL.into();
        s.riders.reminders.voice_gateway_url = format!("{base}/voice");
        s.riders.reminders.max_attempts = max_attempts;
        s.riders.reminders.timeout_ms = 2_000;
    })
    .await;
    (r, fake)
}

/// An occasional rider (one confirmed violation) with `phone` on file: an SMS reminder, a
/// voice reminder and self-study follow (RID-09).
async fn occasional(r: &Riders, n: u32, phone: &str) -> i64 {
    let v = &r.w.o.village;
    let mut tx = r.w.app.state.store.begin().await.unwrap();
    let id = person_rows::insert(
        &mut tx,
        &NewRiderPerson {
            unit_id: v.id,
            unit_path: v.path.clone(),
            id_number: Some(roadwarden_testkit::cn_id(n)),
            name: "Wu Lei".into(),
            village: "Hongxing Village".into(),
            employer: String::new(),
            phone: phone.into(),
            party_member: false,
            provisional: false,
            created_at: t0(),
        },
    )
    .await
    .unwrap()
    .0;
    tx.commit().await.unwrap();
    let e = r
        .event(Some(id), &format!("occ{n}"), 20, MatchState::Unconfirmed)
        .await;
    let (status, out) = r
        .act(&format!("/api/v1/rider-events/{e}/confirm"), &no_body())
        .await;
    assert_eq!(status, 200, "{out}");
    assert_eq!(out["tier"], "occasional", "{out}");
    id
}

fn measure<'a>(file: &'a Value, disposition: &str) -> &'a Value {
    file["measures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["disposition"] == disposition)
        .unwrap_or_else(|| panic!("no {disposition} in {file}"))
}

async fn page(r: &Riders, id: i64, lang: &str) -> String {
    r.w.app
        .page(
            &format!("/riders/{id}?lang={lang}&purpose=enforcement"),
            Some(&r.officer),
        )
        .await
}

#[tokio::test]
async fn rid_10_sms_reminder_is_sent_to_the_phone_on_file_with_the_self_study_link() {
    let (r, fake) = connected(5).await;
    let id = occasional(&r, 701, "138 0000 2222").await;
    run(&r.w.app.state, &Job::RiderReminders).await.unwrap();
    {
        let g = fake.lock().unwrap();
        assert_eq!(g.calls.len(), 2, "one text and one call");
        let (_, sms, auth) = g.calls.iter().find(|c| c.0 == "sms").unwrap();
        assert_eq!(sms["to"], "13800002222");
        assert_eq!(auth, "Bearer sms-key-1");
        let text = sms["text"].as_str().unwrap();
        assert!(
            text.contains(&format!("{PUBLIC_URL}/public/riders")),
            "{text}"
        );
        assert!(text.contains("安全测试"), "in the unit's language: {text}");
        assert!(sms["reference"].as_str().unwrap().starts_with("rid09-sms-"));
        let (_, voice, _) = g.calls.iter().find(|c| c.0 == "voice").unwrap();
        assert_eq!(voice["kind"], "voice");
        assert_eq!(voice["language"], "zh-CN");
        assert_eq!(voice["to"], "13800002222");
    }
    let file = r.file(id, &r.officer).await;
    for d in ["sms_reminder", "voice_reminder"] {
        let m = measure(&file, d);
        assert_eq!(m["state"], "sent", "{m}");
        assert_eq!(m["sent_at"], json!(r.w.clock.now()), "{m}");
        assert_eq!(m["reason"], "", "{m}");
    }
    assert_eq!(measure(&file, "self_study")["state"], "pending");
    // Each send audited, the phone masked, never in clear.
    let sent = r.audited("rider.reminder_sent").await;
    assert_eq!(sent.len(), 2, "{sent:?}");
    let all = serde_json::to_string(&sent).unwrap();
    assert!(all.contains("138****2222"), "{all}");
    assert!(!all.contains("13800002222"), "{all}");
    // The page says it in words, in all three languages.
    assert!(page(&r, id, "en").await.contains("SMS reminder"));
    let en = page(&r, id, "en").await;
    assert!(
        en.contains(r#"data-measure-state="sent""#) && en.contains("Sent"),
        "{en}"
    );
    assert!(page(&r, id, "zh-CN").await.contains("已发送"));
    assert!(page(&r, id, "vi").await.contains("Đã gửi"));
}

#[tokio::test]
async fn rid_10_a_gateway_refusal_is_retried_with_back_off_then_failed() {
    let (r, fake) = connected(3).await;
    fake.lock().unwrap().refuse = true;
    let id = occasional(&r, 702, "13800003333").await;
    let report = reminders::run(&r.w.app.state).await.unwrap();
    assert_eq!(report.retried, 2, "{report:?}");
    let file = r.file(id, &r.officer).await;
    let m = measure(&file, "sms_reminder");
    assert_eq!(m["state"], "pending", "{m}");
    assert_eq!(m["reason"], "retrying", "{m}");
    assert_eq!(m["attempts"], 1);
    assert!(m["detail"].as_str().unwrap().contains("503"), "{m}");
    assert!(m["next_at"].is_string(), "{m}");
    // Not before the back-off.
    let report = reminders::run(&r.w.app.state).await.unwrap();
    assert_eq!(report, Default::default());
    assert_eq!(fake.lock().unwrap().calls.len(), 2);
    // Then each attempt, until the third gives up.
    for _ in 0..2 {
        r.w.clock.advance(Duration::minutes(5));
        reminders::run(&r.w.app.state).await.unwrap();
    }
    let file = r.file(id, &r.officer).await;
    for d in ["sms_reminder", "voice_reminder"] {
        let m = measure(&file, d);
        assert_eq!(m["state"], "failed", "{m}");
        assert_eq!(m["reason"], "gateway_failed", "{m}");
        assert_eq!(m["attempts"], 3, "{m}");
    }
    assert_eq!(fake.lock().unwrap().calls.len(), 6);
    // Given up: later passes call no more.
    r.w.clock.advance(Duration::hours(6));
    reminders::run(&r.w.app.state).await.unwrap();
    assert_eq!(fake.lock().unwrap().calls.len(), 6);
    assert_eq!(r.audited("rider.reminder_retry").await.len(), 4);
    assert_eq!(r.audited("rider.reminder_failed").await.len(), 2);
    let en = page(&r, id, "en").await;
    assert!(
        en.contains("Failed") && en.contains("did not take it after every attempt"),
        "{en}"
    );
    assert!(page(&r, id, "vi").await.contains("Thất bại"));
}

#[tokio::test]
async fn rid_10_no_phone_on_file_fails_the_reminder_with_a_clear_reason() {
    let (r, fake) = connected(5).await;
    let id = occasional(&r, 703, "").await;
    let report = reminders::run(&r.w.app.state).await.unwrap();
    assert_eq!(report.no_phone, 2, "{report:?}");
    assert!(fake.lock().unwrap().calls.is_empty());
    let file = r.file(id, &r.officer).await;
    for d in ["sms_reminder", "voice_reminder"] {
        let m = measure(&file, d);
        assert_eq!(m["state"], "failed", "{m}");
        assert_eq!(m["reason"], "no_phone", "{m}");
    }
    assert_eq!(r.audited("rider.reminder_failed").await.len(), 2);
    assert!(page(&r, id, "en")
        .await
        .contains("No mobile number on file"));
    assert!(page(&r, id, "zh-CN")
        .await
        .contains("人脸底库中没有该人员的手机号码"));
}

#[tokio::test]
async fn rid_10_with_no_gateway_configured_reminders_stay_pending_and_the_file_says_why() {
    let r = riders().await;
    let id = occasional(&r, 704, "13800004444").await;
    let report = reminders::run(&r.w.app.state).await.unwrap();
    assert_eq!(report, Default::default());
    let file = r.file(id, &r.officer).await;
    let sms = measure(&file, "sms_reminder");
    assert_eq!(
        (&sms["state"], &sms["reason"], &sms["attempts"]),
        (&json!("pending"), &json!("no_gateway"), &json!(0))
    );
    assert_eq!(
        measure(&file, "voice_reminder")["reason"],
        "no_voice_gateway"
    );
    assert!(r.audited("rider.reminder_sent").await.is_empty());
    let en = page(&r, id, "en").await;
    assert!(en.contains("No SMS gateway is configured"), "{en}");
    assert!(en.contains("No voice gateway is configured"), "{en}");
    assert!(page(&r, id, "vi")
        .await
        .contains("Chưa cấu hình cổng tin nhắn"));
}

#[tokio::test]
async fn rid_10_the_job_run_twice_never_sends_a_reminder_twice() {
    let (r, fake) = connected(5).await;
    let a = occasional(&r, 705, "13800005555").await;
    let b = occasional(&r, 706, "13800006666").await;
    // Two senders at once, then the job again.
    let (x, y) = tokio::join!(
        reminders::run(&r.w.app.state),
        reminders::run(&r.w.app.state)
    );
    assert_eq!(x.unwrap().sent + y.unwrap().sent, 4);
    run(&r.w.app.state, &Job::RiderReminders).await.unwrap();
    r.w.clock.advance(Duration::hours(2));
    run(&r.w.app.state, &Job::RiderReminders).await.unwrap();
    let mut references: Vec<String> = fake
        .lock()
        .unwrap()
        .calls
        .iter()
        .map(|c| c.1["reference"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(references.len(), 4, "{references:?}");
    references.sort_unstable();
    references.dedup();
    assert_eq!(references.len(), 4, "each reminder once");
    for id in [a, b] {
        let file = r.file(id, &r.officer).await;
        assert_eq!(measure(&file, "sms_reminder")["attempts"], 1);
    }
    assert_eq!(r.audited("rider.reminder_sent").await.len(), 4);
}
