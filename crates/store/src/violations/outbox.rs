//! The notice outbox (NOT-01): notices queued with their record, leased in batches, each
//! outcome recorded against its lease.

use chrono::{DateTime, Utc};
use roadwarden_domain::org::UnitPath;
use serde::Serialize;

use crate::{on, path_range, Result, Tx};

use super::id_list;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Notice {
    pub id: i64,
    pub violation_id: i64,
    pub channel: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub language: String,
    pub state: String,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: String,
    pub blob_id: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

const NOTICE_COLUMNS: &str =
    "id, violation_id, channel, recipient, subject, body, language, state, \
    attempts, next_attempt_at, last_error, blob_id, sent_at, created_at";

#[derive(Debug, Clone)]
pub struct NewNotice<'a> {
    pub violation_id: i64,
    pub channel: &'a str,
    pub recipient: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub language: &'a str,
    pub blob_id: Option<&'a str>,
}

pub async fn enqueue_notice(tx: &mut Tx, n: &NewNotice<'_>, now: DateTime<Utc>) -> Result<i64> {
    let sql = "INSERT INTO notices (violation_id, channel, recipient, subject, body, language, state, \
        next_attempt_at, blob_id, created_at) VALUES ($1,$2,$3,$4,$5,$6,'queued',$7,$8,$7) RETURNING id";
    Ok(on!(tx, c => sqlx::query_scalar(sql)
        .bind(n.violation_id).bind(n.channel).bind(n.recipient).bind(n.subject).bind(n.body)
        .bind(n.language).bind(now).bind(n.blob_id).fetch_one(c).await?))
}

/// Takes up to `limit` due notices and pushes their next attempt to `lease_until`, so a
/// crashed sender's notices come back on their own and two senders never share one. The
/// outcome of each is recorded against the same `lease_until` ([`Lease`]): pass it truncated
/// to the microsecond ([`crate::truncate_micros`]) so it compares equal on both databases.
pub async fn lease_due_notices(
    tx: &mut Tx,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<Notice>> {
    let lock = match tx.backend() {
        crate::Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        crate::Backend::Sqlite => "",
    };
    let sql = format!(
        "SELECT {NOTICE_COLUMNS} FROM notices WHERE state = 'queued' AND next_attempt_at <= $1 \
         ORDER BY next_attempt_at, id LIMIT $2{lock}"
    );
    let due: Vec<Notice> =
        on!(tx, c => sqlx::query_as(&sql).bind(now).bind(limit).fetch_all(c).await?);
    if due.is_empty() {
        return Ok(due);
    }
    let ids: Vec<i64> = due.iter().map(|n| n.id).collect();
    let sql = format!(
        "UPDATE notices SET next_attempt_at = $1, attempts = attempts + 1 WHERE id IN ({})",
        id_list(&ids)
    );
    on!(tx, c => sqlx::query(&sql).bind(lease_until).execute(c).await?.rows_affected());
    Ok(due)
}

/// Which lease of a notice an outcome belongs to: the notice and the `lease_until` that
/// [`lease_due_notices`] wrote into `next_attempt_at`. An outcome whose lease was lost (it ran
/// out and another sender took the notice, or a clerk re-queued it) changes nothing, so a slow
/// sender never overwrites a newer attempt's result.
#[derive(Debug, Clone, Copy)]
pub struct Lease {
    pub notice_id: i64,
    pub until: DateTime<Utc>,
}

/// A notice went out: the words sent are kept with it (and a letter's PDF by its blob id).
/// False when the lease was lost.
pub async fn notice_sent(
    tx: &mut Tx,
    lease: Lease,
    blob_id: Option<&str>,
    subject: &str,
    body: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let sql = "UPDATE notices SET state = 'sent', sent_at = $1, last_error = '', blob_id = $2, \
        subject = $3, body = $4 WHERE id = $5 AND state = 'queued' AND next_attempt_at = $6";
    let n = on!(tx, c => sqlx::query(sql).bind(now).bind(blob_id).bind(subject).bind(body)
        .bind(lease.notice_id).bind(lease.until).execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// Puts a given-up notice back in the queue (the clerk fixed the address, the gateway is back).
pub async fn requeue_notice(tx: &mut Tx, id: i64, now: DateTime<Utc>) -> Result<bool> {
    let sql = "UPDATE notices SET state = 'queued', attempts = 0, next_attempt_at = $1 \
        WHERE id = $2 AND state = 'failed'";
    let n = on!(tx, c => sqlx::query(sql).bind(now).bind(id).execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// Notices in a state under `scope`, newest first (the clerk's list of failures).
pub async fn notices_in_scope(
    tx: &mut Tx,
    scope: &UnitPath,
    state: &str,
    limit: i64,
) -> Result<Vec<Notice>> {
    let (low, high) = path_range(scope.as_str());
    let sql = "SELECT n.id, n.violation_id, n.channel, n.recipient, n.subject, n.body, n.language, n.state, \
         n.attempts, n.next_attempt_at, n.last_error, n.blob_id, n.sent_at, n.created_at \
         FROM notices n JOIN violations v ON v.id = n.violation_id \
         WHERE v.unit_path >= $1 AND v.unit_path < $2 AND n.state = $3 ORDER BY n.id DESC LIMIT $4";
    Ok(
        on!(tx, c => sqlx::query_as(sql).bind(&low).bind(&high).bind(state).bind(limit).fetch_all(c).await?),
    )
}

/// A failed attempt: retried at `retry_at`, or given up (`failed`) when `None`. False when
/// the lease was lost.
pub async fn notice_failed(
    tx: &mut Tx,
    lease: Lease,
    error: &str,
    retry_at: Option<DateTime<Utc>>,
) -> Result<bool> {
    let sql = match retry_at {
        Some(_) => {
            "UPDATE notices SET last_error = $1, next_attempt_at = $2 \
            WHERE id = $3 AND state = 'queued' AND next_attempt_at = $4"
        }
        None => {
            "UPDATE notices SET last_error = $1, state = 'failed', \
            next_attempt_at = COALESCE($2, next_attempt_at) \
            WHERE id = $3 AND state = 'queued' AND next_attempt_at = $4"
        }
    };
    let n = on!(tx, c => sqlx::query(sql).bind(error).bind(retry_at).bind(lease.notice_id)
        .bind(lease.until).execute(c).await?.rows_affected());
    Ok(n == 1)
}

pub async fn notices_of(tx: &mut Tx, violation: i64) -> Result<Vec<Notice>> {
    let sql = format!("SELECT {NOTICE_COLUMNS} FROM notices WHERE violation_id = $1 ORDER BY id");
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(violation).fetch_all(c).await?))
}

pub async fn notice(tx: &mut Tx, id: i64) -> Result<Option<Notice>> {
    let sql = format!("SELECT {NOTICE_COLUMNS} FROM notices WHERE id = $1");
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(id).fetch_optional(c).await?))
}

/// Counts by state, for the clerk's page and the benchmark.
pub async fn notice_counts(tx: &mut Tx) -> Result<Vec<(String, i64)>> {
    let sql = "SELECT state, COUNT(*) FROM notices GROUP BY state ORDER BY state";
    Ok(on!(tx, c => sqlx::query_as(sql).fetch_all(c).await?))
}
