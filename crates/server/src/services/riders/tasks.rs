//! RID-09..11: the task loop. A tier's rise dispatches its measures (Table 2): tasks go to the
//! rider's village or community (or employer), the other measures wait for their sender. A grid
//! worker of that village takes a task and reports the result with photos, an e-bike officer
//! passes it or sends it back; a task not passed by its due date counts against the village
//! in the township's monthly assessment (RID-10 c).

use std::collections::HashMap;
use std::io::Cursor;

use bytes::Bytes;
use chrono::{DateTime, Datelike, Utc};
use roadwarden_domain::org::{UnitKind, UnitPath};
use roadwarden_domain::rider::assessment::{month_bounds, village_score, AssessedTask};
use roadwarden_domain::rider::task::{due_at, send_back_reason, MAX_RESULT_PHOTOS};
use roadwarden_domain::rider::{
    dispositions_on_change, take_step, Addressee, RiderFacts, RiderTier, TaskActor, TaskFacts,
    TaskKind, TaskResult, TaskState, TaskStep,
};
use roadwarden_domain::roles::Role;
use roadwarden_domain::{FieldError, RiderTaskId, UnitId};
use roadwarden_store::list::Window;
use roadwarden_store::riders::dispositions;
use roadwarden_store::riders::persons::{self as person_rows, RiderPerson};
use roadwarden_store::riders::tasks::{self as task_rows, NewRiderTask, RiderTask, TaskChange};
use roadwarden_store::units;
use roadwarden_store::Tx;
use serde_json::json;

use super::{assessment_config, audit, need, TASK_DAYS};
use crate::auth::Principal;
use crate::context::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::policy::{RiderAssessors, RiderOfficers, RiderTaskActors};
use crate::services::audit::{record, Actor, Event};
use crate::services::context::ServiceContext;
use crate::views::riders::{Assessment, RiderTaskView, VillageAssessment};

/// RID-09, RID-10: dispatches what a rise from `from` to `to` calls for: a task for each
/// measure carried out by people (at most one open task of a kind per rider), a pending
/// measure for each message or outside request. Returns the tasks dispatched.
pub(crate) async fn dispatch(
    tx: &mut Tx,
    person: &RiderPerson,
    from: RiderTier,
    to: RiderTier,
    now: DateTime<Utc>,
) -> AppResult<Vec<i64>> {
    let facts = RiderFacts {
        party_member: person.party_member,
        has_employer: !person.employer.trim().is_empty(),
    };
    let mut dispatched = Vec::new();
    for measure in dispositions_on_change(from, to, facts) {
        let Some(kind) = measure.task_kind() else {
            dispositions::insert(tx, person.id, measure, to, now).await?;
            continue;
        };
        if task_rows::has_open(tx, person.id, kind).await? {
            continue;
        }
        // A visit is always the village's grid worker's; education and notice go to the
        // employer when there is one (RID-09).
        let addressee = if kind == TaskKind::GridVisit {
            Addressee::Village
        } else {
            facts.addressee()
        };
        let id = task_rows::insert(
            tx,
            &NewRiderTask {
                person_id: person.id,
                unit_id: person.unit_id,
                unit_path: UnitPath::from_stored(person.unit_path.clone()),
                kind,
                addressee,
                due_at: due_at(now, TASK_DAYS),
                created_at: now,
            },
        )
        .await?;
        dispatched.push(id.0);
    }
    Ok(dispatched)
}

/// Names for tasks on a board: the rider's and the unit's, each read once.
pub(crate) async fn task_views(
    tx: &mut Tx,
    rows: Vec<RiderTask>,
    now: DateTime<Utc>,
) -> AppResult<Vec<RiderTaskView>> {
    let mut people: HashMap<i64, String> = HashMap::new();
    let mut unit_names: HashMap<i64, String> = HashMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for t in rows {
        let person = match people.get(&t.person_id.0) {
            Some(name) => name.clone(),
            None => {
                let name = person_rows::get(tx, t.person_id)
                    .await?
                    .map(|p| p.name)
                    .unwrap_or_default();
                people.insert(t.person_id.0, name.clone());
                name
            }
        };
        let unit = match unit_names.get(&t.unit_id.0) {
            Some(name) => name.clone(),
            None => {
                let name = units::get(tx, t.unit_id)
                    .await?
                    .map(|u| u.name)
                    .unwrap_or_default();
                unit_names.insert(t.unit_id.0, name.clone());
                name
            }
        };
        out.push(RiderTaskView::new(t, person, unit, now));
    }
    Ok(out)
}

