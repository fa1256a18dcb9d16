//! DEV-07, DEV-04, ORG-02: the registration export, scoped reads and the public feed (`services/devices/reads.rs`, `public.rs`).

use super::*;

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
    // SEC-07: the CSV file is an export under an approved export application.
    let head = w.person(&w.o.county, "cx.head", 40, &["unit_head"]).await;
    let now = w.clock.now();
    let ask = json!({ "kind": "export", "dataset": "device_registrations", "purpose": "traffic_management",
        "purpose_text": "向综合指挥平台报送设备备案", "span_from": (now - chrono::Duration::days(1)).to_rfc3339(),
        "span_to": now.to_rfc3339() });
    let (_, a) = w
        .app
        .post("/api/v1/sharing/applications", &w.manager, &ask)
        .await;
    let app = a["id"].as_i64().unwrap();
    w.app
        .post(
            &format!("/api/v1/sharing/applications/{app}/approve"),
            &head,
            &json!({}),
        )
        .await;
    let resp = w
        .app
        .client
        .get(w.app.url(&format!(
            "/api/v1/device-registrations?format=csv&application={app}"
        )))
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
