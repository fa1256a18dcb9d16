//! Body-worn recorder evidence (BWC-*): footage, its retention bookkeeping, duties and work
//! records, as the API answers them.

use chrono::{DateTime, Utc};
use roadwarden_store::duty_records::{Duty, WorkRecord};
use roadwarden_store::evidence::{Deletion, Evidence, Reason};
use serde::Serialize;
use utoipa::ToSchema;

/// One stored footage file (BWC-05..07): write-once, named by its SHA-256.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EvidenceView {
    pub id: i64,
    pub sha256: String,
    pub length: i64,
    /// video, audio or image.
    pub media_kind: String,
    pub mime: String,
    pub file_name: String,
    pub unit_id: i64,
    pub unit_path: String,
    pub officer_id: i64,
    pub recorder_id: Option<i64>,
    /// A BWC-02 activity.
    pub activity: String,
    pub place: String,
    pub case_ref: String,
    pub violation_id: Option<i64>,
    pub restriction: String,
    pub started_at: DateTime<Utc>,
    pub ended_at: DateTime<Utc>,
    pub duty_ended_at: DateTime<Utc>,
    pub handed_in_at: DateTime<Utc>,
    pub stored_at: DateTime<Utc>,
    pub late_hand_in: bool,
    pub late_storage: bool,
    pub uploaded_by: i64,
    pub verified_at: Option<DateTime<Utc>>,
    pub released_at: Option<DateTime<Utc>>,
    /// The BWC-06 retention category.
    pub retention_category: String,
    pub purge_from: Option<DateTime<Utc>>,
    /// kept, purged or destroyed.
    pub life_state: String,
    pub purged_at: Option<DateTime<Utc>>,
    pub restore_until: Option<DateTime<Utc>>,
    pub destroyed_at: Option<DateTime<Utc>>,
}

impl From<Evidence> for EvidenceView {
    fn from(e: Evidence) -> Self {
        Self {
            id: e.id,
            sha256: e.sha256,
            length: e.length,
            media_kind: e.media_kind,
            mime: e.mime,
            file_name: e.file_name,
            unit_id: e.unit_id,
            unit_path: e.unit_path,
            officer_id: e.officer_id,
            recorder_id: e.recorder_id,
            activity: e.activity,
            place: e.place,
            case_ref: e.case_ref,
            violation_id: e.violation_id,
            restriction: e.restriction,
            started_at: e.started_at,
            ended_at: e.ended_at,
            duty_ended_at: e.duty_ended_at,
            handed_in_at: e.handed_in_at,
            stored_at: e.stored_at,
            late_hand_in: e.late_hand_in,
            late_storage: e.late_storage,
            uploaded_by: e.uploaded_by,
            verified_at: e.verified_at,
            released_at: e.released_at,
            retention_category: e.retention_category,
            purge_from: e.purge_from,
            life_state: e.life_state,
            purged_at: e.purged_at,
            restore_until: e.restore_until,
            destroyed_at: e.destroyed_at,
        }
    }
}

/// A reason to keep footage longer (BWC-06): a long-term trigger or a hold.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReasonView {
    pub id: i64,
    pub evidence_id: i64,
    /// long_term or hold.
    pub kind: String,
    pub reason_code: String,
    pub source: String,
    pub note: String,
    pub set_by: Option<i64>,
    pub set_at: DateTime<Utc>,
    pub released_by: Option<i64>,
    pub released_at: Option<DateTime<Utc>>,
}

impl From<Reason> for ReasonView {
    fn from(r: Reason) -> Self {
        Self {
            id: r.id,
            evidence_id: r.evidence_id,
            kind: r.kind,
            reason_code: r.reason_code,
            source: r.source,
            note: r.note,
            set_by: r.set_by,
            set_at: r.set_at,
            released_by: r.released_by,
            released_at: r.released_at,
        }
    }
}

/// An early deletion asked for (BWC-07): two unit heads approve it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeletionView {
    pub id: i64,
    pub evidence_id: i64,
    pub requested_by: i64,
    pub reason: String,
    pub requested_at: DateTime<Utc>,
    pub first_approver: Option<i64>,
    pub second_approver: Option<i64>,
    /// pending, approved, done or refused.
    pub state: String,
}

impl From<Deletion> for DeletionView {
    fn from(d: Deletion) -> Self {
        Self {
            id: d.id,
            evidence_id: d.evidence_id,
            requested_by: d.requested_by,
            reason: d.reason,
            requested_at: d.requested_at,
            first_approver: d.first_approver,
            second_approver: d.second_approver,
            state: d.state,
        }
    }
}

/// A duty that must be recorded (BWC-02, BWC-14).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DutyView {
    pub id: i64,
    pub unit_id: i64,
    pub unit_path: String,
    pub officer_id: i64,
    pub activity: String,
    pub place: String,
    pub started_at: DateTime<Utc>,
    pub ended_at: DateTime<Utc>,
    pub recorder_id: Option<i64>,
}

impl From<Duty> for DutyView {
    fn from(d: Duty) -> Self {
        Self {
            id: d.id,
            unit_id: d.unit_id,
            unit_path: d.unit_path,
            officer_id: d.officer_id,
            activity: d.activity,
            place: d.place,
            started_at: d.started_at,
            ended_at: d.ended_at,
            recorder_id: d.recorder_id,
        }
    }
}

/// The work record of a stopped recording (BWC-03), decided by a unit head.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WorkRecordView {
    pub id: i64,
    pub unit_id: i64,
    pub unit_path: String,
    pub officer_id: i64,
    /// A BWC-03 reason.
    pub reason: String,
    pub basis: String,
    pub stopped_at: DateTime<Utc>,
    pub resumed_at: Option<DateTime<Utc>>,
    /// pending, approved or refused.
    pub state: String,
    pub filed_at: DateTime<Utc>,
    pub decided_by: Option<i64>,
    pub decided_at: Option<DateTime<Utc>>,
}

impl From<WorkRecord> for WorkRecordView {
    fn from(w: WorkRecord) -> Self {
        Self {
            id: w.id,
            unit_id: w.unit_id,
            unit_path: w.unit_path,
            officer_id: w.officer_id,
            reason: w.reason,
            basis: w.basis,
            stopped_at: w.stopped_at,
            resumed_at: w.resumed_at,
            state: w.state,
            filed_at: w.filed_at,
            decided_by: w.decided_by,
            decided_at: w.decided_at,
        }
    }
}
