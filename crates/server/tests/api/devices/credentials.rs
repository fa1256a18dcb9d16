//! Push credentials: shown once, rotated, revoked (`services/devices/credentials.rs`).

use super::*;

#[tokio::test]
async fn device_credentials_are_shown_once_rotated_and_revoked() {
    let w = world().await;
    let id = w.create(&camera(&w.o, "330522010090")).await;
    let (status, first) = w
        .app
        .post(
            &format!("/api/v1/devices/{id}/credentials"),
            &w.manager,
            &json!({}),
        )
        .await;
    assert_eq!(status, 201);
    assert!(first["secret"].as_str().unwrap().starts_with("ds_"));
    let (_, second) = w
        .app
        .post(
            &format!("/api/v1/devices/{id}/credentials"),
            &w.manager,
            &json!({}),
        )
        .await;
    assert_eq!(second["revoked"], 1);
    let d = w.state(id).await;
    assert!(
        !d.to_string().contains(first["secret"].as_str().unwrap()),
        "secrets are never shown again"
    );
    let live: Vec<&Value> = d["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["revoked_at"].is_null())
        .collect();
    assert_eq!(live.len(), 1);
    let cid = live[0]["id"].as_i64().unwrap();
    let (status, _) = w
        .app
        .delete(
            &format!("/api/v1/devices/{id}/credentials/{cid}"),
            &w.manager,
        )
        .await;
    assert_eq!(status, 204);
}
