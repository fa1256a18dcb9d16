//! SUP-02, SUP-03, SUP-06, SUP-07: the check and rectification list. An upper unit's warning
//! raises an item; the managing unit re-checks, fixes or plans, reports and submits; the unit
//! that raised it accepts or sends back; an unheeded warning lets the upper unit apply the
//! circuit breaker. A re-check finding suspends the device, acceptance resumes it (SUP-04),
//! through the device lifecycle. Every step is a list step, an audit entry and, where the
//! device moves, a device event, in one transaction.

use chrono::NaiveDate;
use roadwarden_domain::codes::Code;
use roadwarden_domain::device::lifecycle::Step;
use roadwarden_domain::device::SuspensionReason;
use roadwarden_domain::roles::Role;
use roadwarden_domain::supervision::checklist::{
    apply, check_circuit_break, circuit_breaker_grounds, raise_warning, waiting_on, Action, Answer,
    ItemState, Moment, Note, Origin, Party, Plan, Recheck, StepKind,
};
use roadwarden_domain::{DeviceId, FieldError, RuleViolation, UnitId};
use roadwarden_store::devices;
use roadwarden_store::supervision::{self as store, CheckItem, ItemChange, NewCheckItem};
use roadwarden_store::{units, Tx};
use serde::Deserialize;
use serde_json::json;

use super::views::{ItemPage, ItemView};
use super::{domain_item, list_actor, require};
use crate::auth::Principal;
use crate::context::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::policy::{CheckListActors, CheckListReaders, RoleSet, Supervisors};
use crate::services::audit::{record, Actor, Event};
use crate::services::context::ServiceContext;
use crate::services::devices::lifecycle::run_step;
use crate::services::devices::readable;

const MAX_ITEMS: i64 = 1000;
const MAX_STEPS: i64 = 500;

/// The list under the person's unit: items of its devices and items it raised.
pub async fn list(
    ctx: &ServiceContext,
    p: &Principal,
    open_only: bool,
) -> AppResult<Vec<ItemView>> {
    require(p, CheckListReaders::ROLES, "the check list")?;
    let mut tx = ctx.store.begin_read().await?;
    let today = today_of(&mut tx, p.user.unit_id, ctx).await?;
    let rows =
        store::items_in_scope(&mut tx, p.scope().as_str(), open_only, None, MAX_ITEMS).await?;
    let cfg = &ctx.settings.supervision.list;
    rows.iter().map(|r| ItemView::of(r, today, cfg)).collect()
}

/// SUP-07: a device's history of decisions on the list (every item, newest deadline last).
pub async fn of_device(
    ctx: &ServiceContext,
    p: &Principal,
    device: DeviceId,
) -> AppResult<Vec<ItemView>> {
    require(p, CheckListReaders::ROLES, "the check list")?;
    let mut tx = ctx.store.begin_read().await?;
    let d = devices::get(&mut tx, device).await?;
    let d = readable(&mut tx, p, d).await?;
    let today = today_of(&mut tx, d.unit_id, ctx).await?;
    let rows = store::items_in_scope(&mut tx, "/", false, Some(device), MAX_ITEMS).await?;
    let cfg = &ctx.settings.supervision.list;
    rows.iter().map(|r| ItemView::of(r, today, cfg)).collect()
}

/// One item with its steps (who did what when: SUP-07) and the steps this person may take.
pub async fn show(ctx: &ServiceContext, p: &Principal, id: i64) -> AppResult<ItemPage> {
    require(p, CheckListReaders::ROLES, "the check list")?;
    let mut tx = ctx.store.begin_read().await?;
    let row = visible(&mut tx, p, id).await?;
    page(ctx, &mut tx, p, row).await
}

async fn page(
    ctx: &ServiceContext,
    tx: &mut Tx,
    p: &Principal,
    row: CheckItem,
) -> AppResult<ItemPage> {
    let today = today_of(tx, UnitId(row.device_unit_id), ctx).await?;
    let cfg = &ctx.settings.supervision.list;
    let steps = store::steps(tx, row.id, MAX_STEPS).await?;
    Ok(ItemPage {
        actions: actions(p, &row, today, ctx)?,
        item: ItemView::of(&row, today, cfg)?,
        steps: steps.into_iter().map(Into::into).collect(),
    })
}

