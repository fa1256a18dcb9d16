//! Body-worn recorder evidence: the recorder ledger (BWC-01/04/12), the library and player
//! (BWC-11, ranged reads for seeking), access requests and exports (BWC-08..10, SEC-07),
//! retention (BWC-06), duties, work records and supervision (BWC-02/03/13/14). Uploads are in
//! `evidence_uploads` (tus). Every route is checked against a role and the unit scope in the
//! service it calls.
//! Here: the library and the player; recorders in `ledger.rs`, retention in `keeping.rs`,
//! access requests and exports in `requests.rs`, duties and supervision in `duties.rs`.

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum::Json;
use tokio_util::io::ReaderStream;

use crate::auth::{CurrentUser, Require};
use crate::context::RequestMeta;
use crate::edge::{Path, Query, RecordId};
use crate::error::{AppError, AppResult};
use crate::policy::FootageBrowsers;
use crate::services::evidence::library::{self, EvidencePage, LibraryItem, LibraryParams};
use crate::state::AppState;

mod duties;
mod footage;
mod keeping;
mod ledger;
mod requests;

pub use duties::*;
pub use footage::*;
pub use keeping::*;
pub use ledger::*;
pub use requests::*;

// ---- library and player ------------------------------------------------------------------------

#[utoipa::path(get, path = "/api/v1/evidence", tag = "evidence", params(LibraryParams), responses((status = 200, body = Vec<LibraryItem>)))]
pub async fn list(
    State(state): State<AppState>,
    user: Require<FootageBrowsers>,
    meta: RequestMeta,
    Query(q): Query<LibraryParams>,
) -> AppResult<Json<Vec<LibraryItem>>> {
    Ok(Json(
        library::list(&state, &user, &meta, &q.parse()?).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/evidence/{id}", tag = "evidence", params(("id" = i64, Path, description = "The footage")), responses((status = 200, body = EvidencePage)))]
pub async fn show(
    State(state): State<AppState>,
    user: Require<FootageBrowsers>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
) -> AppResult<Json<EvidencePage>> {
    Ok(Json(library::show(&state, &user, &meta, id).await?))
}

/// BWC-07: always refused, and the attempt recorded for supervision.
#[utoipa::path(delete, path = "/api/v1/evidence/{id}", tag = "evidence", params(("id" = i64, Path, description = "The footage")), responses((status = 422, description = "BWC-07: footage is write-once")))]
pub async fn delete(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
) -> AppResult<StatusCode> {
    library::refuse_delete(&state, &user, &meta, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `Range: bytes=a-b`, `bytes=a-` or `bytes=-n` (one range); anything else reads the whole file.
pub fn parse_range(headers: &HeaderMap, len: u64) -> Option<(u64, Option<u64>)> {
    let raw = headers.get(header::RANGE)?.to_str().ok()?.trim();
    let spec = raw.strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None;
    }
    let (a, b) = spec.split_once('-')?;
    match (a.trim(), b.trim()) {
        ("", n) => {
            let n: u64 = n.parse().ok()?;
            Some((len.saturating_sub(n), None))
        }
        (a, "") => Some((a.parse().ok()?, None)),
        (a, b) => {
            let (a, b): (u64, u64) = (a.parse().ok()?, b.parse().ok()?);
            (b >= a).then_some((a, Some(b)))
        }
    }
}

/// The footage for the player, with ranged reads for seeking. Needs a live approval.
#[utoipa::path(get, path = "/api/v1/evidence/{id}/content", tag = "evidence", params(("id" = i64, Path, description = "The footage")),
    responses((status = 200, description = "the whole file"), (status = 206, description = "the range asked"), (status = 422, description = "no approved request")))]
pub async fn content(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    headers: HeaderMap,
) -> AppResult<Response> {
    // The length is needed to read a suffix range; the service checks access before any byte.
    let len = library::stored_length(&state, id).await?;
    let range = parse_range(&headers, len);
    let c = library::content(&state, &user, &meta, id, range).await?;
    let total = c.evidence.length as u64;
    let status = if range.is_some() {
        StatusCode::PARTIAL_CONTENT
    } else {
        StatusCode::OK
    };
    let mut resp = Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, c.evidence.mime.as_str())
        .header(header::CONTENT_LENGTH, c.end - c.start)
        .header(header::ACCEPT_RANGES, "bytes")
        .header(header::CACHE_CONTROL, "private, no-store")
        .header(
            "x-roadwarden-watermark",
            HeaderValue::from_str(&ascii_only(&c.watermark))
                .unwrap_or(HeaderValue::from_static("")),
        );
    if range.is_some() {
        resp = resp.header(
            header::CONTENT_RANGE,
            format!("bytes {}-{}/{}", c.start, c.end.saturating_sub(1), total),
        );
    }
    resp.body(Body::from_stream(ReaderStream::with_capacity(
        c.reader,
        256 << 10,
    )))
    .map_err(|e| AppError::Internal(e.into()))
}

fn ascii_only(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '?'
            }
        })
        .collect()
}
