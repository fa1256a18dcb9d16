//! DEV-02..07, SUP-04..06, ORG-03: moving a device through its lifecycle. Every step goes
//! through the domain's state machine; a refusal names the rule it would break. The rounds of
//! assessment and review (DEV-02, DEV-03) are in `rounds.rs`.

use chrono::{DateTime, Utc};
use roadwarden_domain::codes::Code;
use roadwarden_domain::device::lifecycle::{
    apply, check_oversight, AssessmentPurpose, Oversight, Step, Transition,
};
use roadwarden_domain::device::{text, AlertKind, DeviceState, SuspensionReason};
use roadwarden_domain::roles::Role;
use roadwarden_domain::{DeviceId, FieldError, RuleViolation};
use roadwarden_store::device_records;
use roadwarden_store::devices::{self, Device};
use roadwarden_store::Tx;
use serde::Deserialize;
use serde_json::json;

use super::{facts, log_change, readable, Change};
use crate::auth::Principal;
use crate::context::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::policy::{DeviceManagers, Supervisors};
use crate::services::audit::Actor;
use crate::services::context::ServiceContext;

mod rounds;
pub use rounds::*;

/// Applies `step` to a locked device and writes the change three ways. Follow-on steps that
/// are already due (a notice of zero days) are taken at once, as the job would.
#[allow(clippy::too_many_arguments)] // the step, its who, why and when: all needed, none optional
pub async fn run_step(
    ctx: &ServiceContext,
    tx: &mut Tx,
    actor: &Actor,
    device: &Device,
    step: Step,
    reason: &str,
    detail: serde_json::Value,
    now: DateTime<Utc>,
) -> AppResult<Transition> {
    let f = facts(tx, device, now).await?;
    let periods = ctx.settings.devices.periods();
    let t = apply(&f, step, now, &periods)?;
    devices::apply_transition(tx, device.id, &t, now).await?;
    let updated = devices::get(tx, device.id)
        .await?
        .ok_or(AppError::NotFound("device"))?;
    let registration = match t.to {
        DeviceState::InUse
        | DeviceState::Trial
        | DeviceState::Suspended
        | DeviceState::CircuitBroken
        | DeviceState::Stopped
        | DeviceState::Retired
        | DeviceState::PublicNotice => Some("state"),
        _ => None,
    };
    log_change(
        tx,
        actor,
        &updated,
        Change {
            action: step.name(),
            from_state: Some(t.from),
            to_state: Some(t.to),
            reason,
            detail,
            registration,
        },
        now,
    )
    .await?;
    // SUP-04..06: the people who must act hear of it.
    super::messages::after_step(tx, actor, &updated, step, &t, now).await?;
    if t.to == DeviceState::PublicNotice && t.notice_ends_at.is_some_and(|e| e <= now) {
        Box::pin(run_step(
            ctx,
            tx,
            &Actor::system(),
            &updated,
            Step::NoticeEnded,
            "",
            json!({}),
            now,
        ))
        .await?;
    }
    if t.to == DeviceState::Retired {
        device_records::revoke_credentials(tx, device.id, None, actor.user_id, now).await?;
    }
    // DEV-07: a device moved or re-enabled is registered afresh for what is now reviewed.
    if step == Step::FileAssessment
        && matches!(
            t.purpose,
            Some(AssessmentPurpose::Move | AssessmentPurpose::ReEnable)
        )
        && updated.registered_at.is_some()
    {
        devices::clear_registration(tx, device.id, now).await?;
    }
    Ok(t)
}

async fn locked(
    ctx: &ServiceContext,
    tx: &mut Tx,
    p: &Principal,
    id: DeviceId,
) -> AppResult<Device> {
    let _ = ctx;
    let device = devices::get_for_update(tx, id).await?;
    readable(tx, p, device).await
}

