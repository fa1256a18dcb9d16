//! SHR-02: the partner interface over JSON. The caller is a partner, named by its key in
//! `X-Partner-Key` (no account, no session); the service answers through the grant's one
//! projection and audits the call.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;
use roadwarden_domain::sharing::grant::{Filter, FilterOp, PartnerQuery, Sort};
use roadwarden_domain::FieldError;
use serde::Deserialize;

use crate::context::RequestMeta;
use crate::edge::JsonBody;
use crate::error::AppResult;
use crate::services::sharing::partner_query::{self, Protocol};
use crate::state::AppState;
use crate::views::sharing::PartnerAnswerView;

/// One query condition on a granted, unmasked field.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FilterInput {
    pub field: String,
    /// eq, prefix (text), from or to (numbers and times, inclusive).
    pub op: String,
    pub value: String,
}

/// The order, on a granted, unmasked field.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SortInput {
    pub field: String,
    #[serde(default)]
    pub descending: bool,
}

/// A partner's query under one of its grants.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartnerQueryInput {
    pub grant: i64,
    #[serde(default)]
    pub filters: Vec<FilterInput>,
    #[serde(default)]
    pub sort: Option<SortInput>,
    /// At most 500 rows; 100 when absent.
    #[serde(default)]
    pub limit: Option<u32>,
}

impl PartnerQueryInput {
    /// The conditions in the domain's terms; an unknown comparison is a 422 naming it.
    pub fn query(&self) -> Result<PartnerQuery, FieldError> {
        let filters = self
            .filters
            .iter()
            .map(|f| {
                let op = match f.op.trim() {
                    "eq" => FilterOp::Eq,
                    "prefix" => FilterOp::Prefix,
                    "from" => FilterOp::From,
                    "to" => FilterOp::To,
                    _ => return Err(FieldError::new("op", "is eq, prefix, from or to")),
                };
                Ok(Filter {
                    field: f.field.trim().to_owned(),
                    op,
                    value: f.value.clone(),
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(PartnerQuery {
            filters,
            sort: self.sort.as_ref().map(|s| Sort {
                field: s.field.trim().to_owned(),
                descending: s.descending,
            }),
            limit: self.limit,
        })
    }
}

/// SHR-02: answers a partner's query with the fields its grant allows, masked as granted. A
/// field outside the grant (or masked) can be neither returned nor filtered or sorted on; an
/// expired, revoked or unknown grant is refused with its code. Every call is audited with the
/// grant, the partner, the purpose and the ids of the records returned.
#[utoipa::path(post, path = "/api/v1/partner/query", tag = "sharing", request_body = PartnerQueryInput,
    params(("X-Partner-Key" = String, Header, description = "The partner's key")),
    responses((status = 200, body = PartnerAnswerView), (status = 401, description = "unknown partner key"), (status = 422)))]
pub async fn query(
    State(state): State<AppState>,
    meta: RequestMeta,
    headers: HeaderMap,
    JsonBody(input): JsonBody<PartnerQueryInput>,
) -> AppResult<Json<PartnerAnswerView>> {
    let key = headers
        .get("x-partner-key")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if key.is_empty() {
        return Err(partner_query::bad_key());
    }
    let q = input.query()?;
    let answer = partner_query::query(&state, &meta, key, Protocol::Http, input.grant, &q).await?;
    Ok(Json(PartnerAnswerView::new(input.grant, answer)))
}
