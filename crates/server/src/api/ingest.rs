//! Where devices push captures (CAP-00..04): `/api/v1/captures/push` (JSON or multipart) and
//! `/api/v1/isapi/events` (Hikvision `EventNotificationAlert`, bare XML or multipart with the
//! JPEG parts). Devices authenticate with their own credential: HTTP Basic `key:secret`, or
//! the headers `X-Device-Key` and `X-Device-Secret`.

use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::Json;
use base64::Engine;
use chrono::Utc;
use roadwarden_domain::FieldError;
use roadwarden_isapi::{parse_alert, Alert, IsapiError};
use serde::Deserialize;

use crate::edge::Query;
use crate::error::{AppError, AppResult};
use crate::services::captures::ingest::{
    self, inline_images, CaptureInput, DeviceCredential, RawImage, Receipt, Submission, Via,
};
use crate::state::AppState;

/// The device's credential from the request headers.
fn credential(headers: &HeaderMap) -> AppResult<DeviceCredential> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    if let (Some(key_id), Some(secret)) = (header("x-device-key"), header("x-device-secret")) {
        return Ok(DeviceCredential { key_id, secret });
    }
    let basic = header(header::AUTHORIZATION.as_str())
        .and_then(|v| v.strip_prefix("Basic ").map(str::to_owned))
        .and_then(|b| {
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
        })
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.split_once(':').map(|(k, v)| (k.to_owned(), v.to_owned())));
    match basic {
        Some((key_id, secret)) => Ok(DeviceCredential { key_id, secret }),
        None => Err(AppError::DeviceAuth(
            "send the device credential (HTTP Basic key:secret, or X-Device-Key and X-Device-Secret)",
        )),
    }
}

fn is_multipart(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/"))
}

async fn read_body(state: &AppState, req: Request) -> AppResult<Bytes> {
    Bytes::from_request(req, state)
        .await
        .map_err(|_| AppError::TooLarge(state.settings.server.max_body_bytes))
}

/// A capture in JSON (images inline as base64), or multipart with a `capture` JSON part and
/// JPEG file parts (the part's name is its kind: plate, vehicle or scene).
#[utoipa::path(post, path = "/api/v1/captures/push", tag = "captures", security(("device" = [])),
    request_body = CaptureInput,
    responses((status = 201, body = Receipt), (status = 200, body = Receipt, description = "a resend of an event already received"),
        (status = 401, description = "unknown or revoked device"), (status = 422, description = "bad capture")))]
pub async fn push(
    State(state): State<AppState>,
    headers: HeaderMap,
    req: Request,
) -> AppResult<(StatusCode, Json<Receipt>)> {
    let cred = credential(&headers)?;
    // The credential is checked before a byte of the body is read or parsed: a stranger's
    // push costs one indexed lookup and one SHA-256.
    let device = authenticate_device(&state, &cred).await?;
    let sub = if is_multipart(&headers) {
        let mut form = Multipart::from_request(req, &state)
            .await
            .map_err(|_| FieldError::new("body", "is not a readable multipart form"))?;
        let mut input: Option<CaptureInput> = None;
        let mut images = Vec::new();
        while let Some(field) = form
            .next_field()
            .await
            .map_err(|_| FieldError::new("body", "is not a readable multipart form"))?
        {
            let name = field.name().unwrap_or_default().to_owned();
            let bytes = field
                .bytes()
                .await
                .map_err(|e| multipart_error(&state, &e))?;
            if name == "capture" {
                input = Some(serde_json::from_slice(&bytes).map_err(|e| {
                    FieldError::new("capture", format!("is not valid capture JSON: {e}"))
                })?);
            } else {
                images.push(RawImage {
                    kind: name,
                    bytes,
                    plate_rect: None,
                });
            }
        }
        let input =
            input.ok_or_else(|| FieldError::new("capture", "the form needs a capture part"))?;
        Submission {
            via: Via::Multipart,
            input,
            images,
            camera_time: None,
        }
    } else {
        let body = read_body(&state, req).await?;
        let mut input: CaptureInput = serde_json::from_slice(&body)
            .map_err(|e| FieldError::new("body", format!("is not valid capture JSON: {e}")))?;
        let images = inline_images(&mut input)?;
        Submission {
            via: Via::Json,
            input,
            images,
            camera_time: None,
        }
    };
    let tx = state.store.begin_read().await?;
    let receipt = ingest::ingest_for(&state, tx, device, sub).await?;
    Ok((status_of(&receipt), Json(receipt)))
}

