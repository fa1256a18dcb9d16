//! DEV-02..07, SUP-04..06, ORG-03: moving a device through its lifecycle. Every step goes
//! through the domain's state machine; a refusal names the rule it would break.
//!
//! Why this file is just over 600 lines: it is one job, the lifecycle's use cases; each step's
//! checks (role, scope, state) read top to bottom next to the others, in the order `apply` runs.

use chrono::{DateTime, Utc};
use roadwarden_domain::codes::Code;
use roadwarden_domain::device::lifecycle::{
    apply, check_oversight, AssessmentPurpose, Oversight, Step, Transition,
};
use roadwarden_domain::device::review::{
    check_review, round_outcome, Decision, Department, ReviewAttempt, RoundOutcome,
};
use roadwarden_domain::device::{text, DeviceState, SuspensionReason};
use roadwarden_domain::roles::Role;
use roadwarden_domain::{DeviceId, FieldError, RuleViolation};
use roadwarden_store::device_records::{self, NewAssessment, NewReview};
use roadwarden_store::devices::{self, Device};
use roadwarden_store::{units, Tx};
use serde::Deserialize;
use serde_json::json;

use super::{facts, log_change, readable, Change};
use crate::auth::Principal;
use crate::context::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::policy::{DeviceActors, DeviceManagers, RoleSet, Supervisors};
use crate::services::audit::Actor;
use crate::services::context::ServiceContext;

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
            from_state: Some(t.from.as_str()),
            to_state: Some(t.to.as_str()),
            reason,
            detail,
            registration,
        },
        now,
    )
    .await?;
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

/// DEV-02: what an assessment states.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct AssessmentInput {
    /// Necessity: traffic volume, disorder, accident history at the place.
    pub necessity: String,
    /// Rationality and conformity: signals, signs, markings and lighting.
    pub conditions: String,
    /// The signals, signs, markings and lighting are in order.
    #[serde(default)]
    pub facilities_ok: bool,
    /// The purpose the device serves.
    pub goal: String,
}

