//! The footage list over the API (BWC-11): the same search, sort, pages and unit scope as the
//! `/evidence` page, each read recorded (SEC-05). It replaces `GET /api/v1/evidence`, which
//! answers one day at most 500 files unsorted.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

use crate::auth::Require;
use crate::context::RequestMeta;
use crate::edge::{ListQuery, Path, Query, RecordId};
use crate::error::AppResult;
use crate::policy::FootageBrowsers;
use crate::services::evidence::footage_list::{self, FootageListQuery};
use crate::services::evidence::thumbnail;
use crate::state::AppState;
use crate::views::captures::views;
use crate::views::lists::FootageListView;

/// The footage list's query (all text, so a bad value is a 422 naming its field).
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct FootageQuery {
    /// Part of an officer's name or account, or of a recorder's number.
    pub search: Option<String>,
    /// First day, YYYY-MM-DD, in your unit's time zone.
    pub from: Option<String>,
    /// Last day, YYYY-MM-DD, in your unit's time zone.
    pub to: Option<String>,
    /// A unit inside your scope: its footage and that of the units below it.
    pub unit_id: Option<String>,
    /// The officer who recorded it.
    pub officer_id: Option<String>,
    /// A case reference, exactly.
    pub case_ref: Option<String>,
    /// `general`, `case_evidence`, `long_term` or `legal_hold`.
    pub category: Option<String>,
    /// `kept` (default: all), `purged` or `destroyed`.
    pub state: Option<String>,
    /// `time` (default), `officer`, `unit` or `category`.
    pub sort: Option<String>,
    /// `asc` or `desc` (default).
    pub dir: Option<String>,
    /// The page, from 1.
    pub page: Option<String>,
    /// Rows per page, 1 to 200 (default 50).
    pub per_page: Option<String>,
}

impl From<FootageQuery> for FootageListQuery {
    fn from(q: FootageQuery) -> Self {
        FootageListQuery {
            list: ListQuery {
                search: q.search,
                from: q.from,
                to: q.to,
                sort: q.sort,
                dir: q.dir,
                page: q.page,
                per_page: q.per_page,
                application: None,
            },
            unit_id: q.unit_id,
            officer_id: q.officer_id,
            case_ref: q.case_ref,
            category: q.category,
            state: q.state,
            day: None,
        }
    }
}

/// A page of the footage in your scope; `X-Total-Count` says how many match (a count past
/// 10,000 reads as 10,001). A photo you hold a live approval to view carries its thumbnail.
#[utoipa::path(get, path = "/api/v1/footage", tag = "evidence", params(FootageQuery), responses((status = 200, body = Vec<FootageListView>, headers(("X-Total-Count" = i64, description = "Matching files, up to 10,001"))), (status = 422)))]
pub async fn list_footage(
    State(state): State<AppState>,
    user: Require<FootageBrowsers>,
    meta: RequestMeta,
    Query(q): Query<FootageQuery>,
) -> AppResult<Response> {
    let q = FootageListQuery::from(q).parse()?;
    let page = footage_list::list_in_scope(&state, &user, &meta, &q).await?;
    Ok((
        [("x-total-count", page.total.to_string())],
        Json(views::<_, FootageListView>(page.rows)),
    )
        .into_response())
}

/// A photo's thumbnail (at most 192 px on its longer side, JPEG), under the same live
/// approval as the player; each viewing is recorded (BWC-08).
#[utoipa::path(get, path = "/api/v1/evidence/{id}/thumbnail", tag = "evidence", params(("id" = i64, Path, description = "The photo")),
    responses((status = 200, description = "a small JPEG", content_type = "image/jpeg"), (status = 404, description = "no such photo, or not a picture"), (status = 422, description = "no approved request")))]
pub async fn thumbnail(
    State(state): State<AppState>,
    user: Require<FootageBrowsers>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
) -> AppResult<Response> {
    let jpeg = thumbnail::of_photo(&state, &user, &meta, id).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/jpeg"),
            (header::CACHE_CONTROL, "private, no-store"),
        ],
        jpeg,
    )
        .into_response())
}
