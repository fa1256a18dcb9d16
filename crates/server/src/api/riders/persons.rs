//! RID-05, RID-06, SEC-08: rider files (read for a purpose, audited) and the identity acts.

use axum::extract::State;
use axum::response::Response;
use axum::Json;
use roadwarden_domain::rider::RiderTier;
use roadwarden_domain::FieldError;
use serde::Deserialize;

use crate::auth::Require;
use crate::context::RequestMeta;
use crate::edge::{paging, search_text, JsonBody, Path, Query, RecordId};
use crate::error::AppResult;
use crate::policy::{RiderOfficers, RiderReaders};
use crate::services::riders::acts::{self, ConfirmPerson, MergeInput, SplitInput};
use crate::services::riders::persons::{self, PhotoKind, RiderQuery};
use crate::services::riders::Purpose;
use crate::state::AppState;
use crate::views::riders::{ActOutcome, MatchQueue, RiderFile, RiderList};

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct RiderListQuery {
    /// SEC-08, required: traffic_order, enforcement, traffic_management or public_security.
    pub purpose: Option<String>,
    /// clear, occasional, frequent or incorrigible; all when absent.
    pub tier: Option<String>,
    /// true: provisional files only; false: confirmed ones only.
    pub provisional: Option<String>,
    /// Part of a name, ID number, phone, village or employer.
    pub search: Option<String>,
    pub limit: Option<String>,
    pub offset: Option<String>,
}

fn yes_no(field: &'static str, raw: Option<&str>) -> AppResult<Option<bool>> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some("true" | "1") => Ok(Some(true)),
        Some("false" | "0") => Ok(Some(false)),
        Some(_) => Err(FieldError::new(field, "must be true or false").into()),
    }
}

/// RID-06, SEC-08: the files of the reader's units by tier, with search. Refused without a
/// purpose; every read is audited with it. Phone numbers only for officers and grid workers.
#[utoipa::path(get, path = "/api/v1/riders", tag = "riders", params(RiderListQuery),
    responses((status = 200, body = RiderList), (status = 403), (status = 422, description = "no purpose (SEC-08) or a bad parameter")))]
pub async fn list(
    State(state): State<AppState>,
    user: Require<RiderReaders>,
    meta: RequestMeta,
    Query(q): Query<RiderListQuery>,
) -> AppResult<Json<RiderList>> {
    let purpose = Purpose::named(q.purpose.as_deref())?;
    let tier = match q.tier.as_deref().filter(|s| !s.is_empty()) {
        Some(t) => Some(RiderTier::parse(t)?),
        None => None,
    };
    let (limit, offset) = paging(q.limit.as_deref(), q.offset.as_deref(), 200)?;
    let query = RiderQuery {
        tier,
        provisional: yes_no("provisional", q.provisional.as_deref())?,
        search: search_text(q.search.as_deref())?,
        limit,
        offset,
    };
    Ok(Json(
        persons::list(&state, &user, &meta, purpose, &query).await?,
    ))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct PurposeQuery {
    /// SEC-08, required: traffic_order, enforcement, traffic_management or public_security.
    pub purpose: Option<String>,
}

/// RID-06, RID-08, SEC-08: one file: identity, tier with its reason, events, tasks,
/// measures and timeline. Refused without a purpose; audited.
#[utoipa::path(get, path = "/api/v1/riders/{id}", tag = "riders", params(("id" = i64, Path, description = "The file"), PurposeQuery),
    responses((status = 200, body = RiderFile), (status = 403), (status = 404, description = "no such file in your units"), (status = 422)))]
pub async fn show(
    State(state): State<AppState>,
    user: Require<RiderReaders>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    Query(q): Query<PurposeQuery>,
) -> AppResult<Json<RiderFile>> {
    let purpose = Purpose::named(q.purpose.as_deref())?;
    Ok(Json(
        persons::file(&state, &user, &meta, id, purpose).await?,
    ))
}

/// SEC-08, SEC-10: an event's photo (`face` for e-bike officers only, or `scene`), for a
/// purpose; audited.
#[utoipa::path(get, path = "/api/v1/rider-events/{id}/photos/{kind}", tag = "riders",
    params(("id" = i64, Path, description = "The event"), ("kind" = String, Path, description = "face or scene"), PurposeQuery),
    responses((status = 200, content_type = "image/jpeg"), (status = 403), (status = 404), (status = 422)))]
