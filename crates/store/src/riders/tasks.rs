//! RID-09..11: the tasks tiers call for, closed in a loop (dispatched, accepted, reported,
//! evaluated), and the overdue ones the township's assessment counts (RID-10 c).

use chrono::{DateTime, Utc};
use roadwarden_domain::capture::objection::Photos;
use roadwarden_domain::org::UnitPath;
use roadwarden_domain::rider::assessment::AssessedTask;
use roadwarden_domain::rider::{Addressee, TaskKind, TaskResult, TaskState};
use roadwarden_domain::{RiderPersonId, RiderTaskId, UnitId, UserId};

use crate::list::Window;
use crate::{on, path_range, Result, Tx};

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct RiderTask {
    #[sqlx(try_from = "i64")]
    pub id: RiderTaskId,
    #[sqlx(try_from = "i64")]
    pub person_id: RiderPersonId,
    #[sqlx(try_from = "i64")]
    pub unit_id: UnitId,
    pub unit_path: String,
    #[sqlx(try_from = "String")]
    pub kind: TaskKind,
    #[sqlx(try_from = "String")]
    pub addressee: Addressee,
    #[sqlx(try_from = "String")]
    pub state: TaskState,
    pub due_at: DateTime<Utc>,
    pub accepted_by: Option<i64>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub result: String,
    #[sqlx(try_from = "String")]
    pub photos: Photos,
    pub reported_by: Option<i64>,
    pub reported_at: Option<DateTime<Utc>>,
    pub evaluated_by: Option<i64>,
    pub evaluated_at: Option<DateTime<Utc>>,
    /// The officer's reason when the last result was sent back.
    pub send_back_reason: String,
    pub passed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, person_id, unit_id, unit_path, kind, addressee, state, due_at, \
    accepted_by, accepted_at, result, photos, reported_by, reported_at, evaluated_by, \
    evaluated_at, send_back_reason, passed_at, created_at";

#[derive(Debug, Clone)]
pub struct NewRiderTask {
    pub person_id: RiderPersonId,
    /// The village or community it goes to (the rider's unit).
    pub unit_id: UnitId,
    pub unit_path: UnitPath,
    pub kind: TaskKind,
    pub addressee: Addressee,
    pub due_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

/// Dispatches a task.
pub async fn insert(tx: &mut Tx, new: &NewRiderTask) -> Result<RiderTaskId> {
    let sql = "INSERT INTO rider_tasks (person_id, unit_id, unit_path, kind, addressee, state, \
        due_at, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING id";
    let id: i64 = on!(tx, c => sqlx::query_scalar(sql).bind(new.person_id.0)
        .bind(new.unit_id.0).bind(new.unit_path.as_str()).bind(new.kind.as_str())
        .bind(new.addressee.as_str()).bind(TaskState::Dispatched.as_str()).bind(new.due_at)
        .bind(new.created_at).fetch_one(c).await?);
    Ok(RiderTaskId(id))
}

pub async fn get(tx: &mut Tx, id: RiderTaskId) -> Result<Option<RiderTask>> {
    let sql = format!("SELECT {COLUMNS} FROM rider_tasks WHERE id = $1");
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(id.0).fetch_optional(c).await?))
}

/// A step checked by `roadwarden_domain::rider::take_step`, with what it records.
#[derive(Debug, Clone, Copy)]
pub enum TaskChange<'a> {
    /// `by` is none when the grassroots-governance platform took the step for the village
    /// (SHR-04): the grid worker is the platform's, not an account here.
    Accept {
        by: Option<UserId>,
    },
    Report {
        by: Option<UserId>,
        result: &'a TaskResult,
    },
    Pass {
        by: UserId,
    },
    SendBack {
        by: UserId,
        reason: &'a str,
    },
}

impl TaskChange<'_> {
    fn to_state(self) -> TaskState {
        match self {
            TaskChange::Accept { .. } | TaskChange::SendBack { .. } => TaskState::Accepted,
            TaskChange::Report { .. } => TaskState::Reported,
            TaskChange::Pass { .. } => TaskState::Passed,
        }
    }
}

