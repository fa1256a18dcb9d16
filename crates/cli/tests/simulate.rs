//! `roadwarden simulate` against the real application: devices in use push ISAPI alerts and
//! JSON-in-multipart captures with drawn photos, some of them twice, and every push is taken
//! exactly once.

use roadwarden_demo::simulate::{self, Options, SimDevice};
use roadwarden_domain::org::Country;
use roadwarden_testkit::{account, org, TestApp, PASSWORD};
use serde_json::json;

const HEADER: &str = "设备编号,设备类型,管理单位代码,设备名称,维护单位,责任领导,责任部门,违法类型,道路,道路等级,公里桩,地点,附近村庄,经度,纬度,状态,正式启用日期,试用开始日期,备案日期,检定机构,检定证书编号,检定有效期起,检定有效期止,MAC地址,通道,公示开始日期";
/// In use, red light and lane arrows, with a MAC for ISAPI.
const RED_LIGHT: &str = "330522010201,fixed_enforcement,330522-01,长兴大道与明珠路口,长兴智慧交通,吴磊,秩序组,1625;1208,长兴大道,urban,,明珠路口,,119.9103,31.0135,in_use,2024-05-01,2024-04-01,2024-04-20,,,,,bc:5e:33:62:2a:5c,1,2024-03-20";
/// In trial (CAP-03), no MAC: pushes JSON only.
const TRIAL: &str = "330522010202,fixed_enforcement,330522-01,画溪路口,长兴智慧交通,吴磊,秩序组,1625,画溪路,urban,,画溪路口,,119.91,31.02,trial,,2026-11-01,,,,,,,,2026-10-20";

