//! Data-modification requests (SEC-06, DAT-01) as the API answers them and the pages show
//! them: every record with every field's value before and after, and the files attached.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use roadwarden_store::corrections::{Attachment, Change, CorrectionRecord};
use serde::Serialize;
use utoipa::ToSchema;

use crate::services::corrections::Filed;

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

/// One record a request names, with its fields before and after.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CorrectionRecordView {
    pub violation_id: i64,
    pub unit_id: i64,
    pub changes: Vec<ChangeView>,
}

impl From<CorrectionRecord> for CorrectionRecordView {
    fn from(r: CorrectionRecord) -> Self {
        Self {
            violation_id: r.violation_id,
            unit_id: r.unit_id,
            changes: r.changes.0.into_iter().map(ChangeView::from).collect(),
        }
    }
}

/// A file attached to a request: read it at `url` (the read is recorded).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AttachmentView {
    pub id: i64,
    pub file_name: String,
    /// application/pdf, image/jpeg or image/png, read from the file's first bytes.
    pub mime: String,
    pub bytes: i64,
    /// The SHA-256 of the file as kept (write-once).
    pub sha256: String,
    pub added_by: i64,
    pub added_at: DateTime<Utc>,
    pub url: String,
}

impl From<Attachment> for AttachmentView {
    fn from(a: Attachment) -> Self {
        Self {
            url: format!(
                "/api/v1/corrections/{}/attachments/{}",
                a.correction_id, a.id
            ),
            id: a.id,
            file_name: a.file_name,
            mime: a.mime,
            bytes: a.bytes,
            sha256: a.sha256,
            added_by: a.added_by,
            added_at: a.added_at,
        }
    }
}

/// A data-modification request and where it stands.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CorrectionView {
    pub id: i64,
    /// The first record of the request (every record is in `records`).
    pub violation_id: i64,
    /// The lowest unit covering every record.
    pub unit_id: i64,
    pub unit_path: String,
    /// The first record's fields (every record's are in `records`).
    pub changes: Vec<ChangeView>,
    /// Every record of the request, in the order asked.
    pub records: Vec<CorrectionRecordView>,
    pub attachments: Vec<AttachmentView>,
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

impl From<Filed> for CorrectionView {
    fn from(f: Filed) -> Self {
        let c = f.request;
        let records: Vec<CorrectionRecordView> = f
            .records
            .into_iter()
            .map(CorrectionRecordView::from)
            .collect();
        Self {
            id: c.id,
            violation_id: c.violation_id,
            unit_id: c.unit_id,
            unit_path: c.unit_path,
            changes: records
                .first()
                .map(|r| r.changes.clone())
                .unwrap_or_else(|| c.changes.0.into_iter().map(ChangeView::from).collect()),
            records,
            attachments: f
                .attachments
                .into_iter()
                .map(AttachmentView::from)
                .collect(),
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

/// A request's file as it was attached, with the type read from its bytes.
pub fn attachment_response(a: &Attachment, bytes: Vec<u8>) -> Response {
    let safe: String = a
        .file_name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        .collect();
    (
        [
            (header::CONTENT_TYPE, a.mime.clone()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{safe}\""),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (header::CONTENT_SECURITY_POLICY, "sandbox".to_owned()),
            (
                header::HeaderName::from_static("x-sha256"),
                a.sha256.clone(),
            ),
        ],
        bytes,
    )
        .into_response()
}