/// RID-11: applies `change` if the task is still in `from` (the state the domain checked the
/// step against). False when another request moved it first: nothing was written.
pub async fn transition(
    tx: &mut Tx,
    id: RiderTaskId,
    from: TaskState,
    change: TaskChange<'_>,
    at: DateTime<Utc>,
) -> Result<bool> {
    let to = change.to_state().as_str();
    let guard = "WHERE id = $1 AND state = $2";
    let n = match change {
        TaskChange::Accept { by } => {
            let sql = format!(
                "UPDATE rider_tasks SET state = $3, accepted_by = $4, accepted_at = $5 {guard}"
            );
            on!(tx, c => sqlx::query(&sql).bind(id.0).bind(from.as_str()).bind(to)
                .bind(by.map(|u| u.0)).bind(at).execute(c).await?.rows_affected())
        }
        TaskChange::Report { by, result } => {
            let sql = format!(
                "UPDATE rider_tasks SET state = $3, reported_by = $4, reported_at = $5, \
                 result = $6, photos = $7 {guard}"
            );
            on!(tx, c => sqlx::query(&sql).bind(id.0).bind(from.as_str()).bind(to)
                .bind(by.map(|u| u.0)).bind(at).bind(&result.text).bind(result.photos.to_json())
                .execute(c).await?.rows_affected())
        }
        TaskChange::Pass { by } => {
            let sql = format!(
                "UPDATE rider_tasks SET state = $3, evaluated_by = $4, evaluated_at = $5, \
                 passed_at = $5, send_back_reason = '' {guard}"
            );
            on!(tx, c => sqlx::query(&sql).bind(id.0).bind(from.as_str()).bind(to).bind(by.0)
                .bind(at).execute(c).await?.rows_affected())
        }
        TaskChange::SendBack { by, reason } => {
            let sql = format!(
                "UPDATE rider_tasks SET state = $3, evaluated_by = $4, evaluated_at = $5, \
                 send_back_reason = $6 {guard}"
            );
            on!(tx, c => sqlx::query(&sql).bind(id.0).bind(from.as_str()).bind(to).bind(by.0)
                .bind(at).bind(reason).execute(c).await?.rows_affected())
        }
    };
    Ok(n == 1)
}

/// RID-10 c, RID-11: open tasks in `scope` past their due date at `now`, most overdue first.
pub async fn list_overdue(
    tx: &mut Tx,
    scope: &UnitPath,
    now: DateTime<Utc>,
    window: Window,
) -> Result<Vec<RiderTask>> {
    let (low, high) = path_range(scope.as_str());
    let sql = format!(
        "SELECT {COLUMNS} FROM rider_tasks WHERE state <> $1 AND due_at < $2 \
         AND unit_path >= $3 AND unit_path < $4 ORDER BY due_at, id LIMIT $5 OFFSET $6"
    );
    let window = Window::new(window.limit.min(crate::list::MAX_PER_PAGE), window.offset);
    Ok(
        on!(tx, c => sqlx::query_as(&sql).bind(TaskState::Passed.as_str()).bind(now)
        .bind(&low).bind(&high).bind(window.limit).bind(window.offset).fetch_all(c).await?),
    )
}

/// A village's task board: its tasks in `state` (or all open ones), soonest due first.
pub async fn list_for_unit(
    tx: &mut Tx,
    unit: UnitId,
    state: Option<TaskState>,
    window: Window,
) -> Result<Vec<RiderTask>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM rider_tasks WHERE unit_id = $1 \
         AND (($2 = '' AND state <> $3) OR state = $2) ORDER BY due_at, id LIMIT $4 OFFSET $5"
    );
    let window = Window::new(window.limit.min(crate::list::MAX_PER_PAGE), window.offset);
    Ok(
        on!(tx, c => sqlx::query_as(&sql).bind(unit.0).bind(state.map_or("", TaskState::as_str))
        .bind(TaskState::Passed.as_str()).bind(window.limit).bind(window.offset)
        .fetch_all(c).await?),
    )
}

