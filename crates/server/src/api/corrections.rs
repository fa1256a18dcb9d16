//! SEC-06, DAT-01: data-modification requests. Asked for by the business, approved or refused
//! by the unit head, carried out by the technology department; the service checks unit scope.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use roadwarden_domain::capture::correction::CorrectionState;
use serde::Deserialize;

use crate::auth::Require;
use crate::context::RequestMeta;
use crate::edge::{JsonBody, Path, Query, RecordId};
use crate::error::AppResult;
use crate::policy::{
    CorrectionApprovers, CorrectionExecutors, CorrectionReaders, CorrectionRequesters,
};
use crate::services::corrections::{self, CorrectionInput, Refusal};
use crate::state::AppState;
use crate::views::corrections::CorrectionView;

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

/// DAT-01: asks for a change of a record's facts (plate, plate colour, violation code, time,
/// place), each new value checked as at intake.
#[utoipa::path(post, path = "/api/v1/corrections", tag = "corrections", request_body = CorrectionInput,
    responses((status = 201, body = CorrectionView), (status = 404, description = "no such violation in your units"), (status = 422)))]
pub async fn create(
    State(state): State<AppState>,
    user: Require<CorrectionRequesters>,
    meta: RequestMeta,
    JsonBody(input): JsonBody<CorrectionInput>,
) -> AppResult<(StatusCode, Json<CorrectionView>)> {
    let c = corrections::request(&state, &user, &meta, &input).await?;
    Ok((StatusCode::CREATED, Json(c.into())))
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
