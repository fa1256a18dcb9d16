//! Rows of the searchable lists (issue 14 item 5) as the API answers them.

use chrono::{DateTime, Utc};
use roadwarden_store::capture_list::CaptureRow;

use crate::services::evidence::footage_list::FootageItem;
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

/// One file in the footage list.
#[derive(Debug, Serialize, ToSchema)]
pub struct FootageListView {
    pub id: i64,
    /// video, audio or image.
    pub media_kind: String,
    pub mime: String,
    /// Bytes.
    pub length: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub officer_id: i64,
    pub officer_name: String,
    pub recorder_number: Option<String>,
    pub activity: String,
    pub place: String,
    pub case_ref: String,
    pub started_at: DateTime<Utc>,
    pub ended_at: DateTime<Utc>,
    /// general, case_evidence, long_term or legal_hold.
    pub retention_category: String,
    /// BWC-06: when the file may be purged, unless something keeps it.
    pub purge_from: Option<DateTime<Utc>>,
    /// BWC-05: handed in or stored later than the rule allows.
    pub late_hand_in: bool,
    pub late_storage: bool,
    /// kept, purged or destroyed.
    pub life_state: String,
    /// A photo under your live approval to view (BWC-08): its small picture's address.
    pub thumbnail: Option<String>,
}

impl From<FootageItem> for FootageListView {
    fn from(item: FootageItem) -> Self {
        let r = item.row;
        Self {
            id: r.id,
            media_kind: r.media_kind,
            mime: r.mime,
            length: r.length,
            unit_id: r.unit_id,
            unit_name: r.unit_name,
            officer_id: r.officer_id,
            officer_name: r.officer_name,
            recorder_number: r.recorder_number,
            activity: r.activity,
            place: r.place,
            case_ref: r.case_ref,
            started_at: r.started_at,
            ended_at: r.ended_at,
            retention_category: r.retention_category,
            purge_from: r.purge_from,
            late_hand_in: r.late_hand_in,
            late_storage: r.late_storage,
            life_state: r.life_state,
            thumbnail: item.thumbnail,
        }
    }
}
