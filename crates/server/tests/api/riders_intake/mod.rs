//! RID-01, RID-03, RID-05, RID-06, RID-08 through the API: e-bike capture points push rider
//! events (`push`), the spoken warning goes back over MQTT (`warning`), faces are identified
//! or clustered (`identity`, with the real dlib models and the registry test images), and
//! tiers follow the confirmed events (`tiers`).

mod identity;
mod library_photos;
mod push;
mod retention;
mod tiers;
mod warning;

use std::collections::HashMap;
use std::path::PathBuf;

use base64::Engine;
use chrono::{DateTime, TimeZone, Utc};
use roadwarden_domain::rider::MatchState;
use roadwarden_domain::RiderEventId;
use roadwarden_server::config::Settings;
use roadwarden_store::riders::events::{self, RiderEvent};
use roadwarden_testkit::TestApp;
use serde_json::{json, Value};

const HEADER: &str = "设备编号,设备类型,管理单位代码,设备名称,维护单位,责任领导,责任部门,违法类型,道路,道路等级,公里桩,地点,附近村庄,经度,纬度,状态,正式启用日期,试用开始日期,备案日期,检定机构,检定证书编号,检定有效期起,检定有效期止,MAC地址,通道,公示开始日期";
/// An e-bike capture point in use.
pub(crate) const POINT: &str = "330522070001";
const POINT_ROW: &str = "330522070001,ebike_capture,330522-01,雉城路口电动车抓拍,长兴智慧交通,吴磊,秩序组,1625,长兴大道,urban,,雉城路口,,119.9103,31.0135,in_use,2024-05-01,2024-04-01,2024-04-20,,,,,,,2024-03-20";
/// An e-bike capture point in trial: warnings only (DEV-05).
pub(crate) const TRIAL_POINT: &str = "330522070002";
const TRIAL_ROW: &str = "330522070002,ebike_capture,330522-01,画溪路口电动车抓拍,长兴智慧交通,吴磊,秩序组,1625,画溪路,urban,,画溪路口,,119.91,31.02,trial,,2026-11-01,,,,,,,,2026-10-20";
/// An e-bike point taken over as in use without the dates that prove it: suspended.
pub(crate) const SUSPENDED_POINT: &str = "330522070003";
const SUSPENDED_ROW: &str = "330522070003,ebike_capture,330522-01,明珠路电动车抓拍,长兴智慧交通,吴磊,秩序组,1625,明珠路,urban,,明珠路,,119.92,31.01,in_use,2024-05-01,,2024-04-20,,,,,,,";
/// A car camera, not an e-bike point.
pub(crate) const CAR_CAMERA: &str = "330522010201";
const CAR_ROW: &str = "330522010201,fixed_enforcement,330522-01,长兴大道与明珠路口,长兴智慧交通,吴磊,秩序组,1625,长兴大道,urban,,明珠路口,,119.9103,31.0135,in_use,2024-05-01,2024-04-01,2024-04-20,,,,,bc:5e:33:62:2a:5c,1,2024-03-20";

pub(crate) struct World {
    pub(crate) base: roadwarden_testkit::World,
    /// Device number → (key, secret).
    pub(crate) creds: HashMap<String, (String, String)>,
}

impl std::ops::Deref for World {
    type Target = roadwarden_testkit::World;
    fn deref(&self) -> &roadwarden_testkit::World {
        &self.base
    }
}

/// Monday 23 November 2026, 10:00 in Shanghai. No spoken warnings unless a test asks, and the
/// face models from scripts/face-models.sh.
pub(crate) async fn world_with(adjust: impl FnOnce(&mut Settings)) -> World {
    let base =
        roadwarden_testkit::World::at(Utc.with_ymd_and_hms(2026, 11, 23, 2, 0, 0).unwrap(), |s| {
            s.riders.warning.enabled = false;
            s.riders.face.models_dir = models_dir();
            adjust(s);
        })
        .await;
    let manager = base
        .person(&base.o.squad, "sq.ebike.device", 41, &["device_manager"])
        .await;
    let creds = import_points(&base.app, &manager).await;
    World { base, creds }
}

pub(crate) async fn world() -> World {
    world_with(|_| {}).await
}

/// A world without a face engine (the demo on a machine without libdlib-dev).
pub(crate) async fn world_without_engine() -> World {
    world_with(|s| s.riders.face.engine = "none".into()).await
}

