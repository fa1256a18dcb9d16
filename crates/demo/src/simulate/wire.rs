//! What goes over the wire: the Hikvision ISAPI alert and the JSON-in-multipart push with
//! their drawn pictures, and what the server answers.

use std::time::{Duration, Instant};

use chrono::SecondsFormat;
use reqwest::multipart::{Form, Part};
use serde::Deserialize;
use serde_json::{json, Value};

use super::device_files::SimDevice;
use super::planner::Event;
use crate::scene::{self, PlateTint, SceneSpec};

fn caption(ev: &Event, device: &SimDevice) -> String {
    let mut s = format!(
        "{}  {}  CH{}  LANE {}",
        ev.captured_at.format("%Y-%m-%d %H:%M:%S"),
        device.number,
        device.channel.as_deref().unwrap_or("1"),
        ev.lane
    );
    if let Some(v) = &ev.violation {
        s.push_str(&format!("  CODE {v}"));
    }
    if let Some((speed, limit)) = ev.speed {
        s.push_str(&format!("  {speed} KM/H  LIMIT {limit}"));
    }
    s
}

/// The ISAPI alert a Hikvision ANPR camera would push for `ev` from `device`.
fn isapi_xml(ev: &Event, device: &SimDevice, plate_rect: [i32; 4]) -> String {
    let [x, y, width, height] = plate_rect.map(|v| u32::try_from(v).unwrap_or(0));
    roadwarden_isapi::write::AnprAlert {
        mac: device.mac.clone().unwrap_or_default(),
        channel: device.channel.clone().unwrap_or_else(|| "1".into()),
        channel_name: device.number.clone(),
        captured_at: ev.captured_at,
        plate: ev.plate.clone(),
        plate_colour: ev.plate_colour.clone(),
        vehicle_type: match ev.vehicle_type.as_str() {
            "large_car" | "truck" => "truck",
            _ => "vehicle",
        }
        .into(),
        speed: ev.speed.map(|(s, _)| s),
        lane: ev.lane,
        direction: ev.direction.into(),
        confidence: ev.confidence,
        index: ev.image_seed % 1000,
        uuid: ev.event_id.clone(),
        retransmission: ev.resend,
        plate_rect: roadwarden_isapi::Rect {
            x,
            y,
            width,
            height,
        },
    }
    .to_xml()
}

/// The vehicle's colour, as the camera reports it and the photo shows it: picked by the image
/// seed, so that a resend reports the same.
fn vehicle_colour(ev: &Event) -> &'static str {
    const COLOURS: [&str; 7] = ["white", "black", "silver", "grey", "red", "blue", "white"];
    COLOURS[(ev.image_seed % COLOURS.len() as u64) as usize]
}

/// The JSON of a multipart `capture` part.
fn capture_json(ev: &Event) -> Value {
    let mut v = json!({
        "event_id": ev.event_id,
        "plate": ev.plate,
        "plate_colour": ev.plate_colour,
        "vehicle_type": ev.vehicle_type,
        "vehicle_colour": vehicle_colour(ev),
        "captured_at": ev.captured_at.to_rfc3339_opts(SecondsFormat::Millis, false),
        "lane": ev.lane,
        "direction": ev.heading,
        "confidence": ev.confidence,
    });
    if let Some(code) = &ev.violation {
        v["violation_code"] = json!(code);
    }
    if let Some((speed, limit)) = ev.speed {
        v["speed"] = json!(speed);
        v["speed_limit"] = json!(limit);
    }
    if ev.resend {
        v["retransmission"] = json!(true);
    }
    v
}

/// The body of a push, pictures drawn.
pub(super) struct Prepared {
    path: &'static str,
    query: Option<String>,
    form: Form,
}

fn jpeg_part(bytes: Vec<u8>, name: &str) -> anyhow::Result<Part> {
    Ok(Part::bytes(bytes)
        .file_name(name.to_owned())
        .mime_str("image/jpeg")?)
}