pub async fn file_assessment(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    id: DeviceId,
    input: &AssessmentInput,
) -> AppResult<Device> {
    let necessity = text("necessity", &input.necessity, 2000, true)?;
    let conditions = text("conditions", &input.conditions, 2000, true)?;
    let goal = text("goal", &input.goal, 1000, true)?;
    if !input.facilities_ok {
        return Err(RuleViolation::new(
            "DEV-02",
            Code::DeviceFacilitiesNotInOrder,
            "signals, signs, markings and lighting must be in order before a device is set, moved or re-enabled",
        )
        .into());
    }
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let device = locked(ctx, &mut tx, p, id).await?;
    require(p, Role::DeviceManager, "file an assessment")?;
    check_oversight(
        p.scope(),
        &device.unit_path,
        Oversight::ManagingOrAbove,
        "file an assessment",
    )?;
    let actor = Actor::user(p, meta);
    let t = run_step(
        ctx,
        &mut tx,
        &actor,
        &device,
        Step::FileAssessment,
        "",
        json!({}),
        now,
    )
    .await?;
    let purpose = t.purpose.map_or("add", |p| p.as_str());
    device_records::add_assessment(
        &mut tx,
        &NewAssessment {
            device_id: id,
            purpose,
            necessity: &necessity,
            conditions: &conditions,
            facilities_ok: true,
            goal: &goal,
            filed_by: Some(p.user.id),
            filed_unit: Some(p.user.unit_id),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    get(ctx, id).await
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ReviewInput {
    /// technology, legal or public_opinion
    pub department: String,
    /// approve or return
    pub decision: String,
    /// Required when returning.
    #[serde(default)]
    pub reason: String,
}

/// DEV-03: one department's decision on the round under review.
pub async fn review(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    id: DeviceId,
    input: &ReviewInput,
) -> AppResult<Device> {
    let department = Department::parse(&input.department)?;
    let decision = Decision::parse(&input.decision)?;
    let reason = text("reason", &input.reason, 1000, false)?;
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let device = locked(ctx, &mut tx, p, id).await?;
    if device.state != DeviceState::UnderReview {
        return Err(RuleViolation::new(
            "DEV-03",
            Code::DeviceTransitionOutOfOrder,
            format!(
                "only an assessment under review is reviewed; this device is '{}'",
                device.state.as_str()
            ),
        )
        .into());
    }
    let assessment = device_records::pending_assessment(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound("assessment"))?;
    let all = device_records::reviews(&mut tx, id).await?;
    let this_round: Vec<_> = all
        .iter()
        .filter(|r| r.assessment_id == assessment.id)
        .collect();
    let unit = units::get(&mut tx, p.user.unit_id)
        .await?
        .ok_or(AppError::NotFound("unit"))?;
    let filing_unit = match assessment.filed_unit_id {
        Some(id) => units::get(&mut tx, roadwarden_domain::UnitId(id)).await?,
        None => None,
    };
    check_review(&ReviewAttempt {
        department,
        reviewer: p.user.id,
        reviewer_roles: &p.roles,
        reviewer_unit: &unit.path,
        reviewer_unit_kind: unit.kind,
        filed_by: assessment.filed_by.map(roadwarden_domain::UserId),
        filing_unit: filing_unit.as_ref().map(|u| &u.path),
        decided_other_department: this_round
            .iter()
            .any(|r| r.reviewer_user_id == p.user.id.0 && r.department != department.as_str()),
        managing_unit: &device.unit_path,
        already_decided: this_round
            .iter()
            .any(|r| r.department == department.as_str()),
        reason: &reason,
        decision,
    })?;
    device_records::add_review(
        &mut tx,
        &NewReview {
            assessment_id: assessment.id,
            device_id: id,
            department: department.as_str(),
            decision: decision.as_str(),
            reason: &reason,
            reviewer: p.user.id,
            reviewer_unit: unit.id,
        },
        now,
    )
    .await?;
    let actor = Actor::user(p, meta);
    log_change(
        &mut tx,
        &actor,
        &device,
        Change {
            action: if decision == Decision::Approve {
                "review_approved"
            } else {
                "review_returned_by"
            },
            from_state: None,
            to_state: None,
            reason: &reason,
            detail: json!({ "department": department.as_str(), "assessment": assessment.id }),
            registration: None,
        },
        now,
    )
    .await?;
    let mut decisions: Vec<(Department, Decision)> = this_round
        .iter()
        .filter_map(|r| {
            Some((
                Department::parse(&r.department).ok()?,
                Decision::parse(&r.decision).ok()?,
            ))
        })
        .collect();
    decisions.push((department, decision));
    match round_outcome(&decisions) {
        RoundOutcome::Approved => {
            device_records::decide_assessment(&mut tx, assessment.id, "approved", now).await?;
            run_step(
                ctx,
                &mut tx,
                &Actor::system(),
                &device,
                Step::ReviewsApproved,
                "",
                json!({ "assessment": assessment.id }),
                now,
            )
            .await?;
        }
        RoundOutcome::Returned => {
            device_records::decide_assessment(&mut tx, assessment.id, "returned", now).await?;
            run_step(
                ctx,
                &mut tx,
                &actor,
                &device,
                Step::ReviewReturned,
                &reason,
                json!({ "department": department.as_str() }),
                now,
            )
            .await?;
        }
        RoundOutcome::Pending => {}
    }
    tx.commit().await?;
    get(ctx, id).await
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
            device_records::add_alert(
                &mut tx,
                id,
                &device.unit_path,
                action,
                &reason,
                &format!("{action}:{}:{}", id, now.timestamp_micros()),
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
                    if !p.has_any(DeviceActors::ROLES) {
                        return Err(AppError::forbidden(
                            Code::RoleMissing,
                            "this needs the role device_manager or supervisor",
                        ));
                    }
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
                device_records::resolve_alerts(&mut tx, id, "calibration_invalid", now).await?;
                // DEV-04/05: reviewed; it now serves the notice or trial it had not proven.
                device_records::resolve_alerts(&mut tx, id, "formal_use_not_proven", now).await?;
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
    require(p, Role::DeviceManager, "confirm a registration")?;
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
