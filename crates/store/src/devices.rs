//! DEV-01..09: the device registry and its lifecycle columns. Rows are never deleted: a retired
//! device keeps its number for ever (DEV-08). The row as read is in `row.rs`; the scoped,
//! filtered lists are in `list.rs`.

use chrono::{DateTime, Utc};
use roadwarden_domain::device::lifecycle::{AssessmentPurpose, Transition};
use roadwarden_domain::device::{DeviceKind, DeviceState, RoadClass, SuspensionReason};
use roadwarden_domain::org::{Country, UnitPath};
use roadwarden_domain::{DeviceId, UnitId};
use serde::Serialize;

use crate::{on, Backend, Result, StoreError, Tx};

mod list;
mod row;

pub use list::*;
use row::{DeviceRow, SELECT};

/// A device with its managing unit's name, code, country and time zone.
#[derive(Debug, Clone, Serialize)]
pub struct Device {
    pub id: DeviceId,
    pub number: String,
    pub kind: DeviceKind,
    pub name: String,
    pub unit_id: UnitId,
    #[serde(skip)]
    pub unit_path: UnitPath,
    pub unit_name: String,
    pub unit_code: String,
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
    pub road_class: Option<RoadClass>,
    pub km_marker: String,
    pub place: String,
    pub nearest_village: String,
    pub direction: String,
    pub longitude: Option<f64>,
    pub latitude: Option<f64>,
    pub measuring: bool,
    pub state: DeviceState,
    pub state_since: DateTime<Utc>,
    pub resume_to: Option<DeviceState>,
    pub suspension_reason: Option<SuspensionReason>,
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
}

impl Device {
    pub fn tz(&self) -> chrono_tz::Tz {
        self.time_zone
            .parse()
            .unwrap_or_else(|_| self.country.default_time_zone())
    }
}

/// The descriptive fields of a device, validated by the caller.
#[derive(Debug, Clone, Default)]
pub struct DeviceFields {
    pub name: String,
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
    pub road_class: Option<RoadClass>,
    pub km_marker: String,
    pub place: String,
    pub nearest_village: String,
    pub direction: String,
    pub longitude: Option<f64>,
    pub latitude: Option<f64>,
    pub measuring: bool,
}

/// A new device: its number, kind, managing unit, fields, and the state it starts in (draft
/// for a proposal; an imported device comes with its state and dates).
#[derive(Debug, Clone)]
pub struct NewDevice {
    pub number: String,
    pub kind: DeviceKind,
    pub unit_id: UnitId,
    pub unit_path: UnitPath,
    pub fields: DeviceFields,
    pub state: DeviceState,
    pub state_since: DateTime<Utc>,
    pub in_use_since: Option<DateTime<Utc>>,
    pub evaluation_due_at: Option<DateTime<Utc>>,
    pub trial_min_end_at: Option<DateTime<Utc>>,
    pub notice_ends_at: Option<DateTime<Utc>>,
    pub registered_at: Option<DateTime<Utc>>,
    pub platform_ref: String,
    pub last_valid_capture_at: Option<DateTime<Utc>>,
    pub installed_at: DateTime<Utc>,
    /// For an imported suspended device: where it returns and why it was suspended.
    pub resume_to: Option<DeviceState>,
    pub suspension_reason: Option<SuspensionReason>,
}

