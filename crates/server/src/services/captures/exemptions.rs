//! The exemption list (REV-03(4), REV-04): vehicles that may pass a unit's cameras, kept by
//! its supervisors and unit heads and read under scope (its reads are recorded: which vehicles
//! may pass is sensitive).

use chrono::{DateTime, Utc};
use roadwarden_domain::capture::intake::ExemptionKind;
use roadwarden_domain::capture::plate::query_key;
use roadwarden_domain::device::text;
use roadwarden_domain::FieldError;
use roadwarden_store::captures::{self, ExemptionRow};
use serde::Deserialize;
use serde_json::json;

use crate::auth::Principal;
use crate::context::RequestMeta;
use crate::error::AppResult;
use crate::services::audit::{record, record_list_read, Actor, Event};
use crate::services::context::ServiceContext;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExemptionInput {
    pub plate: String,
    /// emergency or permitted.
    pub kind: String,
    pub valid_from: DateTime<Utc>,
    pub valid_until: Option<DateTime<Utc>>,
    #[serde(default)]
    pub note: String,
}

/// The exemptions of this person's units.
pub async fn list(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
) -> AppResult<Vec<ExemptionRow>> {
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let rows = captures::exemptions_in_scope(&mut tx, p.scope()).await?;
    // SEC-05: which vehicles may pass is sensitive.
    record_list_read(
        &mut tx,
        p,
        meta,
        "exemption.list",
        "exemption",
        json!({ "count": rows.len() }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(rows)
}

/// Lists a vehicle that may pass, in the person's own unit; returns its id.
pub async fn add(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    input: &ExemptionInput,
) -> AppResult<i64> {
    let kind = ExemptionKind::parse(&input.kind)?;
    let key = query_key(&input.plate)?;
    if input.valid_until.is_some_and(|u| u <= input.valid_from) {
        return Err(FieldError::new("valid_until", "must be after valid_from").into());
    }
    let note = text("note", &input.note, 200, false)?;
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let id = captures::add_exemption(
        &mut tx,
        p.user.unit_id,
        p.scope(),
        &key,
        kind,
        input.valid_from,
        input.valid_until,
        &note,
        Some(p.user.id),
        now,
    )
    .await?;
    record(
        &mut tx,
        &Actor::user(p, meta),
        Event {
            action: "exemption.add",
            object_type: "exemption",
            object_id: id.to_string(),
            unit_id: Some(p.user.unit_id),
            detail: json!({ "plate": key, "kind": kind.as_str() }),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}
