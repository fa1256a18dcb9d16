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
    /// The page of what it is about, when there is one.
    pub link: Option<String>,
}

/// The page of a message's subject (a device, a check-list item, a rider task...).
pub fn subject_link(subject_type: &str, subject_id: &str) -> Option<String> {
    // A month's reports (`2026-11`): the month's device report.
    if subject_type == "report_month" {
        let month = subject_id.len() == 7
            && subject_id
                .char_indices()
                .all(|(i, c)| if i == 4 { c == '-' } else { c.is_ascii_digit() });
        return month.then(|| format!("/reports/device?month={subject_id}"));
    }
    if subject_id.is_empty() || !subject_id.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    Some(match subject_type {
        "violation" => format!("/violations/{subject_id}"),
        "objection" => "/objections".to_owned(),
        "device" => format!("/devices/{subject_id}"),
        "check_item" => format!("/supervision/items/{subject_id}"),
        "complaint" => format!("/supervision/complaints#complaint-{subject_id}"),
        "rider_task" => format!("/riders/tasks#task-{subject_id}"),
        "rider_person" => format!("/riders/{subject_id}"),
        _ => return None,
    })
}

impl From<Message> for MessageView {
    fn from(m: Message) -> Self {
        Self {
            link: subject_link(&m.subject_type, &m.subject_id),
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
