//! Captures, review, violation records, notices, objections and public reports (CAP-*, REV-*,
//! NOT-*, OBJ-*): what the API answers, each with its schema.

use chrono::{DateTime, NaiveDate, Utc};
use roadwarden_domain::capture::intake::Flag;
use roadwarden_store::{captures, violations};
use serde::Serialize;
use utoipa::ToSchema;

use crate::services::captures::records::ViolationDetail;

/// A violation type a report may name, in the asked language.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReportViolationType {
    pub code: String,
    pub name: String,
}

/// A county a report may concern.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportUnit {
    pub code: String,
    pub name: String,
    /// CN or VN.
    pub country: String,
    pub violation_types: Vec<ReportViolationType>,
}

/// What a report may name: counties, their violation types, plate colours.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportOptions {
    pub units: Vec<ReportUnit>,
    pub plate_colours: Vec<String>,
}

/// A violation record (NOT-*): the fine, the deadlines and where it stands.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ViolationView {
    pub id: i64,
    pub capture_id: i64,
    pub unit_id: i64,
    pub unit_path: String,
    pub country: String,
    pub outcome: String,
    pub plate: String,
    pub plate_key: String,
    pub plate_colour: String,
    pub violation_code: String,
    pub occurred_at: DateTime<Utc>,
    pub place: String,
    pub fine_minor: i64,
    pub currency: String,
    pub points: i32,
    pub procedure: String,
    pub state: String,
    pub vehicle_id: Option<i64>,
    pub party: String,
    pub driver_name: String,
    pub entered_at: DateTime<Utc>,
    pub notice_due_at: DateTime<Utc>,
    pub notified_at: Option<DateTime<Utc>>,
    pub handle_by: Option<NaiveDate>,
    pub extended_until: Option<NaiveDate>,
    pub decided_at: Option<DateTime<Utc>>,
    pub payment_due: Option<NaiveDate>,
    pub paid_at: Option<DateTime<Utc>>,
    pub paid_minor: Option<i64>,
    pub late_fee_minor: Option<i64>,
    pub intended_notice_on: Option<NaiveDate>,
    pub responded: bool,
    pub announced_on: Option<NaiveDate>,
    pub eliminated_at: Option<DateTime<Utc>>,
    pub elimination_reason: Option<String>,
    pub updated_at: DateTime<Utc>,
    /// NOT-01 / NOT-02f: when the deadline job found the notice late.
    pub notice_late_at: Option<DateTime<Utc>>,
    /// REV-04: a reason for elimination was verified; eliminate by `elimination_due_at`.
    pub elimination_verified_at: Option<DateTime<Utc>>,
    pub elimination_verified_reason: Option<String>,
    pub elimination_due_at: Option<DateTime<Utc>>,
    pub elimination_late_at: Option<DateTime<Utc>>,
    /// NOT-02c: when the overdue job looks at the record next (`None`: not until something
    /// changes).
    pub next_step_at: Option<DateTime<Utc>>,
    /// NOT-02c: service by announcement started on this day.
    pub service_announced_on: Option<NaiveDate>,
    /// NOT-02f: '', 'transferred' or 'manual'.
    pub transfer: String,
    pub transferred_from: Option<i64>,
}

impl From<violations::Violation> for ViolationView {
    fn from(r: violations::Violation) -> Self {
        Self {
            id: r.id,
            capture_id: r.capture_id,
            unit_id: r.unit_id,
            unit_path: r.unit_path,
            country: r.country.code().to_owned(),
            outcome: r.outcome.as_str().to_owned(),
            plate: r.plate,
            plate_key: r.plate_key,
            plate_colour: r.plate_colour.as_str().to_owned(),
            violation_code: r.violation_code,
            occurred_at: r.occurred_at,
            place: r.place,
            fine_minor: r.fine_minor,
            currency: r.currency.code().to_owned(),
            points: r.points,
            procedure: r.procedure.as_str().to_owned(),
            state: r.state.as_str().to_owned(),
            vehicle_id: r.vehicle_id,
            party: r.party.as_str().to_owned(),
            driver_name: r.driver_name,
            entered_at: r.entered_at,
            notice_due_at: r.notice_due_at,
            notified_at: r.notified_at,
            handle_by: r.handle_by,
            extended_until: r.extended_until,
            decided_at: r.decided_at,
            payment_due: r.payment_due,
            paid_at: r.paid_at,
            paid_minor: r.paid_minor,
            late_fee_minor: r.late_fee_minor,
            intended_notice_on: r.intended_notice_on,
            responded: r.responded,
            announced_on: r.announced_on,
            eliminated_at: r.eliminated_at,
            elimination_reason: r.elimination_reason,
            updated_at: r.updated_at,
            notice_late_at: r.notice_late_at,
            elimination_verified_at: r.elimination_verified_at,
            elimination_verified_reason: r.elimination_verified_reason,
            elimination_due_at: r.elimination_due_at,
            elimination_late_at: r.elimination_late_at,
            next_step_at: r.next_step_at,
            service_announced_on: r.service_announced_on,
            transfer: r.transfer,
            transferred_from: r.transferred_from,
        }
    }
}