pub(super) fn prepare(
    ev: &Event,
    device: &SimDevice,
    width: u16,
    height: u16,
) -> anyhow::Result<Prepared> {
    let caption = caption(ev, device);
    let spec = SceneSpec {
        plate: &ev.plate,
        tint: PlateTint::from_colour(&ev.plate_colour, &ev.plate),
        seed: ev.image_seed,
        width,
        height,
        caption: &caption,
        quality: 80,
        vehicle_colour: Some(vehicle_colour(ev)),
        violation: ev.violation.as_deref(),
    };
    // Three photos for a red light, one otherwise.
    let capture = scene::render_capture(&spec);
    let mut scenes = capture.scenes.into_iter();
    let first = scenes
        .next()
        .map(|s| (s.jpeg, s.plate_rect))
        .unwrap_or_default();
    if ev.isapi {
        let xml = isapi_xml(ev, device, first.1);
        let mut form = Form::new()
            .part(
                "anpr.xml",
                Part::bytes(xml.into_bytes())
                    .file_name("anpr.xml")
                    .mime_str("application/xml")?,
            )
            .part(
                "licensePlatePicture.jpg",
                jpeg_part(capture.plate, "licensePlatePicture.jpg")?,
            )
            .part(
                "vehiclePicture.jpg",
                jpeg_part(first.0, "vehiclePicture.jpg")?,
            );
        // The red light's further photos, as extra pictures the server files as scenes.
        for (i, more) in scenes.enumerate() {
            let name = format!("scene{}.jpg", i + 2);
            form = form.part(name.clone(), jpeg_part(more.jpeg, &name)?);
        }
        Ok(Prepared {
            path: "/api/v1/isapi/events",
            query: ev.violation.clone(),
            form,
        })
    } else {
        let mut form = Form::new()
            .part(
                "capture",
                Part::text(capture_json(ev).to_string()).mime_str("application/json")?,
            )
            .part("scene", jpeg_part(first.0, "scene.jpg")?);
        for (i, more) in scenes.enumerate() {
            form = form.part(
                "scene",
                jpeg_part(more.jpeg, &format!("scene{}.jpg", i + 2))?,
            );
        }
        Ok(Prepared {
            path: "/api/v1/captures/push",
            query: None,
            form,
        })
    }
}

/// What the server said to one push.
#[derive(Debug)]
pub(super) enum Outcome {
    Created(Receipt),
    Duplicate,
    Refused {
        status: u16,
        code: String,
        message: String,
    },
    Failed {
        what: String,
        message: String,
    },
}

/// The server's receipt, as far as the summary needs it.
#[derive(Debug, Deserialize)]
pub(super) struct Receipt {
    pub(super) capture_id: i64,
    pub(super) duplicate: bool,
    #[serde(default)]
    pub(super) state: String,
    #[serde(default)]
    pub(super) usage: String,
    #[serde(default)]
    pub(super) flags: Vec<Value>,
}

#[derive(Debug, Deserialize)]
struct ErrorEnvelope {
    error: ErrorBody,
}

#[derive(Debug, Deserialize)]
struct ErrorBody {
    code: String,
    message: String,
    #[serde(default)]
    field: Option<String>,
}

