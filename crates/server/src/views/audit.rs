//! The audit trail as the API shows it (SEC-05).

use roadwarden_store::audit::AuditListItem;
use serde::Serialize;
use utoipa::ToSchema;

/// One audit entry with the name of its unit. Times are UTC microseconds since the epoch, the
/// value the chain hashes.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditEntryView {
    pub seq: i64,
    pub at_micros: i64,
    /// The acting user; none for the system itself (jobs, the command line).
    pub actor_user_id: Option<i64>,
    /// The actor as shown to people: a username, `cli`, `system` or `device:<number>`.
    pub actor: String,
    /// The unit whose data the entry concerns.
    pub unit_id: Option<i64>,
    /// What happened, e.g. `user.create`, `session.sign_in_failed`, `user.read`.
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    /// Details as a JSON object, as text (never a password or a token).
    pub detail: String,
    pub ip: String,
    pub request_id: String,
    pub prev_hash: String,
    pub hash: String,
    pub unit_name: Option<String>,
}

impl From<AuditListItem> for AuditEntryView {
    fn from(i: AuditListItem) -> Self {
        let e = i.entry;
        Self {
            seq: e.seq,
            at_micros: e.at_micros,
            actor_user_id: e.actor_user_id,
            actor: e.actor,
            unit_id: e.unit_id,
            action: e.action,
            object_type: e.object_type,
            object_id: e.object_id,
            detail: e.detail,
            ip: e.ip,
            request_id: e.request_id,
            prev_hash: e.prev_hash,
            hash: e.hash,
            unit_name: i.unit_name,
        }
    }
}
