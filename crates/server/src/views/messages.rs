//! Messages the deadline jobs escalated (NOT-01, NOT-02f, REV-04, APL-02).

use chrono::{DateTime, Utc};
use roadwarden_store::messages::Message;
use serde::Serialize;
use utoipa::ToSchema;

/// One message on a person's overview.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MessageView {
    pub id: i64,
    pub unit_id: i64,
    /// The role its readers hold at the unit; empty for anyone there.
    pub role: String,
    /// Set when the message is for one person.
    pub user_id: Option<i64>,
    /// What happened, e.g. `notice_overdue`.
    pub kind: String,
    /// The rule id behind it, e.g. `NOT-01`.
    pub rule: String,
    pub subject_type: String,
    pub subject_id: String,
    pub detail: String,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

impl From<Message> for MessageView {
    fn from(m: Message) -> Self {
        Self {
            id: m.id,
            unit_id: m.unit_id,
            role: m.role,
            user_id: m.user_id,
            kind: m.kind,
            rule: m.rule,
            subject_type: m.subject_type,
            subject_id: m.subject_id,
            detail: m.detail,
            created_at: m.created_at,
            read_at: m.read_at,
        }
    }
}
