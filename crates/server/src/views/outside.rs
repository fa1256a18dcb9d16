//! RID-10, SHR-04: the requests to outside systems as the rider file shows them.

use chrono::{DateTime, Utc};
use roadwarden_store::outside::OutsideRequest;
use serde::Serialize;
use utoipa::ToSchema;

/// One request to an outside system, as the rider file shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OutsideRequestView {
    pub id: i64,
    /// civility_credit, party_index or grassroots.
    pub system: String,
    /// deduction, task or list.
    pub kind: String,
    /// queued, sent, acknowledged or failed.
    pub state: String,
    pub attempts: i32,
    /// The outside system's id for it, once accepted.
    pub remote_id: String,
    /// The task it carries, for a task.
    pub task_id: Option<i64>,
    /// What was read back: the system's detail or the platform's assessment.
    pub read_back: String,
    pub last_error: String,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub acknowledged_at: Option<DateTime<Utc>>,
}

impl From<OutsideRequest> for OutsideRequestView {
    fn from(r: OutsideRequest) -> Self {
        let read: serde_json::Value = serde_json::from_str(&r.result).unwrap_or_default();
        let read_back = ["assessment", "detail"]
            .iter()
            .filter_map(|k| read[k].as_str())
            .find(|s| !s.trim().is_empty())
            .unwrap_or_default()
            .to_owned();
        Self {
            id: r.id,
            system: r.system.as_str().to_owned(),
            kind: r.kind.as_str().to_owned(),
            state: r.state.as_str().to_owned(),
            attempts: r.attempts,
            remote_id: r.remote_id,
            task_id: r.task_id,
            read_back,
            last_error: r.last_error,
            created_at: r.created_at,
            sent_at: r.sent_at,
            acknowledged_at: r.acknowledged_at,
        }
    }
}

/// The outside requests about one rider, and the systems that are off (their measures are
/// recorded here only).
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct OutsideOnFile {
    pub requests: Vec<OutsideRequestView>,
    /// civility_credit, party_index, grassroots: those with no base URL configured.
    pub off: Vec<String>,
}
