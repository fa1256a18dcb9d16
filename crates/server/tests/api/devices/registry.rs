//! DEV-08, DEV-09: device numbers and locations (`services/devices/registry.rs`).

use super::*;

#[tokio::test]
async fn dev_08_numbers_are_checked_unique_and_never_reused() {
    let w = world().await;
    for (number, code) in [
        ("330522030001", "device.number_invalid"),
        ("33052201", "device.number_invalid"),
        ("110101010001", "device.number_invalid"),
    ] {
        let (status, body) = w
            .app
            .post("/api/v1/devices", &w.manager, &camera(&w.o, number))
            .await;
        assert_eq!(
            (
                status,
                body["error"]["code"].as_str(),
                body["error"]["rule"].as_str()
            ),
            (422, Some(code), Some("DEV-08")),
            "{number}: {body}"
        );
    }
    let id = w.create(&camera(&w.o, "330522010010")).await;
    let (status, body) = w
        .app
        .post("/api/v1/devices", &w.manager, &camera(&w.o, "330522010010"))
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (409, Some("number"))
    );
    w.act(
        &w.manager,
        id,
        json!({ "action": "retire", "reason": "建档错误" }),
    )
    .await;
    let (status, body) = w
        .app
        .post("/api/v1/devices", &w.manager, &camera(&w.o, "330522010010"))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("device.number_reused")),
        "{body}"
    );
}

#[tokio::test]
async fn dev_09_locations_are_precise_and_inside_the_country() {
    let w = world().await;
    let mut hanoi = camera(&w.o, "330522010020");
    hanoi["longitude"] = json!(105.85);
    hanoi["latitude"] = json!(21.03);
    let (status, body) = w.app.post("/api/v1/devices", &w.manager, &hanoi).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("device.coordinates_outside_country"))
    );
    let mut national = camera(&w.o, "330522010021");
    national["road_class"] = json!("national");
    national["km_marker"] = json!("K1532+40");
    let (status, body) = w.app.post("/api/v1/devices", &w.manager, &national).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("device.village_required")),
        "{body}"
    );
    national["nearest_village"] = json!("林城镇大云寺村");
    let (status, body) = w.app.post("/api/v1/devices", &w.manager, &national).await;
    assert_eq!(
        (status, body["km_marker"].as_str()),
        (201, Some("K1532+040")),
        "{body}"
    );
    // Nothing half-written: only the good device exists.
    let (_, page) = w.app.get("/api/v1/devices", &w.manager).await;
    assert_eq!(page["total"], 1);
}