/// One step on a record's timeline.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ViolationEventView {
    pub at: DateTime<Utc>,
    pub action: String,
    pub actor: String,
    pub detail: String,
}

impl From<violations::ViolationEvent> for ViolationEventView {
    fn from(r: violations::ViolationEvent) -> Self {
        Self {
            at: r.at,
            action: r.action,
            actor: r.actor,
            detail: r.detail,
        }
    }
}

/// A notice in the outbox (NOT-01): queued, sent or failed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NoticeView {
    pub id: i64,
    pub violation_id: i64,
    pub channel: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub language: String,
    pub state: String,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: String,
    pub blob_id: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl From<violations::Notice> for NoticeView {
    fn from(r: violations::Notice) -> Self {
        Self {
            id: r.id,
            violation_id: r.violation_id,
            channel: r.channel,
            recipient: r.recipient,
            subject: r.subject,
            body: r.body,
            language: r.language,
            state: r.state,
            attempts: r.attempts,
            next_attempt_at: r.next_attempt_at,
            last_error: r.last_error,
            blob_id: r.blob_id,
            sent_at: r.sent_at,
            created_at: r.created_at,
        }
    }
}

/// An objection to a record (APL-01..03).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ObjectionView {
    pub id: i64,
    pub violation_id: i64,
    pub unit_id: i64,
    pub unit_path: String,
    pub channel: String,
    pub received_unit_id: Option<i64>,
    pub text: String,
    pub contact: String,
    pub photos: String,
    pub state: String,
    pub received_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub decided_by: Option<i64>,
    pub decided_at: Option<DateTime<Utc>>,
    pub reply: String,
    /// APL-02: when the deadline job found the decision late.
    pub late_at: Option<DateTime<Utc>>,
}

impl From<violations::Objection> for ObjectionView {
    fn from(r: violations::Objection) -> Self {
        Self {
            id: r.id,
            violation_id: r.violation_id,
            unit_id: r.unit_id,
            unit_path: r.unit_path,
            channel: r.channel.as_str().to_owned(),
            received_unit_id: r.received_unit_id,
            text: r.text,
            contact: r.contact,
            photos: r.photos.to_json(),
            state: r.state.as_str().to_owned(),
            received_at: r.received_at,
            due_at: r.due_at,
            decided_by: r.decided_by,
            decided_at: r.decided_at,
            reply: r.reply,
            late_at: r.late_at,
        }
    }
}

/// A vehicle's owner from the registry (the VIN and the keeping unit are not shown).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OwnerView {
    pub id: i64,
    pub plate_key: String,
    pub plate: String,
    pub plate_colour: String,
    pub country: String,
    pub vehicle_type: String,
    pub owner_name: String,
    pub owner_address: String,
    pub owner_phone: String,
    pub owner_email: String,
    pub division_code: String,
}

impl From<violations::Vehicle> for OwnerView {
    fn from(r: violations::Vehicle) -> Self {
        Self {
            id: r.id,
            plate_key: r.plate_key,
            plate: r.plate,
            plate_colour: r.plate_colour,
            country: r.country,
            vehicle_type: r.vehicle_type,
            owner_name: r.owner_name,
            owner_address: r.owner_address,
            owner_phone: r.owner_phone,
            owner_email: r.owner_email,
            division_code: r.division_code,
        }
    }
}

/// A capture as stored (CAP-00..04).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaptureRecordView {
    pub id: i64,
    /// None for a public report (REV-05): no device took it.
    pub device_id: Option<i64>,
    pub unit_id: i64,
    pub unit_path: String,
    pub event_key: String,
    pub source: String,
    pub via: String,
    pub plate: String,
    pub plate_key: String,
    pub plate_colour: String,
    pub vehicle_type: String,
    pub vehicle_colour: String,
    pub violation_code: String,
    pub place: String,
    pub division_code: String,
    pub road_code: String,
    pub km_marker: String,
    pub direction: String,
    pub lane: Option<i32>,
    pub speed: Option<i32>,
    pub speed_limit: Option<i32>,
    pub confidence: Option<i32>,
    pub longitude: Option<f64>,
    pub latitude: Option<f64>,
    pub video_url: String,
    pub captured_at: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
    pub camera_time: Option<DateTime<Utc>>,
    pub usage: String,
    pub flags: String,
    pub state: String,
    pub review_due_at: Option<DateTime<Utc>>,
    pub collected_by: Option<i64>,
    pub first_reviewer: Option<i64>,
    pub reviewed_by: Option<i64>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub reject_reason: Option<String>,
    pub review_note: String,
    pub escalated_at: Option<DateTime<Utc>>,
}

