//! SEC-06, DAT-01: data-modification requests of one or more records, with files attached.
//! Asked for by the business, approved or refused by the unit head, carried out by the
//! technology department; the service checks unit scope.

use axum::extract::{FromRequest, Request, State};
use axum::http::{header, StatusCode};
use axum::response::Response;
use axum::Json;
use roadwarden_domain::capture::correction::CorrectionState;
use serde::Deserialize;

use crate::auth::Require;
use crate::context::RequestMeta;
use crate::edge::{JsonBody, MultipartBody, Path, Query, RecordId};
use crate::error::{AppError, AppResult};
use crate::policy::{
    CorrectionApprovers, CorrectionExecutors, CorrectionReaders, CorrectionRequesters,
};
use crate::services::corrections::{self, form, CorrectionInput, Refusal};
use crate::state::AppState;
use crate::views::corrections::{attachment_response, CorrectionView};

/// A request with files (multipart/form-data).
#[derive(Debug, utoipa::ToSchema)]
#[allow(dead_code)]
pub struct CorrectionForm {
    /// The request as JSON (the same as the JSON body).
    #[schema(value_type = CorrectionInput)]
    request: String,
    /// Up to 5 files, PDF, JPEG or PNG (read from their first bytes), at most 3 MiB each.
    #[schema(value_type = Vec<String>, format = Binary)]
    files: Vec<Vec<u8>>,
}

/// The request as JSON, or as multipart with files.
pub enum CorrectionBody {
    Json(CorrectionInput),
    Form(axum::extract::Multipart),
}

impl FromRequest<AppState> for CorrectionBody {
    type Rejection = AppError;
    async fn from_request(req: Request, state: &AppState) -> Result<Self, AppError> {
        let multipart = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("multipart/form-data"));
        if multipart {
            let MultipartBody(m) = MultipartBody::from_request(req, state).await?;
            Ok(CorrectionBody::Form(m))
        } else {
            let JsonBody(input) = JsonBody::from_request(req, state).await?;
            Ok(CorrectionBody::Json(input))
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct CorrectionQuery {
    /// requested, approved, refused or executed; all when absent.
    pub state: Option<String>,
}

/// The requests under the person's units, newest first (at most 200).
#[utoipa::path(get, path = "/api/v1/corrections", tag = "corrections", params(CorrectionQuery),
    responses((status = 200, body = Vec<CorrectionView>), (status = 422)))]
pub async fn list(
    State(state): State<AppState>,
    user: Require<CorrectionReaders>,
    meta: RequestMeta,
    Query(q): Query<CorrectionQuery>,
) -> AppResult<Json<Vec<CorrectionView>>> {
    let wanted = match q.state.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(CorrectionState::parse(s)?),
        None => None,
    };
    let rows = corrections::list(&state, &user, &meta, wanted).await?;
    Ok(Json(rows.into_iter().map(CorrectionView::from).collect()))
}

/// DAT-01: asks for a change of the facts (plate, plate colour, violation code, time, place)
/// of one or more records (at most 50, none twice), each new value checked as at intake. As
/// multipart, the request comes with files attached (PDF, JPEG, PNG; at most 5 of 3 MiB).
#[utoipa::path(post, path = "/api/v1/corrections", tag = "corrections",
    request_body(content((CorrectionInput = "application/json"), (CorrectionForm = "multipart/form-data"))),
    responses((status = 201, body = CorrectionView), (status = 404, description = "no such violation in your units"),
        (status = 413, description = "a file over 3 MiB"), (status = 422)))]
pub async fn create(
    State(state): State<AppState>,
    user: Require<CorrectionRequesters>,
    meta: RequestMeta,
    body: CorrectionBody,
) -> AppResult<(StatusCode, Json<CorrectionView>)> {
    let (input, files) = match body {
        CorrectionBody::Json(input) => (input, Vec::new()),
        CorrectionBody::Form(m) => form::api_form(m).await?,
    };
    let c = corrections::request(&state, &user, &meta, &input, files).await?;
    Ok((StatusCode::CREATED, Json(c.into())))
}

/// Files added to a filed request (multipart/form-data).
#[derive(Debug, utoipa::ToSchema)]
#[allow(dead_code)]
pub struct FilesForm {
    /// One or more files, PDF, JPEG or PNG (read from their first bytes), at most 3 MiB each;
    /// the request holds at most 5 in all.
    #[schema(value_type = Vec<String>, format = Binary)]
    files: Vec<Vec<u8>>,
}

