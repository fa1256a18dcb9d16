//! Writing audit entries (SEC-05). A leaf: the capture committer writes through it, so it
//! must not reach the service context.

use chrono::{DateTime, Utc};
use roadwarden_domain::audit::AuditEntry;
use roadwarden_domain::{UnitId, UserId};
use roadwarden_store::audit::{self, NewAuditEntry};
use roadwarden_store::Tx;

use crate::auth::Principal;
use crate::context::RequestMeta;
use crate::error::AppResult;
use crate::services::authority::Authority;

/// Who did it, from where.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<UserId>,
    pub name: String,
    pub unit_id: Option<UnitId>,
    pub ip: String,
    pub request_id: String,
}

impl Actor {
    pub fn of(authority: Authority<'_>, meta: &RequestMeta) -> Self {
        match authority {
            Authority::User(p) => Self::user(p, meta),
            Authority::Operator => Self::cli(),
        }
    }

    pub fn user(p: &Principal, meta: &RequestMeta) -> Self {
        Self {
            user_id: Some(p.user.id),
            name: p.user.username.clone(),
            unit_id: Some(p.user.unit_id),
            ip: meta.ip.clone(),
            request_id: meta.request_id.clone(),
        }
    }

    /// A member of the public on the public pages: no account, only the address.
    pub fn of_public(meta: &RequestMeta) -> Self {
        Self {
            ip: meta.ip.clone(),
            request_id: meta.request_id.clone(),
            ..Self::named("public")
        }
    }

    pub fn cli() -> Self {
        Self::named("cli")
    }

    pub fn system() -> Self {
        Self::named("system")
    }

    pub fn named(name: &str) -> Self {
        Self {
            user_id: None,
            name: name.into(),
            unit_id: None,
            ip: String::new(),
            request_id: String::new(),
        }
    }
}

/// What an entry is about.
pub struct Event<'a> {
    pub action: &'a str,
    pub object_type: &'a str,
    pub object_id: String,
    /// The unit whose data this concerns (decides who may read the entry).
    pub unit_id: Option<UnitId>,
    pub detail: serde_json::Value,
}

pub async fn record(
    tx: &mut Tx,
    actor: &Actor,
    event: Event<'_>,
    now: DateTime<Utc>,
) -> AppResult<AuditEntry> {
    let entry = NewAuditEntry {
        actor_user_id: actor.user_id,
        actor: actor.name.clone(),
        unit_id: event.unit_id.or(actor.unit_id),
        action: event.action.to_owned(),
        object_type: event.object_type.to_owned(),
        object_id: event.object_id,
        detail: event.detail,
        ip: actor.ip.clone(),
        request_id: actor.request_id.clone(),
    };
    Ok(audit::append(tx, entry, now).await?)
}

/// SEC-05: a person read a list of personal data under their scope (`action`, with what they
/// asked and how many rows in `detail`).
pub async fn record_list_read(
    tx: &mut Tx,
    p: &Principal,
    meta: &RequestMeta,
    action: &str,
    object_type: &str,
    detail: serde_json::Value,
    now: DateTime<Utc>,
) -> AppResult<()> {
    record(
        tx,
        &Actor::user(p, meta),
        Event {
            action,
            object_type,
            object_id: String::new(),
            unit_id: Some(p.user.unit_id),
            detail,
        },
        now,
    )
    .await?;
    Ok(())
}
