//! SEC-07: the device registrations CSV is a bulk export: refused without an approved export
//! application of the caller's, recorded with its SHA-256 when approved, and used once.

use super::*;
use sha2::{Digest, Sha256};

async fn csv(w: &World, token: &str, query: &str) -> (u16, Vec<u8>) {
    let resp = w
        .app
        .client
        .get(
            w.app
                .url(&format!("/api/v1/device-registrations?format=csv{query}")),
        )
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.bytes().await.unwrap().to_vec())
}

fn code(body: &[u8]) -> String {
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    v["error"]["code"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn sec_07_the_registrations_csv_needs_an_approved_export_recorded_with_its_hash() {
    let w = world().await;
    let ps = people(&w).await;
    let (status, body) = csv(&w, &w.manager, "").await;
    assert_eq!(
        (status, code(&body).as_str()),
        (422, "sharing.export_needs_approval")
    );

    let now = w.clock.now();
    let mut app = application(
        "export",
        "device_registrations",
        now - Duration::days(30),
        now,
    );
    app["requesting_body"] = json!("");
    app["purpose_text"] = json!("向综合指挥平台报送设备备案");
    let (status, a) = w
        .app
        .post("/api/v1/sharing/applications", &w.manager, &app)
        .await;
    assert_eq!(status, 201, "{a}");
    let id = a["id"].as_i64().unwrap();
    let (status, body) = csv(&w, &w.manager, &format!("&application={id}")).await;
    assert_eq!(
        (status, code(&body).as_str()),
        (422, "sharing.export_needs_approval")
    );
    w.app
        .post(
            &format!("/api/v1/sharing/applications/{id}/approve"),
            &ps.head,
            &json!({}),
        )
        .await;
    // Only the one who filed it exports under it.
    let (status, _) = csv(&w, &ps.head, &format!("&application={id}")).await;
    assert_eq!(status, 422);
    let (status, body) = csv(&w, &w.manager, &format!("&application={id}")).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert!(body.starts_with(b"seq,at,change,by,number"));
    let (_, a) = w
        .app
        .get(&format!("/api/v1/sharing/applications/{id}"), &ps.head)
        .await;
    assert_eq!(a["state"], "exported");
    assert_eq!(
        a["result_sha256"],
        hex::encode(Sha256::digest(&body)).as_str()
    );
    // Used once.
    let (status, body) = csv(&w, &w.manager, &format!("&application={id}")).await;
    assert_eq!((status, code(&body).as_str()), (422, "sharing.export_used"));
    // Both the export and the refusals are in the audit chain.
    assert_eq!(audit(&w, "sharing.export_refused").await.len(), 4);
    let done = audit(&w, "sharing.export").await;
    assert!(done
        .iter()
        .any(|e| e["action"] == "sharing.export" && e["detail"]["sha256"] == a["result_sha256"]));
    // The JSON feed the command platform reads stays as it was.
    let (status, _) = w.app.get("/api/v1/device-registrations", &w.manager).await;
    assert_eq!(status, 200);
}
