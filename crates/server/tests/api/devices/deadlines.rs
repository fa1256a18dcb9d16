//! DEV-06, DEV-12, DEV-13, SUP-05: what the device jobs move when time passes (`services/devices/deadlines.rs`).

use super::*;

#[tokio::test]
async fn dev_06_the_evaluation_falls_due_three_months_after_formal_use() {
    let w = world().await;
    let id = w.in_use("330522010040").await;
    w.clock.advance(Duration::days(80));
    w.run_jobs(Job::DeviceDeadlines).await;
    assert_eq!(w.state(id).await["state"], "in_use");
    w.clock.advance(Duration::days(15));
    w.run_jobs(Job::DeviceDeadlines).await;
    let d = w.state(id).await;
    assert_eq!(
        (d["state"].as_str(), d["capture_use"].as_str()),
        (Some("evaluation_due"), Some("enforce"))
    );
    assert!(d["alerts"].to_string().contains("evaluation_due"));
    let (_, d) = w
        .act(
            &w.manager,
            id,
            json!({ "action": "evaluate_keep", "reason": "闯红灯下降 62%" }),
        )
        .await;
    assert_eq!(d["state"], "in_use");
}

#[tokio::test]
async fn dev_13_sup_05_an_expired_certificate_suspends_a_speed_camera() {
    let w = world().await;
    let mut speed = camera(&w.o, "330522030050");
    speed["kind"] = json!("speed");
    // A speed camera measures whatever the request says (DEV-13).
    speed["measuring"] = json!(false);
    speed["violation_types"] = json!(["1352", "1636"]);
    let id = w.create(&speed).await;
    let (status, body) = w.app.post(&format!("/api/v1/devices/{id}/calibrations"), &w.manager, &json!({ "issuer": "湖州市计量检定测试所", "certificate_no": "HZJL-2026-0001", "valid_from": "2026-05-01", "valid_until": "2026-04-30" })).await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("valid_until"))
    );
    w.app
        .post(
            &format!("/api/v1/devices/{id}/assessments"),
            &w.manager,
            &assessment(),
        )
        .await;
    w.review_all(id).await;
    w.clock.advance(Duration::days(6));
    w.run_jobs(Job::DeviceDeadlines).await;
    w.app
        .post(
            &format!("/api/v1/devices/{id}/registration"),
            &w.manager,
            &json!({ "platform_ref": "JZ-50" }),
        )
        .await;
    w.clock.advance(Duration::days(16));
    let (status, body) = w
        .act(&w.manager, id, json!({ "action": "start_formal_use" }))
        .await;
    assert_eq!(
        (status, body["error"]["rule"].as_str()),
        (422, Some("DEV-13"))
    );
    let scan = base64_of(b"%PDF-1.4 calibration certificate");
    let (status, body) = w.app.post(&format!("/api/v1/devices/{id}/calibrations"), &w.manager, &json!({ "issuer": "湖州市计量检定测试所", "certificate_no": "HZJL-2026-0002", "valid_from": "2026-03-01", "valid_until": "2026-05-31", "scan_name": "cert.pdf", "scan_base64": scan })).await;
    assert_eq!(status, 201, "{body}");
    let (status, _) = w
        .act(&w.manager, id, json!({ "action": "start_formal_use" }))
        .await;
    assert_eq!(status, 200);
    // 30 days before expiry the managing unit is told; after it the device is suspended.
    w.clock.advance(Duration::days(40));
    w.run_jobs(Job::DeviceCalibrationCheck).await;
    assert!(w.state(id).await["alerts"]
        .to_string()
        .contains("calibration_expiring"));
    w.clock.advance(Duration::days(30));
    w.run_jobs(Job::DeviceCalibrationCheck).await;
    let d = w.state(id).await;
    assert_eq!(
        (
            d["state"].as_str(),
            d["suspension_reason"].as_str(),
            d["capture_use"].as_str()
        ),
        (
            Some("suspended"),
            Some("calibration_invalid"),
            Some("refuse")
        ),
        "{d}"
    );
    let (status, body) = w
        .act(
            &w.manager,
            id,
            json!({ "action": "resume", "reason": "已送检" }),
        )
        .await;
    assert_eq!(
        (status, body["error"]["rule"].as_str()),
        (422, Some("SUP-05"))
    );
}

#[tokio::test]
async fn dev_12_devices_idle_for_a_year_are_listed_for_clean_up() {
    let w = world().await;
    let id = w.in_use("330522010080").await;
    w.clock.advance(Duration::days(400));
    w.run_jobs(Job::DeviceCleanup).await;
    let (_, items) = w
        .app
        .get("/api/v1/device-cleanup?year=2027", &w.manager)
        .await;
    let item = &items[0];
    assert_eq!(item["device_id"], id);
    assert!(item["reasons"].as_str().unwrap().contains("no_patrol"));
    let iid = item["id"].as_i64().unwrap();
    let (status, _) = w
        .app
        .post(
            &format!("/api/v1/device-cleanup/{iid}"),
            &w.manager,
            &json!({ "resolution": "retire", "reason": "路口改造后无效" }),
        )
        .await;
    assert_eq!(status, 204);
    let d = w.state(id).await;
    assert_eq!(d["state"], "retired");
    assert!(d["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| !c["revoked_at"].is_null()));
}
