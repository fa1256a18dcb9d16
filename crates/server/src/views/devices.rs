//! Devices (DEV-*, SUP-*): the device, its records, the review inbox, the map, the clean-up
//! list and the registration export, as the API answers them. Field names and values are the
//! store rows' own, so the JSON is what it always was; the schema now says what is in it.

use chrono::{DateTime, NaiveDate, Utc};
use roadwarden_domain::device::lifecycle::{capture_use_for, AssessmentPurpose};
use roadwarden_domain::device::{DeviceKind, DeviceState, RoadClass, SuspensionReason};
use roadwarden_domain::org::Country;
use roadwarden_domain::{DeviceId, UnitId};
use roadwarden_store::device_records::{
    Alert, Assessment, Calibration, CleanupItem, Credential, DeviceEvent, Fault, Operation, Patrol,
    Review,
};
use roadwarden_store::devices::{Device, MapPoint};
use serde::Serialize;
use utoipa::ToSchema;

use crate::services::devices::reads::{Detail, InboxEntry};

/// A device as the API shows it, with what its captures may become now.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeviceView {
    #[schema(value_type = i64)]
    pub id: DeviceId,
    pub number: String,
    /// e.g. fixed_enforcement, speed, monitoring.
    #[schema(value_type = String)]
    pub kind: DeviceKind,
    pub name: String,
    #[schema(value_type = i64)]
    pub unit_id: UnitId,
    pub unit_name: String,
    pub unit_code: String,
    /// CN or VN.
    #[schema(value_type = String)]
    pub country: Country,
    pub time_zone: String,
    pub maintainer: String,
    pub leader: String,
    pub department: String,
    pub violation_types: Vec<String>,
    pub make: String,
    pub model: String,
    pub serial: String,
    pub mac: String,
    pub channel: String,
    pub road: String,
    #[schema(value_type = Option<String>)]
    pub road_class: Option<RoadClass>,
    pub km_marker: String,
    pub place: String,
    pub nearest_village: String,
    pub direction: String,
    pub longitude: Option<f64>,
    pub latitude: Option<f64>,
    pub measuring: bool,
    /// The lifecycle state, e.g. draft, under_review, trial, in_use.
    #[schema(value_type = String)]
    pub state: DeviceState,
    pub state_since: DateTime<Utc>,
    #[schema(value_type = Option<String>)]
    pub resume_to: Option<DeviceState>,
    #[schema(value_type = Option<String>)]
    pub suspension_reason: Option<SuspensionReason>,
    #[schema(value_type = Option<String>)]
    pub round_purpose: Option<AssessmentPurpose>,
    pub notice_ends_at: Option<DateTime<Utc>>,
    pub trial_min_end_at: Option<DateTime<Utc>>,
    pub evaluation_due_at: Option<DateTime<Utc>>,
    pub in_use_since: Option<DateTime<Utc>>,
    pub registered_at: Option<DateTime<Utc>>,
    pub platform_ref: String,
    pub last_valid_capture_at: Option<DateTime<Utc>>,
    pub last_patrol_at: Option<DateTime<Utc>>,
    pub installed_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// enforce, warn_only or refuse (DEV-05, CAP-03, CAP-04).
    pub capture_use: String,
}

impl From<Device> for DeviceView {
    fn from(d: Device) -> Self {
        let capture_use = serde_json::to_value(capture_use_for(d.kind, d.state))
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        Self {
            id: d.id,
            number: d.number,
            kind: d.kind,
            name: d.name,
            unit_id: d.unit_id,
            unit_name: d.unit_name,
            unit_code: d.unit_code,
            country: d.country,
            time_zone: d.time_zone,
            maintainer: d.maintainer,
            leader: d.leader,
            department: d.department,
            violation_types: d.violation_types,
            make: d.make,
            model: d.model,
            serial: d.serial,
            mac: d.mac,
            channel: d.channel,
            road: d.road,
            road_class: d.road_class,
            km_marker: d.km_marker,
            place: d.place,
            nearest_village: d.nearest_village,
            direction: d.direction,
            longitude: d.longitude,
            latitude: d.latitude,
            measuring: d.measuring,
            state: d.state,
            state_since: d.state_since,
            resume_to: d.resume_to,
            suspension_reason: d.suspension_reason,
            round_purpose: d.round_purpose,
            notice_ends_at: d.notice_ends_at,
            trial_min_end_at: d.trial_min_end_at,
            evaluation_due_at: d.evaluation_due_at,
            in_use_since: d.in_use_since,
            registered_at: d.registered_at,
            platform_ref: d.platform_ref,
            last_valid_capture_at: d.last_valid_capture_at,
            last_patrol_at: d.last_patrol_at,
            installed_at: d.installed_at,
            created_at: d.created_at,
            updated_at: d.updated_at,
            capture_use,
        }
    }
}

/// A page of devices. `total` is exact up to 10,000; beyond that it is 10,000 and
/// `total_is_exact` is false (counting a whole province's registry on every page is not worth it).
#[derive(Debug, Serialize, ToSchema)]
pub struct DevicePage {
    pub items: Vec<DeviceView>,
    pub total: i64,
    pub total_is_exact: bool,
    pub limit: i64,
    pub offset: i64,
}