impl From<captures::Capture> for CaptureRecordView {
    fn from(r: captures::Capture) -> Self {
        Self {
            id: r.id,
            device_id: r.device_id,
            unit_id: r.unit_id,
            unit_path: r.unit_path,
            event_key: r.event_key,
            source: r.source.as_str().to_owned(),
            via: r.via,
            plate: r.plate,
            plate_key: r.plate_key,
            plate_colour: r.plate_colour.as_str().to_owned(),
            vehicle_type: r.vehicle_type,
            vehicle_colour: r.vehicle_colour,
            violation_code: r.violation_code,
            place: r.place,
            division_code: r.division_code,
            road_code: r.road_code,
            km_marker: r.km_marker,
            direction: r.direction,
            lane: r.lane,
            speed: r.speed,
            speed_limit: r.speed_limit,
            confidence: r.confidence,
            longitude: r.longitude,
            latitude: r.latitude,
            video_url: r.video_url,
            captured_at: r.captured_at,
            received_at: r.received_at,
            camera_time: r.camera_time,
            usage: r.usage.as_str().to_owned(),
            flags: r.flags.to_json(),
            state: r.state.as_str().to_owned(),
            review_due_at: r.review_due_at,
            collected_by: r.collected_by,
            first_reviewer: r.first_reviewer,
            reviewed_by: r.reviewed_by,
            reviewed_at: r.reviewed_at,
            reject_reason: r.reject_reason,
            review_note: r.review_note,
            escalated_at: r.escalated_at,
        }
    }
}

/// An image of a capture.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaptureImageView {
    pub position: i32,
    pub kind: String,
    pub blob_id: String,
    pub bytes: i64,
    pub plate_x: Option<i32>,
    pub plate_y: Option<i32>,
    pub plate_w: Option<i32>,
    pub plate_h: Option<i32>,
}

impl From<captures::Image> for CaptureImageView {
    fn from(r: captures::Image) -> Self {
        Self {
            position: r.position,
            kind: r.kind,
            blob_id: r.blob_id,
            bytes: r.bytes,
            plate_x: r.plate_x,
            plate_y: r.plate_y,
            plate_w: r.plate_w,
            plate_h: r.plate_h,
        }
    }
}

/// One row of the review queue.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QueueItemView {
    pub id: i64,
    pub plate: String,
    pub violation_code: String,
    pub place: String,
    pub captured_at: DateTime<Utc>,
    pub review_due_at: Option<DateTime<Utc>>,
    pub state: String,
    pub usage: String,
    pub flags: String,
    /// CAP-00 source: `public_report` marks a report from the public (REV-05).
    pub source: String,
}

impl From<captures::QueueItem> for QueueItemView {
    fn from(r: captures::QueueItem) -> Self {
        Self {
            id: r.id,
            plate: r.plate,
            violation_code: r.violation_code,
            place: r.place,
            captured_at: r.captured_at,
            review_due_at: r.review_due_at,
            state: r.state.as_str().to_owned(),
            usage: r.usage.as_str().to_owned(),
            flags: r.flags.to_json(),
            source: r.source.as_str().to_owned(),
        }
    }
}

/// SUP-07a: a reviewer's accuracy and timeliness (never counts of fines).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReviewerStatsView {
    pub reviewer: i64,
    pub username: String,
    pub decided: i64,
    pub on_time: i64,
    /// First approvals a second reviewer then rejected.
    pub overturned: i64,
    /// First approvals a second reviewer looked at.
    pub second_looked: i64,
}

impl From<captures::ReviewerStats> for ReviewerStatsView {
    fn from(r: captures::ReviewerStats) -> Self {
        Self {
            reviewer: r.reviewer,
            username: r.username,
            decided: r.decided,
            on_time: r.on_time,
            overturned: r.overturned,
            second_looked: r.second_looked,
        }
    }
}

/// A vehicle on the exemption list (REV-03(4), REV-04).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExemptionView {
    pub id: i64,
    pub unit_id: i64,
    pub unit_path: String,
    pub plate_key: String,
    pub kind: String,
    pub valid_from: DateTime<Utc>,
    pub valid_until: Option<DateTime<Utc>>,
    pub note: String,
}

