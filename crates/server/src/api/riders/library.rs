//! RID-05: the face base library import.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::http::{header, StatusCode};
use axum::Json;
use roadwarden_domain::FieldError;
use serde::{Deserialize, Serialize};

use crate::auth::Require;
use crate::context::RequestMeta;
use crate::edge::{MultipartBody, Query};
use crate::error::AppResult;
use crate::policy::RiderOfficers;
use crate::services::riders::library;
use crate::state::AppState;
use crate::views::riders::LibraryReport;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct LibraryQuery {
    pub file_name: Option<String>,
    /// true: import the good rows and report the bad ones.
    pub skip_bad_rows: Option<String>,
}

/// A refused import: the report naming the bad rows, or the error body for a wrong parameter.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(untagged)]
#[allow(dead_code)] // documentation only
pub enum LibraryRefusal {
    Report(LibraryReport),
    Error(crate::error::ErrorEnvelope),
}

/// RID-05: imports residents (CSV in UTF-8 or GBK, or XLSX) sent as the body: id_number,
/// name, unit_code, village, employer, party_member, phone, photo (or the Chinese headings).
/// With photos: a ZIP bundle as the body holding the list and the photos, or a
/// `multipart/form-data` upload with the list as `file` and a ZIP of photos as `photos`. Each
/// photo the `photo` column names passes the face quality gates and is enrolled for the
/// person; a missing, unreadable, faceless or two-face photo is that row's error.
/// Bad rows are reported with their line and reason; nothing is written unless
/// `skip_bad_rows=true`.
#[utoipa::path(post, path = "/api/v1/rider-library", tag = "riders", params(LibraryQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream",
        description = "the list (CSV or XLSX), a ZIP bundle of the list and photos, or multipart/form-data with `file` and `photos`"),
    responses((status = 201, body = LibraryReport), (status = 403),
              (status = 422, body = LibraryRefusal, description = "bad rows (the report), or a wrong parameter (the error)")))]
pub async fn import(
    State(state): State<AppState>,
    user: Require<RiderOfficers>,
    meta: RequestMeta,
    Query(q): Query<LibraryQuery>,
    request: Request,
) -> AppResult<(StatusCode, Json<LibraryReport>)> {
    let skip = match q.skip_bad_rows.as_deref().map(str::trim) {
        None | Some("" | "false" | "0") => false,
        Some("true" | "1") => true,
        Some(_) => return Err(FieldError::new("skip_bad_rows", "must be true or false").into()),
    };
    let mut name = q.file_name.unwrap_or_else(|| "library".into());
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let (body, photos) = if multipart {
        let MultipartBody(mut form) = MultipartBody::from_request(request, &state).await?;
        let bad = |field: &'static str| FieldError::new(field, "is not a readable upload");
        let (mut body, mut photos) = (Bytes::new(), None);
        while let Some(field) = form.next_field().await.map_err(|_| bad("body"))? {
            match field.name().unwrap_or_default() {
                "file" => {
                    if let Some(n) = field.file_name() {
                        name = n.to_owned();
                    }
                    body = field.bytes().await.map_err(|_| bad("file"))?;
                }
                "photos" => photos = Some(field.bytes().await.map_err(|_| bad("photos"))?),
                _ => {}
            }
        }
        (body, photos)
    } else {
        let body = Bytes::from_request(request, &state)
            .await
            .map_err(|_| crate::error::AppError::TooLarge(state.settings.server.max_body_bytes))?;
        (body, None)
    };
    if body.is_empty() {
        return Err(FieldError::new("file", "send a CSV or XLSX list").into());
    }
    let upload = library::Upload {
        file_name: &name,
        bytes: &body,
        photos: photos.as_deref(),
    };
    let report = library::import(&state, &user, &meta, upload, skip).await?;
    let status = if report.committed {
        StatusCode::CREATED
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, Json(report)))
}