/// One step on a device's lifecycle timeline.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventView {
    pub id: i64,
    pub device_id: i64,
    pub at: DateTime<Utc>,
    pub action: String,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    pub actor_user_id: Option<i64>,
    pub actor: String,
    pub actor_unit_id: Option<i64>,
    pub reason: String,
    /// The step's details as JSON text.
    pub detail: String,
}

impl From<DeviceEvent> for EventView {
    fn from(e: DeviceEvent) -> Self {
        Self {
            id: e.id,
            device_id: e.device_id,
            at: e.at,
            action: e.action,
            from_state: e.from_state.map(|s| s.as_str().into()),
            to_state: e.to_state.map(|s| s.as_str().into()),
            actor_user_id: e.actor_user_id,
            actor: e.actor,
            actor_unit_id: e.actor_unit_id,
            reason: e.reason,
            detail: e.detail,
        }
    }
}

/// DEV-02: an assessment filed for adding, moving or re-enabling a device.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AssessmentView {
    pub id: i64,
    pub device_id: i64,
    pub purpose: String,
    pub necessity: String,
    pub conditions: String,
    pub facilities_ok: bool,
    pub goal: String,
    pub filed_by: Option<i64>,
    pub filed_unit_id: Option<i64>,
    pub filed_at: DateTime<Utc>,
    /// pending, approved or returned.
    pub outcome: String,
    pub decided_at: Option<DateTime<Utc>>,
}

impl From<Assessment> for AssessmentView {
    fn from(a: Assessment) -> Self {
        Self {
            id: a.id,
            device_id: a.device_id,
            purpose: a.purpose.as_str().into(),
            necessity: a.necessity,
            conditions: a.conditions,
            facilities_ok: a.facilities_ok,
            goal: a.goal,
            filed_by: a.filed_by,
            filed_unit_id: a.filed_unit_id,
            filed_at: a.filed_at,
            outcome: a.outcome.as_str().into(),
            decided_at: a.decided_at,
        }
    }
}

/// DEV-03: one department's decision on an assessment.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReviewView {
    pub id: i64,
    pub assessment_id: i64,
    pub device_id: i64,
    pub department: String,
    pub decision: String,
    pub reason: String,
    pub reviewer_user_id: i64,
    pub reviewer_name: String,
    pub reviewer_unit_id: i64,
    pub at: DateTime<Utc>,
}

impl From<Review> for ReviewView {
    fn from(r: Review) -> Self {
        Self {
            id: r.id,
            assessment_id: r.assessment_id,
            device_id: r.device_id,
            department: r.department.as_str().into(),
            decision: r.decision.as_str().into(),
            reason: r.reason,
            reviewer_user_id: r.reviewer_user_id,
            reviewer_name: r.reviewer_name,
            reviewer_unit_id: r.reviewer_unit_id,
            at: r.at,
        }
    }
}

/// A push credential, without its secret.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CredentialView {
    pub id: i64,
    pub device_id: i64,
    pub key_id: String,
    pub issued_at: DateTime<Utc>,
    pub issued_by: Option<i64>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoked_by: Option<i64>,
}

impl From<Credential> for CredentialView {
    fn from(c: Credential) -> Self {
        Self {
            id: c.id,
            device_id: c.device_id,
            key_id: c.key_id,
            issued_at: c.issued_at,
            issued_by: c.issued_by,
            revoked_at: c.revoked_at,
            revoked_by: c.revoked_by,
        }
    }
}

/// DEV-13: a calibration certificate.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CalibrationView {
    pub id: i64,
    pub device_id: i64,
    pub issuer: String,
    pub certificate_no: String,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    /// The scan's SHA-256 in the blob store, when a scan was filed.
    pub scan_sha256: Option<String>,
    pub scan_name: String,
    pub recorded_by: Option<i64>,
    pub recorded_at: DateTime<Utc>,
}

impl From<Calibration> for CalibrationView {
    fn from(c: Calibration) -> Self {
        Self {
            id: c.id,
            device_id: c.device_id,
            issuer: c.issuer,
            certificate_no: c.certificate_no,
            valid_from: c.valid_from,
            valid_until: c.valid_until,
            scan_sha256: c.scan_sha256,
            scan_name: c.scan_name,
            recorded_by: c.recorded_by,
            recorded_at: c.recorded_at,
        }
    }
}

/// DEV-10: a patrol record.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PatrolView {
    pub id: i64,
    pub device_id: i64,
    pub patrolled_at: DateTime<Utc>,
    pub patroller: String,
    pub conforming: bool,
    pub status: String,
    pub findings: String,
    pub recorded_by: Option<i64>,
    pub recorded_at: DateTime<Utc>,
}

impl From<Patrol> for PatrolView {
    fn from(p: Patrol) -> Self {
        Self {
            id: p.id,
            device_id: p.device_id,
            patrolled_at: p.patrolled_at,
            patroller: p.patroller,
            conforming: p.conforming,
            status: p.status.as_str().into(),
            findings: p.findings,
            recorded_by: p.recorded_by,
            recorded_at: p.recorded_at,
        }
    }
}

