//! BWC-05: resumable footage uploads over the tus protocol 1.0.0 (core, creation, expiration,
//! termination). These routes sit outside the request body limit and timeout: a PATCH carries
//! gigabytes, streamed to disk and hashed as it arrives.
//!
//! Metadata (`Upload-Metadata`, base64 values): `officer` (username or id), `activity`
//! (BWC-02), `started_at`, `ended_at` (RFC 3339), optional `duty_ended_at`, `handed_in_at`,
//! `recorder` (number), `place`, `case_ref`, `violation_id`, `restriction`, `filename`, and
//! `sha256` (declared; the upload is refused if the bytes hash to anything else).

use roadwarden_domain::codes::Code;
use std::collections::HashMap;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{options, post};
use axum::Router;
use base64::Engine;
use chrono::{DateTime, Utc};
use roadwarden_domain::evidence::states::UploadState;
use roadwarden_domain::FieldError;

use crate::auth::{CurrentUser, Require};
use crate::context::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::policy::Uploaders;
use crate::services::evidence::upload::{self, TUS_VERSION};
use crate::state::AppState;

pub const BASE: &str = "/api/v1/evidence/uploads";

pub fn router() -> Router<AppState> {
    Router::new()
        .route(BASE, post(create).options(describe))
        .route(
            &format!("{BASE}/{{id}}"),
            options(describe).head(head).patch(patch).delete(terminate),
        )
}

fn tus_headers(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    h.insert("tus-resumable", HeaderValue::from_static(TUS_VERSION));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// An HTTP date (RFC 7231), for `Upload-Expires`.
fn http_date(t: DateTime<Utc>) -> HeaderValue {
    HeaderValue::from_str(&t.format("%a, %d %b %Y %H:%M:%S GMT").to_string())
        .unwrap_or(HeaderValue::from_static(""))
}

/// The headers that tell a client where an upload stands: offset, expiry, and the footage it
/// became once complete.
fn progress(
    mut resp: Response,
    offset: i64,
    expires: DateTime<Utc>,
    evidence: Option<i64>,
) -> Response {
    let h = resp.headers_mut();
    h.insert("upload-offset", HeaderValue::from(offset));
    h.insert("upload-expires", http_date(expires));
    if let Some(e) = evidence {
        h.insert("x-evidence-id", HeaderValue::from(e));
    }
    tus_headers(resp)
}

/// tus: every request but OPTIONS names the protocol version.
fn check_version(headers: &HeaderMap) -> AppResult<()> {
    match headers.get("tus-resumable").and_then(|v| v.to_str().ok()) {
        Some(TUS_VERSION) => Ok(()),
        _ => Err(AppError::protocol(
            StatusCode::PRECONDITION_FAILED,
            Code::UploadTusVersion,
            "send Tus-Resumable: 1.0.0",
        )),
    }
}

fn header_u64(headers: &HeaderMap, name: &'static str) -> AppResult<u64> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .ok_or_else(|| FieldError::new(name, "must be a whole number of bytes").into())
}

/// `key base64,key base64` → map. Keys are ASCII; values are UTF-8 after decoding.
pub fn parse_metadata(raw: &str) -> Result<HashMap<String, String>, FieldError> {
    let mut out = HashMap::new();
    for pair in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (key, value) = match pair.split_once(' ') {
            Some((k, v)) => (k, v.trim()),
            None => (pair, ""),
        };
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(value)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(|| {
                FieldError::new(
                    "Upload-Metadata",
                    format!("the value of '{key}' is not base64 UTF-8"),
                )
            })?;
        out.insert(key.to_owned(), decoded);
    }
    Ok(out)
}

async fn describe(State(state): State<AppState>) -> Response {
    let mut resp = StatusCode::NO_CONTENT.into_response();
    let h = resp.headers_mut();
    h.insert("tus-version", HeaderValue::from_static(TUS_VERSION));
    h.insert(
        "tus-extension",
        HeaderValue::from_static("creation,expiration,termination"),
    );
    if let Ok(v) = HeaderValue::from_str(&state.settings.evidence.max_upload_bytes.to_string()) {
        h.insert("tus-max-size", v);
    }
    tus_headers(resp)
}

async fn create(
    State(state): State<AppState>,
    user: Require<Uploaders>,
    meta: RequestMeta,
    headers: HeaderMap,
) -> AppResult<Response> {
    check_version(&headers)?;
    if headers.contains_key("upload-defer-length") {
        return Err(FieldError::new(
            "Upload-Defer-Length",
            "declare the length when creating the upload",
        )
        .into());
    }
    let length = header_u64(&headers, "upload-length")?;
    let raw = headers
        .get("upload-metadata")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let fields = parse_metadata(raw)?;
    let u = upload::create(&state, &user, &meta, length, &fields).await?;
    let mut resp = StatusCode::CREATED.into_response();
    let location = HeaderValue::from_str(&format!("{BASE}/{}", u.id))
        .map_err(|e| AppError::Internal(e.into()))?;
    resp.headers_mut().insert(header::LOCATION, location);
    Ok(progress(resp, 0, u.expires_at, None))
}

async fn head(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> AppResult<Response> {
    check_version(&headers)?;
    let u = upload::status(&state, &user, &id).await?;
    if u.state == UploadState::Failed {
        return Err(AppError::protocol(
            StatusCode::GONE,
            Code::UploadEnded,
            format!("this upload ended: {}", u.failure),
        ));
    }
    let mut resp = StatusCode::OK.into_response();
    resp.headers_mut()
        .insert("upload-length", HeaderValue::from(u.length));
    Ok(progress(resp, u.upload_offset, u.expires_at, u.evidence_id))
}

async fn patch(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> AppResult<Response> {
    check_version(&headers)?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if content_type != "application/offset+octet-stream" {
        return Err(AppError::protocol(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Code::UploadContentType,
            "send the bytes as Content-Type: application/offset+octet-stream",
        ));
    }
    let offset = header_u64(&headers, "upload-offset")?;
    let done = upload::append(&state, &user, &meta, &id, offset, body).await?;
    let offset = i64::try_from(done.offset).unwrap_or(i64::MAX);
    Ok(progress(
        StatusCode::NO_CONTENT.into_response(),
        offset,
        done.expires_at,
        done.evidence_id,
    ))
}

async fn terminate(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> AppResult<Response> {
    check_version(&headers)?;
    upload::terminate(&state, &user, &meta, &id).await?;
    Ok(tus_headers(StatusCode::NO_CONTENT.into_response()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tus_metadata_is_parsed() {
        let m = parse_metadata("filename d29ybGRfZG9taW5hdGlvbl9wbGFuLnBkZg==,is_confidential, officer Y3gucmV2aWV3ZXI=").unwrap();
        assert_eq!(m["filename"], "world_domination_plan.pdf");
        assert_eq!(m["is_confidential"], "");
        assert_eq!(m["officer"], "cx.reviewer");
        assert!(parse_metadata("filename !!!").is_err());
    }
}
