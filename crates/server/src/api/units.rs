//! `/api/v1/units`: the unit tree under the caller's scope (ORG-01..05).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;

use super::Page;
use crate::auth::{CurrentUser, Require};
use crate::context::RequestMeta;
use crate::edge::{paging, JsonBody, Path, Query, RecordId};
use crate::error::AppResult;
use crate::policy::Admins;
use crate::services::units::{self, CreateUnitInput, UnitChange, UnitQuery};
use crate::services::Authority;
use crate::state::AppState;
use crate::views::org::UnitView;
use roadwarden_domain::UnitId;

/// Units in the caller's scope, in tree order (ORG-02).
#[utoipa::path(get, path = "/api/v1/units", tag = "units", params(UnitQuery),
    responses((status = 200, body = Page<UnitView>)))]
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<UnitQuery>,
) -> AppResult<Json<Page<UnitView>>> {
    let (limit, offset) = paging(q.limit.as_deref(), q.offset.as_deref(), 1000)?;
    let (found, total) = units::list_units(&state, &user, &q.filter()?, limit, offset).await?;
    Ok(Json(Page {
        items: found.iter().map(UnitView::from).collect(),
        total,
        limit,
        offset,
    }))
}

#[utoipa::path(get, path = "/api/v1/units/{id}", tag = "units",
    params(("id" = i64, Path, description = "The unit")),
    responses((status = 200, body = UnitView), (status = 404, body = crate::error::ErrorEnvelope)))]
pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(RecordId(id)): Path<RecordId>,
) -> AppResult<Json<UnitView>> {
    let unit = units::get_unit(&state, &user, UnitId(id)).await?;
    Ok(Json(UnitView::from(&unit)))
}

/// Creates a unit under one in the caller's scope.
#[utoipa::path(post, path = "/api/v1/units", tag = "units", request_body = CreateUnitInput,
    responses((status = 201, body = UnitView), (status = 409, description = "the unit code is taken", body = crate::error::ErrorEnvelope),
              (status = 422, body = crate::error::ErrorEnvelope)))]
pub async fn create(
    State(state): State<AppState>,
    admin: Require<Admins>,
    meta: RequestMeta,
    JsonBody(input): JsonBody<CreateUnitInput>,
) -> AppResult<(StatusCode, Json<UnitView>)> {
    let unit = units::create_unit(&state, Authority::User(&admin), &meta, &input).await?;
    Ok((StatusCode::CREATED, Json(UnitView::from(&unit))))
}

/// Changes a unit in the caller's scope: its contact number, printed on the notice letters of
/// the records it handles.
#[utoipa::path(patch, path = "/api/v1/units/{id}", tag = "units", request_body = UnitChange,
    params(("id" = i64, Path, description = "The unit")),
    responses((status = 200, body = UnitView), (status = 404, body = crate::error::ErrorEnvelope),
              (status = 422, body = crate::error::ErrorEnvelope)))]
pub async fn update(
    State(state): State<AppState>,
    admin: Require<Admins>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    JsonBody(change): JsonBody<UnitChange>,
) -> AppResult<Json<UnitView>> {
    let unit = units::change_unit(&state, &admin, &meta, UnitId(id), &change).await?;
    Ok(Json(UnitView::from(&unit)))
}