/// The steps `p` may take on the item now.
fn actions(
    p: &Principal,
    row: &CheckItem,
    today: NaiveDate,
    ctx: &ServiceContext,
) -> AppResult<Vec<String>> {
    let item = domain_item(row)?;
    let mut out: Vec<&str> = Vec::new();
    if p.may::<CheckListActors>() {
        let unit = p.scope().as_str();
        match waiting_on(&item) {
            Party::ManagingUnit if unit == row.device_unit_path => out.extend(match row.state {
                ItemState::Raised => &["recheck"][..],
                ItemState::Rechecked => &["fix_on_spot", "plan"][..],
                ItemState::Planned => &["report_progress", "submit"][..],
                _ => &[][..],
            }),
            Party::RaisingUnit if unit == row.raised_unit_path => {
                out.extend(["accept", "send_back"]);
            }
            _ => {}
        }
    }
    if p.may::<Supervisors>()
        && p.scope() != &item.device_unit
        && p.covers(&item.device_unit)
        && circuit_breaker_grounds(&item, today, &ctx.settings.supervision.list).is_some()
    {
        out.push("circuit_break");
    }
    Ok(out.into_iter().map(str::to_owned).collect())
}

/// SUP-02, ORG-03: a warning notice from an upper unit.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WarnInput {
    pub device_id: i64,
    /// What the upper unit saw and asks for.
    pub notice: String,
}

pub async fn warn(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    input: &WarnInput,
) -> AppResult<ItemPage> {
    require(p, Supervisors::ROLES, "sending a warning notice")?;
    let notice = Note::parse("notice", &input.notice)?;
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let device = devices::get(&mut tx, DeviceId(input.device_id)).await?;
    let device = readable(&mut tx, p, device).await?;
    let tz = device.tz();
    let tr = raise_warning(
        device.unit_path.clone(),
        &list_actor(p),
        notice,
        Moment::new(now, tz),
        &ctx.settings.supervision.list,
    )?;
    let id = store::insert_item(
        &mut tx,
        &NewCheckItem {
            device_id: device.id,
            device_unit_id: device.unit_id,
            device_unit_path: device.unit_path.as_str(),
            raised_unit_id: p.user.unit_id,
            raised_unit_path: p.scope().as_str(),
            raised_by: Some(p.user.id),
            origin: Origin::Warning,
            period: None,
            raised_on: tr.item.raised_on,
            deadline: tr.item.deadline,
            findings: "[]",
        },
        now,
    )
    .await?
    .ok_or_else(|| AppError::internal(anyhow::anyhow!("a warning is never a duplicate")))?;
    let actor = Actor::user(p, meta);
    add_step(
        &mut tx,
        id,
        StepKind::Warn,
        &actor,
        p.user.unit_id,
        tr.record.note.as_deref(),
        now,
    )
    .await?;
    audit(
        &mut tx,
        &actor,
        "supervision.warn",
        id,
        device.unit_id,
        json!({ "device_id": device.id.0, "device_number": device.number }),
        now,
    )
    .await?;
    // SUP-02: the warning reaches the managing unit's device managers and head.
    let detail = json!({ "device_id": device.id.0, "device_number": device.number,
                         "device_name": device.name, "deadline": tr.item.deadline,
                         "from_unit": p.user.unit_id.0 })
    .to_string();
    let subject = id.to_string();
    let note = crate::services::messages::Note {
        kind: "supervision_warning",
        rule: "SUP-02",
        subject: ("check_item", subject.as_str()),
        event_key: "",
        detail: &detail,
    };
    for role in [Role::DeviceManager, Role::UnitHead] {
        crate::services::messages::to_role(&mut tx, &note, device.unit_id, role, now).await?;
    }
    let row = store::item(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound("check item"))?;
    let out = page(ctx, &mut tx, p, row).await?;
    tx.commit().await?;
    Ok(out)
}

/// One step on the list, as a form or a JSON body names it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepInput {
    /// recheck, fix_on_spot, plan, report_progress, submit, accept or send_back.
    pub action: String,
    /// Re-check: does each hold, and why (the why is required either way).
    #[serde(default)]
    pub necessity_holds: Option<bool>,
    #[serde(default)]
    pub necessity: String,
    #[serde(default)]
    pub rationality_holds: Option<bool>,
    #[serde(default)]
    pub rationality: String,
    #[serde(default)]
    pub conformity_holds: Option<bool>,
    #[serde(default)]
    pub conformity: String,
    /// Re-check: a SUP-04 reason that suspends the device until accepted (e.g. low_accuracy).
    #[serde(default)]
    pub suspend_for: String,
    /// What was done, the plan, the progress, the summary, or the reason for sending back.
    #[serde(default)]
    pub note: String,
    /// Plan (and optionally send back): the last day, YYYY-MM-DD.
    #[serde(default)]
    pub deadline: String,
    /// Report progress: 0..=100.
    #[serde(default)]
    pub percent: Option<u8>,
}

