//! DEV-10..15: patrols, faults, the operation log and the DEV-11 ratings (`services/devices/upkeep.rs`).

use super::*;

#[tokio::test]
async fn dev_10_to_15_upkeep_is_recorded_and_rated_without_interrupting_operation() {
    let w = world().await;
    let id = w.in_use("330522010030").await;
    let (status, body) = w.app.post(&format!("/api/v1/devices/{id}/patrols"), &w.manager, &json!({ "patroller": "吴磊", "conforming": false, "status": "degraded", "findings": "" })).await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("findings"))
    );
    for conforming in [true, true, false] {
        let (status, body) = w.app.post(&format!("/api/v1/devices/{id}/patrols"), &w.manager, &json!({ "patroller": "吴磊", "conforming": conforming, "status": "normal", "findings": "补光灯偏暗" })).await;
        assert_eq!(status, 201, "{body}");
    }
    let (_, fault) = w
        .app
        .post(
            &format!("/api/v1/devices/{id}/faults"),
            &w.manager,
            &json!({ "description": "相机离线" }),
        )
        .await;
    let fid = fault["id"].as_i64().unwrap();
    // DEV-14: a fault does not take the device out of its lifecycle state.
    assert_eq!(w.state(id).await["state"], "in_use");
    w.clock.advance(Duration::hours(6));
    let (status, body) = w
        .app
        .post(
            &format!("/api/v1/devices/{id}/faults/{fid}/fix"),
            &w.manager,
            &json!({ "note": "更换交换机", "fixed_at": "2020-01-01 08:00" }),
        )
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("fixed_at"))
    );
    let (status, _) = w
        .app
        .post(
            &format!("/api/v1/devices/{id}/faults/{fid}/fix"),
            &w.manager,
            &json!({ "note": "更换交换机" }),
        )
        .await;
    assert_eq!(status, 204);
    let (status, body) = w
        .app
        .post(
            &format!("/api/v1/devices/{id}/operations"),
            &w.manager,
            &json!({ "action": "日常状态确认", "status": "normal" }),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = w
        .app
        .post(
            &format!("/api/v1/devices/{id}/operations"),
            &w.manager,
            &json!({ "action": "x", "status": "fine" }),
        )
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("status"))
    );
    // DEV-11: the month's ratings.
    let month = w.clock.now().format("%Y-%m").to_string();
    let (status, r) = w
        .app
        .get(&format!("/api/v1/device-report?month={month}"), &w.manager)
        .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["total"]["patrols"], 3);
    let conformity = r["total"]["conformity_rate"].as_f64().unwrap();
    assert!((conformity - 2.0 / 3.0).abs() < 1e-9, "{r}");
    let intact = r["total"]["intact_rate"].as_f64().unwrap();
    assert!(intact < 1.0 && intact > 0.9, "{r}");
    assert_eq!(r["total"]["registration_completeness"], 1.0);
    assert_eq!(r["by_maintainer"][0]["label"], "长兴智慧交通科技有限公司");
}
