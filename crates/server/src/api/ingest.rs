//! Where devices push captures (CAP-00..04): `/api/v1/captures/push` (JSON or multipart) and
//! `/api/v1/isapi/events` (Hikvision `EventNotificationAlert`, bare XML or multipart with the
//! JPEG parts). Devices authenticate with their own credential: HTTP Basic `key:secret`, or
//! the headers `X-Device-Key` and `X-Device-Secret`.

use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::Json;
use base64::Engine;
use roadwarden_domain::FieldError;
use roadwarden_isapi::{parse_alert, IsapiError};
use serde::Deserialize;

use crate::edge::Query;
use crate::error::{AppError, AppResult};
use crate::services::captures::ingest::{
    self, inline_images, CaptureInput, DeviceCredential, RawImage, Receipt, Submission, Via,
};
use crate::services::captures::isapi;
use crate::state::AppState;

/// The device's credential from the request headers.
pub(crate) fn credential(headers: &HeaderMap) -> AppResult<DeviceCredential> {
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

pub(crate) fn is_multipart(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/"))
}

pub(crate) async fn read_body(state: &AppState, req: Request) -> AppResult<Bytes> {
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
    let device = ingest::authenticate_device(&state, &cred).await?;
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
    let receipt = ingest::ingest_authenticated(&state, device, sub).await?;
    Ok((status_of(&receipt), Json(receipt)))
}

/// A part that could not be read: too large (413) or a malformed form (422).
pub(crate) fn multipart_error(
    state: &AppState,
    e: &axum::extract::multipart::MultipartError,
) -> AppError {
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
    let device = ingest::authenticate_device(&state, &cred).await?;
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
    if !isapi::is_capture(&alert) {
        return Ok((StatusCode::OK, Json(isapi::ignored())));
    }
    let receipt = isapi::ingest(&state, device, &alert, q.violation, files).await?;
    Ok((status_of(&receipt), Json(receipt)))
}

/// A device says it is alive (SUP-02): for devices that push JSON and have nothing to send for a
/// while. ISAPI cameras send their own heartbeats to `/api/v1/isapi/events`. The body is
/// ignored; only the credential counts.
#[utoipa::path(post, path = "/api/v1/devices/heartbeat", tag = "captures", security(("device" = [])),
    responses((status = 204, description = "heard; the device's presence is recorded (once a minute at most)"),
        (status = 401, description = "unknown or revoked device credential")))]
pub async fn heartbeat(State(state): State<AppState>, headers: HeaderMap) -> AppResult<StatusCode> {
    let cred = credential(&headers)?;
    ingest::authenticate_device(&state, &cred).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn isapi_error(e: IsapiError) -> AppError {
    match e {
        IsapiError::TooLarge(n) => AppError::TooLarge(n),
        other => FieldError::new("body", other.to_string()).into(),
    }
}

/// Kept here for the demo, which builds an ISAPI push the way a camera does.
pub use crate::services::captures::isapi::submission_of;
