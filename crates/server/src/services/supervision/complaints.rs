//! AUD-09: complaints from phone, web and media against a device, a record or a unit,
//! registered, checked and answered by the handling unit within the configured time. A
//! complaint against a device (or a record of one) counts in the device's monthly analysis.

use roadwarden_domain::calendar::Deadline;
use roadwarden_domain::codes::Code;
use roadwarden_domain::org::UnitPath;
use roadwarden_domain::supervision::checklist::Note;
use roadwarden_domain::supervision::complaint::{
    apply, register as register_rule, Channel, Complaint, ComplaintAction, Outcome, Target,
    TargetKind,
};
use roadwarden_domain::{DeviceId, FieldError, RuleViolation, UnitId, UserId};
use roadwarden_store::supervision::{self as store, ComplaintChange, NewComplaint};
use roadwarden_store::{calendar, captures, devices, units, Tx};
use serde::Deserialize;
use serde_json::json;

use super::views::ComplaintView;
use super::{list_actor, require};
use crate::auth::Principal;
use crate::context::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::policy::{ComplaintHandlers, RoleSet};
use crate::services::audit::{record, Actor, Event};
use crate::services::context::ServiceContext;

const MAX_COMPLAINTS: i64 = 1000;

pub async fn list(ctx: &ServiceContext, p: &Principal) -> AppResult<Vec<ComplaintView>> {
    require(p, ComplaintHandlers::ROLES, "the complaints")?;
    let mut tx = ctx.store.begin_read().await?;
    let rows = store::complaints_in_scope(&mut tx, p.scope().as_str(), MAX_COMPLAINTS).await?;
    let now = ctx.clock.now();
    Ok(rows
        .into_iter()
        .map(|c| ComplaintView::of(c, now))
        .collect())
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterInput {
    /// phone, web or media.
    pub channel: String,
    /// device, record or unit.
    pub target_kind: String,
    pub target_id: i64,
    /// The unit that checks and answers it; the target's unit when not given.
    #[serde(default)]
    pub handling_unit_id: Option<i64>,
    pub summary: String,
}

pub async fn register(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    input: &RegisterInput,
) -> AppResult<ComplaintView> {
    require(p, ComplaintHandlers::ROLES, "registering a complaint")?;
    let channel = Channel::parse(&input.channel)?;
    let target = Target::from_parts(TargetKind::parse(&input.target_kind)?, input.target_id)?;
    let summary = Note::parse("summary", &input.summary)?;
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    // The target must exist inside the person's scope (ORG-02): else it is "not found".
    let (target_unit, device) = match target {
        Target::Device(id) => {
            let d = devices::get(&mut tx, id)
                .await?
                .ok_or(AppError::NotFound("device"))?;
            (d.unit_id, Some(d.id))
        }
        Target::Record(id) => {
            let c = captures::get(&mut tx, id)
                .await?
                .ok_or(AppError::NotFound("record"))?;
            (UnitId(c.unit_id), c.device_id.map(DeviceId))
        }
        Target::Unit(id) => (id, None),
    };
    let handling = UnitId(input.handling_unit_id.unwrap_or(target_unit.0));
    let unit = units::get(&mut tx, handling)
        .await?
        .ok_or(AppError::NotFound("unit"))?;
    let target_path = units::get(&mut tx, target_unit)
        .await?
        .ok_or(AppError::NotFound("unit"))?
        .path;
    if !p.covers(&target_path) || !p.covers(&unit.path) {
        return Err(AppError::NotFound(target.kind().as_str()));
    }
    let cal = calendar::load(&mut tx, unit.country).await?;
    let (c, rec) = register_rule(
        channel,
        target,
        unit.path.clone(),
        summary,
        &list_actor(p),
        now,
        &cal,
        unit.tz(),
        &ctx.settings.supervision.complaints,
    )?;
    let id = store::insert_complaint(
        &mut tx,
        &NewComplaint {
            channel,
            target_kind: target.kind(),
            target_id: target.id(),
            device_id: device,
            handling_unit_id: unit.id,
            handling_unit_path: unit.path.as_str(),
            summary: rec.note.as_deref().unwrap_or_default(),
            registered_by: p.user.id,
            registered_at: now,
            due_at: c.due.overdue_at,
        },
    )
    .await?;
    audit(
        &mut tx,
        &Actor::user(p, meta),
        "complaint.register",
        id,
        unit.id,
        json!({ "channel": channel.as_str(), "target": target, "due_at": c.due.overdue_at }),
        now,
    )
    .await?;
    let row = store::complaint(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound("complaint"))?;
    tx.commit().await?;
    Ok(ComplaintView::of(row, now))
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ComplaintStepInput {
    /// start_check, answer or close.
    pub action: String,
    /// Answer: upheld or not_upheld.
    #[serde(default)]
    pub outcome: String,
    /// Answer: the reply given to the complainant.
    #[serde(default)]
    pub reply: String,
}

pub async fn act(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    id: i64,
    input: &ComplaintStepInput,
) -> AppResult<ComplaintView> {
    require(p, ComplaintHandlers::ROLES, "a step on a complaint")?;
    let action = match input.action.trim() {
        "start_check" => ComplaintAction::StartCheck,
        "answer" => ComplaintAction::Answer {
            outcome: Outcome::parse(&input.outcome)?,
            reply: Note::parse("reply", &input.reply)?,
        },
        "close" => ComplaintAction::Close,
        _ => return Err(FieldError::new("action", "is not a complaint step").into()),
    };
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let row = store::complaint(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound("complaint"))?;
    let handling = UnitPath::from_stored(row.handling_unit_path.clone());
    if !p.covers(&handling) {
        return Err(AppError::NotFound("complaint"));
    }
    let current = Complaint {
        state: row.state,
        channel: row.channel,
        target: Target::from_parts(row.target_kind, row.target_id)?,
        handling_unit: handling,
        registered_at: row.registered_at,
        registered_by: UserId(row.registered_by),
        due: Deadline {
            last_day: row.due_at.date_naive(),
            overdue_at: row.due_at,
        },
        outcome: row.result.as_deref().map(Outcome::parse).transpose()?,
    };
    let (next, rec) = apply(&current, action, &list_actor(p), now)?;
    let changed = store::update_complaint(
        &mut tx,
        id,
        row.state,
        &ComplaintChange {
            state: next.state,
            by: p.user.id,
            outcome: next.outcome,
            answer: rec.note.as_deref(),
        },
        now,
    )
    .await?;
    if !changed {
        return Err(RuleViolation::new(
            "AUD-09",
            Code::ComplaintStepOutOfOrder,
            "the complaint changed meanwhile; reload it",
        )
        .into());
    }
    audit(&mut tx, &Actor::user(p, meta), &format!("complaint.{}", rec.step.as_str()), id, UnitId(row.handling_unit_id), json!({ "from": row.state.as_str(), "to": next.state.as_str(), "outcome": next.outcome.map(Outcome::as_str) }), now).await?;
    let row = store::complaint(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound("complaint"))?;
    tx.commit().await?;
    Ok(ComplaintView::of(row, now))
}

#[allow(clippy::too_many_arguments)]
async fn audit(
    tx: &mut Tx,
    actor: &Actor,
    action: &str,
    id: i64,
    unit: UnitId,
    detail: serde_json::Value,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<()> {
    record(
        tx,
        actor,
        Event {
            action,
            object_type: "complaint",
            object_id: id.to_string(),
            unit_id: Some(unit),
            detail,
        },
        now,
    )
    .await?;
    Ok(())
}