impl NewDevice {
    /// The device as [`insert`] stores it, without reading it back (bulk imports).
    pub fn as_inserted(
        &self,
        id: DeviceId,
        unit: &crate::units::Unit,
        now: DateTime<Utc>,
    ) -> Device {
        let f = &self.fields;
        Device {
            id,
            number: self.number.clone(),
            kind: self.kind,
            name: f.name.clone(),
            unit_id: self.unit_id,
            unit_path: self.unit_path.clone(),
            unit_name: unit.name.clone(),
            unit_code: unit.code.clone(),
            country: unit.country,
            time_zone: unit.time_zone.clone(),
            maintainer: f.maintainer.clone(),
            leader: f.leader.clone(),
            department: f.department.clone(),
            violation_types: f.violation_types.clone(),
            make: f.make.clone(),
            model: f.model.clone(),
            serial: f.serial.clone(),
            mac: f.mac.clone(),
            channel: f.channel.clone(),
            road: f.road.clone(),
            road_class: f.road_class,
            km_marker: f.km_marker.clone(),
            place: f.place.clone(),
            nearest_village: f.nearest_village.clone(),
            direction: f.direction.clone(),
            longitude: f.longitude,
            latitude: f.latitude,
            measuring: f.measuring,
            state: self.state,
            state_since: self.state_since,
            resume_to: self.resume_to,
            suspension_reason: self.suspension_reason,
            round_purpose: None,
            notice_ends_at: self.notice_ends_at,
            trial_min_end_at: self.trial_min_end_at,
            evaluation_due_at: self.evaluation_due_at,
            in_use_since: self.in_use_since,
            registered_at: self.registered_at,
            platform_ref: self.platform_ref.clone(),
            last_valid_capture_at: self.last_valid_capture_at,
            last_patrol_at: None,
            installed_at: self.installed_at,
            created_at: now,
            updated_at: now,
        }
    }
}

pub async fn insert(tx: &mut Tx, new: &NewDevice, now: DateTime<Utc>) -> Result<DeviceId> {
    let f = &new.fields;
    let types = serde_json::to_string(&f.violation_types).map_err(StoreError::corrupt)?;
    let sql = "INSERT INTO devices (number, kind, name, unit_id, unit_path, maintainer, leader, \
        department, violation_types, make, model, serial, mac, channel, road, road_class, \
        km_marker, place, nearest_village, direction, longitude, latitude, measuring, state, \
        state_since, in_use_since, evaluation_due_at, trial_min_end_at, notice_ends_at, \
        registered_at, platform_ref, last_valid_capture_at, installed_at, resume_to, suspension_reason, \
        created_at, updated_at) \
        VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22, \
        $23,$24,$25,$26,$27,$28,$29,$30,$31,$32,$33,$34,$35,$36,$36) RETURNING id";
    let id: i64 = on!(tx, c => sqlx::query_scalar(sql)
        .bind(&new.number).bind(new.kind.as_str()).bind(&f.name).bind(new.unit_id.0)
        .bind(new.unit_path.as_str()).bind(&f.maintainer).bind(&f.leader).bind(&f.department)
        .bind(&types).bind(&f.make).bind(&f.model).bind(&f.serial).bind(&f.mac).bind(&f.channel)
        .bind(&f.road).bind(f.road_class.map_or("", RoadClass::as_str)).bind(&f.km_marker)
        .bind(&f.place).bind(&f.nearest_village).bind(&f.direction).bind(f.longitude)
        .bind(f.latitude).bind(f.measuring).bind(new.state.as_str()).bind(new.state_since)
        .bind(new.in_use_since).bind(new.evaluation_due_at).bind(new.trial_min_end_at)
        .bind(new.notice_ends_at).bind(new.registered_at).bind(&new.platform_ref)
        .bind(new.last_valid_capture_at).bind(new.installed_at)
        .bind(new.resume_to.map(DeviceState::as_str))
        .bind(new.suspension_reason.map(SuspensionReason::as_str)).bind(now)
        .fetch_one(c).await?);
    Ok(DeviceId(id))
}