/// A person's tasks, newest first (at most 200).
pub async fn list_for_person(tx: &mut Tx, person: RiderPersonId) -> Result<Vec<RiderTask>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM rider_tasks WHERE person_id = $1 \
         ORDER BY created_at DESC, id DESC LIMIT $2"
    );
    Ok(
        on!(tx, c => sqlx::query_as(&sql).bind(person.0).bind(crate::list::MAX_PER_PAGE)
        .fetch_all(c).await?),
    )
}

/// RID-10 c: per unit in `scope`, the tasks that may have been overdue in `[start, end)`
/// (due before its end, not passed before its start), for
/// `roadwarden_domain::rider::assessment::village_score`. Bounded to
/// [`crate::list::MAX_ROWS`] tasks.
pub async fn assessed_tasks(
    tx: &mut Tx,
    scope: &UnitPath,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<Vec<(UnitId, AssessedTask)>> {
    let (low, high) = path_range(scope.as_str());
    let sql = "SELECT unit_id, due_at, passed_at FROM rider_tasks \
        WHERE unit_path >= $1 AND unit_path < $2 AND due_at < $3 \
        AND (passed_at IS NULL OR passed_at > $4) ORDER BY unit_id, due_at LIMIT $5";
    let rows: Vec<(i64, DateTime<Utc>, Option<DateTime<Utc>>)> = on!(tx, c => sqlx::query_as(sql)
        .bind(&low).bind(&high).bind(end).bind(start).bind(crate::list::MAX_ROWS)
        .fetch_all(c).await?);
    Ok(rows
        .into_iter()
        .map(|(unit, due_at, passed_at)| (UnitId(unit), AssessedTask { due_at, passed_at }))
        .collect())
}

/// The task board of an officer: tasks in `scope` in `state` (or all open ones), soonest due
/// first.
pub async fn list_in_scope(
    tx: &mut Tx,
    scope: &UnitPath,
    state: Option<TaskState>,
    window: Window,
) -> Result<Vec<RiderTask>> {
    let (low, high) = path_range(scope.as_str());
    let sql = format!(
        "SELECT {COLUMNS} FROM rider_tasks WHERE unit_path >= $1 AND unit_path < $2 \
         AND (($3 = '' AND state <> $4) OR state = $3) ORDER BY due_at, id LIMIT $5 OFFSET $6"
    );
    let window = Window::new(window.limit.min(crate::list::MAX_PER_PAGE), window.offset);
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(&low).bind(&high)
        .bind(state.map_or("", TaskState::as_str)).bind(TaskState::Passed.as_str())
        .bind(window.limit).bind(window.offset).fetch_all(c).await?))
}

/// RID-10 c: open tasks past their due date at `now`, counted per unit of `scope`, most first.
pub async fn overdue_by_unit(
    tx: &mut Tx,
    scope: &UnitPath,
    now: DateTime<Utc>,
) -> Result<Vec<(UnitId, i64)>> {
    let (low, high) = path_range(scope.as_str());
    let sql = "SELECT unit_id, COUNT(*) FROM rider_tasks WHERE state <> $1 AND due_at < $2 \
        AND unit_path >= $3 AND unit_path < $4 GROUP BY unit_id ORDER BY 2 DESC, 1 LIMIT $5";
    let rows: Vec<(i64, i64)> = on!(tx, c => sqlx::query_as(sql)
        .bind(TaskState::Passed.as_str()).bind(now).bind(&low).bind(&high)
        .bind(crate::list::MAX_PER_PAGE).fetch_all(c).await?);
    Ok(rows.into_iter().map(|(u, n)| (UnitId(u), n)).collect())
}

/// Whether `person` already has an open task of `kind` (a tier rising twice dispatches once).
pub async fn has_open(tx: &mut Tx, person: RiderPersonId, kind: TaskKind) -> Result<bool> {
    let sql = "SELECT COUNT(*) FROM rider_tasks WHERE person_id = $1 AND kind = $2 AND state <> $3";
    let n: i64 = on!(tx, c => sqlx::query_scalar(sql).bind(person.0).bind(kind.as_str())
        .bind(TaskState::Passed.as_str()).fetch_one(c).await?);
    Ok(n > 0)
}
