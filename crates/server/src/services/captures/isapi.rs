//! CAP-00: a Hikvision ISAPI event push, after the handler has read the `EventNotificationAlert`
//! and its JPEG parts: the camera named by MAC and channel must be the device whose credential
//! was sent, the alert becomes a [`Submission`], and the push goes the way of every other.

use bytes::Bytes;
use chrono::Utc;
use roadwarden_domain::device::CaptureUse;
use roadwarden_isapi::Alert;

use super::ingest::{self, Authenticated, CaptureInput, RawImage, Receipt, Submission, Via};
use crate::error::AppResult;
use crate::services::context::ServiceContext;

/// Whether the alert is a capture: cameras also push heartbeats and inactive or other alarms,
/// which are acknowledged and never stored.
pub fn is_capture(alert: &Alert) -> bool {
    matches!(
        alert.event_type.to_ascii_lowercase().as_str(),
        "anpr" | "vehicledetection" | "fielddetection" | "linedetection"
    ) && alert.event_state.eq_ignore_ascii_case("active")
}

/// The receipt for an alert that is not a capture.
pub fn ignored() -> Receipt {
    Receipt {
        capture_id: 0,
        duplicate: false,
        state: "ignored".into(),
        usage: CaptureUse::Refuse.as_str().to_owned(),
        flags: Vec::new(),
        review_due_at: None,
    }
}

/// Takes an ISAPI capture from an authenticated device. `violation` is the type the camera's
/// URL names; without it, the device's only published type, if it has exactly one.
pub async fn ingest(
    ctx: &ServiceContext,
    device: Authenticated,
    alert: &Alert,
    violation: Option<String>,
    files: Vec<(String, Bytes)>,
) -> AppResult<Receipt> {
    let device = device.into_device();
    let mut tx = ctx.store.begin_read().await?;
    ingest::check_isapi_identity(&mut tx, &device, &alert.mac, &alert.channel).await?;
    let violation = match violation {
        Some(v) => v,
        None if device.violation_types.len() == 1 => device.violation_types[0].clone(),
        None => String::new(),
    };
    let sub = submission_of(alert, violation, files);
    ingest::ingest_for(ctx, tx, device, sub).await
}

/// Maps an ANPR alert to a capture: plate, colours, vehicle type, direction, lane, confidence,
/// speed, camera time and GPS; each JPEG part by the picture list's type.
pub fn submission_of(alert: &Alert, violation: String, files: Vec<(String, Bytes)>) -> Submission {
    // An alert without an ANPR block (field detection) is a capture with no plate read.
    let anpr = alert.anpr.clone().unwrap_or_default();
    let images = files
        .into_iter()
        .map(|(name, bytes)| {
            let picture = alert.pictures.iter().find(|p| p.file_name == name);
            let kind = match picture.map(|p| p.kind.as_str()) {
                Some("licensePlatePicture") => "plate",
                Some("vehiclePicture") => "vehicle",
                _ if name.starts_with("licensePlate") => "plate",
                _ if name.starts_with("vehicle") => "vehicle",
                _ => "scene",
            };
            let plate_rect = picture.and_then(|p| p.plate_rect).map(|r| {
                [r.x, r.y, r.width, r.height].map(|v| i32::try_from(v).unwrap_or(i32::MAX))
            });
            RawImage {
                kind: kind.to_owned(),
                bytes,
                plate_rect,
            }
        })
        .collect();
    let camera_time = alert.camera_time.with_timezone(&Utc);
    Submission {
        via: Via::Isapi,
        input: CaptureInput {
            event_id: alert.uuid.clone(),
            retransmission: alert.retransmission,
            plate: anpr.plate,
            plate_colour: anpr.plate_colour,
            vehicle_type: if anpr.two_wheel {
                "two_wheel".into()
            } else {
                anpr.vehicle_type
            },
            vehicle_colour: anpr.vehicle_colour,
            violation_code: violation,
            direction: anpr.direction,
            lane: anpr.lane.and_then(|l| i32::try_from(l).ok()),
            speed: anpr.speed.and_then(|s| i32::try_from(s).ok()),
            confidence: anpr.confidence.and_then(|c| i32::try_from(c).ok()),
            longitude: alert.gps.map(|g| g.longitude),
            latitude: alert.gps.map(|g| g.latitude),
            captured_at: alert.camera_time.to_rfc3339(),
            ..CaptureInput::default()
        },
        images,
        camera_time: Some(camera_time),
    }
}