/// A step a person asks for by name.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ActionInput {
    /// start_formal_use, evaluate_keep, evaluate_stop, suspend, resume, circuit_break, stop,
    /// retire, warn or order_rectification.
    pub action: String,
    /// Why (required for every action but start_formal_use).
    #[serde(default)]
    pub reason: String,
    /// For suspend: one of the SUP-04 reasons, e.g. low_accuracy.
    #[serde(default)]
    pub reason_code: String,
}

/// The actions a person may ask for by name, and who may ask.
fn action_step(input: &ActionInput) -> AppResult<Option<Step>> {
    Ok(Some(match input.action.trim() {
        "start_formal_use" => Step::StartFormalUse,
        "evaluate_keep" => Step::Evaluate { keep: true },
        "evaluate_stop" => Step::Evaluate { keep: false },
        "suspend" => Step::Suspend {
            reason: SuspensionReason::parse(&input.reason_code)?,
        },
        "resume" => Step::Resume,
        "circuit_break" => Step::CircuitBreak,
        "stop" => Step::Stop,
        "retire" => Step::Retire,
        "warn" | "order_rectification" => return Ok(None),
        _ => return Err(FieldError::new("action", "is not a device action").into()),
    }))
}

pub async fn act(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    id: DeviceId,
    input: &ActionInput,
) -> AppResult<Device> {
    let step = action_step(input)?;
    let action = input.action.trim();
    let reason = text("reason", &input.reason, 1000, action != "start_formal_use")?;
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let device = locked(ctx, &mut tx, p, id).await?;
    let actor = Actor::user(p, meta);
    match step {
        None => {
            // ORG-03: warnings and orders to rectify come from above and change no state.
            require(p, Role::Supervisor, action)?;
            check_oversight(p.scope(), &device.unit_path, Oversight::Above, action)?;
            if device.state == DeviceState::Retired {
                return Err(RuleViolation::new(
                    "ORG-03",
                    Code::DeviceRetired,
                    "a retired device is not supervised",
                )
                .into());
            }
            log_change(
                &mut tx,
                &actor,
                &device,
                Change {
                    action,
                    from_state: None,
                    to_state: None,
                    reason: &reason,
                    detail: json!({}),
                    registration: None,
                },
                now,
            )
            .await?;
            let kind = if action == "warn" {
                AlertKind::Warn
            } else {
                AlertKind::OrderRectification
            };
            device_records::add_alert(
                &mut tx,
                id,
                &device.unit_path,
                kind,
                &reason,
                &format!("{action}:{}:{}", id, now.timestamp_micros()),
                now,
            )
            .await?;
            // ORG-03: the managing unit's device managers and head hear of it.
            let message = if action == "warn" {
                "device_warning"
            } else {
                "device_rectification_order"
            };
            super::messages::about_device(
                &mut tx,
                &device,
                message,
                "ORG-03",
                &now.timestamp_micros().to_string(),
                json!({ "from_unit": p.user.unit_id.0 }),
                &[
                    (device.unit_id, Role::DeviceManager),
                    (device.unit_id, Role::UnitHead),
                ],
                now,
            )
            .await?;
        }
        Some(step) => {
            match step {
                Step::CircuitBreak => {
                    require(p, Role::Supervisor, "apply the circuit breaker")?;
                    check_oversight(
                        p.scope(),
                        &device.unit_path,
                        Oversight::Above,
                        "circuit_break",
                    )?;
                }
                Step::Suspend { .. } | Step::Resume => {
                    // Either of the handler's DeviceActors, at the managing unit or above.
                    check_oversight(
                        p.scope(),
                        &device.unit_path,
                        Oversight::ManagingOrAbove,
                        action,
                    )?;
                }
                _ => {
                    require(p, Role::DeviceManager, action)?;
                    check_oversight(
                        p.scope(),
                        &device.unit_path,
                        Oversight::ManagingOrAbove,
                        action,
                    )?;
                }
            }
            let detail = match step {
                Step::Suspend { reason } => json!({ "reason_code": reason.as_str() }),
                _ => json!({}),
            };
            run_step(ctx, &mut tx, &actor, &device, step, &reason, detail, now).await?;
            if step == Step::Resume {
                device_records::resolve_alerts(&mut tx, id, AlertKind::CalibrationInvalid, now)
                    .await?;
                // DEV-04/05: reviewed; it now serves the notice or trial it had not proven.
                device_records::resolve_alerts(&mut tx, id, AlertKind::FormalUseNotProven, now)
                    .await?;
            }
        }
    }
    tx.commit().await?;
    get(ctx, id).await
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct RegistrationInput {
    /// The command platform's reference for the device.
    pub platform_ref: String,
}

/// DEV-07: the command platform confirmed the device's registration.
pub async fn confirm_registration(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    id: DeviceId,
    input: &RegistrationInput,
) -> AppResult<Device> {
    let platform_ref = text("platform_ref", &input.platform_ref, 60, true)?;
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let device = locked(ctx, &mut tx, p, id).await?;
    check_oversight(
        p.scope(),
        &device.unit_path,
        Oversight::ManagingOrAbove,
        "confirm a registration",
    )?;
    if device.state == DeviceState::Retired {
        return Err(RuleViolation::new(
            "DEV-07",
            Code::DeviceRetired,
            "a retired device is not registered",
        )
        .into());
    }
    devices::set_registered(&mut tx, id, now, &platform_ref).await?;
    log_change(
        &mut tx,
        &Actor::user(p, meta),
        &device,
        Change {
            action: "registered",
            from_state: None,
            to_state: None,
            reason: "",
            detail: json!({ "platform_ref": platform_ref }),
            registration: Some("registered"),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    get(ctx, id).await
}

fn require(p: &Principal, role: Role, what: &str) -> AppResult<()> {
    if p.has(role) {
        Ok(())
    } else {
        Err(AppError::forbidden(
            Code::RoleMissing,
            format!(
                "to {} you need the role {}",
                what.replace('_', " "),
                role.as_str()
            ),
        ))
    }
}

async fn get(ctx: &ServiceContext, id: DeviceId) -> AppResult<Device> {
    let mut tx = ctx.store.begin_read().await?;
    devices::get(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound("device"))
}

/// The steps this person could take on the device now (the buttons on its page).
pub async fn available_actions(
    ctx: &ServiceContext,
    p: &Principal,
    device: &Device,
) -> AppResult<Vec<&'static str>> {
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin_read().await?;
    let f = facts(&mut tx, device, now).await?;
    let periods = ctx.settings.devices.periods();
    let manages = p.may::<DeviceManagers>() && p.covers(&device.unit_path);
    let above = p.may::<Supervisors>() && p.scope().is_ancestor_of(&device.unit_path);
    let can = |s: Step| apply(&f, s, now, &periods).is_ok();
    let mut out = Vec::new();
    // Moving a device in service starts with stopping it, so the form shows where it helps.
    let assessable = matches!(
        device.state,
        DeviceState::Draft
            | DeviceState::Returned
            | DeviceState::Stopped
            | DeviceState::CircuitBroken
    );
    if manages && assessable && can(Step::FileAssessment) {
        out.push("file_assessment");
    }
    if manages && device.state == DeviceState::Trial {
        out.push("start_formal_use");
    }
    if manages && can(Step::Evaluate { keep: true }) {
        out.extend(["evaluate_keep", "evaluate_stop"]);
    }
    if (manages || above)
        && can(Step::Suspend {
            reason: SuspensionReason::Other,
        })
    {
        out.push("suspend");
    }
    if (manages || above) && device.state == DeviceState::Suspended {
        out.push("resume");
    }
    if above && can(Step::CircuitBreak) {
        out.push("circuit_break");
    }
    if above && device.state != DeviceState::Retired {
        out.extend(["warn", "order_rectification"]);
    }
    if manages && can(Step::Stop) {
        out.push("stop");
    }
    if manages && device.state != DeviceState::Retired {
        out.push("retire");
        if device.registered_at.is_none() {
            out.push("register");
        }
    }
    Ok(out)
}
