//! DAT-01: files added to a request after it was filed (a scan that arrived later), by the one
//! who asked, while the request still waits for the head's decision: the head decides on
//! everything that will be kept with it, and nothing is added after. The request's limit on
//! files holds over all of them. Audited with each file's SHA-256.

use roadwarden_domain::capture::correction::{self as rule, CorrectionState};
use roadwarden_domain::codes::Code;
use roadwarden_domain::{FieldError, RuleViolation, UnitId};
use roadwarden_store::corrections;
use serde_json::json;

use super::attachments::{self, NewFile};
use super::{filed, in_scope, Filed};
use crate::auth::Principal;
use crate::context::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::services::audit::{record, Actor, Event};
use crate::services::context::ServiceContext;

/// DAT-01: the requester adds `files` to request `id` while it awaits approval.
pub async fn add_files(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    id: i64,
    files: Vec<NewFile>,
) -> AppResult<Filed> {
    if files.is_empty() {
        return Err(FieldError::new("files", "add at least one file").into());
    }
    let files = attachments::check(files)?;
    let now = ctx.clock.now();
    // Who, which request and how many are checked before a file is stored (write-once).
    {
        let mut tx = ctx.store.begin_read().await?;
        let c = in_scope(&mut tx, p, id).await?;
        allowed(p, &c)?;
        let held = corrections::attachments(&mut tx, id).await?.len();
        within_limit(held, files.len())?;
    }
    let stored = attachments::store(ctx, files).await?;
    let mut tx = ctx.store.begin().await?;
    // Checked again under the write: the head may have decided, or another upload landed.
    let c = in_scope(&mut tx, p, id).await?;
    allowed(p, &c)?;
    let now_held = corrections::attachments(&mut tx, id).await?.len();
    within_limit(now_held, stored.len())?;
    let hashes = attachments::note(&mut tx, id, now_held, &stored, p.user.id, now).await?;
    record(
        &mut tx,
        &Actor::user(p, meta),
        Event {
            action: "correction.attach",
            object_type: "correction",
            object_id: id.to_string(),
            unit_id: Some(UnitId(c.unit_id)),
            detail: json!({ "rule": "DAT-01", "attachments": hashes }),
        },
        now,
    )
    .await?;
    let out = filed(&mut tx, id).await?;
    tx.commit().await?;
    Ok(out)
}

/// Only the requester adds files, and only before the head decides.
fn allowed(p: &Principal, c: &corrections::Correction) -> AppResult<()> {
    if c.requested_by != p.user.id.0 {
        return Err(AppError::forbidden(
            Code::RoleMissing,
            "only the one who asked adds files to a request",
        ));
    }
    if c.state != CorrectionState::Requested {
        return Err(RuleViolation::new(
            "DAT-01",
            Code::CorrectionNotPending,
            "files are added only while the request awaits the head's decision",
        )
        .into());
    }
    Ok(())
}

fn within_limit(held: usize, adding: usize) -> AppResult<()> {
    if held + adding > rule::MAX_ATTACHMENTS {
        return Err(FieldError::new(
            "files",
            format!(
                "a request holds at most {} files; it has {held}",
                rule::MAX_ATTACHMENTS
            ),
        )
        .into());
    }
    Ok(())
}
