//! RID-10, RID-11: the open tasks whose deadline calls for a step of the daily job (a reminder
//! the day before, the overdue message, the escalation N days later), each step taken once.

use chrono::{DateTime, Utc};
use roadwarden_domain::RiderTaskId;

use crate::{on, Result, Tx};

/// An open task the deadline job looks at, with what it has already done.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct DueTask {
    pub id: i64,
    pub person_id: i64,
    pub unit_id: i64,
    pub kind: String,
    pub state: String,
    pub due_at: DateTime<Utc>,
    pub accepted_by: Option<i64>,
    pub reminded_at: Option<DateTime<Utc>>,
    pub overdue_flagged_at: Option<DateTime<Utc>>,
    pub escalated_at: Option<DateTime<Utc>>,
}

/// The deadline steps, one column each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeadlineStep {
    Reminded,
    OverdueFlagged,
    Escalated,
}

impl DeadlineStep {
    fn column(self) -> &'static str {
        match self {
            DeadlineStep::Reminded => "reminded_at",
            DeadlineStep::OverdueFlagged => "overdue_flagged_at",
            DeadlineStep::Escalated => "escalated_at",
        }
    }
}

/// Open tasks with a step still to take: not reminded and due before `remind_before`, not
/// flagged and due before `now`, or not escalated and due before `escalate_before`. At most
/// `limit`, earliest due first (the open-task index).
pub async fn due(
    tx: &mut Tx,
    remind_before: DateTime<Utc>,
    now: DateTime<Utc>,
    escalate_before: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<DueTask>> {
    let sql = "SELECT id, person_id, unit_id, kind, state, due_at, accepted_by, reminded_at, \
        overdue_flagged_at, escalated_at FROM rider_tasks WHERE state <> 'passed' \
        AND due_at <= $1 AND ((reminded_at IS NULL AND due_at <= $1) \
        OR (overdue_flagged_at IS NULL AND due_at <= $2) \
        OR (escalated_at IS NULL AND due_at <= $3)) ORDER BY due_at, id LIMIT $4";
    Ok(
        on!(tx, c => sqlx::query_as(sql).bind(remind_before).bind(now).bind(escalate_before)
        .bind(limit).fetch_all(c).await?),
    )
}

/// Records a step; false when it was taken already (another run got there first).
pub async fn mark(
    tx: &mut Tx,
    id: RiderTaskId,
    step: DeadlineStep,
    now: DateTime<Utc>,
) -> Result<bool> {
    let col = step.column();
    let sql = format!("UPDATE rider_tasks SET {col} = $2 WHERE id = $1 AND {col} IS NULL");
    let n = on!(tx, c => sqlx::query(&sql).bind(id.0).bind(now).execute(c).await?
        .rows_affected());
    Ok(n == 1)
}
