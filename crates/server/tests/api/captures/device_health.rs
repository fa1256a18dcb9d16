//! SUP-02 through HTTP: the device-health figures of the monthly analysis come from what the
//! devices send. Late uploads and clock drift are read from the captures' pre-check flags;
//! heartbeat gaps from the silences between a device's proven pushes (captures, ISAPI
//! heartbeats, `POST /api/v1/devices/heartbeat`).

use chrono::Duration;
use serde_json::{json, Value};

use super::{world, World, RED_LIGHT};

/// The red-light camera's number (first column of `RED_LIGHT`).
fn camera() -> &'static str {
    RED_LIGHT.split(',').next().unwrap()
}

async fn heartbeat(w: &World, number: &str) -> u16 {
    let (key, secret) = w.cred(number);
    w.app
        .client
        .post(w.app.url("/api/v1/devices/heartbeat"))
        .basic_auth(key, Some(secret))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Runs the analysis over the 25 days before today and the day itself: the camera's findings.
async fn camera_findings(w: &World, supervisor: &str) -> Vec<Value> {
    let today = w.clock.now().date_naive();
    let period =
        json!({ "first": (today - Duration::days(25)).to_string(), "last": today.to_string() });
    let (status, r) = w
        .app
        .post("/api/v1/supervision/analysis", supervisor, &period)
        .await;
    assert_eq!(status, 200, "{r}");
    let (_, items) = w
        .app
        .get("/api/v1/supervision/items?open=true", supervisor)
        .await;
    items
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["device_number"] == camera())
        .map(|i| i["findings"].as_array().unwrap().clone())
        .unwrap_or_default()
}

fn finding<'a>(findings: &'a [Value], kind: &str) -> Option<&'a Value> {
    findings.iter().find(|f| f["kind"] == kind)
}

#[tokio::test]
async fn sup_02_late_uploads_clock_drift_and_heartbeat_gaps_feed_the_analysis() {
    let w = world().await;
    let supervisor = w
        .base
        .person(&w.o.city, "hz.supervisor", 42, &["supervisor"])
        .await;
    assert_eq!(heartbeat(&w, camera()).await, 204);

    // 40 captures taken two hours before they arrive: each is late for a fixed camera (CAP-02,
    // 10 minutes) and shows the camera's clock two hours behind.
    let taken = w.clock.now() - Duration::hours(2);
    for i in 0..40u8 {
        let mut c = w.capture(&format!("浙E6{i:04}"), "1625", i);
        c["captured_at"] = json!(taken.to_rfc3339());
        let (status, receipt) = w.push(camera(), &c).await;
        assert_eq!(status, 201, "{receipt}");
    }
    // Then nothing for 30 hours, and a heartbeat.
    w.clock.advance(Duration::hours(30));
    assert_eq!(heartbeat(&w, camera()).await, 204);
    // A heartbeat a moment later writes nothing new (once a minute at most) and ends no gap.
    assert_eq!(heartbeat(&w, camera()).await, 204);
    w.clock.advance(Duration::days(2));
    assert_eq!(heartbeat(&w, camera()).await, 204);

    let findings = camera_findings(&w, &supervisor).await;
    let late = finding(&findings, "late_uploads").expect("late uploads found");
    assert_eq!(late["figure"], 100.0, "{late}");
    let drift = finding(&findings, "clock_drift").expect("clock drift found");
    assert_eq!(drift["figure"], -7200.0, "{drift}");
    // The two days of silence at the end were split by the heartbeat above: the gap found is
    // the 30 hours after the captures (48 hours ended today, which is not looked at yet).
    let gap = finding(&findings, "heartbeat_gap").expect("heartbeat gap found");
    assert_eq!(gap["figure"], 30.0, "{gap}");
}

#[tokio::test]
async fn sup_02_a_device_silent_now_shows_its_open_gap() {
    let w = world().await;
    let supervisor = w
        .base
        .person(&w.o.city, "hz.supervisor", 42, &["supervisor"])
        .await;
    assert_eq!(heartbeat(&w, camera()).await, 204);
    w.clock.advance(Duration::days(3));
    let findings = camera_findings(&w, &supervisor).await;
    let gap = finding(&findings, "heartbeat_gap").expect("an open gap found");
    assert!(gap["figure"].as_f64().unwrap() >= 72.0, "{gap}");
    assert_eq!(gap["severity"], "serious", "{gap}");
}

#[tokio::test]
async fn sup_02_a_heartbeat_without_a_proven_credential_is_refused() {
    let w = world().await;
    let resp = w
        .app
        .client
        .post(w.app.url("/api/v1/devices/heartbeat"))
        .basic_auth("dk_unknown", Some("wrong"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    let resp = w
        .app
        .client
        .post(w.app.url("/api/v1/devices/heartbeat"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);
}
