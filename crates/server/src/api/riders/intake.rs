//! RID-01, RID-03: where e-bike capture points push rider events, `/api/v1/riders/events/push`
//! (JSON with the files inline as base64, or multipart with an `event` JSON part and the file
//! parts `face`, `scene` and `clip`). Points authenticate with their device credential as for
//! captures: HTTP Basic `key:secret`, or `X-Device-Key` and `X-Device-Secret`.

use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use roadwarden_domain::FieldError;

use crate::api::ingest::{credential, is_multipart, multipart_error, read_body};
use crate::error::AppResult;
use crate::services::captures::ingest::authenticate_device;
use crate::services::riders::intake::input::{Files, RiderEventInput};
use crate::services::riders::intake::{self, RiderReceipt};
use crate::state::AppState;

/// A rider event from an e-bike capture point. The event is stored once per point event id;
/// a photo that fails a quality gate (or no face engine) holds the event for review, never a
/// refusal. The spoken warning is published to the point's MQTT topic at once.
#[utoipa::path(post, path = "/api/v1/riders/events/push", tag = "riders", security(("device" = [])),
    request_body = RiderEventInput,
    responses((status = 201, body = RiderReceipt, description = "stored (matched, unconfirmed, unmatched or held with its reason)"),
        (status = 200, body = RiderReceipt, description = "a resend of an event already received: taken once"),
        (status = 401, description = "unknown or revoked device credential"),
        (status = 413, description = "the body is larger than the server accepts"),
        (status = 422, description = "a bad event (field), a clip that is not video, or a point that is not an e-bike capture point in service (rider.point_not_ebike, rider.point_not_in_service)")))]
pub async fn push(
    State(state): State<AppState>,
    headers: HeaderMap,
    req: Request,
) -> AppResult<(StatusCode, Json<RiderReceipt>)> {
    let cred = credential(&headers)?;
    // The credential first: a stranger's push costs one lookup and one SHA-256.
    let device = authenticate_device(&state, &cred).await?;
    let unreadable = || FieldError::new("body", "is not a readable multipart form");
    let (input, files) = if is_multipart(&headers) {
        let mut form = Multipart::from_request(req, &state)
            .await
            .map_err(|_| unreadable())?;
        let mut input: Option<RiderEventInput> = None;
        let mut files = Files::default();
        while let Some(field) = form.next_field().await.map_err(|_| unreadable())? {
            let name = field.name().unwrap_or_default().to_owned();
            let bytes = field
                .bytes()
                .await
                .map_err(|e| multipart_error(&state, &e))?;
            match name.as_str() {
                "event" => {
                    input = Some(serde_json::from_slice(&bytes).map_err(|e| {
                        FieldError::new("event", format!("is not valid event JSON: {e}"))
                    })?);
                }
                "face" => files.face = Some(bytes),
                "scene" => files.scene = Some(bytes),
                "clip" => files.clip = Some(bytes),
                _ => {
                    return Err(
                        FieldError::new("body", "parts are event, face, scene and clip").into(),
                    )
                }
            }
        }
        let input =
            input.ok_or_else(|| FieldError::new("event", "the form needs an event part"))?;
        (input, files)
    } else {
        let body = read_body(&state, req).await?;
        let input: RiderEventInput = serde_json::from_slice(&body)
            .map_err(|e| FieldError::new("body", format!("is not valid event JSON: {e}")))?;
        (input, Files::default())
    };
    let receipt = intake::receive(&state, device, input, files).await?;
    let status = if receipt.duplicate {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(receipt)))
}