fn parse_action(input: &StepInput, today: NaiveDate) -> Result<Action, FieldError> {
    let deadline = |required: bool| -> Result<Option<NaiveDate>, FieldError> {
        let raw = input.deadline.trim();
        if raw.is_empty() {
            return if required {
                Err(FieldError::new("deadline", "is required"))
            } else {
                Ok(None)
            };
        }
        crate::services::calendar::parse_date(raw, "deadline").map(Some)
    };
    Ok(match input.action.trim() {
        "recheck" => {
            let answer = |field: &'static str, holds: Option<bool>, note: &str| {
                let holds =
                    holds.ok_or_else(|| FieldError::new(field, "must be answered yes or no"))?;
                Answer::parse(field, holds, note)
            };
            let suspend = input.suspend_for.trim();
            Action::Recheck(Recheck {
                necessity: answer("necessity", input.necessity_holds, &input.necessity)?,
                rationality: answer("rationality", input.rationality_holds, &input.rationality)?,
                conformity: answer("conformity", input.conformity_holds, &input.conformity)?,
                suspend_for: if suspend.is_empty() {
                    None
                } else {
                    Some(SuspensionReason::parse(suspend)?)
                },
            })
        }
        "fix_on_spot" => Action::FixOnSpot {
            done: Note::parse("note", &input.note)?,
        },
        "plan" => Action::Plan(Plan::parse(
            &input.note,
            deadline(true)?.unwrap_or(today),
            today,
        )?),
        "report_progress" => Action::ReportProgress {
            note: Note::parse("note", &input.note)?,
            percent: input.percent.filter(|p| *p <= 100).ok_or_else(|| {
                FieldError::new("percent", "must be a whole number from 0 to 100")
            })?,
        },
        "submit" => Action::Submit {
            summary: Note::parse("note", &input.note)?,
        },
        "accept" => Action::Accept,
        "send_back" => Action::SendBack {
            reason: Note::parse("note", &input.note)?,
            new_deadline: deadline(false)?
                .map(|d| Plan::new_deadline(d, today))
                .transpose()?,
        },
        _ => return Err(FieldError::new("action", "is not a check-list step")),
    })
}

/// SUP-03, SUP-07: one step by `p` on item `id`.
pub async fn act(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    id: i64,
    input: &StepInput,
) -> AppResult<ItemPage> {
    require(p, CheckListActors::ROLES, "a step on the check list")?;
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let row = visible(&mut tx, p, id).await?;
    let tz = units::get(&mut tx, UnitId(row.device_unit_id))
        .await?
        .ok_or(AppError::NotFound("unit"))?
        .tz();
    let moment = Moment::new(now, tz);
    let action = parse_action(input, moment.today)?;
    let item = domain_item(&row)?;
    let tr = apply(&item, action, &list_actor(p), moment)?;
    let changed = store::update_item(
        &mut tx,
        id,
        row.state,
        &ItemChange {
            state: tr.item.state,
            deadline: tr.item.deadline,
            planned_by: tr.item.planned_by,
            fixed_by: tr.item.fixed_by,
            suspended_for: tr.item.suspended_for.map(SuspensionReason::as_str),
            progress_percent: i32::from(tr.item.progress_percent),
        },
        now,
    )
    .await?;
    if !changed {
        return Err(RuleViolation::new(
            "SUP-03",
            Code::SupervisionStepOutOfOrder,
            "the item changed meanwhile; reload it",
        )
        .into());
    }
    let actor = Actor::user(p, meta);
    add_step(
        &mut tx,
        id,
        tr.record.step,
        &actor,
        p.user.unit_id,
        tr.record.note.as_deref(),
        now,
    )
    .await?;
    if let Some(step) = tr.device_step {
        device_step(ctx, &mut tx, &actor, DeviceId(row.device_id), step, id, now).await?;
    }
    audit(
        &mut tx,
        &actor,
        &format!("supervision.{}", tr.record.step.as_str()),
        id,
        UnitId(row.device_unit_id),
        json!({ "device_id": row.device_id, "from": row.state.as_str(), "to": tr.item.state.as_str() }),
        now,
    )
    .await?;
    let row = store::item(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound("check item"))?;
    let out = page(ctx, &mut tx, p, row).await?;
    tx.commit().await?;
    Ok(out)
}