/// DEV-10: a fault, open or fixed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FaultView {
    pub id: i64,
    pub device_id: i64,
    pub opened_at: DateTime<Utc>,
    pub description: String,
    pub fixed_at: Option<DateTime<Utc>>,
    pub fix_note: String,
    pub opened_by: Option<i64>,
    pub fixed_by: Option<i64>,
}

impl From<Fault> for FaultView {
    fn from(f: Fault) -> Self {
        Self {
            id: f.id,
            device_id: f.device_id,
            opened_at: f.opened_at,
            description: f.description,
            fixed_at: f.fixed_at,
            fix_note: f.fix_note,
            opened_by: f.opened_by,
            fixed_by: f.fixed_by,
        }
    }
}

/// DEV-15: an operation-log entry.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OperationView {
    pub id: i64,
    pub device_id: i64,
    pub at: DateTime<Utc>,
    pub action: String,
    pub status: String,
    pub note: String,
    pub operator_id: Option<i64>,
    pub operator: String,
}

impl From<Operation> for OperationView {
    fn from(o: Operation) -> Self {
        Self {
            id: o.id,
            device_id: o.device_id,
            at: o.at,
            action: o.action,
            status: o.status.as_str().into(),
            note: o.note,
            operator_id: o.operator_id,
            operator: o.operator,
        }
    }
}

/// An open alert on a device (calibration, evaluation, warnings).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AlertView {
    pub id: i64,
    pub device_id: i64,
    pub number: String,
    pub name: String,
    pub kind: String,
    pub detail: String,
    pub created_at: DateTime<Utc>,
}

impl From<Alert> for AlertView {
    fn from(a: Alert) -> Self {
        Self {
            id: a.id,
            device_id: a.device_id,
            number: a.number,
            name: a.name,
            kind: a.kind.as_str().into(),
            detail: a.detail,
            created_at: a.created_at,
        }
    }
}

/// Everything about one device: its lifecycle timeline and its records.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeviceDetail {
    #[serde(flatten)]
    pub view: DeviceView,
    pub timeline: Vec<EventView>,
    pub assessments: Vec<AssessmentView>,
    pub reviews: Vec<ReviewView>,
    pub calibrations: Vec<CalibrationView>,
    pub patrols: Vec<PatrolView>,
    pub faults: Vec<FaultView>,
    pub operations: Vec<OperationView>,
    pub credentials: Vec<CredentialView>,
    pub alerts: Vec<AlertView>,
    /// The steps the caller may take now.
    pub actions: Vec<&'static str>,
}

fn all<T, V: From<T>>(rows: Vec<T>) -> Vec<V> {
    rows.into_iter().map(V::from).collect()
}

impl From<Detail> for DeviceDetail {
    fn from(d: Detail) -> Self {
        Self {
            view: d.device.into(),
            timeline: all(d.timeline),
            assessments: all(d.assessments),
            reviews: all(d.reviews),
            calibrations: all(d.calibrations),
            patrols: all(d.patrols),
            faults: all(d.faults),
            operations: all(d.operations),
            credentials: all(d.credentials),
            alerts: all(d.alerts),
            actions: d.actions,
        }
    }
}

/// DEV-03: an assessment waiting for a department.
#[derive(Debug, Serialize, ToSchema)]
pub struct InboxItem {
    pub department: String,
    pub assessment_id: i64,
    pub filed_at: DateTime<Utc>,
    pub device: DeviceView,
}

impl From<InboxEntry> for InboxItem {
    fn from(e: InboxEntry) -> Self {
        Self {
            department: e.department.as_str().into(),
            assessment_id: e.assessment_id,
            filed_at: e.filed_at,
            device: e.device.into(),
        }
    }
}

/// A point on the map.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MapPointView {
    pub id: i64,
    pub number: String,
    pub name: String,
    pub state: String,
    pub kind: String,
    pub longitude: f64,
    pub latitude: f64,
}

impl From<MapPoint> for MapPointView {
    fn from(p: MapPoint) -> Self {
        Self {
            id: p.id,
            number: p.number,
            name: p.name,
            state: p.state,
            kind: p.kind,
            longitude: p.longitude,
            latitude: p.latitude,
        }
    }
}

/// DEV-12: a device on a year's clean-up list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CleanupItemView {
    pub id: i64,
    pub year: i32,
    pub device_id: i64,
    pub number: String,
    pub name: String,
    pub state: String,
    /// The reasons, separated by commas.
    pub reasons: String,
    pub created_at: DateTime<Utc>,
    /// keep or retire, once resolved.
    pub resolution: Option<String>,
    pub resolved_at: Option<DateTime<Utc>>,
}

impl From<CleanupItem> for CleanupItemView {
    fn from(c: CleanupItem) -> Self {
        Self {
            id: c.id,
            year: c.year,
            device_id: c.device_id,
            number: c.number,
            name: c.name,
            state: c.state.as_str().into(),
            reasons: c.reasons,
            created_at: c.created_at,
            resolution: c.resolution,
            resolved_at: c.resolved_at,
        }
    }
}

/// A created record's id.
#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    pub id: i64,
}