/// DAT-01: the requester adds files to their request while it awaits the head's decision.
#[utoipa::path(post, path = "/api/v1/corrections/{id}/attachments", tag = "corrections",
    params(("id" = i64, Path, description = "The request")),
    request_body(content((FilesForm = "multipart/form-data"))),
    responses((status = 200, body = CorrectionView),
        (status = 403, description = "not the one who asked"),
        (status = 404, description = "no such request in your units"),
        (status = 413, description = "a file over 3 MiB"),
        (status = 422, description = "decided already (`correction.not_pending`), no file, a file that is not PDF, JPEG or PNG, or more than 5 in all")))]
pub async fn add_files(
    State(state): State<AppState>,
    user: Require<CorrectionRequesters>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    MultipartBody(m): MultipartBody,
) -> AppResult<Json<CorrectionView>> {
    let files = form::files_form(m).await?;
    let c = corrections::add_files(&state, &user, &meta, id, files).await?;
    Ok(Json(c.into()))
}

/// DAT-01: a file of a request, for its requester, the unit heads and the technology
/// department in the request's units; the read is recorded.
#[utoipa::path(get, path = "/api/v1/corrections/{id}/attachments/{attachment}", tag = "corrections",
    params(("id" = i64, Path, description = "The request"), ("attachment" = i64, Path, description = "The file")),
    responses((status = 200, description = "the file as attached", content(("application/pdf"), ("image/jpeg"), ("image/png"))),
        (status = 403), (status = 404)))]
pub async fn attachment(
    State(state): State<AppState>,
    user: Require<CorrectionReaders>,
    meta: RequestMeta,
    Path(ids): Path<(RecordId, RecordId)>,
) -> AppResult<Response> {
    let (RecordId(id), RecordId(aid)) = ids;
    let (a, bytes) = corrections::attachment(&state, &user, &meta, id, aid).await?;
    Ok(attachment_response(&a, bytes))
}

#[utoipa::path(get, path = "/api/v1/corrections/{id}", tag = "corrections", params(("id" = i64, Path, description = "The request")),
    responses((status = 200, body = CorrectionView), (status = 404)))]
pub async fn show(
    State(state): State<AppState>,
    user: Require<CorrectionReaders>,
    Path(RecordId(id)): Path<RecordId>,
) -> AppResult<Json<CorrectionView>> {
    Ok(Json(corrections::get(&state, &user, id).await?.into()))
}

/// DAT-01: the unit head approves (never their own request).
#[utoipa::path(post, path = "/api/v1/corrections/{id}/approve", tag = "corrections", params(("id" = i64, Path, description = "The request")),
    responses((status = 200, body = CorrectionView), (status = 404), (status = 422)))]
pub async fn approve(
    State(state): State<AppState>,
    user: Require<CorrectionApprovers>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
) -> AppResult<Json<CorrectionView>> {
    Ok(Json(
        corrections::approve(&state, &user, &meta, id).await?.into(),
    ))
}

/// DAT-01: the unit head refuses, with the reason.
#[utoipa::path(post, path = "/api/v1/corrections/{id}/refuse", tag = "corrections", params(("id" = i64, Path, description = "The request")),
    request_body = Refusal, responses((status = 200, body = CorrectionView), (status = 404), (status = 422)))]
pub async fn refuse(
    State(state): State<AppState>,
    user: Require<CorrectionApprovers>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    JsonBody(input): JsonBody<Refusal>,
) -> AppResult<Json<CorrectionView>> {
    Ok(Json(
        corrections::refuse(&state, &user, &meta, id, &input)
            .await?
            .into(),
    ))
}

/// DAT-01: the technology department carries out an approved request; the record's facts
/// change and the before/after values go on its timeline.
#[utoipa::path(post, path = "/api/v1/corrections/{id}/execute", tag = "corrections", params(("id" = i64, Path, description = "The request")),
    responses((status = 200, body = CorrectionView), (status = 404), (status = 422)))]
pub async fn execute(
    State(state): State<AppState>,
    user: Require<CorrectionExecutors>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
) -> AppResult<Json<CorrectionView>> {
    Ok(Json(
        corrections::execute(&state, &user, &meta, id).await?.into(),
    ))
}