pub(super) async fn send(
    client: &reqwest::Client,
    base: &str,
    device: &SimDevice,
    prepared: Prepared,
) -> (Outcome, Duration) {
    let mut req = client
        .post(format!("{base}{}", prepared.path))
        .basic_auth(&device.key_id, Some(&device.secret))
        .multipart(prepared.form);
    if let Some(code) = &prepared.query {
        req = req.query(&[("violation", code)]);
    }
    let started = Instant::now();
    let resp = match req.send().await {
        Ok(r) => r,
        Err(e) => {
            let what = if e.is_timeout() {
                "timeout"
            } else {
                "transport"
            };
            return (
                Outcome::Failed {
                    what: what.into(),
                    message: error_chain(&e),
                },
                started.elapsed(),
            );
        }
    };
    let status = resp.status().as_u16();
    let body = resp.bytes().await;
    let latency = started.elapsed();
    let body = match body {
        Ok(b) => b,
        Err(e) => {
            return (
                Outcome::Failed {
                    what: "transport".into(),
                    message: error_chain(&e),
                },
                latency,
            )
        }
    };
    let outcome = match status {
        200 | 201 => match serde_json::from_slice::<Receipt>(&body) {
            Ok(r) if r.duplicate || status == 200 => Outcome::Duplicate,
            Ok(r) => Outcome::Created(r),
            Err(e) => Outcome::Failed {
                what: format!("{status} unreadable receipt"),
                message: e.to_string(),
            },
        },
        _ => {
            let (code, message) = match serde_json::from_slice::<ErrorEnvelope>(&body) {
                Ok(ErrorEnvelope { error }) => {
                    let message = match error.field {
                        Some(f) => format!("{f}: {}", error.message),
                        None => error.message,
                    };
                    (error.code, message)
                }
                // Not a Roadwarden answer: a proxy, another server, a wrong --url.
                Err(_) => {
                    let text: String = String::from_utf8_lossy(&body)
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" ")
                        .chars()
                        .take(120)
                        .collect();
                    let reason = reqwest::StatusCode::from_u16(status)
                        .ok()
                        .and_then(|s| s.canonical_reason())
                        .unwrap_or("");
                    let message = if text.is_empty() {
                        format!("{reason}, no error body (is --url a Roadwarden server?)")
                    } else {
                        format!("{reason}: {text}")
                    };
                    ("not-roadwarden".to_owned(), message)
                }
            };
            if (400..500).contains(&status) {
                Outcome::Refused {
                    status,
                    code,
                    message,
                }
            } else {
                Outcome::Failed {
                    what: format!("{status} {code}"),
                    message,
                }
            }
        }
    };
    (outcome, latency)
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(inner) = source {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        source = inner.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use chrono::Timelike;
    use roadwarden_domain::org::Country;

    use super::super::device_files::parse_inline_device;
    use super::super::options::Options;
    use super::super::planner::Planner;
    use super::*;

    #[test]
    fn the_alert_parses_as_the_server_parses_it() {
        let device = parse_inline_device(
            "330522010201:dk:ds:bc:5e:33:62:2a:5c:1",
            Country::China,
            &["1352".into()],
        )
        .unwrap();
        let options = Options {
            isapi_share: 100,
            duplicate_share: 0,
            seed: 5,
            ..Options::new("http://127.0.0.1:1", vec![device.clone()])
        };
        let mut planner = Planner::new(&options, options.devices.clone().into());
        let mut ev = planner.next(&Mutex::default());
        ev.event_id = "7a1c0d7e-0000-4000-8000-000000000001".into();
        ev.resend = true;
        let xml = isapi_xml(&ev, &device, [10, 20, 100, 32]);
        let alert = roadwarden_isapi::parse_alert(xml.as_bytes()).unwrap();
        assert_eq!(alert.mac, "bc:5e:33:62:2a:5c");
        assert_eq!(alert.channel, "1");
        assert_eq!(alert.uuid.as_deref(), Some(ev.event_id.as_str()));
        assert!(alert.retransmission);
        assert_eq!(
            alert.camera_time,
            ev.captured_at.with_nanosecond(0).unwrap()
        );
        assert_eq!(alert.camera_time.offset().local_minus_utc(), 8 * 3600);
        let anpr = alert.anpr.unwrap();
        assert_eq!(anpr.plate, ev.plate);
        assert_eq!(anpr.plate_colour, ev.plate_colour);
        assert_eq!(anpr.lane, Some(ev.lane as u32));
        assert_eq!(anpr.speed.map(|s| s as i32), ev.speed.map(|s| s.0));
        let names: Vec<_> = alert
            .pictures
            .iter()
            .map(|p| p.file_name.as_str())
            .collect();
        assert_eq!(names, ["licensePlatePicture.jpg", "vehiclePicture.jpg"]);
        let rect = alert.pictures[1].plate_rect.unwrap();
        assert_eq!((rect.x, rect.y, rect.width, rect.height), (10, 20, 100, 32));
        let json = capture_json(&ev);
        assert_eq!(json["violation_code"], "1352");
        assert!(json["speed"].as_i64().unwrap() > json["speed_limit"].as_i64().unwrap());
        assert!(json["captured_at"].as_str().unwrap().ends_with("+08:00"));
    }
}