async fn import_points(app: &TestApp, manager: &str) -> HashMap<String, (String, String)> {
    let ledger = format!("{HEADER}\n{POINT_ROW}\n{TRIAL_ROW}\n{SUSPENDED_ROW}\n{CAR_ROW}");
    let resp = app
        .client
        .post(app.url("/api/v1/device-imports?file_name=ebike.csv"))
        .bearer_auth(manager)
        .header("content-type", "text/csv")
        .body(ledger)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    assert_eq!(status, 201, "{}", resp.text().await.unwrap());
    let mut creds = HashMap::new();
    let (_, page) = app.get("/api/v1/devices", manager).await;
    for d in page["items"].as_array().unwrap() {
        let id = d["id"].as_i64().unwrap();
        let (status, cred) = app
            .post(
                &format!("/api/v1/devices/{id}/credentials"),
                manager,
                &json!({}),
            )
            .await;
        assert_eq!(status, 201, "{cred}");
        creds.insert(
            d["number"].as_str().unwrap().to_owned(),
            (
                cred["key_id"].as_str().unwrap().to_owned(),
                cred["secret"].as_str().unwrap().to_owned(),
            ),
        );
    }
    creds
}

pub(crate) fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

impl World {
    /// A JSON push by the point `number` with its own credential.
    pub(crate) async fn push(&self, number: &str, body: &Value) -> (u16, Value) {
        let (key, secret) = &self.creds[number];
        let resp = self
            .app
            .client
            .post(self.app.url("/api/v1/riders/events/push"))
            .basic_auth(key, Some(secret))
            .json(body)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    /// An event now with this face photo (and a scene photo), under the point's id `id`.
    pub(crate) fn event(&self, id: &str, face: &[u8]) -> Value {
        self.event_at(id, face, self.clock.now())
    }

    pub(crate) fn event_at(&self, id: &str, face: &[u8], at: DateTime<Utc>) -> Value {
        json!({
            "event_id": id, "violation": "no_helmet", "occurred_at": at.to_rfc3339(),
            "face_photo": b64(face), "scene_photo": b64(&scene()),
        })
    }

    /// A push that must be stored: the event as stored.
    pub(crate) async fn stored(&self, number: &str, body: &Value) -> RiderEvent {
        let (status, out) = self.push(number, body).await;
        assert_eq!(status, 201, "{out}");
        self.event_row(out["event_id"].as_i64().unwrap()).await
    }

    pub(crate) async fn event_row(&self, id: i64) -> RiderEvent {
        let mut tx = self.app.state.store.begin_read().await.unwrap();
        events::get(&mut tx, RiderEventId(id))
            .await
            .unwrap()
            .unwrap()
    }
}

/// A small PNG standing in for the scene photo.
pub(crate) fn scene() -> Vec<u8> {
    png(&image::RgbImage::from_pixel(
        64,
        48,
        image::Rgb([90, 120, 90]),
    ))
}

pub(crate) fn png(img: &image::RgbImage) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// The first bytes of an MP4 file (an `ftyp` box), enough to be recognised as video.
pub(crate) fn mp4() -> Vec<u8> {
    let mut b = vec![0, 0, 0, 0x18];
    b.extend(b"ftypisom\0\0\x02\0isomiso2");
    b.extend(std::iter::repeat_n(0u8, 256));
    b
}

pub(crate) fn workspace_dir(var: &str, default: &str) -> PathBuf {
    std::env::var_os(var).map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(default)
    })
}

pub(crate) fn models_dir() -> PathBuf {
    workspace_dir("ROADWARDEN_FACE_MODELS", "target/face-models")
}

/// A registry test image, or `None` (said loudly; a failure under CI) when
/// scripts/face-models.sh was not run or this build has no dlib engine.
pub(crate) fn face_image(name: &str) -> Option<Vec<u8>> {
    let data = workspace_dir("ROADWARDEN_FACE_TESTDATA", "target/face-testdata");
    let model = models_dir().join("dlib_face_recognition_resnet_model_v1.dat");
    let why = if !model.exists() {
        format!("models missing in {}", models_dir().display())
    } else if !data.join(name).exists() {
        format!("test image {name} missing in {}", data.display())
    } else if !roadwarden_face::HAS_DLIB {
        "this build has no dlib engine (feature face-dlib)".to_owned()
    } else {
        return Some(std::fs::read(data.join(name)).unwrap());
    };
    assert!(
        std::env::var_os("CI").is_none(),
        "face models or images missing under CI: {why}"
    );
    let loud = format!(
        "\n!!!! SKIPPED: the rider identity tests need `bash scripts/face-models.sh`: {why}\n"
    );
    let _ = std::io::Write::write_all(&mut std::io::stderr(), loud.as_bytes());
    None
}

pub(crate) fn state_of(e: &RiderEvent) -> (MatchState, &str) {
    (e.match_state, e.match_reason.as_str())
}