/// SUP-06: the circuit breaker, from the item of a warning left without rectification.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BreakInput {
    pub reason: String,
}

pub async fn circuit_break(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    id: i64,
    input: &BreakInput,
) -> AppResult<ItemPage> {
    require(p, Supervisors::ROLES, "applying the circuit breaker")?;
    let reason = Note::parse("reason", &input.reason)?;
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let row = visible(&mut tx, p, id).await?;
    let tz = units::get(&mut tx, UnitId(row.device_unit_id))
        .await?
        .ok_or(AppError::NotFound("unit"))?
        .tz();
    let item = domain_item(&row)?;
    let grounds = check_circuit_break(
        &item,
        &list_actor(p),
        Moment::new(now, tz).today,
        &ctx.settings.supervision.list,
    )?;
    let actor = Actor::user(p, meta);
    let device = devices::get_for_update(&mut tx, DeviceId(row.device_id))
        .await?
        .ok_or(AppError::NotFound("device"))?;
    run_step(
        ctx,
        &mut tx,
        &actor,
        &device,
        Step::CircuitBreak,
        reason.as_str(),
        json!({ "check_item": id, "grounds": grounds }),
        now,
    )
    .await?;
    audit(
        &mut tx,
        &actor,
        "supervision.circuit_break",
        id,
        UnitId(row.device_unit_id),
        json!({ "device_id": row.device_id, "grounds": grounds }),
        now,
    )
    .await?;
    let row = store::item(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound("check item"))?;
    let out = page(ctx, &mut tx, p, row).await?;
    tx.commit().await?;
    Ok(out)
}

/// SUP-04: the device lifecycle's own step (suspend on a re-check finding, resume on
/// acceptance), taken by the same person in the same transaction.
async fn device_step(
    ctx: &ServiceContext,
    tx: &mut Tx,
    actor: &Actor,
    device: DeviceId,
    step: Step,
    item: i64,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<()> {
    let device = devices::get_for_update(tx, device)
        .await?
        .ok_or(AppError::NotFound("device"))?;
    let detail = match step {
        Step::Suspend { reason } => json!({ "reason_code": reason.as_str(), "check_item": item }),
        _ => json!({ "check_item": item }),
    };
    run_step(ctx, tx, actor, &device, step, "check list", detail, now).await?;
    Ok(())
}

/// ORG-02: an item is seen by the units under which its device is managed or that raised it.
async fn visible(tx: &mut Tx, p: &Principal, id: i64) -> AppResult<CheckItem> {
    let row = store::item(tx, id)
        .await?
        .ok_or(AppError::NotFound("check item"))?;
    let covers = |path: &str| {
        p.covers(&roadwarden_domain::org::UnitPath::from_stored(
            path.to_owned(),
        ))
    };
    if covers(&row.device_unit_path) || covers(&row.raised_unit_path) {
        Ok(row)
    } else {
        Err(AppError::NotFound("check item"))
    }
}

async fn today_of(tx: &mut Tx, unit: UnitId, ctx: &ServiceContext) -> AppResult<NaiveDate> {
    let tz = units::get(tx, unit)
        .await?
        .map(|u| u.tz())
        .unwrap_or(chrono_tz::Asia::Shanghai);
    Ok(ctx.clock.now().with_timezone(&tz).date_naive())
}

async fn add_step(
    tx: &mut Tx,
    item: i64,
    kind: StepKind,
    actor: &Actor,
    unit: UnitId,
    note: Option<&str>,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<()> {
    store::add_step(
        tx,
        &store::NewCheckStep {
            item_id: item,
            kind,
            actor_user_id: actor.user_id,
            actor: &actor.name,
            unit_id: unit,
            note,
        },
        now,
    )
    .await?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn audit(
    tx: &mut Tx,
    actor: &Actor,
    action: &str,
    item: i64,
    unit: UnitId,
    detail: serde_json::Value,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<()> {
    record(
        tx,
        actor,
        Event {
            action,
            object_type: "check_item",
            object_id: item.to_string(),
            unit_id: Some(unit),
            detail,
        },
        now,
    )
    .await?;
    Ok(())
}
