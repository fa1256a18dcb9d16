//! The device pages and the map (`ui/devices/`).

use super::*;
use roadwarden_server::Clock;
use roadwarden_testkit::{account, org};

#[tokio::test]
async fn device_pages_render_for_their_users() {
    let w = world().await;
    let id = w.in_use("330522010110").await;
    w.clock.advance(Duration::days(400));
    w.run_jobs(Job::DeviceCleanup).await;
    let pages = [
        (&w.manager, "/devices".to_owned()),
        (
            &w.manager,
            "/devices?state=in_use&kind=fixed_enforcement&search=330522".to_owned(),
        ),
        (&w.manager, format!("/devices/{id}")),
        (&w.manager, "/devices/new".to_owned()),
        (&w.manager, "/device-report".to_owned()),
        (&w.tech, "/device-reviews".to_owned()),
        (&w.city_supervisor, format!("/devices/{id}")),
    ];
    for (token, path) in pages {
        let resp = w
            .app
            .client
            .get(w.app.url(&path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let body = resp.text().await.unwrap();
        assert_eq!(status, 200, "{path}: {body}");
        assert!(body.contains("</html>"), "{path}");
    }
    for lang in ["zh-CN", "en", "vi"] {
        let resp = w
            .app
            .client
            .get(
                w.app
                    .url(&format!("/public/devices?unit=330522&lang={lang}")),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200, "{lang}");
    }
}

#[tokio::test]
async fn the_map_draws_configured_tiles_and_allows_only_their_origin() {
    let app = TestApp::spawn_with(
        |s| s.devices.map_tile_url = "https://tiles.example.cn/{z}/{x}/{y}.png".into(),
        Clock::System,
    )
    .await;
    let o = org(&app.state).await;
    account(&app.state, &o.squad, "sq.device", 11, &["device_manager"]).await;
    let token = app.token("sq.device", roadwarden_testkit::PASSWORD).await;
    for (n, lon) in [("330522010501", 119.90), ("330522010502", 119.93)] {
        let mut body = camera(&o, n);
        body["longitude"] = json!(lon);
        let (status, d) = app.post("/api/v1/devices", &token, &body).await;
        assert_eq!(status, 201, "{d}");
    }
    let resp = app
        .client
        .get(app.url("/devices"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let csp = resp.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("img-src 'self' data: https://tiles.example.cn;"),
        "{csp}"
    );
    let html = resp.text().await.unwrap();
    // (minijinja escapes '/' in attributes as &#x2f;, which the browser reads back as '/')
    assert!(
        html.contains("<image href=\"https:") && html.contains("tiles.example.cn"),
        "tiles drawn"
    );
    assert_eq!(html.matches("<circle").count(), 2);
}
