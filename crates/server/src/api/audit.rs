//! `/api/v1/audit`: the audit trail, filtered by who, what object and when, under scope.

use axum::extract::State;
use axum::Json;

use crate::auth::Require;
use crate::edge::Query;
use crate::error::AppResult;
use crate::policy::AuditReaders;
use crate::services::audit::{self, AuditQuery};
use crate::state::AppState;
use crate::views::audit::AuditEntryView;

/// Audit entries about units in the caller's scope, newest first.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = Vec<AuditEntryView>)))]
pub async fn list(
    State(state): State<AppState>,
    reader: Require<AuditReaders>,
    meta: crate::context::RequestMeta,
    Query(q): Query<AuditQuery>,
) -> AppResult<Json<Vec<AuditEntryView>>> {
    let (filter, limit) = q.filter()?;
    let found = audit::search(&state, &reader, &meta, &filter, limit).await?;
    Ok(Json(found.into_iter().map(AuditEntryView::from).collect()))
}
