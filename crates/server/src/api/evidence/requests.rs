//! Access requests and exports (BWC-08..10, SEC-07): filing, deciding, the copy, its sheet and files.

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use roadwarden_domain::FieldError;
use serde::Deserialize;
use tokio_util::io::ReaderStream;

use super::ascii_only;
use crate::auth::{CurrentUser, Require};
use crate::context::RequestMeta;
use crate::edge::{JsonBody, Path, Query, RecordId};
use crate::error::{AppError, AppResult};
use crate::policy::FootageBrowsers;
use crate::services::evidence::access::{self, Decision, RequestInput, RequestView};
use crate::services::evidence::export_sheet;
use crate::state::AppState;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRequest {
    pub evidence_ids: Vec<i64>,
    /// officer, superior_body, court, procuratorate, public_use.
    #[serde(default = "officer")]
    pub requester: String,
    /// view or copy.
    pub purpose: String,
    pub reason: String,
    #[serde(default)]
    pub register: String,
    #[serde(default)]
    pub committee_approval: String,
}

fn officer() -> String {
    "officer".into()
}

#[utoipa::path(post, path = "/api/v1/access-requests", tag = "evidence", request_body = NewRequest,
    responses((status = 201, body = RequestView), (status = 422)))]
pub async fn file_request(
    State(state): State<AppState>,
    user: Require<FootageBrowsers>,
    meta: RequestMeta,
    JsonBody(b): JsonBody<NewRequest>,
) -> AppResult<(StatusCode, Json<RequestView>)> {
    let input = RequestInput {
        evidence_ids: b.evidence_ids,
        requester_kind: b.requester,
        purpose: b.purpose,
        reason: b.reason,
        register: b.register,
        committee_approval: b.committee_approval,
    };
    Ok((
        StatusCode::CREATED,
        Json(access::file(&state, &user, &meta, input).await?),
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct RequestParams {
    /// inbox (a head's pending requests in scope) or mine (default).
    pub r#box: Option<String>,
    pub state: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/access-requests", tag = "evidence", params(RequestParams), responses((status = 200, body = Vec<RequestView>)))]
pub async fn list_requests(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Query(q): Query<RequestParams>,
) -> AppResult<Json<Vec<RequestView>>> {
    let inbox = q.r#box.as_deref() == Some("inbox");
    Ok(Json(
        access::list(
            &state,
            &user,
            &meta,
            inbox,
            q.state.as_deref().unwrap_or(""),
        )
        .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/access-requests/{id}", tag = "evidence", params(("id" = i64, Path, description = "The access request")), responses((status = 200, body = RequestView)))]
pub async fn show_request(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(RecordId(id)): Path<RecordId>,
) -> AppResult<Json<RequestView>> {
    Ok(Json(access::show(&state, &user, id).await?))
}

/// A decision on an access request (named `AccessDecisionInput` in the OpenAPI document; the
/// review desk's `DecisionInput` is another shape).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = AccessDecisionInput)]
pub struct DecisionInput {
    /// approve, refuse or revoke.
    pub decision: String,
    #[serde(default)]
    pub reason: String,
}

/// BWC-08: approve or refuse (a head of the footage's own unit), or revoke (that head, a head
/// above it, or the requester withdrawing their own request).
#[utoipa::path(post, path = "/api/v1/access-requests/{id}/decision", tag = "evidence", params(("id" = i64, Path, description = "The access request")), request_body = DecisionInput,
    responses((status = 200, body = RequestView), (status = 409, description = "the request was decided meanwhile"), (status = 422)))]
pub async fn decide_request(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    JsonBody(b): JsonBody<DecisionInput>,
) -> AppResult<Json<RequestView>> {
    let decision = match b.decision.as_str() {
        "approve" => Decision::Approve,
        "refuse" => Decision::Refuse { reason: b.reason },
        "revoke" => Decision::Revoke,
        _ => return Err(FieldError::new("decision", "must be approve, refuse or revoke").into()),
    };
    Ok(Json(
        access::decide(&state, &user, &meta, id, decision).await?,
    ))
}

/// BWC-08, BWC-10: the recorder administrator provides the evidence copy under an approved copy
/// request and records the retrieval; the requester then downloads the sheet and the files.
#[utoipa::path(post, path = "/api/v1/access-requests/{id}/exports", tag = "evidence", params(("id" = i64, Path, description = "The access request")),
    responses((status = 201, body = RequestView), (status = 422)))]
pub async fn export(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
) -> AppResult<(StatusCode, Json<RequestView>)> {
    Ok((
        StatusCode::CREATED,
        Json(access::export(&state, &user, &meta, id).await?),
    ))
}

/// BWC-10: the recording sheets, the SHA-256 manifest and the chain of custody, as a PDF.
#[utoipa::path(get, path = "/api/v1/exports/{id}/sheet", tag = "evidence", params(("id" = i64, Path, description = "The export")), responses((status = 200, content_type = "application/pdf")))]
pub async fn export_sheet(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
) -> AppResult<Response> {
    let pdf = export_sheet::sheet(&state, &user, &meta, id).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"evidence-export-{id}.pdf\""),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        pdf,
    )
        .into_response())
}

/// `/exports/{id}/files/{evidence}`: each id parsed under its own name.
#[derive(Debug, Deserialize)]
pub struct ExportFilePath {
    pub id: RecordId,
    pub evidence: RecordId,
}

/// One file of an export, unaltered, named with who copied it and when.
#[utoipa::path(get, path = "/api/v1/exports/{id}/files/{evidence}", tag = "evidence", params(("id" = i64, Path, description = "The export"), ("evidence" = i64, Path, description = "The footage file of the export")), responses((status = 200, description = "the file")))]
pub async fn export_file(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Path(ExportFilePath {
        id: RecordId(id),
        evidence: RecordId(evidence),
    }): Path<ExportFilePath>,
) -> AppResult<Response> {
    let (e, reader, name) = access::export_file(&state, &user, &meta, id, evidence).await?;
    Response::builder()
        .header(header::CONTENT_TYPE, e.mime.as_str())
        .header(header::CONTENT_LENGTH, e.length)
        .header(
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}\"", ascii_only(&name)),
        )
        .header(header::CACHE_CONTROL, "private, no-store")
        .header("x-content-sha256", e.sha256.as_str())
        .body(Body::from_stream(ReaderStream::with_capacity(
            reader,
            256 << 10,
        )))
        .map_err(|e| AppError::Internal(e.into()))
}
