//! The registry row as the database returns it, and its check into a [`Device`].

use chrono::{DateTime, Utc};
use roadwarden_domain::device::lifecycle::AssessmentPurpose;
use roadwarden_domain::device::{DeviceKind, DeviceState, RoadClass, SuspensionReason};
use roadwarden_domain::org::{Country, UnitPath};
use roadwarden_domain::{DeviceId, UnitId};

use super::Device;
use crate::{Result, StoreError};

#[derive(sqlx::FromRow)]
pub(super) struct DeviceRow {
    id: i64,
    number: String,
    kind: String,
    name: String,
    unit_id: i64,
    unit_path: String,
    unit_name: String,
    unit_code: String,
    country: String,
    time_zone: String,
    maintainer: String,
    leader: String,
    department: String,
    violation_types: String,
    make: String,
    model: String,
    serial: String,
    mac: String,
    channel: String,
    road: String,
    road_class: String,
    km_marker: String,
    place: String,
    nearest_village: String,
    direction: String,
    longitude: Option<f64>,
    latitude: Option<f64>,
    measuring: bool,
    state: String,
    state_since: DateTime<Utc>,
    resume_to: Option<String>,
    suspension_reason: Option<String>,
    round_purpose: Option<String>,
    notice_ends_at: Option<DateTime<Utc>>,
    trial_min_end_at: Option<DateTime<Utc>>,
    evaluation_due_at: Option<DateTime<Utc>>,
    in_use_since: Option<DateTime<Utc>>,
    registered_at: Option<DateTime<Utc>>,
    platform_ref: String,
    last_valid_capture_at: Option<DateTime<Utc>>,
    last_patrol_at: Option<DateTime<Utc>>,
    installed_at: DateTime<Utc>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<DeviceRow> for Device {
    type Error = StoreError;
    fn try_from(r: DeviceRow) -> Result<Self> {
        let state = |s: &str| DeviceState::parse(s).map_err(StoreError::corrupt);
        Ok(Device {
            id: DeviceId(r.id),
            number: r.number,
            kind: DeviceKind::parse(&r.kind).map_err(StoreError::corrupt)?,
            name: r.name,
            unit_id: UnitId(r.unit_id),
            unit_path: UnitPath::from_stored(r.unit_path),
            unit_name: r.unit_name,
            unit_code: r.unit_code,
            country: Country::parse(&r.country).map_err(StoreError::corrupt)?,
            time_zone: r.time_zone,
            maintainer: r.maintainer,
            leader: r.leader,
            department: r.department,
            violation_types: serde_json::from_str(&r.violation_types)
                .map_err(StoreError::corrupt)?,
            make: r.make,
            model: r.model,
            serial: r.serial,
            mac: r.mac,
            channel: r.channel,
            road: r.road,
            road_class: if r.road_class.is_empty() {
                None
            } else {
                Some(RoadClass::parse(&r.road_class).map_err(StoreError::corrupt)?)
            },
            km_marker: r.km_marker,
            place: r.place,
            nearest_village: r.nearest_village,
            direction: r.direction,
            longitude: r.longitude,
            latitude: r.latitude,
            measuring: r.measuring,
            state: state(&r.state)?,
            state_since: r.state_since,
            resume_to: r.resume_to.as_deref().map(state).transpose()?,
            suspension_reason: r
                .suspension_reason
                .as_deref()
                .map(SuspensionReason::parse)
                .transpose()
                .map_err(StoreError::corrupt)?,
            round_purpose: r
                .round_purpose
                .as_deref()
                .map(AssessmentPurpose::parse)
                .transpose()
                .map_err(StoreError::corrupt)?,
            notice_ends_at: r.notice_ends_at,
            trial_min_end_at: r.trial_min_end_at,
            evaluation_due_at: r.evaluation_due_at,
            in_use_since: r.in_use_since,
            registered_at: r.registered_at,
            platform_ref: r.platform_ref,
            last_valid_capture_at: r.last_valid_capture_at,
            last_patrol_at: r.last_patrol_at,
            installed_at: r.installed_at,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

pub(super) const SELECT: &str = "SELECT d.id, d.number, d.kind, d.name, d.unit_id, d.unit_path, \
    u.name AS unit_name, u.code AS unit_code, u.country, u.time_zone, d.maintainer, d.leader, \
    d.department, d.violation_types, d.make, d.model, d.serial, d.mac, d.channel, d.road, \
    d.road_class, d.km_marker, d.place, d.nearest_village, d.direction, d.longitude, d.latitude, \
    d.measuring, d.state, d.state_since, d.resume_to, d.suspension_reason, d.round_purpose, \
    d.notice_ends_at, d.trial_min_end_at, d.evaluation_due_at, d.in_use_since, d.registered_at, \
    d.platform_ref, d.last_valid_capture_at, d.last_patrol_at, d.installed_at, d.created_at, \
    d.updated_at FROM devices d JOIN units u ON u.id = d.unit_id";
