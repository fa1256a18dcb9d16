//! Messages about a device to the people who must act: an upper unit's warning or order to
//! rectify (SUP-02, ORG-03), the circuit breaker applied and lifted (SUP-06), a suspension
//! that someone outside the managing unit decided (SUP-04, SUP-05: the calibration job, an
//! upper unit). One message per event and recipient: a job that runs twice adds nothing.

use chrono::{DateTime, Utc};
use roadwarden_domain::device::lifecycle::{Step, Transition};
use roadwarden_domain::device::{DeviceState, SuspensionReason};
use roadwarden_domain::roles::Role;
use roadwarden_domain::UnitId;
use roadwarden_store::devices::Device;
use roadwarden_store::Tx;
use serde_json::json;

use crate::error::AppResult;
use crate::services::audit::Actor;
use crate::services::messages::{self, Note};

/// Sends `kind` about `device` to each (unit, role), once per `event_key`.
#[allow(clippy::too_many_arguments)] // the event, its subject, rule, recipients and time
pub async fn about_device(
    tx: &mut Tx,
    device: &Device,
    kind: &str,
    rule: &str,
    event_key: &str,
    extra: serde_json::Value,
    to: &[(UnitId, Role)],
    now: DateTime<Utc>,
) -> AppResult<()> {
    let mut detail = json!({ "device_id": device.id.0, "device_number": device.number,
                             "device_name": device.name });
    if let (Some(d), Some(e)) = (detail.as_object_mut(), extra.as_object()) {
        d.extend(e.clone());
    }
    let detail = detail.to_string();
    let id = device.id.0.to_string();
    let note = Note {
        kind,
        rule,
        subject: ("device", id.as_str()),
        event_key,
        detail: &detail,
    };
    let mut seen = Vec::new();
    for &(unit, role) in to {
        if seen.contains(&(unit, role)) {
            continue;
        }
        seen.push((unit, role));
        messages::to_role(tx, &note, unit, role, now).await?;
    }
    Ok(())
}

/// The managing unit's device managers and head.
fn managing(device: &Device) -> Vec<(UnitId, Role)> {
    vec![
        (device.unit_id, Role::DeviceManager),
        (device.unit_id, Role::UnitHead),
    ]
}

/// After a lifecycle step: SUP-06's circuit breaker applied or lifted, a suspension decided
/// outside the managing unit (SUP-04, SUP-05).
pub async fn after_step(
    tx: &mut Tx,
    actor: &Actor,
    device: &Device,
    step: Step,
    t: &Transition,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let key = now.timestamp_micros().to_string();
    if t.to == DeviceState::CircuitBroken && t.from != DeviceState::CircuitBroken {
        let mut to = managing(device);
        if let Some(unit) = actor.unit_id {
            to.push((unit, Role::Supervisor));
            to.push((unit, Role::UnitHead));
        }
        return about_device(
            tx,
            device,
            "circuit_breaker_applied",
            "SUP-06",
            &key,
            json!({}),
            &to,
            now,
        )
        .await;
    }
    if t.from == DeviceState::CircuitBroken && t.to != DeviceState::CircuitBroken {
        let mut to = managing(device);
        if let Some(unit) = messages::circuit_breaker_unit(tx, device.id.0).await? {
            to.push((unit, Role::Supervisor));
            to.push((unit, Role::UnitHead));
        }
        return about_device(
            tx,
            device,
            "circuit_breaker_lifted",
            "SUP-06",
            &key,
            json!({ "to_state": t.to.as_str() }),
            &to,
            now,
        )
        .await;
    }
    if let Step::Suspend { reason } = step {
        // The managing unit's own re-check suspends its device knowingly; a job or an upper
        // unit tells it.
        if t.to == DeviceState::Suspended && actor.unit_id != Some(device.unit_id) {
            let rule = if reason == SuspensionReason::CalibrationInvalid {
                "SUP-05"
            } else {
                "SUP-04"
            };
            return about_device(
                tx,
                device,
                "device_suspended",
                rule,
                &key,
                json!({ "reason_code": reason.as_str() }),
                &[(device.unit_id, Role::DeviceManager)],
                now,
            )
            .await;
        }
    }
    Ok(())
}