pub async fn update_fields(
    tx: &mut Tx,
    id: DeviceId,
    f: &DeviceFields,
    now: DateTime<Utc>,
) -> Result<()> {
    let types = serde_json::to_string(&f.violation_types).map_err(StoreError::corrupt)?;
    let sql = "UPDATE devices SET name=$1, maintainer=$2, leader=$3, department=$4, \
        violation_types=$5, make=$6, model=$7, serial=$8, mac=$9, channel=$10, road=$11, \
        road_class=$12, km_marker=$13, place=$14, nearest_village=$15, direction=$16, \
        longitude=$17, latitude=$18, measuring=$19, updated_at=$20 WHERE id=$21";
    on!(tx, c => sqlx::query(sql)
        .bind(&f.name).bind(&f.maintainer).bind(&f.leader).bind(&f.department).bind(&types)
        .bind(&f.make).bind(&f.model).bind(&f.serial).bind(&f.mac).bind(&f.channel)
        .bind(&f.road).bind(f.road_class.map_or("", RoadClass::as_str)).bind(&f.km_marker)
        .bind(&f.place).bind(&f.nearest_village).bind(&f.direction).bind(f.longitude)
        .bind(f.latitude).bind(f.measuring).bind(now).bind(id.0)
        .execute(c).await?.rows_affected());
    Ok(())
}

/// Stores the outcome of a lifecycle step.
pub async fn apply_transition(
    tx: &mut Tx,
    id: DeviceId,
    t: &Transition,
    now: DateTime<Utc>,
) -> Result<()> {
    let sql = "UPDATE devices SET state=$1, state_since=$2, resume_to=$3, suspension_reason=$4, \
        round_purpose=$5, notice_ends_at=$6, trial_min_end_at=$7, evaluation_due_at=$8, \
        in_use_since=COALESCE($9, in_use_since), updated_at=$2 WHERE id=$10";
    on!(tx, c => sqlx::query(sql)
        .bind(t.to.as_str()).bind(now).bind(t.resume_to.map(DeviceState::as_str))
        .bind(t.suspension_reason.map(SuspensionReason::as_str))
        .bind(t.purpose.map(AssessmentPurpose::as_str)).bind(t.notice_ends_at)
        .bind(t.trial_min_end_at).bind(t.evaluation_due_at).bind(t.in_use_since).bind(id.0)
        .execute(c).await?.rows_affected());
    Ok(())
}

/// DEV-07: the command platform confirmed the registration.
pub async fn set_registered(
    tx: &mut Tx,
    id: DeviceId,
    at: DateTime<Utc>,
    platform_ref: &str,
) -> Result<()> {
    on!(tx, c => sqlx::query("UPDATE devices SET registered_at=$1, platform_ref=$2, updated_at=$1 WHERE id=$3")
        .bind(at).bind(platform_ref).bind(id.0)
        .execute(c).await?.rows_affected());
    Ok(())
}

pub async fn set_last_patrol(tx: &mut Tx, id: DeviceId, at: DateTime<Utc>) -> Result<()> {
    on!(tx, c => sqlx::query("UPDATE devices SET last_patrol_at=$1 WHERE id=$2 AND (last_patrol_at IS NULL OR last_patrol_at < $1)")
        .bind(at).bind(id.0)
        .execute(c).await?.rows_affected());
    Ok(())
}

/// DEV-12: the newest capture that could become a violation.
pub async fn set_last_valid_capture(tx: &mut Tx, id: DeviceId, at: DateTime<Utc>) -> Result<()> {
    on!(tx, c => sqlx::query("UPDATE devices SET last_valid_capture_at=$1 WHERE id=$2 AND (last_valid_capture_at IS NULL OR last_valid_capture_at < $1)")
        .bind(at).bind(id.0)
        .execute(c).await?.rows_affected());
    Ok(())
}

pub async fn get(tx: &mut Tx, id: DeviceId) -> Result<Option<Device>> {
    let sql = format!("{SELECT} WHERE d.id = $1");
    let row: Option<DeviceRow> =
        on!(tx, c => sqlx::query_as(&sql).bind(id.0).fetch_optional(c).await?);
    row.map(Device::try_from).transpose()
}

/// Reads a device to change it: on PostgreSQL the row stays locked until the transaction ends,
/// so two steps on one device never interleave (SQLite has a single writer already).
pub async fn get_for_update(tx: &mut Tx, id: DeviceId) -> Result<Option<Device>> {
    if tx.backend() == Backend::Postgres {
        on!(tx, c => sqlx::query("SELECT id FROM devices WHERE id = $1 FOR UPDATE")
            .bind(id.0).fetch_optional(c).await?.map(|_| ()));
    }
    get(tx, id).await
}

