//! DEV-01..15: the device registry and its use cases. `registry` creates, edits and lists
//! devices; `lifecycle` files assessments, reviews and moves devices through their states;
//! `upkeep` records calibrations, patrols, faults and the operation log and computes the
//! DEV-11 ratings; `credentials` issues push credentials; `ledger` imports devices already in
//! service; `deadlines` is what the jobs run; `reads` is what readers see (one device with its
//! records, the review inbox, alerts, the registration export); `public` is the DEV-04 list.

pub mod credentials;
pub mod deadlines;
pub mod ledger;
pub mod lifecycle;
pub mod list;
pub mod messages;
pub mod presence;
pub mod public;
pub mod reads;
pub mod registry;
pub mod upkeep;

use chrono::{DateTime, Utc};
use roadwarden_domain::device::lifecycle::Facts;
use roadwarden_domain::device::review::review_scope;
use roadwarden_domain::device::upkeep::valid_certificate;
use roadwarden_domain::device::DeviceState;
use roadwarden_domain::org::UnitPath;
use roadwarden_store::device_records::{self, NewEvent};
use roadwarden_store::devices::Device;
use roadwarden_store::{units, Tx};
use serde_json::json;

use super::audit::{record, Actor, Event};
use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::policy::{DeviceReviewers, RoleSet};

/// The subtree a person may read devices in: their own scope, and for a reviewer in a
/// reviewing department, the police unit that department serves (DEV-03).
pub async fn reading_scopes(tx: &mut Tx, p: &Principal) -> AppResult<Vec<UnitPath>> {
    let mut scopes = vec![p.scope().clone()];
    if p.has_any(DeviceReviewers::ROLES) {
        if let Some(unit) = units::get(tx, p.user.unit_id).await? {
            let scope = review_scope(&unit.path, unit.kind);
            if scope != *p.scope() {
                scopes.push(scope);
            }
        }
    }
    Ok(scopes)
}

/// Reads a device the person may see; anything else is "not found" (ORG-02).
pub async fn readable(tx: &mut Tx, p: &Principal, device: Option<Device>) -> AppResult<Device> {
    let device = device.ok_or(AppError::NotFound("device"))?;
    if p.covers(&device.unit_path) {
        return Ok(device);
    }
    for scope in reading_scopes(tx, p).await? {
        if scope.covers(&device.unit_path) {
            return Ok(device);
        }
    }
    Err(AppError::NotFound("device"))
}

/// What the state machine needs to know about `device` at `now`.
pub async fn facts(tx: &mut Tx, device: &Device, now: DateTime<Utc>) -> AppResult<Facts> {
    let periods = device_records::calibration_periods(tx, device.id).await?;
    let today = now.with_timezone(&device.tz()).date_naive();
    Ok(Facts {
        kind: device.kind,
        state: device.state,
        state_since: device.state_since,
        resume_to: device.resume_to,
        suspension_reason: device.suspension_reason,
        round_purpose: device.round_purpose,
        notice_ends_at: device.notice_ends_at,
        trial_min_end_at: device.trial_min_end_at,
        evaluation_due_at: device.evaluation_due_at,
        registered: device.registered_at.is_some(),
        measuring: device.measuring,
        calibration_valid: valid_certificate(&periods, today).is_some(),
        tz: device.tz(),
    })
}

/// One change to a device, written three ways in the same transaction: the device's own
/// timeline, the audit chain (SEC-05), and a registration record for the command platform
/// (DEV-07).
pub struct Change<'a> {
    pub action: &'a str,
    pub from_state: Option<DeviceState>,
    pub to_state: Option<DeviceState>,
    pub reason: &'a str,
    pub detail: serde_json::Value,
    /// The registration change kind, or None when the platform need not hear of it.
    pub registration: Option<&'a str>,
}

pub async fn log_change(
    tx: &mut Tx,
    actor: &Actor,
    device: &Device,
    change: Change<'_>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    device_records::add_event(
        tx,
        &NewEvent {
            device_id: device.id,
            action: change.action,
            from_state: change.from_state,
            to_state: change.to_state,
            actor_user_id: actor.user_id,
            actor: &actor.name,
            actor_unit_id: actor.unit_id,
            reason: change.reason,
            detail: change.detail.clone(),
        },
        now,
    )
    .await?;
    record(
        tx,
        actor,
        Event {
            action: &format!("device.{}", change.action),
            object_type: "device",
            object_id: device.id.to_string(),
            unit_id: Some(device.unit_id),
            detail: json!({
                "number": device.number, "from": change.from_state, "to": change.to_state,
                "reason": change.reason, "detail": change.detail,
            }),
        },
        now,
    )
    .await?;
    if let Some(kind) = change.registration {
        let snapshot = registration_record(
            device,
            kind,
            change.to_state,
            &change.detail,
            &actor.name,
            now,
        );
        device_records::add_registration(
            tx,
            device.id,
            &device.unit_path,
            kind,
            &snapshot,
            &actor.name,
            actor.user_id,
            now,
        )
        .await?;
    }
    Ok(())
}

/// DEV-07: the documented registration record (docs/guide.*.md "Registration export").
pub fn registration_record(
    device: &Device,
    change: &str,
    to_state: Option<DeviceState>,
    detail: &serde_json::Value,
    actor: &str,
    at: DateTime<Utc>,
) -> serde_json::Value {
    json!({
        "change": change,
        "at": at,
        "by": actor,
        "device": {
            "number": device.number,
            "kind": device.kind.as_str(),
            "name": device.name,
            "managing_unit_code": device.unit_code,
            "managing_unit": device.unit_name,
            "maintainer": device.maintainer,
            "road": device.road,
            "road_class": device.road_class.map(|r| r.as_str()),
            "km_marker": device.km_marker,
            "place": device.place,
            "nearest_village": device.nearest_village,
            "direction": device.direction,
            "longitude": device.longitude,
            "latitude": device.latitude,
            "violation_types": device.violation_types,
            "state": to_state.unwrap_or(device.state).as_str(),
        },
        "changed": detail,
    })
}
