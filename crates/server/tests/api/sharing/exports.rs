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

/// `n` more devices at the squad, written with the store's functions (a ledger import of that
/// size is the devices area's test).
async fn many_devices(w: &World, n: u32) {
    use roadwarden_domain::device::{DeviceKind, DeviceState};
    use roadwarden_store::devices::{self, DeviceFields, NewDevice};
    let now = w.clock.now();
    let squad = w.o.squad.clone();
    let mut tx = w.app.state.store.begin().await.unwrap();
    for i in 0..n {
        devices::insert(
            &mut tx,
            &NewDevice {
                number: format!("3305229{i:05}"),
                kind: DeviceKind::EbikeCapture,
                unit_id: squad.id,
                unit_path: squad.path.clone(),
                fields: DeviceFields {
                    name: format!("Point {i}"),
                    ..Default::default()
                },
                state: DeviceState::InUse,
                state_since: now,
                in_use_since: Some(now),
                evaluation_due_at: None,
                trial_min_end_at: None,
                notice_ends_at: None,
                registered_at: None,
                platform_ref: String::new(),
                last_valid_capture_at: None,
                installed_at: now,
                resume_to: None,
                suspension_reason: None,
            },
            now,
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
}

async fn xlsx(w: &World, token: &str, query: &str) -> (u16, Vec<u8>) {
    let resp = w
        .app
        .client
        .get(w.app.url(&format!("/devices/export{query}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.bytes().await.unwrap().to_vec())
}

/// An export application of the lists, filed by `by` and approved by `head`.
async fn lists_application(w: &World, by: &str, head: &str) -> i64 {
    let now = w.clock.now();
    let mut app = application("export", "lists", now - Duration::days(30), now);
    app["requesting_body"] = json!("");
    app["purpose_text"] = json!("年度设备台账核对");
    let (status, a) = w.app.post("/api/v1/sharing/applications", by, &app).await;
    assert_eq!(status, 201, "{a}");
    let id = a["id"].as_i64().unwrap();
    let (status, a) = w
        .app
        .post(
            &format!("/api/v1/sharing/applications/{id}/approve"),
            head,
            &json!({}),
        )
        .await;
    assert_eq!(status, 200, "{a}");
    id
}

/// SEC-07 (S1 art. 14(4)): a list export beyond a working copy (here the device list, over
/// 200 rows) is a bulk copy: refused without the exporter's approved `lists` export
/// application, handed out under it with the file's SHA-256 recorded, and used once.
#[tokio::test]
async fn sec_07_a_bulk_list_export_needs_an_approved_application_used_once() {
    let w = world().await;
    let ps = people(&w).await;
    many_devices(&w, 201).await;
    let page = w.app.page("/devices?lang=en", Some(&w.manager)).await;
    assert!(
        page.contains("id=\"export-form\"") && page.contains("name=\"application\""),
        "the list page asks for the application number: {page}"
    );
    let (status, _) = xlsx(&w, &w.manager, "").await;
    assert_eq!(status, 422, "a bulk export without an application");
    let id = lists_application(&w, &w.manager, &ps.head).await;
    let (status, body) = xlsx(&w, &w.manager, &format!("?application={id}")).await;
    assert_eq!(status, 200);
    assert!(body.starts_with(b"PK"), "a workbook");
    let (_, a) = w
        .app
        .get(&format!("/api/v1/sharing/applications/{id}"), &ps.head)
        .await;
    assert_eq!(a["state"], "exported");
    assert_eq!(
        a["result_sha256"],
        hex::encode(Sha256::digest(&body)).as_str()
    );
    assert!(a["result_rows"].as_i64().unwrap() > 200, "{a}");
    let (status, _) = xlsx(&w, &w.manager, &format!("?application={id}")).await;
    assert_eq!(status, 422, "used once");
    let refused = audit(&w, "sharing.export_refused").await;
    assert_eq!(refused.len(), 2, "{refused:?}");
    assert!(refused.iter().all(|e| e["detail"]["dataset"] == "lists"));
    assert!(audit(&w, "sharing.export")
        .await
        .iter()
        .any(|e| e["action"] == "sharing.export" && e["detail"]["sha256"] == a["result_sha256"]));
}

/// DAT-02, SEC-07: a working copy stays instant but audited; an application is the
/// exporter's own (another person's approved application does not open the export).
#[tokio::test]
async fn dat_02_a_working_copy_is_instant_and_audited_and_consent_is_the_exporters_own() {
    let w = world().await;
    let ps = people(&w).await;
    let (status, body) = xlsx(&w, &w.manager, "").await;
    assert_eq!(status, 200);
    assert!(body.starts_with(b"PK"));
    let read = audit(&w, "device.export").await;
    assert_eq!(read.len(), 1);
    assert!(audit(&w, "sharing.export_refused").await.is_empty());

    many_devices(&w, 201).await;
    let theirs = lists_application(&w, &ps.tech, &ps.head).await;
    let (status, _) = xlsx(&w, &w.manager, &format!("?application={theirs}")).await;
    assert_eq!(status, 422);
    let (status, _) = xlsx(&w, &w.manager, "?application=x").await;
    assert_eq!(status, 422, "the application is a number");
    let (_, a) = w
        .app
        .get(&format!("/api/v1/sharing/applications/{theirs}"), &ps.head)
        .await;
    assert_eq!(a["state"], "approved", "not used by another");
}

async fn get_file(w: &World, token: &str, path: &str) -> (u16, Vec<u8>) {
    let resp = w
        .app
        .client
        .get(w.app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.bytes().await.unwrap().to_vec())
}

/// SEC-07: the audit trail names people and their addresses: its workbook beyond a working
/// copy (50 rows) needs the exporter's approved `lists` application, like every list export.
#[tokio::test]
async fn sec_07_the_audit_trail_export_beyond_a_working_copy_needs_an_approved_application() {
    let w = world().await;
    let ps = people(&w).await;
    // Enough entries under the county: each device-list export is one.
    for _ in 0..55 {
        let (status, _) = xlsx(&w, &w.manager, "").await;
        assert_eq!(status, 200);
    }
    let (status, _) = get_file(&w, &ps.head2, "/audit/export?lang=en").await;
    assert_eq!(
        status, 422,
        "a bulk copy of the trail without an application"
    );
    assert!(!audit(&w, "sharing.export_refused").await.is_empty());
    let id = lists_application(&w, &ps.head2, &ps.head).await;
    let (status, body) = get_file(&w, &ps.head2, &format!("/audit/export?application={id}")).await;
    assert_eq!(status, 200);
    assert!(body.starts_with(b"PK"), "a workbook");
    let (_, a) = w
        .app
        .get(&format!("/api/v1/sharing/applications/{id}"), &ps.head)
        .await;
    assert_eq!(a["state"], "exported", "{a}");
}

/// SEC-07: a monthly report's export is audited and goes through the same consent line (a
/// report of units is a working copy, handed out at once).
#[tokio::test]
async fn sec_07_a_report_export_is_audited_with_its_kind_and_format() {
    let w = world().await;
    let ps = people(&w).await;
    for format in ["xlsx", "pdf"] {
        let (status, body) = get_file(
            &w,
            &ps.head,
            &format!("/reports/device/export?month=2026-10&format={format}"),
        )
        .await;
        assert_eq!(status, 200, "{format}");
        assert!(!body.is_empty());
    }
    let (status, _) = get_file(&w, &ps.head, "/reports/device/export?application=x").await;
    assert_eq!(status, 422, "the application is a number");
    let exported = audit(&w, "report.export").await;
    assert_eq!(exported.len(), 2, "{exported:?}");
    assert!(exported
        .iter()
        .all(|e| e["detail"]["kind"] == "device" && e["detail"]["month"] == "2026-10"));
}
