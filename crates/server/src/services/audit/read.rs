//! Reading the audit trail under unit scope (ORG-02); a search is itself recorded (SEC-05).

use roadwarden_store::audit::{self, AuditFilter, AuditListItem};
use roadwarden_store::Tx;

use super::write::{record, Actor, Event};
use crate::auth::Principal;
use crate::context::RequestMeta;
use crate::error::AppResult;
use crate::services::context::ServiceContext;

/// ORG-02 and SEC-05: who reads the installation's own entries (those about no unit: jobs,
/// sign-in failures of unknown names, anonymous refusals). Every entry about a unit carries
/// it and is read under unit scope; the installation's entries belong to whoever operates the
/// installation: the holders of its root when it holds a single tree, and only the usernames
/// named in `audit.installation_auditors` when it holds several (two countries' trees on one
/// platform: neither country's operators read the other's, nor the shared ones).
pub async fn reads_installation_entries(
    ctx: &ServiceContext,
    tx: &mut Tx,
    principal: &Principal,
) -> AppResult<bool> {
    if !principal.at_root() {
        return Ok(false);
    }
    if ctx
        .settings
        .audit
        .installation_auditors
        .contains(&principal.user.username)
    {
        return Ok(true);
    }
    Ok(roadwarden_store::units::root_count(tx).await? <= 1)
}

/// The audit trail as this person may see it: entries about units in their scope.
pub async fn list(
    ctx: &ServiceContext,
    principal: &Principal,
    filter: &AuditFilter,
    limit: i64,
) -> AppResult<Vec<AuditListItem>> {
    let mut tx = ctx.store.begin_read().await?;
    let installation = reads_installation_entries(ctx, &mut tx, principal).await?;
    Ok(audit::list(
        &mut tx,
        principal.scope(),
        installation,
        filter,
        limit.clamp(1, 500),
    )
    .await?)
}

/// A search of the audit trail, itself recorded: the trail holds addresses and names, and
/// who looked at it is part of the record.
pub async fn search(
    ctx: &ServiceContext,
    principal: &Principal,
    meta: &RequestMeta,
    filter: &AuditFilter,
    limit: i64,
) -> AppResult<Vec<AuditListItem>> {
    let found = list(ctx, principal, filter, limit).await?;
    let mut tx = ctx.store.begin().await?;
    record(
        &mut tx,
        &Actor::user(principal, meta),
        Event {
            action: "audit.search",
            object_type: "audit",
            object_id: String::new(),
            unit_id: Some(principal.user.unit_id),
            detail: serde_json::json!({
                "actor": filter.actor, "action": filter.action, "object_type": filter.object_type,
                "object_id": filter.object_id, "from": filter.from, "to": filter.to,
                "returned": found.len(),
            }),
        },
        ctx.clock.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(found)
}
