//! SHR-01, SHR-02, SEC-06, DAT-01: a partner's submission (`writeObjectOut`). The key names the
//! partner, the interface id (`jkid`) a write interface of the registry, and the partner's
//! approved, unexpired write grant on it says which fields it may send. What a partner sends
//! only ever becomes a request the platform's people decide: a correction of a violation's
//! facts becomes a data-modification request (DAT-01) that a head approves and the technology
//! department carries out; nothing writes a fact directly (SEC-06). A submission is all or
//! nothing. Every call, accepted or refused, is counted for the usage view and audited with the
//! grant, the caller, the purpose and the ids it created.

use roadwarden_domain::codes::Code;
use roadwarden_domain::sharing::catalogue::{self, Access};
use roadwarden_domain::sharing::grant::{check_write, in_scope, Record, Submitted};
use roadwarden_domain::sharing::Dataset;
use roadwarden_domain::{RuleViolation, UnitId, UserId};
use roadwarden_store::sharing::partners::{self, GrantRow, Partner};
use roadwarden_store::violations;
use roadwarden_store::Tx;
use serde_json::json;

use super::partner_query::{bad_key, Protocol};
use super::sha256_hex;
use crate::context::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::services::audit::{record, Actor, Event};
use crate::services::context::ServiceContext;
use crate::services::corrections::{self, CorrectionInput, FieldChange};

/// What a submission created, one line per record in the order sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    pub grant: i64,
    pub rows: Vec<AcceptedRow>,
}

/// One record as filed: a correction request (`requested`), a screened entry (`received`), or
/// a screened entry the sender had sent before (`duplicate`: the first one stands).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AcceptedRow {
    pub id: i64,
    pub state: &'static str,
}

fn refusal(code: Code, message: impl Into<String>) -> AppError {
    RuleViolation::new("SHR-02", code, message).into()
}

fn partner_actor(meta: &RequestMeta, partner: Option<&Partner>) -> Actor {
    Actor {
        ip: meta.ip.clone(),
        request_id: meta.request_id.clone(),
        unit_id: partner.map(|p| UnitId(p.unit_id)),
        ..Actor::named(
            &partner.map_or_else(|| "partner".to_owned(), |p| format!("partner:{}", p.id)),
        )
    }
}

