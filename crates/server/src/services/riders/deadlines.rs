//! RID-10, RID-11: a task's deadline is a job. The daily pass over open tasks reminds the
//! grid worker who took a task (or the village's grid workers, while nobody has) the day
//! before it is due; once it is overdue it tells the village's head and the county's e-bike
//! officers; N days later (config) it escalates to the township's head, in the style of
//! SUP-03's escalation. Each step is taken once, with an audit entry and its messages.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use roadwarden_domain::org::{Level, UnitKind};
use roadwarden_domain::roles::Role;
use roadwarden_domain::{RiderTaskId, UnitId, UserId};
use roadwarden_store::riders::task_deadlines::{self as rows, DeadlineStep, DueTask};
use roadwarden_store::units::{self, Unit};
use roadwarden_store::Tx;
use serde::Serialize;
use serde_json::json;

use crate::error::AppResult;
use crate::services::audit::{record, Actor, Event};
use crate::services::context::ServiceContext;
use crate::services::messages::{self, Note};

const BATCH: i64 = 1_000;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TaskDeadlineReport {
    pub reminded: usize,
    pub overdue: usize,
    pub escalated: usize,
}

pub async fn run(ctx: &ServiceContext) -> AppResult<TaskDeadlineReport> {
    let now = ctx.clock.now();
    let cfg = &ctx.settings.riders.tasks;
    let remind_before = now + Duration::days(i64::from(cfg.remind_days_before));
    let escalate_before = now - Duration::days(i64::from(cfg.escalate_after_days));
    let mut report = TaskDeadlineReport::default();
    // Every task a batch returns has a step taken on it, so the passes end.
    loop {
        let mut tx = ctx.store.begin().await?;
        let due = rows::due(&mut tx, remind_before, now, escalate_before, BATCH).await?;
        let mut units = Units::default();
        for task in &due {
            step(&mut tx, &mut units, task, now, escalate_before, &mut report).await?;
        }
        tx.commit().await?;
        if (due.len() as i64) < BATCH {
            break;
        }
    }
    Ok(report)
}

/// The units a pass reads, each once.
#[derive(Default)]
struct Units(HashMap<i64, Option<Unit>>);

impl Units {
    async fn get(&mut self, tx: &mut Tx, id: UnitId) -> AppResult<Option<Unit>> {
        if let Some(u) = self.0.get(&id.0) {
            return Ok(u.clone());
        }
        let u = units::get(tx, id).await?;
        self.0.insert(id.0, u.clone());
        Ok(u)
    }

    /// The nearest unit above `from` (not itself) that `wanted` picks.
    async fn above(
        &mut self,
        tx: &mut Tx,
        from: UnitId,
        wanted: impl Fn(&Unit) -> bool,
    ) -> AppResult<Option<Unit>> {
        let mut at = self.get(tx, from).await?.and_then(|u| u.parent_id);
        // A tree is shallow; the bound only guards against a damaged one.
        for _ in 0..16 {
            let Some(id) = at else { break };
            let Some(u) = self.get(tx, id).await? else {
                break;
            };
            if wanted(&u) {
                return Ok(Some(u));
            }
            at = u.parent_id;
        }
        Ok(None)
    }
}

async fn step(
    tx: &mut Tx,
    units: &mut Units,
    task: &DueTask,
    now: DateTime<Utc>,
    escalate_before: DateTime<Utc>,
    report: &mut TaskDeadlineReport,
) -> AppResult<()> {
    let id = RiderTaskId(task.id);
    let village = UnitId(task.unit_id);
    let subject = task.id.to_string();
    let detail =
        json!({ "task_kind": task.kind, "due_at": task.due_at, "state": task.state }).to_string();
    let note = |kind: &'static str, rule: &'static str| Note {
        kind,
        rule,
        subject: ("rider_task", subject.as_str()),
        event_key: "",
        detail: &detail,
    };
    let overdue = task.due_at <= now;
    // The reminder: to whoever took the task, else to the village's grid workers. A task
    // first seen when already overdue skips it: the overdue message says more.
    if task.reminded_at.is_none()
        && rows::mark(tx, id, DeadlineStep::Reminded, now).await?
        && !overdue
    {
        let n = note("rider_task_due_soon", "RID-11");
        match task.accepted_by {
            Some(user) => messages::to_person(tx, &n, village, UserId(user), now).await?,
            None => messages::to_role(tx, &n, village, Role::GridWorker, now).await?,
        };
        audit(tx, "rider_task.reminded", task, village, now).await?;
        report.reminded += 1;
    }
    // RID-10 c: overdue: the village's head and the county's e-bike officers, once.
    if overdue
        && task.overdue_flagged_at.is_none()
        && rows::mark(tx, id, DeadlineStep::OverdueFlagged, now).await?
    {
        let n = note("rider_task_overdue", "RID-10");
        messages::to_role(tx, &n, village, Role::UnitHead, now).await?;
        let county = units
            .above(tx, village, |u| u.level == Level::County)
            .await?;
        if let Some(county) = county {
            messages::to_role(tx, &n, county.id, Role::EbikeOfficer, now).await?;
        }
        audit(tx, "rider_task.overdue", task, village, now).await?;
        report.overdue += 1;
    }
    // SUP-03 style: still open N days on, the township's head (the unit above the village
    // where no township is in the tree).
    if task.due_at <= escalate_before
        && task.escalated_at.is_none()
        && rows::mark(tx, id, DeadlineStep::Escalated, now).await?
    {
        let township = units
            .above(tx, village, |u| u.kind == UnitKind::Township)
            .await?
            .map(|u| u.id);
        let target = match township {
            Some(t) => Some(t),
            None => units.get(tx, village).await?.and_then(|v| v.parent_id),
        };
        if let Some(unit) = target {
            let n = note("rider_task_escalated", "RID-10");
            messages::to_role(tx, &n, unit, Role::UnitHead, now).await?;
        }
        audit(tx, "rider_task.escalate", task, village, now).await?;
        report.escalated += 1;
    }
    Ok(())
}

async fn audit(
    tx: &mut Tx,
    action: &str,
    task: &DueTask,
    unit: UnitId,
    now: DateTime<Utc>,
) -> AppResult<()> {
    record(
        tx,
        &Actor::system(),
        Event {
            action,
            object_type: "rider_task",
            object_id: task.id.to_string(),
            unit_id: Some(unit),
            detail: json!({ "due_at": task.due_at, "kind": task.kind }),
        },
        now,
    )
    .await?;
    Ok(())
}
