//! `/api/v1/units`: the unit tree under the caller's scope (ORG-01..05).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use roadwarden_domain::org::{Level, UnitKind};
use roadwarden_domain::UnitId;
use roadwarden_store::units::{Unit, UnitFilter};
use serde::{Deserialize, Serialize};

use super::Page;
use crate::auth::{CurrentUser, Require};
use crate::context::RequestMeta;
use crate::edge::{paging, JsonBody, Query};
use crate::error::AppResult;
use crate::policy::Admins;
use crate::services::units::{self, CreateUnitInput};
use crate::services::Authority;
use crate::state::AppState;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UnitView {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub code: String,
    pub name: String,
    pub level: String,
    pub kind: String,
    pub country: String,
    pub time_zone: String,
    pub depth: usize,
    pub created_at: DateTime<Utc>,
}

impl From<&Unit> for UnitView {
    fn from(u: &Unit) -> Self {
        Self {
            id: u.id.0,
            parent_id: u.parent_id.map(|p| p.0),
            code: u.code.clone(),
            name: u.name.clone(),
            level: u.level.as_str().into(),
            kind: u.kind.as_str().into(),
            country: u.country.code().into(),
            time_zone: u.time_zone.clone(),
            depth: u.path.depth(),
            created_at: u.created_at,
        }
    }
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct UnitQuery {
    pub search: Option<String>,
    pub level: Option<String>,
    pub kind: Option<String>,
    pub limit: Option<String>,
    pub offset: Option<String>,
}

impl UnitQuery {
    pub fn filter(&self) -> AppResult<UnitFilter> {
        let nonempty =
            |v: &Option<String>| v.as_deref().filter(|s| !s.is_empty()).map(str::to_owned);
        Ok(UnitFilter {
            search: crate::edge::search_text(self.search.as_deref())?,
            level: nonempty(&self.level)
                .map(|l| Level::parse(&l))
                .transpose()?,
            kind: nonempty(&self.kind)
                .map(|k| UnitKind::parse(&k))
                .transpose()?,
        })
    }
}

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
    responses((status = 200, body = UnitView), (status = 404, body = crate::error::ErrorEnvelope)))]
pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Json<UnitView>> {
    let unit = units::get_unit(&state, &user, UnitId::parse(&id)?).await?;
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
