//! SHR-02: a partner's query, whatever the protocol (JSON over HTTP, SOAP): the key names the
//! partner, the grant must be the partner's, approved and unexpired; the store reads the
//! grant's unit and span, and the domain's one projection builds the answer. Every call —
//! answered or refused — is counted for the usage view and audited with the grant, the
//! caller, the purpose and the ids of the records returned.

use roadwarden_domain::codes::Code;
use roadwarden_domain::sharing::grant::{answer, plan, Answer, PartnerQuery};
use roadwarden_domain::sharing::Dataset;
use roadwarden_domain::{RuleViolation, UnitId};
use roadwarden_store::sharing::narrowed::{self, Narrowing};
use roadwarden_store::sharing::partners;
use roadwarden_store::Tx;
use serde_json::json;

use super::sha256_hex;
use crate::context::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::services::audit::{record, Actor, Event};
use crate::services::context::ServiceContext;

/// Which protocol carried the call, for the usage view and the audit entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    Http,
    Soap,
}

impl Protocol {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Protocol::Http => "http",
            Protocol::Soap => "soap",
        }
    }
}

/// The refusal of an unknown or inactive key.
pub fn bad_key() -> AppError {
    AppError::protocol(
        axum::http::StatusCode::UNAUTHORIZED,
        Code::SharingBadPartnerKey,
        "unknown partner key",
    )
}

/// Answers `query` under the partner's grant `grant_id`.
pub async fn query(
    ctx: &ServiceContext,
    meta: &RequestMeta,
    key: &str,
    protocol: Protocol,
    grant_id: i64,
    query: &PartnerQuery,
) -> AppResult<Answer> {
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let Some(partner) =
        partners::partner_by_key(&mut tx, &sha256_hex(key.trim().as_bytes())).await?
    else {
        let actor = Actor {
            ip: meta.ip.clone(),
            request_id: meta.request_id.clone(),
            ..Actor::named("partner")
        };
        let detail = json!({ "protocol": protocol.as_str(), "refused": Code::SharingBadPartnerKey.as_str() });
        let event = Event {
            action: "partner.refused",
            object_type: "partner",
            object_id: String::new(),
            unit_id: None,
            detail,
        };
        record(&mut tx, &actor, event, now).await?;
        tx.commit().await?;
        return Err(bad_key());
    };
    let actor = Actor {
        ip: meta.ip.clone(),
        request_id: meta.request_id.clone(),
        unit_id: Some(UnitId(partner.unit_id)),
        ..Actor::named(&format!("partner:{}", partner.id))
    };
    let grant = partners::grant(&mut tx, grant_id)
        .await?
        .filter(|g| g.partner_id == partner.id);
    let answer = match &grant {
        Some(g) => {
            // The grant's interface names its data type (SHR-03: riders share through the same
            // registry and projection); a write interface reads nothing.
            // The plan checks the query against the grant before anything is read; the
            // database narrows by it, the projection decides.
            let grant = g.grant();
            match plan(&grant, query, now) {
                Ok(p) => {
                    let n = Narrowing {
                        span: grant.span,
                        categories: &grant.categories,
                        plan: &p,
                    };
                    let found = match p.dataset {
                        Dataset::Violations => {
                            narrowed::violations(&mut tx, &g.scope_path, n).await?
                        }
                        Dataset::Riders => narrowed::riders(&mut tx, &g.scope_path, n).await?,
                        _ => Vec::new(),
                    };
                    Ok(answer(&grant, &p, found))
                }
                Err(e) => Err(e),
            }
        }
        None => Err(RuleViolation::new(
            "SHR-02",
            Code::SharingGrantNotApproved,
            "this partner holds no such grant",
        )),
    };
    let known = grant.as_ref().map(|g| g.id);
    let purpose = grant.as_ref().map(|g| g.purpose.as_str());
    let fields: Vec<&str> = query.filters.iter().map(|f| f.field.as_str()).collect();
    let (action, outcome, rows, detail) = match &answer {
        Ok(a) => (
            "partner.query",
            "ok",
            a.ids.len(),
            json!({ "grant": known, "purpose": purpose, "protocol": protocol.as_str(),
                    "filters": fields, "sort": query.sort.as_ref().map(|s| &s.field),
                    "ids": a.ids }),
        ),
        Err(e) => (
            "partner.refused",
            e.code.as_str(),
            0,
            json!({ "grant": grant_id, "purpose": purpose, "protocol": protocol.as_str(),
                    "filters": fields, "sort": query.sort.as_ref().map(|s| &s.field),
                    "refused": e.code.as_str() }),
        ),
    };
    partners::record_call(
        &mut tx,
        partner.id,
        known,
        protocol.as_str(),
        i64::try_from(rows).unwrap_or(i64::MAX),
        outcome,
        now,
    )
    .await?;
    let event = Event {
        action,
        object_type: "partner",
        object_id: partner.id.to_string(),
        unit_id: Some(UnitId(partner.unit_id)),
        detail,
    };
    record(&mut tx, &actor, event, now).await?;
    commit(tx).await?;
    Ok(answer?)
}

async fn commit(tx: Tx) -> AppResult<()> {
    tx.commit().await?;
    Ok(())
}

/// The SOAP caller names an interface (`jkid`), not a grant: the partner's newest approved
/// grant on that interface, or 0 (which the query refuses and audits) when there is none.
pub async fn grant_for(ctx: &ServiceContext, key: &str, jkid: &str) -> AppResult<i64> {
    let Some(interface) = roadwarden_domain::sharing::catalogue::INTERFACES
        .iter()
        .find(|i| !i.jkid.is_empty() && i.jkid == jkid.trim())
    else {
        return Ok(0);
    };
    let mut tx = ctx.store.begin_read().await?;
    let Some(partner) =
        partners::partner_by_key(&mut tx, &sha256_hex(key.trim().as_bytes())).await?
    else {
        return Ok(0);
    };
    Ok(partners::grants_of(&mut tx, partner.id)
        .await?
        .into_iter()
        .find(|g| {
            g.interface == interface.code
                && g.state == roadwarden_domain::sharing::GrantState::Approved
        })
        .map_or(0, |g| g.id))
}