impl From<captures::ExemptionRow> for ExemptionView {
    fn from(r: captures::ExemptionRow) -> Self {
        Self {
            id: r.id,
            unit_id: r.unit_id,
            unit_path: r.unit_path,
            plate_key: r.plate_key,
            kind: r.kind.as_str().to_owned(),
            valid_from: r.valid_from,
            valid_until: r.valid_until,
            note: r.note,
        }
    }
}

/// Why a capture was flagged before review; each names its rule (the domain's `Flag`, as it
/// is serialized).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(tag = "flag", rename_all = "snake_case")]
pub enum FlagView {
    /// CAP-03: the device was in trial: a warning at most.
    TrialWarningOnly,
    /// CAP-04 / DEV-05: the device was not in service (suspended, circuit-broken, …).
    DeviceNotInService { state: String },
    /// DEV-13: the measuring device's certificate did not cover the capture time.
    CalibrationInvalid,
    /// CAP-01: elements missing.
    MissingElements { fields: Vec<String> },
    /// REV-03(3): no plate could be read.
    PlateUnidentified,
    /// CAP-02: uploaded after the device's window.
    LateUpload { minutes: i64 },
    /// The device clock was off by more than the threshold.
    ClockDrift { seconds: i64 },
    /// REV-03(4) / REV-04: on the exemption list (emergency or permitted).
    Exempt { kind: String },
    /// Same vehicle, violation and place moments apart.
    LikelyDuplicate { of: i64 },
}

impl From<Flag> for FlagView {
    fn from(f: Flag) -> Self {
        match f {
            Flag::TrialWarningOnly => Self::TrialWarningOnly,
            Flag::DeviceNotInService { state } => Self::DeviceNotInService { state },
            Flag::CalibrationInvalid => Self::CalibrationInvalid,
            Flag::MissingElements { fields } => Self::MissingElements { fields },
            Flag::PlateUnidentified => Self::PlateUnidentified,
            Flag::LateUpload { minutes } => Self::LateUpload { minutes },
            Flag::ClockDrift { seconds } => Self::ClockDrift { seconds },
            Flag::Exempt { kind } => Self::Exempt {
                kind: kind.as_str().to_owned(),
            },
            Flag::LikelyDuplicate { of } => Self::LikelyDuplicate { of },
        }
    }
}

/// The flags of a capture, from the domain's.
pub fn flag_views(flags: Vec<Flag>) -> Vec<FlagView> {
    flags.into_iter().map(FlagView::from).collect()
}

/// A record with its timeline, notices, objections and the owner (when the registry has one).
#[derive(Debug, Serialize, ToSchema)]
pub struct ViolationDetailView {
    pub violation: ViolationView,
    pub events: Vec<ViolationEventView>,
    pub notices: Vec<NoticeView>,
    pub objections: Vec<ObjectionView>,
    pub owner: Option<OwnerView>,
    pub late_fee_today: String,
    /// The capture's pictures; each read through `url` is recorded.
    pub images: Vec<EvidenceImageView>,
}

/// A picture of the capture behind a record.
#[derive(Debug, Serialize, ToSchema)]
pub struct EvidenceImageView {
    pub position: i32,
    /// scene, vehicle or plate.
    pub kind: String,
    pub url: String,
}

impl From<crate::services::captures::records::EvidenceImage> for EvidenceImageView {
    fn from(i: crate::services::captures::records::EvidenceImage) -> Self {
        Self {
            url: format!("/api/v1/captures/{}/images/{}", i.capture_id, i.position),
            position: i.position,
            kind: i.kind,
        }
    }
}

impl From<ViolationDetail> for ViolationDetailView {
    fn from(d: ViolationDetail) -> Self {
        Self {
            violation: d.violation.into(),
            events: d.events.into_iter().map(Into::into).collect(),
            notices: d.notices.into_iter().map(Into::into).collect(),
            objections: d.objections.into_iter().map(Into::into).collect(),
            owner: d.owner.map(Into::into),
            late_fee_today: d.late_fee_today,
            images: d.images.into_iter().map(Into::into).collect(),
        }
    }
}

/// Converts each row of a list to its view.
pub fn views<R, V: From<R>>(rows: Vec<R>) -> Vec<V> {
    rows.into_iter().map(V::from).collect()
}

/// The id of what was created.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedId {
    pub id: i64,
}

/// A vehicle's owner recorded in the embedded registry.
#[derive(Debug, Serialize, ToSchema)]
pub struct VehicleRecorded {
    pub id: i64,
    /// The plate as recorded (normalised).
    pub plate: String,
}