pub async fn photo(
    State(state): State<AppState>,
    user: Require<RiderReaders>,
    meta: RequestMeta,
    Path(params): Path<(RecordId, String)>,
    Query(q): Query<PurposeQuery>,
) -> AppResult<Response> {
    let (RecordId(id), kind) = params;
    let kind = PhotoKind::parse(&kind)?;
    let purpose = Purpose::named(q.purpose.as_deref())?;
    let bytes = persons::photo(&state, &user, &meta, id, kind, purpose).await?;
    Ok(super::jpeg(bytes))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct QueueQuery {
    /// SEC-08, required.
    pub purpose: Option<String>,
    /// At most 200; 50 when absent.
    pub limit: Option<String>,
}

/// RID-05, RID-06: the uncertain matches from the officer's units, oldest first, each with
/// the file it probably belongs to.
#[utoipa::path(get, path = "/api/v1/rider-matches", tag = "riders", params(QueueQuery),
    responses((status = 200, body = MatchQueue), (status = 403), (status = 422)))]
pub async fn queue(
    State(state): State<AppState>,
    user: Require<RiderOfficers>,
    meta: RequestMeta,
    Query(q): Query<QueueQuery>,
) -> AppResult<Json<MatchQueue>> {
    let purpose = Purpose::named(q.purpose.as_deref())?;
    let (limit, _) = paging(q.limit.as_deref(), None, 200)?;
    Ok(Json(
        persons::queue(&state, &user, &meta, purpose, limit).await?,
    ))
}

/// RID-05: confirms an uncertain match; the file's tier is recomputed (only now may it rise).
#[utoipa::path(post, path = "/api/v1/rider-events/{id}/confirm", tag = "riders", params(("id" = i64, Path, description = "The event")),
    responses((status = 200, body = ActOutcome), (status = 403), (status = 404), (status = 422, description = "not an uncertain match (RID-06)")))]
pub async fn confirm_match(
    State(state): State<AppState>,
    user: Require<RiderOfficers>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
) -> AppResult<Json<ActOutcome>> {
    Ok(Json(acts::confirm_match(&state, &user, &meta, id).await?))
}

/// RID-06: "not this person": the event leaves the file and its face never joins it again.
#[utoipa::path(post, path = "/api/v1/rider-events/{id}/reject", tag = "riders", params(("id" = i64, Path, description = "The event")),
    responses((status = 200, body = ActOutcome), (status = 403), (status = 404), (status = 422, description = "the event is in no file (RID-06)")))]
pub async fn reject_match(
    State(state): State<AppState>,
    user: Require<RiderOfficers>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
) -> AppResult<Json<ActOutcome>> {
    Ok(Json(acts::reject_match(&state, &user, &meta, id).await?))
}

/// RID-05: confirms who a provisional file is (ID number checked by the unit's country).
#[utoipa::path(post, path = "/api/v1/riders/{id}/confirm", tag = "riders", params(("id" = i64, Path, description = "The file")),
    request_body = ConfirmPerson,
    responses((status = 200, body = ActOutcome), (status = 403), (status = 404), (status = 409, description = "that ID number has a file: merge into it"), (status = 422)))]
pub async fn confirm_person(
    State(state): State<AppState>,
    user: Require<RiderOfficers>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    JsonBody(input): JsonBody<ConfirmPerson>,
) -> AppResult<Json<ActOutcome>> {
    Ok(Json(
        acts::confirm_person(&state, &user, &meta, id, &input).await?,
    ))
}

/// RID-06: merges a provisional file into another.
#[utoipa::path(post, path = "/api/v1/riders/merge", tag = "riders", request_body = MergeInput,
    responses((status = 200, body = ActOutcome), (status = 403), (status = 404), (status = 422)))]
pub async fn merge(
    State(state): State<AppState>,
    user: Require<RiderOfficers>,
    meta: RequestMeta,
    JsonBody(input): JsonBody<MergeInput>,
) -> AppResult<Json<ActOutcome>> {
    Ok(Json(acts::merge(&state, &user, &meta, &input).await?))
}

/// RID-06: splits events off a file into a new provisional file.
#[utoipa::path(post, path = "/api/v1/riders/{id}/split", tag = "riders", params(("id" = i64, Path, description = "The file")),
    request_body = SplitInput,
    responses((status = 200, body = ActOutcome), (status = 403), (status = 404), (status = 422)))]
pub async fn split(
    State(state): State<AppState>,
    user: Require<RiderOfficers>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    JsonBody(input): JsonBody<SplitInput>,
) -> AppResult<Json<ActOutcome>> {
    Ok(Json(acts::split(&state, &user, &meta, id, &input).await?))
}

#[utoipa::path(post, path = "/api/v1/rider-outside-requests/{id}/requeue", tag = "riders",
    params(("id" = i64, Path, description = "The outside request, failed")),
    responses((status = 200, body = crate::views::outside::OutsideRequestView), (status = 403),
        (status = 404, description = "no such request in your units"),
        (status = 422, description = "the request has not failed (`rider.outside_not_failed`)")))]
pub async fn requeue_outside(
    State(state): State<AppState>,
    user: Require<RiderOfficers>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
) -> AppResult<Json<crate::views::outside::OutsideRequestView>> {
    Ok(Json(
        crate::services::outside::requeue(&state, &user, &meta, id).await?,
    ))
}