/// The app with the two devices imported and a credential issued to each; returns the app, a
/// reviewer's token, and the devices as `simulate` takes them.
async fn world() -> (TestApp, String, Vec<SimDevice>) {
    let app = TestApp::spawn().await;
    let o = org(&app.state).await;
    account(&app.state, &o.squad, "sq.device", 11, &["device_manager"]).await;
    account(&app.state, &o.county, "cx.reviewer", 12, &["reviewer"]).await;
    let manager = app.token("sq.device", PASSWORD).await;
    let reviewer = app.token("cx.reviewer", PASSWORD).await;
    let resp = app
        .client
        .post(app.url("/api/v1/device-imports?file_name=ledger.csv"))
        .bearer_auth(&manager)
        .header("content-type", "text/csv")
        .body(format!("{HEADER}\n{RED_LIGHT}\n{TRIAL}"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.status().as_u16(),
        201,
        "{}",
        resp.text().await.unwrap()
    );
    let (_, page) = app.get("/api/v1/devices", &manager).await;
    let mut devices = Vec::new();
    for d in page["items"].as_array().unwrap() {
        let id = d["id"].as_i64().unwrap();
        let (status, cred) = app
            .post(
                &format!("/api/v1/devices/{id}/credentials"),
                &manager,
                &json!({}),
            )
            .await;
        assert_eq!(status, 201, "{cred}");
        let number = d["number"].as_str().unwrap().to_owned();
        let isapi = number == "330522010201";
        devices.push(SimDevice {
            key_id: cred["key_id"].as_str().unwrap().into(),
            secret: cred["secret"].as_str().unwrap().into(),
            mac: isapi.then(|| "bc:5e:33:62:2a:5c".into()),
            channel: isapi.then(|| "1".into()),
            violations: if isapi {
                vec!["1625".into(), "1208".into()]
            } else {
                vec!["1625".into()]
            },
            country: Country::China,
            number,
        });
    }
    assert_eq!(devices.len(), 2);
    (app, reviewer, devices)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn simulated_traffic_is_accepted_and_resends_are_recognised() {
    let (app, reviewer, devices) = world().await;
    let options = Options {
        count: Some(20),
        rate: 10.0,
        isapi_share: 50,
        duplicate_share: 10,
        seed: 7,
        concurrency: 4,
        width: 640,
        height: 360,
        ..Options::new(app.base.clone(), devices)
    };
    let s = simulate::run(options).await.unwrap();
    eprintln!("{s}");
    assert_eq!(s.sent, 20, "{s}");
    assert_eq!(s.errors, 0, "{s}");
    assert!(s.refused.is_empty(), "{s}");
    assert!(s.clean());
    assert_eq!(s.accepted + s.duplicates, 20, "{s}");
    assert!(s.isapi > 0 && s.json > 0, "{s}");
    assert!(s.resends > 0, "{s}");
    // Each resend was recognised as the event it repeats, and nothing else was.
    assert_eq!(s.duplicates, s.resends, "{s}");
    assert_eq!(s.resend_accepted_as_new, 0, "{s}");
    assert_eq!(s.new_called_duplicate, 0, "{s}");
    assert_eq!(s.capture_ids.len() as u64, s.accepted);
    // The device in use enforces; the one in trial only warns (CAP-03).
    assert!(s.usage.contains_key("enforce"), "{s}");
    assert!(s.latency_p50.is_some() && s.latency_p99 >= s.latency_p50);

    // What the server stored: each capture once, with its pictures. An ISAPI alert brings the
    // plate and vehicle pictures (the plate's rectangle on the latter); a JSON push its scene
    // and the vehicle's colour. A red light (1625) has two more scenes: three photos in all.
    let mut ids = s.capture_ids.clone();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), s.capture_ids.len());
    let (mut isapi, mut multipart) = (0, 0);
    for id in &s.capture_ids {
        let (status, view) = app.get(&format!("/api/v1/captures/{id}"), &reviewer).await;
        assert_eq!(status, 200, "{view}");
        let images = view["images"].as_array().unwrap();
        let kinds: Vec<&str> = images.iter().map(|i| i["kind"].as_str().unwrap()).collect();
        let red_light = view["violation_code"] == "1625";
        match view["via"].as_str().unwrap() {
            "isapi" => {
                isapi += 1;
                if red_light {
                    assert_eq!(kinds, ["plate", "vehicle", "scene", "scene"], "{view}");
                } else {
                    assert_eq!(kinds, ["plate", "vehicle"], "{view}");
                }
                assert!(images[1]["plate_w"].as_i64().unwrap() > 0, "{view}");
                assert_eq!(view["device_number"], "330522010201");
            }
            "multipart" => {
                multipart += 1;
                let scenes = if red_light { 3 } else { 1 };
                assert_eq!(kinds, vec!["scene"; scenes], "{view}");
                assert_ne!(view["vehicle_colour"], "", "{view}");
            }
            other => panic!("via {other}"),
        }
        assert!(view["plate"]
            .as_str()
            .unwrap()
            .starts_with(|c: char| !c.is_ascii()));
        assert!(["1625", "1208"].contains(&view["violation_code"].as_str().unwrap()));
    }
    assert!(isapi > 0 && multipart > 0);

    // A picture comes back as the JPEG that was sent.
    let id = s.capture_ids[0];
    let img = app
        .client
        .get(app.url(&format!("/api/v1/captures/{id}/images/0")))
        .bearer_auth(&reviewer)
        .send()
        .await
        .unwrap();
    assert_eq!(img.status().as_u16(), 200);
    let bytes = img.bytes().await.unwrap();
    assert!(bytes.starts_with(&[0xFF, 0xD8, 0xFF]) && bytes.ends_with(&[0xFF, 0xD9]));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_are_counted_by_their_error_code() {
    let (app, _, mut devices) = world().await;
    // A wrong secret, and a violation the device is not published for (DEV-04).
    devices[0].secret = "ds_wrong".into();
    devices[1].violations = vec!["1352".into()];
    let options = Options {
        count: Some(6),
        rate: 50.0,
        duplicate_share: 0,
        seed: 1,
        width: 320,
        height: 180,
        ..Options::new(app.base.clone(), devices)
    };
    let s = simulate::run(options).await.unwrap();
    assert_eq!(s.sent, 6);
    assert_eq!(s.accepted, 0, "{s}");
    // The server answers a wrong credential before it reads the body and closes the
    // connection, so a sender still writing a large ISAPI body may see a broken pipe instead
    // of the 401: that push counts as a transport error, never as accepted.
    assert_eq!(s.refused_total() + s.errors, 6, "{s}");
    assert!(
        s.refused
            .contains_key("422 capture.violation_not_published"),
        "{s}"
    );
    assert!(!s.clean());
    let codes: Vec<&str> = s.refused.keys().map(String::as_str).collect();
    assert!(
        codes
            .iter()
            .all(|c| *c == "401 device.auth" || *c == "422 capture.violation_not_published"),
        "{s}"
    );
    let text = s.to_string();
    assert!(text.contains("first problems:"), "{text}");
    assert!(!s.problems.is_empty() && s.problems.len() <= 5);
    app.stop().await;
}
