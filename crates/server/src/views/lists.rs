//! Rows of the searchable lists (issue 14 item 5) as the API answers them.

use chrono::{DateTime, Utc};
use roadwarden_store::capture_list::CaptureRow;
use serde::Serialize;
use utoipa::ToSchema;

/// One capture in the captures list.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaptureListView {
    pub id: i64,
    /// The capturing device's number; none for a report from the public.
    pub device_number: Option<String>,
    pub unit_id: i64,
    pub unit_name: String,
    pub plate: String,
    /// blue, yellow, green, ...
    pub plate_colour: String,
    pub violation_code: String,
    pub place: String,
    pub captured_at: DateTime<Utc>,
    /// not_entered, pending, second_review, approved or rejected.
    pub state: String,
    pub review_due_at: Option<DateTime<Utc>>,
    pub reviewed_at: Option<DateTime<Utc>>,
    /// REV-03: why it was rejected.
    pub reject_reason: Option<String>,
}

impl From<CaptureRow> for CaptureListView {
    fn from(r: CaptureRow) -> Self {
        Self {
            id: r.id,
            device_number: r.device_number,
            unit_id: r.unit_id,
            unit_name: r.unit_name,
            plate: r.plate,
            plate_colour: r.plate_colour.as_str().to_owned(),
            violation_code: r.violation_code,
            place: r.place,
            captured_at: r.captured_at,
            state: r.state.as_str().to_owned(),
            review_due_at: r.review_due_at,
            reviewed_at: r.reviewed_at,
            reject_reason: r.reject_reason,
        }
    }
}
