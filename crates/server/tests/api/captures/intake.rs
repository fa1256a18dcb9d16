//! CAP-00..04: a device's push over JSON and ISAPI, bad input refused whole, late uploads and
//! drifting clocks, trial devices and stopped ones (`services/captures/ingest.rs`, `isapi.rs`).

use chrono::Duration;

use super::*;

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
    let (status, view) = w.captures(&w.reviewer).capture(id).await;
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

/// A real ISAPI payload with the plate of a Zhejiang car.
fn isapi_xml(uuid: &str, time: &str, retransmission: bool) -> String {
    include_str!("../../../../isapi/tests/fixtures/anpr_plate_detected.xml")
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
    let (_, view) = w.captures(&w.reviewer).capture(id).await;
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
    let q = w.captures(&w.reviewer).queue().await;
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
    let v = w.captures(&w.clerk).violation(vid).await;
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
    let capture = r["capture_id"].as_i64().unwrap();
    let reviewer = w.captures(&w.reviewer);
    let (status, body) = reviewer
        .decide(capture, &json!({ "decision": "approve" }))
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["rule"], "CAP-04");
    assert_eq!(body["error"]["code"], "review.device_not_in_service");
    let (_, list) = w.app.get("/api/v1/violations", &w.clerk).await;
    let records = list.get("items").unwrap_or(&list);
    assert_eq!(records.as_array().map(Vec::len), Some(0), "{list}");
    // Rejecting it stays possible, so the queue can be cleared.
    let (status, body) = reviewer
        .decide(
            capture,
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
    let q = w.captures(&w.reviewer).queue().await;
    assert_eq!(q["total"], 0, "never reaches a reviewer");
    let (status, body) = w
        .captures(&w.reviewer)
        .decide(
            r["capture_id"].as_i64().unwrap(),
            &json!({ "decision": "approve" }),
        )
        .await;
    assert_eq!(status, 422, "{body}");
}