/// The task board: an officer sees the tasks of their units, a grid worker their own
/// village's (RID-10 c). `state` narrows it; without it, the open tasks.
pub async fn board(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    state: Option<TaskState>,
) -> AppResult<Vec<RiderTaskView>> {
    need::<RiderTaskActors>(p, "tasks are for e-bike officers and grid workers")?;
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let window = Window::new(200, 0);
    let rows = if p.may::<RiderOfficers>() {
        task_rows::list_in_scope(&mut tx, p.scope(), state, window).await?
    } else {
        task_rows::list_for_unit(&mut tx, p.user.unit_id, state, window).await?
    };
    let views = task_views(&mut tx, rows, now).await?;
    audit(
        &mut tx,
        p,
        meta,
        "rider_task.list",
        "rider_task",
        0,
        None,
        json!({ "state": state.map(TaskState::as_str), "count": views.len() }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(views)
}

async fn task_in_scope(tx: &mut Tx, p: &Principal, id: i64) -> AppResult<RiderTask> {
    task_rows::get(tx, RiderTaskId(id))
        .await?
        .filter(|t| p.covers(&UnitPath::from_stored(t.unit_path.clone())))
        .ok_or(AppError::NotFound("task"))
}

/// What a step carries.
pub enum StepInput {
    Accept,
    Report { text: String, photos: Vec<Bytes> },
    Pass,
    SendBack { reason: String },
}

impl StepInput {
    fn step(&self) -> TaskStep {
        match self {
            StepInput::Accept => TaskStep::Accept,
            StepInput::Report { .. } => TaskStep::Report,
            StepInput::Pass => TaskStep::Pass,
            StepInput::SendBack { .. } => TaskStep::SendBack,
        }
    }
}

/// Who takes a step: a person signed in, or the grassroots-governance platform reporting for
/// the task's village (SHR-04: its grid worker answered there; the result is read back).
pub(crate) enum Stepper<'a> {
    Person {
        p: &'a Principal,
        meta: &'a RequestMeta,
    },
    Platform,
}

/// The platform acts for the task's own village, as its grid worker.
const PLATFORM_ROLES: &[Role] = &[Role::GridWorker];

/// RID-11: takes one step of the loop, checked by the domain (a grid worker of the task's
/// village accepts and reports, an officer evaluates), and audited. A pass of an education or
/// a visit records that the rider received education (RID-08's incorrigible window).
pub async fn step(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    id: i64,
    input: StepInput,
) -> AppResult<RiderTaskView> {
    need::<RiderTaskActors>(p, "tasks are for e-bike officers and grid workers")?;
    take(ctx, Stepper::Person { p, meta }, id, input).await
}

/// RID-11, SHR-04: one step by a person or by the grassroots platform, through the same
/// checks, photo handling and audit.
pub(crate) async fn take(
    ctx: &ServiceContext,
    who: Stepper<'_>,
    id: i64,
    input: StepInput,
) -> AppResult<RiderTaskView> {
    let step = input.step();
    // Photos are checked and stored before the row that names them (stored twice they are
    // one blob), outside the transaction.
    let mut result = None;
    let mut reason = String::new();
    match input {
        StepInput::Report { text, photos } => {
            if photos.len() > MAX_RESULT_PHOTOS {
                return Err(FieldError::new("photos", "at most 9 photos").into());
            }
            let limit = ctx.settings.captures.max_image_bytes;
            if photos
                .iter()
                .any(|b| b.len() > limit || !roadwarden_isapi::is_jpeg(b))
            {
                return Err(FieldError::new("photos", "photos must be JPEG images").into());
            }
            // Checked before storing anything.
            TaskResult::parse(&text, Vec::new())?;
            let mut ids = Vec::new();
            for b in photos {
                let stored = ctx
                    .blobs
                    .put(Box::pin(Cursor::new(b)), None)
                    .await
                    .map_err(AppError::internal)?;
                ids.push(stored.id.as_str().to_owned());
            }
            result = Some(TaskResult::parse(&text, ids)?);
        }
        StepInput::SendBack { reason: r } => reason = send_back_reason(&r)?,
        StepInput::Accept | StepInput::Pass => {}
    }
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let task = match &who {
        Stepper::Person { p, .. } => task_in_scope(&mut tx, p, id).await?,
        Stepper::Platform => task_rows::get(&mut tx, RiderTaskId(id))
            .await?
            .ok_or(AppError::NotFound("task"))?,
    };
    let actor = match &who {
        Stepper::Person { p, .. } => TaskActor {
            unit: p.user.unit_id,
            roles: &p.roles,
        },
        Stepper::Platform => TaskActor {
            unit: task.unit_id,
            roles: PLATFORM_ROLES,
        },
    };
    take_step(
        &TaskFacts {
            state: task.state,
            unit: task.unit_id,
            due_at: task.due_at,
        },
        step,
        &actor,
    )?;
    let by = match &who {
        Stepper::Person { p, .. } => Some(p.user.id),
        Stepper::Platform => None,
    };
    // The domain lets only an officer evaluate, and the platform is never one.
    let officer = || by.ok_or(AppError::NotFound("task"));
    let change = match (step, &result) {
        (TaskStep::Accept, _) => TaskChange::Accept { by },
        (TaskStep::Report, Some(r)) => TaskChange::Report { by, result: r },
        (TaskStep::Pass, _) => TaskChange::Pass { by: officer()? },
        (TaskStep::SendBack, _) => TaskChange::SendBack {
            by: officer()?,
            reason: &reason,
        },
        (TaskStep::Report, None) => return Err(FieldError::new("result", "is missing").into()),
    };
    if !task_rows::transition(&mut tx, task.id, task.state, change, now).await? {
        return Err(AppError::NotFound("task"));
    }
    if step == TaskStep::Pass && matches!(task.kind, TaskKind::Education | TaskKind::GridVisit) {
        person_rows::set_last_education(&mut tx, task.person_id, now).await?;
    }
    let action = format!("rider_task.{}", step.as_str());
    let detail = json!({ "person": task.person_id.0, "kind": task.kind.as_str(),
            "photos": result.as_ref().map_or(0, |r| r.photos.0.len()),
            "reason": (!reason.is_empty()).then_some(&reason),
            "via": matches!(who, Stepper::Platform).then_some("grassroots") });
    match &who {
        Stepper::Person { p, meta } => {
            audit(
                &mut tx,
                p,
                meta,
                &action,
                "rider_task",
                id,
                Some(task.unit_id),
                detail,
                now,
            )
            .await?;
        }
        Stepper::Platform => {
            record(
                &mut tx,
                &Actor::named("grassroots_platform"),
                Event {
                    action: &action,
                    object_type: "rider_task",
                    object_id: id.to_string(),
                    unit_id: Some(task.unit_id),
                    detail,
                },
                now,
            )
            .await?;
        }
    }
    let row = task_rows::get(&mut tx, task.id)
        .await?
        .ok_or(AppError::NotFound("task"))?;
    let view = task_views(&mut tx, vec![row], now).await?.remove(0);
    tx.commit().await?;
    Ok(view)
}

/// A result's photo `n` (from 1), read by someone on the task's board; audited (SEC-10).
pub async fn photo(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    id: i64,
    n: usize,
) -> AppResult<Vec<u8>> {
    need::<RiderTaskActors>(p, "tasks are for e-bike officers and grid workers")?;
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let task = task_in_scope(&mut tx, p, id).await?;
    let blob = n
        .checked_sub(1)
        .and_then(|i| task.photos.0.get(i).cloned())
        .ok_or(AppError::NotFound("photo"))?;
    audit(
        &mut tx,
        p,
        meta,
        "rider_task.photo",
        "rider_task",
        id,
        Some(task.unit_id),
        json!({ "photo": n }),
        now,
    )
    .await?;
    tx.commit().await?;
    crate::services::captures::read_blob(ctx, &blob).await
}

/// RID-10 c: the township's monthly assessment of its villages and communities: the tasks
/// overdue at some time in `month` (YYYY-MM, the reader's time zone; this month when absent),
/// the points deducted, and the tasks overdue right now.
pub async fn assessment(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    month: Option<&str>,
) -> AppResult<Assessment> {
    need::<RiderAssessors>(
        p,
        "the assessment is for officers, unit heads and supervisors",
    )?;
    let tz: chrono_tz::Tz = p
        .user
        .unit_time_zone
        .parse()
        .unwrap_or(chrono_tz::Asia::Shanghai);
    let now = ctx.clock.now();
    let (year, mon) = match month.map(str::trim).filter(|m| !m.is_empty()) {
        None => {
            let local = now.with_timezone(&tz);
            (local.year(), local.month())
        }
        Some(m) => {
            let bad = || FieldError::new("month", "must be YYYY-MM");
            let (y, mo) = m.split_once('-').ok_or_else(bad)?;
            (
                y.parse().map_err(|_| bad())?,
                mo.parse().map_err(|_| bad())?,
            )
        }
    };
    let (start, end) = month_bounds(year, mon, tz)?;
    // A month still running is assessed up to now: a task due later this month is not
    // overdue yet.
    let end = end.min(now).max(start);
    let config = assessment_config();
    let mut tx = ctx.store.begin().await?;
    let mut by_unit: HashMap<UnitId, Vec<AssessedTask>> = HashMap::new();
    for (unit, task) in task_rows::assessed_tasks(&mut tx, p.scope(), start, end).await? {
        by_unit.entry(unit).or_default().push(task);
    }
    let now_overdue: HashMap<UnitId, i64> = task_rows::overdue_by_unit(&mut tx, p.scope(), now)
        .await?
        .into_iter()
        .collect();
    let mut villages = Vec::new();
    for u in units::subtree(&mut tx, p.scope()).await? {
        let tasks = by_unit.remove(&u.id).unwrap_or_default();
        let overdue_now = now_overdue.get(&u.id).copied().unwrap_or(0);
        if u.kind != UnitKind::Village && tasks.is_empty() && overdue_now == 0 {
            continue;
        }
        let s = village_score(&tasks, start, end, &config);
        villages.push(VillageAssessment {
            unit_id: u.id.0,
            unit_name: u.name,
            overdue_tasks: s.overdue_tasks,
            deducted: s.deducted,
            score: s.score,
            overdue_now,
        });
    }
    villages.sort_by(|a, b| a.score.cmp(&b.score).then(a.unit_id.cmp(&b.unit_id)));
    let month = format!("{year:04}-{mon:02}");
    audit(
        &mut tx,
        p,
        meta,
        "rider.assessment",
        "unit",
        p.user.unit_id.0,
        None,
        json!({ "month": month, "villages": villages.len() }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Assessment {
        month,
        base_points: config.base_points,
        points_per_overdue_task: config.points_per_overdue_task,
        villages,
    })
}

/// Reads a result form (the API's and the page's): `result` (text, up to 8 kB) and up to
/// nine `photos`, each read up to the image limit and no further.
pub async fn result_form(
    ctx: &ServiceContext,
    mut form: axum::extract::Multipart,
) -> AppResult<StepInput> {
    let bad = || FieldError::new("body", "is not a readable form");
    let limit = ctx.settings.captures.max_image_bytes;
    let mut text = String::new();
    let mut photos = Vec::new();
    while let Some(mut field) = form.next_field().await.map_err(|_| bad())? {
        let name = field.name().unwrap_or_default().to_owned();
        let is_file = field.file_name().is_some_and(|f| !f.is_empty());
        let cap = if name == "photos" { limit } else { 8 * 1024 };
        let mut buf = bytes::BytesMut::new();
        while let Some(chunk) = field.chunk().await.map_err(|_| bad())? {
            if buf.len() + chunk.len() > cap {
                return Err(AppError::TooLarge(cap));
            }
            buf.extend_from_slice(&chunk);
        }
        match name.as_str() {
            "photos" if is_file && !buf.is_empty() => {
                if photos.len() >= MAX_RESULT_PHOTOS {
                    return Err(FieldError::new("photos", "at most 9 photos").into());
                }
                photos.push(buf.freeze());
            }
            "result" => text = String::from_utf8(buf.to_vec()).map_err(|_| bad())?,
            _ => {}
        }
    }
    Ok(StepInput::Report { text, photos })
}
