//! DEV-04: the published list of fixed devices (place, violation types, start date), for
//! anyone, in the unit's language, without internal fields; and NOT-02a: the owner's lookup
//! with the VIN tail in a JSON body, so it stays out of URLs and the logs that keep them.

use axum::extract::State;
use axum::Json;
use serde::Deserialize;

use crate::context::RequestMeta;
use crate::edge::{JsonBody, Query};
use crate::error::AppResult;
use crate::services::captures::public_lookup::{self, PublicRecord};
use crate::services::devices::public::{published, PublicList, PublicQuery};
// The public report form lists violation types the same way (api/public_reports.rs).
pub use crate::services::devices::public::PublicViolation;
use crate::state::AppState;

/// The public JSON feed (no sign-in).
#[utoipa::path(get, path = "/api/v1/public/devices", tag = "public", params(PublicQuery), security(()), responses((status = 200, body = PublicList), (status = 404, description = "no such unit")))]
pub async fn feed(
    State(state): State<AppState>,
    Query(q): Query<PublicQuery>,
) -> AppResult<Json<PublicList>> {
    Ok(Json(published(&state, &q).await?))
}

/// The owner's proof: the plate and the last six characters of the vehicle identification
/// number. Sent in the body so the VIN tail never sits in a URL.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublicLookup {
    /// The plate number, as printed (e.g. `浙E12345`, `74A-234.56`).
    #[schema(max_length = 20, example = "浙E12345")]
    pub plate: String,
    /// The last 6 characters of the vehicle identification number.
    #[schema(min_length = 6, max_length = 6, example = "023456")]
    pub vin_tail: String,
    /// The language of the answer's texts: `zh-CN` (default), `en` or `vi`.
    #[schema(example = "zh-CN")]
    pub lang: Option<String>,
}

/// NOT-02a: an owner's records, by plate and the last 6 characters of the VIN, sent as JSON.
/// Use this rather than the GET form, which puts the VIN tail in the URL.
#[utoipa::path(post, path = "/api/v1/public/violations", tag = "public", request_body = PublicLookup, security(()),
    responses((status = 200, body = Vec<PublicRecord>), (status = 404, description = "no record for this plate and VIN tail"),
              (status = 422, description = "a field is missing or malformed"),
              (status = 429, description = "too many failed attempts for this plate; try again later")))]
pub async fn lookup(
    State(state): State<AppState>,
    meta: RequestMeta,
    JsonBody(q): JsonBody<PublicLookup>,
) -> AppResult<Json<Vec<PublicRecord>>> {
    let lang = q.lang.as_deref().unwrap_or("zh-CN");
    Ok(Json(
        public_lookup::public_lookup(&state, &meta, &q.plate, &q.vin_tail, lang).await?,
    ))
}
