//! Data-modification requests (SEC-06, DAT-01) as the API answers them and the pages show
//! them, with every field's value before and after.

use chrono::{DateTime, Utc};
use roadwarden_store::corrections::{Change, Correction};
use serde::Serialize;
use utoipa::ToSchema;

/// One field of a request: its value before and the value asked for (after execution: the
/// values the record held and holds).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChangeView {
    /// plate, plate_colour, violation_code, occurred_at or place.
    pub field: String,
    pub before: String,
    pub after: String,
}

impl From<Change> for ChangeView {
    fn from(c: Change) -> Self {
        Self {
            field: c.field,
            before: c.before,
            after: c.after,
        }
    }
}

/// A data-modification request and where it stands.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CorrectionView {
    pub id: i64,
    pub violation_id: i64,
    pub unit_id: i64,
    pub unit_path: String,
    pub changes: Vec<ChangeView>,
    pub reason: String,
    /// requested, approved, refused or executed.
    pub state: String,
    pub requested_by: i64,
    pub requested_at: DateTime<Utc>,
    pub decided_by: Option<i64>,
    pub decided_at: Option<DateTime<Utc>>,
    /// The head's reason when refused.
    pub decision_reason: String,
    pub executed_by: Option<i64>,
    pub executed_at: Option<DateTime<Utc>>,
}

impl From<Correction> for CorrectionView {
    fn from(c: Correction) -> Self {
        Self {
            id: c.id,
            violation_id: c.violation_id,
            unit_id: c.unit_id,
            unit_path: c.unit_path,
            changes: c.changes.0.into_iter().map(ChangeView::from).collect(),
            reason: c.reason,
            state: c.state.as_str().to_owned(),
            requested_by: c.requested_by,
            requested_at: c.requested_at,
            decided_by: c.decided_by,
            decided_at: c.decided_at,
            decision_reason: c.decision_reason,
            executed_by: c.executed_by,
            executed_at: c.executed_at,
        }
    }
}