pub async fn get_by_number(tx: &mut Tx, number: &str) -> Result<Option<Device>> {
    let sql = format!("{SELECT} WHERE d.number = $1");
    let row: Option<DeviceRow> =
        on!(tx, c => sqlx::query_as(&sql).bind(number).fetch_optional(c).await?);
    row.map(Device::try_from).transpose()
}

/// The device behind an ISAPI push: its MAC and channel (normalised as registered).
pub async fn get_by_mac(tx: &mut Tx, mac: &str, channel: &str) -> Result<Option<Device>> {
    let sql = format!(
        "{SELECT} WHERE d.mac = $1 AND (d.channel = $2 OR d.channel = '') \
         ORDER BY CASE WHEN d.channel = $2 THEN 0 ELSE 1 END, d.id LIMIT 1"
    );
    let row: Option<DeviceRow> =
        on!(tx, c => sqlx::query_as(&sql).bind(mac).bind(channel).fetch_optional(c).await?);
    row.map(Device::try_from).transpose()
}

/// Devices in `state` whose `column` time has come (for the jobs that move deadlines).
pub async fn due(
    tx: &mut Tx,
    state: DeviceState,
    column: DueColumn,
    now: DateTime<Utc>,
) -> Result<Vec<DeviceId>> {
    let sql = format!(
        "SELECT id FROM devices WHERE state = $1 AND {} IS NOT NULL AND {} <= $2 ORDER BY id",
        column.name(),
        column.name()
    );
    let ids: Vec<i64> =
        on!(tx, c => sqlx::query_scalar(&sql).bind(state.as_str()).bind(now).fetch_all(c).await?);
    Ok(ids.into_iter().map(DeviceId).collect())
}

#[derive(Debug, Clone, Copy)]
pub enum DueColumn {
    NoticeEnds,
    TrialMinEnd,
    EvaluationDue,
}

impl DueColumn {
    fn name(self) -> &'static str {
        match self {
            DueColumn::NoticeEnds => "notice_ends_at",
            DueColumn::TrialMinEnd => "trial_min_end_at",
            DueColumn::EvaluationDue => "evaluation_due_at",
        }
    }
}

/// Measuring devices that may capture (trial, in use, evaluation due): the calibration check.
pub async fn measuring_in_service(tx: &mut Tx) -> Result<Vec<DeviceId>> {
    let sql = "SELECT id FROM devices WHERE measuring = $1 AND state IN ('trial', 'in_use', 'evaluation_due') ORDER BY id";
    let ids: Vec<i64> = on!(tx, c => sqlx::query_scalar(sql).bind(true).fetch_all(c).await?);
    Ok(ids.into_iter().map(DeviceId).collect())
}

/// DEV-07: a moved or re-enabled device is registered afresh for its new assessment.
pub async fn clear_registration(tx: &mut Tx, id: DeviceId, now: DateTime<Utc>) -> Result<()> {
    on!(tx, c => sqlx::query("UPDATE devices SET registered_at = NULL, platform_ref = '', updated_at = $1 WHERE id = $2")
        .bind(now).bind(id.0)
        .execute(c).await?.rows_affected());
    Ok(())
}

/// During a bulk import on PostgreSQL: fresh planner statistics, so lookups by id (foreign-key
/// checks included) use the indexes instead of plans made for an empty table. ANALYZE may run
/// inside the import's transaction and sees its rows. SQLite needs nothing.
pub async fn prepare_bulk_insert(tx: &mut Tx) -> Result<()> {
    if let Tx::Postgres(t) = tx {
        sqlx::query("ANALYZE devices, device_events, device_calibrations, device_registrations")
            .execute(&mut **t)
            .await?;
    }
    Ok(())
}
