//! Messages to people: a deadline job that escalates something writes one for the unit head,
//! who sees it on the overview until someone at the unit marks it read.

use chrono::{DateTime, Utc};
use roadwarden_domain::roles::Role;
use roadwarden_domain::UnitId;
use roadwarden_store::messages::{self, Message, NewMessage};
use roadwarden_store::Tx;
use serde_json::json;

use crate::auth::Principal;
use crate::context::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::services::audit::{record, Actor, Event};
use crate::services::context::ServiceContext;
use crate::views::messages::MessageView;

/// An escalation to the head of `unit`, once per kind and subject (a job that runs twice does
/// not message twice). Returns whether it was new. Written in the caller's transaction, with
/// the caller's audit entry.
pub async fn to_unit_head(
    tx: &mut Tx,
    unit: UnitId,
    kind: &str,
    rule: &str,
    subject: (&str, &str),
    detail: &str,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    Ok(messages::add(
        tx,
        &NewMessage {
            unit_id: unit,
            role: Role::UnitHead.as_str(),
            kind,
            rule,
            subject_type: subject.0,
            subject_id: subject.1,
            detail,
        },
        now,
    )
    .await?)
}

/// The unread messages for this person: those to their unit for a role they hold, or to them.
pub async fn unread(tx: &mut Tx, p: &Principal, limit: i64) -> AppResult<Vec<Message>> {
    let roles: Vec<&str> = p.roles.iter().map(|r| r.as_str()).collect();
    Ok(messages::unread_for(tx, p.user.unit_id, p.user.id, &roles, limit).await?)
}

/// The unread messages for this person, as the API answers them (at most `limit`).
pub async fn unread_views(
    ctx: &ServiceContext,
    p: &Principal,
    limit: i64,
) -> AppResult<Vec<MessageView>> {
    let mut tx = ctx.store.begin_read().await?;
    let rows = unread(&mut tx, p, limit).await?;
    drop(tx);
    Ok(rows.into_iter().map(MessageView::from).collect())
}

/// Marks a message read. Only someone it is addressed to may; anyone else gets "not found".
pub async fn mark_read(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    id: i64,
) -> AppResult<()> {
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let m = messages::get(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound("message"))?;
    let addressed = m.unit_id == p.user.unit_id.0
        && match m.user_id {
            Some(u) => u == p.user.id.0,
            None => m.role.is_empty() || p.roles.iter().any(|r| r.as_str() == m.role),
        };
    if !addressed {
        return Err(AppError::NotFound("message"));
    }
    if messages::mark_read(&mut tx, id, p.user.id, now).await? {
        record(
            &mut tx,
            &Actor::user(p, meta),
            Event {
                action: "message.read",
                object_type: "message",
                object_id: id.to_string(),
                unit_id: Some(UnitId(m.unit_id)),
                detail: json!({ "kind": m.kind, "subject": format!("{}:{}", m.subject_type, m.subject_id) }),
            },
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
