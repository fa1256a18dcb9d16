//! RID-05: the face base library import.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use roadwarden_domain::FieldError;
use serde::{Deserialize, Serialize};

use crate::auth::Require;
use crate::context::RequestMeta;
use crate::edge::Query;
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
/// Bad rows are reported with their line and reason; nothing is written unless
/// `skip_bad_rows=true`.
#[utoipa::path(post, path = "/api/v1/rider-library", tag = "riders", params(LibraryQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = LibraryReport), (status = 403),
              (status = 422, body = LibraryRefusal, description = "bad rows (the report), or a wrong parameter (the error)")))]
pub async fn import(
    State(state): State<AppState>,
    user: Require<RiderOfficers>,
    meta: RequestMeta,
    Query(q): Query<LibraryQuery>,
    body: Bytes,
) -> AppResult<(StatusCode, Json<LibraryReport>)> {
    let skip = match q.skip_bad_rows.as_deref().map(str::trim) {
        None | Some("" | "false" | "0") => false,
        Some("true" | "1") => true,
        Some(_) => return Err(FieldError::new("skip_bad_rows", "must be true or false").into()),
    };
    let name = q.file_name.unwrap_or_else(|| "library".into());
    let report = library::import(&state, &user, &meta, &name, &body, skip).await?;
    let status = if report.committed {
        StatusCode::CREATED
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, Json(report)))
}
