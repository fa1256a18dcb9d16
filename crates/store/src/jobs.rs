//! The durable job queue: typed jobs are stored as JSON with a kind, claimed by one worker at a
//! time (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite has a single writer), kept alive by
//! heartbeats, retried with back-off, and re-queued when their worker stops beating.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::{on, Result, Tx};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub payload: String,
    pub unique_key: Option<String>,
    pub status: String,
    pub attempts: i32,
    pub max_attempts: i32,
    pub run_at: DateTime<Utc>,
    pub last_error: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewJob<'a> {
    pub kind: &'a str,
    pub payload: String,
    /// At most one job ever exists with this key; enqueueing it again does nothing.
    pub unique_key: Option<String>,
    pub run_at: DateTime<Utc>,
    pub max_attempts: i32,
}

const COLUMNS: &str =
    "id, kind, payload, unique_key, status, attempts, max_attempts, run_at, last_error";

/// Enqueues a job. Returns its id, or `None` when a job with the same unique key exists.
pub async fn enqueue(tx: &mut Tx, job: &NewJob<'_>, now: DateTime<Utc>) -> Result<Option<i64>> {
    let sql = "INSERT INTO jobs (kind, payload, unique_key, status, attempts, max_attempts, \
        run_at, created_at) VALUES ($1, $2, $3, 'queued', 0, $4, $5, $6) \
        ON CONFLICT (unique_key) DO NOTHING RETURNING id";
    Ok(on!(tx, c => sqlx::query_scalar(sql)
        .bind(job.kind).bind(&job.payload).bind(&job.unique_key).bind(job.max_attempts)
        .bind(job.run_at).bind(now)
        .fetch_optional(c).await?))
}

/// Claims the next due job for `worker`, or `None` when nothing is due.
pub async fn claim(tx: &mut Tx, worker: &str, now: DateTime<Utc>) -> Result<Option<Job>> {
    let pick = match tx.backend() {
        crate::Backend::Postgres => {
            "SELECT id FROM jobs WHERE status = 'queued' AND run_at <= $2 \
             ORDER BY run_at, id LIMIT 1 FOR UPDATE SKIP LOCKED"
        }
        // One writer at a time: the claiming transaction already excludes every other.
        crate::Backend::Sqlite => {
            "SELECT id FROM jobs WHERE status = 'queued' AND run_at <= $2 \
             ORDER BY run_at, id LIMIT 1"
        }
    };
    let sql = format!(
        "UPDATE jobs SET status = 'running', attempts = attempts + 1, locked_by = $1, \
         heartbeat_at = $2 WHERE id = ({pick}) RETURNING {COLUMNS}"
    );
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(worker).bind(now).fetch_optional(c).await?))
}

pub async fn heartbeat(tx: &mut Tx, id: i64, now: DateTime<Utc>) -> Result<()> {
    on!(tx, c => sqlx::query("UPDATE jobs SET heartbeat_at = $1 WHERE id = $2 AND status = 'running'")
        .bind(now).bind(id).execute(c).await?.rows_affected());
    Ok(())
}

pub async fn complete(tx: &mut Tx, id: i64, now: DateTime<Utc>) -> Result<()> {
    let sql = "UPDATE jobs SET status = 'done', finished_at = $1, locked_by = NULL, \
               last_error = NULL WHERE id = $2";
    on!(tx, c => sqlx::query(sql).bind(now).bind(id).execute(c).await?.rows_affected());
    Ok(())
}

/// The delay before retry number `attempt` (1-based): 10 s, 20 s, 40 s … capped at one hour.
pub fn backoff(attempt: i32) -> Duration {
    let exp = u32::try_from(attempt.clamp(1, 20) - 1).unwrap_or(0);
    Duration::seconds((10_i64 << exp.min(12)).min(3600))
}

/// Records a failure: back to the queue after the back-off, or failed for good once the
/// attempts are used up. Returns whether it will run again.
pub async fn fail(tx: &mut Tx, job: &Job, error: &str, now: DateTime<Utc>) -> Result<bool> {
    let retry = job.attempts < job.max_attempts;
    let error: String = error.chars().take(2000).collect();
    if retry {
        let sql = "UPDATE jobs SET status = 'queued', run_at = $1, locked_by = NULL, \
                   last_error = $2 WHERE id = $3";
        on!(tx, c => sqlx::query(sql).bind(now + backoff(job.attempts)).bind(&error).bind(job.id)
            .execute(c).await?.rows_affected());
    } else {
        let sql = "UPDATE jobs SET status = 'failed', finished_at = $1, locked_by = NULL, \
                   last_error = $2 WHERE id = $3";
        on!(tx, c => sqlx::query(sql).bind(now).bind(&error).bind(job.id).execute(c).await?.rows_affected());
    }
    Ok(retry)
}

/// Puts back jobs whose worker has not beaten since `stale_before` (it died or hung).
pub async fn requeue_stale(tx: &mut Tx, stale_before: DateTime<Utc>) -> Result<u64> {
    let sql = "UPDATE jobs SET status = 'queued', locked_by = NULL, \
               last_error = 'worker stopped sending heartbeats' \
               WHERE status = 'running' AND heartbeat_at < $1";
    Ok(on!(tx, c => sqlx::query(sql).bind(stale_before).execute(c).await?.rows_affected()))
}

pub async fn get(tx: &mut Tx, id: i64) -> Result<Option<Job>> {
    let sql = format!("SELECT {COLUMNS} FROM jobs WHERE id = $1");
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(id).fetch_optional(c).await?))
}

/// Counts by status, for the metrics endpoint and the dashboard.
pub async fn counts(tx: &mut Tx) -> Result<Vec<(String, i64)>> {
    let sql = "SELECT status, COUNT(*) FROM jobs GROUP BY status ORDER BY status";
    Ok(on!(tx, c => sqlx::query_as(sql).fetch_all(c).await?))
}

/// The most recent jobs, for the operator's jobs page.
pub async fn recent(tx: &mut Tx, limit: i64) -> Result<Vec<Job>> {
    let sql = format!("SELECT {COLUMNS} FROM jobs ORDER BY id DESC LIMIT $1");
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(limit).fetch_all(c).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        assert_eq!(backoff(1), Duration::seconds(10));
        assert_eq!(backoff(2), Duration::seconds(20));
        assert_eq!(backoff(4), Duration::seconds(80));
        assert_eq!(backoff(30), Duration::seconds(3600));
    }
}
