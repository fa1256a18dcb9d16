//! BWC-01..14, AUD-05, SEC-07: body-worn recorder evidence.
//!
//! `recorders` keeps the ledger; `upload` receives footage over tus and stores it write-once;
//! `library` lists it and serves it under an approved request; `access` is the request,
//! approval and export flow (`export_sheet` prints the export's PDF); `retention` holds, purges and restores; `supervision` files
//! duties and work records and finds what is missing.

pub mod access;
pub mod export_sheet;
pub mod footage_list;
pub mod library;
pub mod recorders;
pub mod retention;
pub mod supervision;
pub mod thumbnail;
pub mod upload;

use chrono_tz::Tz;
use roadwarden_domain::codes::Code;
use roadwarden_domain::evidence::retention::{self as rules, LongTermTrigger, Reasons};
use roadwarden_domain::evidence::states::ReasonKind;
use roadwarden_domain::org::UnitPath;
use roadwarden_domain::roles::Role;
use roadwarden_store::evidence::{self as store, Evidence};
use roadwarden_store::Tx;

use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::services::context::ServiceContext;

/// The person must hold one of `roles`.
pub(crate) fn require(p: &Principal, roles: &[Role], what: &str) -> AppResult<()> {
    if p.has_any(roles) {
        Ok(())
    } else {
        let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
        Err(AppError::forbidden(
            Code::RoleMissing,
            format!("{what} needs the role {}", names.join(" or ")),
        ))
    }
}

/// ORG-02: the record's unit must be inside the person's scope. Outside it, the record does
/// not exist for them (404, so ids cannot be probed).
pub(crate) fn in_scope(p: &Principal, unit_path: &str, what: &'static str) -> AppResult<()> {
    if p.covers(&UnitPath::from_stored(unit_path.to_owned())) {
        Ok(())
    } else {
        Err(AppError::NotFound(what))
    }
}

pub(crate) fn time_zone(name: &str) -> Tz {
    name.parse().unwrap_or(chrono_tz::Asia::Shanghai)
}

/// BWC-06: recomputes a file's retention from its reasons (inside the caller's transaction)
/// and stores the category and purge date. Returns the new retention.
pub(crate) async fn refresh_retention(
    ctx: &ServiceContext,
    tx: &mut Tx,
    e: &Evidence,
) -> AppResult<rules::Retention> {
    let reasons = store::reasons(tx, e.id).await?;
    let active = reasons.iter().filter(|r| r.released_at.is_none());
    let mut facts = Reasons {
        case_evidence: !e.case_ref.is_empty() || e.violation_id.is_some(),
        ..Reasons::default()
    };
    for r in active {
        match r.kind {
            ReasonKind::Hold => facts.holds += 1,
            ReasonKind::LongTerm => {
                if let Ok(t) = LongTermTrigger::parse(&r.reason_code) {
                    facts.long_term.push(t);
                }
            }
        }
    }
    let tz = unit_tz(tx, e.unit_id).await?;
    let retention = rules::retention(
        ctx.settings.evidence.retention_policy(),
        &facts,
        e.ended_at,
        tz,
    );
    store::set_retention(tx, e.id, retention.category, retention.purge_from).await?;
    Ok(retention)
}

pub(crate) async fn unit_tz(tx: &mut Tx, unit_id: i64) -> AppResult<Tz> {
    let unit = roadwarden_store::units::get(tx, roadwarden_domain::UnitId(unit_id))
        .await?
        .ok_or(AppError::NotFound("unit"))?;
    Ok(time_zone(&unit.time_zone))
}