/// Submits `rows` to the write interface `jkid` under the partner's write grant.
pub async fn write(
    ctx: &ServiceContext,
    meta: &RequestMeta,
    key: &str,
    protocol: Protocol,
    jkid: &str,
    rows: &[Submitted],
) -> AppResult<Accepted> {
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let partner = partners::partner_by_key(&mut tx, &sha256_hex(key.trim().as_bytes())).await?;
    let Some(partner) = partner else {
        let detail = json!({ "protocol": protocol.as_str(), "operation": "write",
            "jkid": registered_jkid(jkid), "refused": Code::SharingBadPartnerKey.as_str() });
        let event = Event {
            action: "partner.refused",
            object_type: "partner",
            object_id: String::new(),
            unit_id: None,
            detail,
        };
        record(&mut tx, &partner_actor(meta, None), event, now).await?;
        tx.commit().await?;
        return Err(bad_key());
    };
    let actor = partner_actor(meta, Some(&partner));
    let grant = write_grant(&mut tx, &partner, jkid).await?;
    let outcome = match &grant {
        Some(g) => submit(&mut tx, &actor, &partner, g, rows, now).await,
        None => Err(refusal(
            Code::SharingGrantNotApproved,
            format!(
                "this partner holds no approved write grant on {}",
                jkid.trim()
            ),
        )),
    };
    let known = grant.as_ref().map(|g| g.id);
    let purpose = grant.as_ref().map(|g| g.purpose.as_str());
    // Only catalogued names go into the audit entry: what a caller invents is counted, not kept.
    let catalogued = |f: &str| {
        catalogue::INTERFACES
            .iter()
            .any(|i| catalogue::find(i.dataset, f).is_some())
    };
    let fields: Vec<&str> = rows
        .iter()
        .flat_map(|r| r.iter().map(|(f, _)| f.as_str()))
        .filter(|f| catalogued(f))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let jkid = registered_jkid(jkid);
    // A refusal undoes every record of the submission, then is kept on its own.
    let mut tx = match outcome {
        Ok(_) => tx,
        Err(_) => {
            drop(tx);
            ctx.store.begin().await?
        }
    };
    let (action, result, count, detail) = match &outcome {
        Ok(done) => (
            "partner.write",
            "ok",
            done.len(),
            json!({ "grant": known, "purpose": purpose, "protocol": protocol.as_str(),
                    "jkid": jkid, "fields": fields,
                    "ids": done.iter().map(|r| r.id).collect::<Vec<_>>(),
                    "states": done.iter().map(|r| r.state).collect::<Vec<_>>() }),
        ),
        Err(e) => (
            "partner.refused",
            e.code().as_str(),
            0,
            json!({ "grant": known, "purpose": purpose, "protocol": protocol.as_str(),
                    "operation": "write", "jkid": jkid, "fields": fields,
                    "records": rows.len(), "refused": e.code().as_str() }),
        ),
    };
    partners::record_call(
        &mut tx,
        partner.id,
        known,
        protocol.as_str(),
        i64::try_from(count).unwrap_or(i64::MAX),
        result,
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
    tx.commit().await?;
    let rows = outcome?;
    Ok(Accepted {
        grant: known.unwrap_or_default(),
        rows,
    })
}

/// The interface id as the audit entry keeps it: a registered one whole, anything else only as
/// "unknown" (a caller's text is never written into the trail at its own length).
fn registered_jkid(jkid: &str) -> &str {
    let jkid = jkid.trim();
    if catalogue::INTERFACES
        .iter()
        .any(|i| !i.jkid.is_empty() && i.jkid == jkid)
    {
        jkid
    } else {
        "unknown"
    }
}

/// The partner's newest approved grant on the write interface `jkid`.
async fn write_grant(tx: &mut Tx, partner: &Partner, jkid: &str) -> AppResult<Option<GrantRow>> {
    let Some(interface) = catalogue::INTERFACES
        .iter()
        .find(|i| i.access == Access::WriteGrant && i.jkid == jkid.trim())
    else {
        return Ok(None);
    };
    let mut grants = partners::grants_of(tx, partner.id).await?;
    grants.sort_by_key(|g| std::cmp::Reverse(g.id));
    Ok(grants.into_iter().find(|g| {
        g.interface == interface.code && g.state == roadwarden_domain::sharing::GrantState::Approved
    }))
}

/// Checks the submission against the grant and files each record.
async fn submit(
    tx: &mut Tx,
    actor: &Actor,
    partner: &Partner,
    g: &GrantRow,
    rows: &[Submitted],
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<Vec<AcceptedRow>> {
    let grant = g.grant();
    match check_write(&grant, rows, now)? {
        Dataset::CorrectionRequests => {
            let ids = corrections_of(tx, actor, partner, g, rows, now).await?;
            Ok(ids
                .into_iter()
                .map(|id| AcceptedRow {
                    id,
                    state: "requested",
                })
                .collect())
        }
        Dataset::ScreenedOffenders => {
            let filed = crate::services::riders::screened::file(tx, g, rows, now).await?;
            Ok(filed
                .into_iter()
                .map(|f| AcceptedRow {
                    id: f.id,
                    state: if f.fresh { "received" } else { "duplicate" },
                })
                .collect())
        }
        other => Err(refusal(
            Code::SharingUnknownInterface,
            format!("{} is not written through an interface", other.as_str()),
        )),
    }
}

/// DAT-01: each record becomes a data-modification request on a violation in the grant's
/// scope.
async fn corrections_of(
    tx: &mut Tx,
    actor: &Actor,
    partner: &Partner,
    g: &GrantRow,
    rows: &[Submitted],
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<Vec<i64>> {
    let grant = g.grant();
    let mut ids = Vec::with_capacity(rows.len());
    for row in rows {
        let get = |name: &str| {
            row.iter()
                .find(|(f, _)| f == name)
                .map(|(_, v)| v.trim().to_owned())
        };
        let (Some(id), Some(field), Some(value), Some(reason)) = (
            get("violation_id"),
            get("field"),
            get("value"),
            get("reason"),
        ) else {
            return Err(refusal(
                Code::SharingUnknownField,
                "a correction request gives violation_id, field, value and reason",
            ));
        };
        let id: i64 = id
            .parse()
            .map_err(|_| refusal(Code::SharingBadFilter, "violation_id is a number"))?;
        // A record outside the grant's scope is "not found", like one that does not exist.
        let v = violations::get(tx, id)
            .await?
            .filter(|v| {
                in_scope(
                    &grant,
                    &Record {
                        id: v.id,
                        unit_path: v.unit_path.clone(),
                        at: v.occurred_at,
                        category: v.violation_code.clone(),
                        values: Default::default(),
                    },
                )
            })
            .ok_or(AppError::NotFound("violation"))?;
        let input = CorrectionInput::one(v.id, vec![FieldChange { field, value }], reason);
        ids.push(
            corrections::request_from_partner(
                tx,
                actor,
                &v,
                &input,
                UserId(g.created_by),
                partner.id,
                now,
            )
            .await?,
        );
    }
    Ok(ids)
}
