//! SHR-02: the partner interface over JSON. The caller is a partner, named by its key in
//! `X-Partner-Key` (no account, no session); the service answers through the grant's one
//! projection and audits the call.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;
use roadwarden_domain::sharing::grant::{Filter, FilterOp, PartnerQuery, Sort, Submitted};
use roadwarden_domain::FieldError;
use serde::{Deserialize, Serialize};

use crate::context::RequestMeta;
use crate::edge::JsonBody;
use crate::error::AppResult;
use crate::services::sharing::partner_query::{self, Protocol};
use crate::services::sharing::partner_write;
use crate::state::AppState;
use crate::views::sharing::PartnerAnswerView;

/// The caller's key from `X-Partner-Key`; none is an unknown partner (401).
fn partner_key(headers: &HeaderMap) -> AppResult<&str> {
    headers
        .get("x-partner-key")
        .and_then(|v| v.to_str().ok())
        .filter(|k| !k.is_empty())
        .ok_or_else(partner_query::bad_key)
}

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
    let key = partner_key(&headers)?;
    let q = input.query()?;
    let answer = partner_query::query(&state, &meta, key, Protocol::Http, input.grant, &q).await?;
    Ok(Json(PartnerAnswerView::new(input.grant, answer)))
}

/// A partner's submission to a write interface (the JSON twin of SOAP `writeObjectOut`).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartnerWriteInput {
    /// The write interface's id: 04W01 (correction requests) or 04W02 (screened offenders).
    pub jkid: String,
    /// 1 to 100 records, each an object of the grant's fields with text values.
    pub records: Vec<std::collections::BTreeMap<String, String>>,
}

/// One record as filed.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PartnerWriteRow {
    pub id: i64,
    /// requested (a correction request), received (a screened entry), or duplicate (the
    /// sender had sent this reference before; the first entry stands).
    pub state: String,
}

/// What the platform kept, in the order sent: the sender reads back every id.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PartnerWriteAnswer {
    pub grant: i64,
    pub rows: Vec<PartnerWriteRow>,
}

/// SHR-01, SHR-02, SHR-04, SEC-06: a partner submits records to a write interface under its
/// approved write grant, all or nothing. A correction becomes a data-modification request
/// (DAT-01), never a direct write; a screened offender (SHR-04) waits for an e-bike officer.
/// A field outside the grant, a bad value or a record outside the grant's scope refuses the
/// whole submission with its code; every call is audited.
#[utoipa::path(post, path = "/api/v1/partner/write", tag = "sharing", request_body = PartnerWriteInput,
    params(("X-Partner-Key" = String, Header, description = "The partner's key")),
    responses((status = 200, body = PartnerWriteAnswer), (status = 401, description = "unknown partner key"),
        (status = 404, description = "a record outside the grant's scope"), (status = 422)))]
pub async fn write(
    State(state): State<AppState>,
    meta: RequestMeta,
    headers: HeaderMap,
    JsonBody(input): JsonBody<PartnerWriteInput>,
) -> AppResult<Json<PartnerWriteAnswer>> {
    let key = partner_key(&headers)?;
    let rows: Vec<Submitted> = input
        .records
        .into_iter()
        .map(|r| r.into_iter().collect())
        .collect();
    let done = partner_write::write(&state, &meta, key, Protocol::Http, &input.jkid, &rows).await?;
    Ok(Json(PartnerWriteAnswer {
        grant: done.grant,
        rows: done
            .rows
            .into_iter()
            .map(|r| PartnerWriteRow {
                id: r.id,
                state: r.state.to_owned(),
            })
            .collect(),
    }))
}