async fn authenticate_device(
    state: &AppState,
    cred: &DeviceCredential,
) -> AppResult<roadwarden_store::devices::Device> {
    let mut tx = state.store.begin_read().await?;
    let device = ingest::authenticate(&mut tx, cred).await?;
    drop(tx);
    Ok(device)
}

/// A part that could not be read: too large (413) or a malformed form (422).
fn multipart_error(state: &AppState, e: &axum::extract::multipart::MultipartError) -> AppError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::TooLarge(state.settings.server.max_body_bytes)
    } else {
        FieldError::new("body", "is not a readable multipart form").into()
    }
}

fn status_of(r: &Receipt) -> StatusCode {
    if r.duplicate {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct IsapiQuery {
    /// The violation this push reports (cameras are set up with one URL per violation type);
    /// without it, the device's only published type, if it has exactly one.
    pub violation: Option<String>,
}

/// A Hikvision ISAPI event push. The camera is named by MAC address and channel and must hold
/// the credential it sends.
#[utoipa::path(post, path = "/api/v1/isapi/events", tag = "captures", params(IsapiQuery), security(("device" = [])),
    responses((status = 201, body = Receipt), (status = 200, body = Receipt), (status = 401), (status = 422)))]
pub async fn isapi(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<IsapiQuery>,
    req: Request,
) -> AppResult<(StatusCode, Json<Receipt>)> {
    let cred = credential(&headers)?;
    // Authenticate before reading or parsing anything (the MAC and channel in the XML are
    // checked against this device after parsing).
    let device = authenticate_device(&state, &cred).await?;
    let (xml, files) = if is_multipart(&headers) {
        let mut form = Multipart::from_request(req, &state)
            .await
            .map_err(|_| FieldError::new("body", "is not a readable multipart form"))?;
        let mut xml = None;
        let mut files = Vec::new();
        while let Some(field) = form
            .next_field()
            .await
            .map_err(|_| FieldError::new("body", "is not a readable multipart form"))?
        {
            let ctype = field.content_type().unwrap_or_default().to_owned();
            let name = field
                .file_name()
                .or(field.name())
                .unwrap_or_default()
                .to_owned();
            let bytes = field
                .bytes()
                .await
                .map_err(|e| multipart_error(&state, &e))?;
            if xml.is_none() && (ctype.contains("xml") || name.ends_with(".xml")) {
                xml = Some(bytes);
            } else {
                files.push((name, bytes));
            }
        }
        (
            xml.ok_or_else(|| {
                FieldError::new("body", "the form has no EventNotificationAlert part")
            })?,
            files,
        )
    } else {
        (read_body(&state, req).await?, Vec::new())
    };
    let alert = parse_alert(&xml).map_err(isapi_error)?;
    // Cameras also push heartbeats and inactive/other alarms: acknowledged, never stored.
    let is_capture = matches!(
        alert.event_type.to_ascii_lowercase().as_str(),
        "anpr" | "vehicledetection" | "fielddetection" | "linedetection"
    );
    if !is_capture || !alert.event_state.eq_ignore_ascii_case("active") {
        return Ok((
            StatusCode::OK,
            Json(Receipt {
                capture_id: 0,
                duplicate: false,
                state: "ignored".into(),
                usage: "refuse".into(),
                flags: Vec::new(),
                review_due_at: None,
            }),
        ));
    }
    let mut tx = state.store.begin_read().await?;
    ingest::check_isapi_identity(&mut tx, &device, &alert.mac, &alert.channel).await?;
    let violation = match q.violation {
        Some(v) => v,
        None if device.violation_types.len() == 1 => device.violation_types[0].clone(),
        None => String::new(),
    };
    let sub = submission_of(&alert, violation, files);
    let receipt = ingest::ingest_for(&state, tx, device, sub).await?;
    Ok((status_of(&receipt), Json(receipt)))
}

fn isapi_error(e: IsapiError) -> AppError {
    match e {
        IsapiError::TooLarge(n) => AppError::TooLarge(n),
        other => FieldError::new("body", other.to_string()).into(),
    }
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
