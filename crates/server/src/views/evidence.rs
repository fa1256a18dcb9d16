//! Body-worn recorder evidence (BWC-*): footage, its retention bookkeeping, duties and work
//! records, as the API answers them.

use chrono::{DateTime, Utc};
use roadwarden_store::duty_records::{Duty, WorkRecord};
use roadwarden_store::evidence::{Deletion, Evidence, Reason};
use roadwarden_store::evidence_access::{Export, Request};
use roadwarden_store::recorders::{LedgerEntry, Recorder};
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
            media_kind: e.media_kind.as_str().into(),
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
            retention_category: e.retention_category.as_str().into(),
            purge_from: e.purge_from,
            life_state: e.life_state.as_str().into(),
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
            kind: r.kind.as_str().into(),
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
    /// Where the deletion stands (pending, then approved by two heads).
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
            state: d.state.as_str().into(),
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
            reason: w.reason.as_str().into(),
            basis: w.basis,
            stopped_at: w.stopped_at,
            resumed_at: w.resumed_at,
            state: w.state.as_str().into(),
            filed_at: w.filed_at,
            decided_by: w.decided_by,
            decided_at: w.decided_at,
        }
    }
}

/// A registered recorder (BWC-01) as the ledger keeps it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecorderRecord {
    pub id: i64,
    pub number: String,
    pub unit_id: i64,
    pub unit_path: String,
    pub brand: String,
    pub model: String,
    /// in_store, issued, damaged, in_repair… (the ledger's state).
    pub state: String,
    pub holder_id: Option<i64>,
    pub issued_at: Option<DateTime<Utc>>,
    pub damaged_at: Option<DateTime<Utc>>,
    pub sent_for_repair_at: Option<DateTime<Utc>>,
    pub registered_at: DateTime<Utc>,
}

impl From<Recorder> for RecorderRecord {
    fn from(r: Recorder) -> Self {
        Self {
            id: r.id,
            number: r.number,
            unit_id: r.unit_id,
            unit_path: r.unit_path,
            brand: r.brand,
            model: r.model,
            state: r.state.as_str().into(),
            holder_id: r.holder_id,
            issued_at: r.issued_at,
            damaged_at: r.damaged_at,
            sent_for_repair_at: r.sent_for_repair_at,
            registered_at: r.registered_at,
        }
    }
}

/// One step of a recorder's ledger (BWC-04, BWC-12).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LedgerEntryView {
    pub id: i64,
    pub recorder_id: i64,
    pub at: DateTime<Utc>,
    /// check, issue, return, damage, send_for_repair or repaired.
    pub kind: String,
    pub from_user: Option<i64>,
    pub to_user: Option<i64>,
    pub recorded_by: Option<i64>,
    pub condition: String,
    /// For a check: whether it passed.
    pub passed: Option<bool>,
    pub detail: String,
}

impl From<LedgerEntry> for LedgerEntryView {
    fn from(r: LedgerEntry) -> Self {
        Self {
            id: r.id,
            recorder_id: r.recorder_id,
            at: r.at,
            kind: r.kind,
            from_user: r.from_user,
            to_user: r.to_user,
            recorded_by: r.recorded_by,
            condition: r.condition,
            passed: r.passed,
            detail: r.detail,
        }
    }
}

/// A request to view or copy footage (BWC-08, BWC-09) as filed and decided.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AccessRequestRecord {
    pub id: i64,
    pub unit_id: i64,
    pub unit_path: String,
    pub requester_id: i64,
    /// officer, superior_body, court, procuratorate or public_use.
    pub requester_kind: String,
    /// view or copy.
    pub purpose: String,
    pub reason: String,
    pub register: String,
    pub committee_approval: String,
    pub restriction: String,
    /// pending, approved, refused, revoked…
    pub state: String,
    pub filed_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub refusal: String,
    pub revoked_by: Option<i64>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// BWC-08: the unit the request was filed from; `None` for requests filed before it was recorded.
    pub requesting_unit_id: Option<i64>,
}

impl From<Request> for AccessRequestRecord {
    fn from(r: Request) -> Self {
        Self {
            id: r.id,
            unit_id: r.unit_id,
            unit_path: r.unit_path,
            requester_id: r.requester_id,
            requester_kind: r.requester_kind.as_str().into(),
            purpose: r.purpose.as_str().into(),
            reason: r.reason,
            register: r.register,
            committee_approval: r.committee_approval,
            restriction: r.restriction.as_str().into(),
            state: r.state.as_str().into(),
            filed_at: r.filed_at,
            decided_at: r.decided_at,
            expires_at: r.expires_at,
            refusal: r.refusal,
            revoked_by: r.revoked_by,
            revoked_at: r.revoked_at,
            requesting_unit_id: r.requesting_unit_id,
        }
    }
}

/// An evidence copy made under an approved copy request (BWC-10).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExportView {
    pub id: i64,
    pub request_id: i64,
    pub created_by: i64,
    pub created_at: DateTime<Utc>,
}

impl From<Export> for ExportView {
    fn from(r: Export) -> Self {
        Self {
            id: r.id,
            request_id: r.request_id,
            created_by: r.created_by,
            created_at: r.created_at,
        }
    }
}
