//! RID-10, SHR-04: the outbox of requests to outside systems. A request is written once per
//! measure, task or list (its unique key), leased by one sender at a time (the lease is
//! `next_at`, as in the notice outbox), and each outcome is written only by the lease that
//! sent it, so a slow sender never overwrites a newer attempt.

use chrono::{DateTime, Utc};
use roadwarden_domain::org::UnitPath;
use roadwarden_domain::outside::{OutsideKind, OutsideState, OutsideSystem};
use roadwarden_domain::rider::{Disposition, RiderTier};
use roadwarden_domain::RiderPersonId;

use crate::list::{Window, MAX_PER_PAGE};
use crate::{on, path_range, Result, Tx};

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct OutsideRequest {
    pub id: i64,
    #[sqlx(try_from = "String")]
    pub system: OutsideSystem,
    #[sqlx(try_from = "String")]
    pub kind: OutsideKind,
    /// Sent as the request's id: the outside system applies a request once per key.
    pub request_key: String,
    pub person_id: Option<i64>,
    pub disposition_id: Option<i64>,
    pub task_id: Option<i64>,
    pub unit_id: Option<i64>,
    pub payload: String,
    #[sqlx(try_from = "String")]
    pub state: OutsideState,
    pub attempts: i32,
    pub next_at: DateTime<Utc>,
    pub remote_id: String,
    /// The JSON read back (the deduction applied, the task's result and assessment).
    pub result: String,
    pub last_error: String,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub acknowledged_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "id, system, kind, request_key, person_id, disposition_id, task_id, \
    unit_id, payload, state, attempts, next_at, remote_id, result, last_error, created_at, \
    sent_at, acknowledged_at";

#[derive(Debug, Clone)]
pub struct NewOutsideRequest {
    pub system: OutsideSystem,
    pub kind: OutsideKind,
    pub request_key: String,
    pub person_id: Option<i64>,
    pub disposition_id: Option<i64>,
    pub task_id: Option<i64>,
    pub unit_id: Option<i64>,
    pub payload: String,
    pub created_at: DateTime<Utc>,
}

/// Queues a request, due at once. `None` when a request with that key exists already: a
/// measure, a task or a day's list is sent once, however often it is queued.
pub async fn insert(tx: &mut Tx, new: &NewOutsideRequest) -> Result<Option<i64>> {
    let sql = "INSERT INTO outside_requests (system, kind, request_key, person_id, \
        disposition_id, task_id, unit_id, payload, state, next_at, created_at) \
        VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$10) \
        ON CONFLICT (request_key) DO NOTHING RETURNING id";
    Ok(
        on!(tx, c => sqlx::query_scalar(sql).bind(new.system.as_str())
        .bind(new.kind.as_str()).bind(&new.request_key).bind(new.person_id)
        .bind(new.disposition_id).bind(new.task_id).bind(new.unit_id).bind(&new.payload)
        .bind(OutsideState::Queued.as_str()).bind(new.created_at)
        .fetch_optional(c).await?),
    )
}

/// Which lease of a request an outcome belongs to (the `next_at` the lease wrote).
#[derive(Debug, Clone, Copy)]
pub struct Lease {
    pub id: i64,
    pub until: DateTime<Utc>,
}

/// Takes up to `limit` requests due to be sent or read back, and holds them until
/// `lease_until` (another sender takes one again only once its lease ran out: a crash loses
/// nothing).
pub async fn lease_due(
    tx: &mut Tx,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<OutsideRequest>> {
    let lock = match tx.backend() {
        crate::Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        crate::Backend::Sqlite => "",
    };
    let sql = format!(
        "SELECT {COLUMNS} FROM outside_requests WHERE state IN ($1, $2) AND next_at <= $3 \
         ORDER BY next_at, id LIMIT $4{lock}"
    );
    let due: Vec<OutsideRequest> = on!(tx, c => sqlx::query_as(&sql)
        .bind(OutsideState::Queued.as_str()).bind(OutsideState::Sent.as_str()).bind(now)
        .bind(limit.clamp(1, 500)).fetch_all(c).await?);
    for r in &due {
        let sql = "UPDATE outside_requests SET next_at = $1 WHERE id = $2";
        on!(tx, c => sqlx::query(sql).bind(lease_until).bind(r.id).execute(c).await?
            .rows_affected());
    }
    Ok(due)
}

/// What an attempt came to.
#[derive(Debug, Clone)]
pub struct Outcome<'a> {
    pub state: OutsideState,
    pub next_at: DateTime<Utc>,
    /// Whether the attempt failed (it counts towards giving up).
    pub failed: bool,
    /// The outside system's id, when it gave one ("" keeps the one known).
    pub remote_id: &'a str,
    /// The JSON read back ("" keeps what is known).
    pub result: &'a str,
    pub last_error: &'a str,
}

/// Writes an attempt's outcome, if `lease` still holds the request. False when the lease was
/// lost (another sender took it after the lease ran out): nothing was written.
pub async fn settle(
    tx: &mut Tx,
    lease: Lease,
    outcome: &Outcome<'_>,
    at: DateTime<Utc>,
) -> Result<bool> {
    let sql = "UPDATE outside_requests SET state = $1, next_at = $2, attempts = attempts + $3, \
        remote_id = CASE WHEN $4 = '' THEN remote_id ELSE $4 END, \
        result = CASE WHEN $5 = '' THEN result ELSE $5 END, last_error = $6, \
        sent_at = CASE WHEN $1 = 'sent' AND sent_at IS NULL THEN $7 ELSE sent_at END, \
        acknowledged_at = CASE WHEN $1 = 'acknowledged' THEN $7 ELSE acknowledged_at END \
        WHERE id = $8 AND next_at = $9 AND state IN ('queued', 'sent')";
    let n = on!(tx, c => sqlx::query(sql).bind(outcome.state.as_str()).bind(outcome.next_at)
        .bind(i32::from(outcome.failed)).bind(outcome.remote_id).bind(outcome.result)
        .bind(outcome.last_error).bind(at).bind(lease.id).bind(lease.until)
        .execute(c).await?.rows_affected());
    Ok(n == 1)
}

pub async fn get(tx: &mut Tx, id: i64) -> Result<Option<OutsideRequest>> {
    let sql = format!("SELECT {COLUMNS} FROM outside_requests WHERE id = $1");
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(id).fetch_optional(c).await?))
}

/// A rider's requests (their deductions and the tasks about them), newest first.
pub async fn list_for_person(tx: &mut Tx, person: RiderPersonId) -> Result<Vec<OutsideRequest>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM outside_requests WHERE person_id = $1 \
         ORDER BY created_at DESC, id DESC LIMIT $2"
    );
    Ok(
        on!(tx, c => sqlx::query_as(&sql).bind(person.0).bind(MAX_PER_PAGE)
        .fetch_all(c).await?),
    )
}

/// Which requests the outbox lists: one state, one system, or all of them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboxFilter {
    pub state: Option<OutsideState>,
    pub system: Option<OutsideSystem>,
}

/// The requests about the units under `scope`.
const IN_SCOPE: &str = "unit_id IN (SELECT id FROM units WHERE path >= $1 AND path < $2)";

/// RID-10, SHR-04: the outbox of the units under `scope` as `filter` narrows it, newest
/// first (a page of at most [`MAX_PER_PAGE`]).
pub async fn list_in_scope(
    tx: &mut Tx,
    scope: &UnitPath,
    filter: OutboxFilter,
    window: Window,
) -> Result<Vec<OutsideRequest>> {
    let (low, high) = path_range(scope.as_str());
    let sql = format!(
        "SELECT {COLUMNS} FROM outside_requests WHERE {IN_SCOPE} \
         AND ($3 = '' OR state = $3) AND ($4 = '' OR system = $4) \
         ORDER BY created_at DESC, id DESC LIMIT $5 OFFSET $6"
    );
    let window = Window::new(window.limit.min(MAX_PER_PAGE), window.offset);
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(&low).bind(&high)
        .bind(filter.state.map_or("", OutsideState::as_str))
        .bind(filter.system.map_or("", OutsideSystem::as_str))
        .bind(window.limit).bind(window.offset).fetch_all(c).await?))
}

/// How many requests of one system are in one state.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OutboxCount {
    #[sqlx(try_from = "String")]
    pub system: OutsideSystem,
    #[sqlx(try_from = "String")]
    pub state: OutsideState,
    pub n: i64,
}

/// RID-10, SHR-04: the outbox of the units under `scope` counted by system and state.
pub async fn count_in_scope(tx: &mut Tx, scope: &UnitPath) -> Result<Vec<OutboxCount>> {
    let (low, high) = path_range(scope.as_str());
    let sql = format!(
        "SELECT system, state, COUNT(*) AS n FROM outside_requests WHERE {IN_SCOPE} \
         GROUP BY system, state ORDER BY system, state"
    );
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(&low).bind(&high).fetch_all(c).await?))
}

/// A cross-agency measure that has no request yet.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UnsentMeasure {
    pub id: i64,
    #[sqlx(try_from = "i64")]
    pub person_id: RiderPersonId,
    #[sqlx(try_from = "String")]
    pub disposition: Disposition,
    #[sqlx(try_from = "String")]
    pub tier: RiderTier,
}

/// RID-10: pending measures of `disposition` with no request yet, of riders whose identity
/// an officer confirmed (an outside system deducts from a person, by ID number), oldest first.
pub async fn unsent_measures(
    tx: &mut Tx,
    disposition: Disposition,
    limit: i64,
) -> Result<Vec<UnsentMeasure>> {
    let sql = "SELECT d.id, d.person_id, d.disposition, d.tier FROM rider_dispositions d \
        JOIN rider_persons p ON p.id = d.person_id \
        WHERE d.disposition = $1 AND d.state = 'pending' AND p.id_number IS NOT NULL \
        AND NOT EXISTS (SELECT 1 FROM outside_requests o WHERE o.disposition_id = d.id) \
        ORDER BY d.id LIMIT $2";
    Ok(
        on!(tx, c => sqlx::query_as(sql).bind(disposition.as_str()).bind(limit.clamp(1, 500))
        .fetch_all(c).await?),
    )
}

/// SHR-04: tasks for a village's grid workers, still dispatched, with no request yet.
pub async fn unsent_village_tasks(tx: &mut Tx, limit: i64) -> Result<Vec<i64>> {
    let sql = "SELECT t.id FROM rider_tasks t WHERE t.addressee = 'village' \
        AND t.state = 'dispatched' \
        AND NOT EXISTS (SELECT 1 FROM outside_requests o WHERE o.task_id = t.id) \
        ORDER BY t.id LIMIT $1";
    Ok(on!(tx, c => sqlx::query_scalar(sql).bind(limit.clamp(1, 500)).fetch_all(c).await?))
}

/// One line of a village's list.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ListedRider {
    pub unit_id: i64,
    pub id: i64,
    pub id_number: Option<String>,
    pub name: String,
    pub village: String,
    #[sqlx(try_from = "String")]
    pub tier: RiderTier,
    pub tier_since: DateTime<Utc>,
}

/// SHR-04: the confirmed riders above the clear tier, by village, tier and file (at most
/// `limit`).
pub async fn riders_by_tier(tx: &mut Tx, limit: i64) -> Result<Vec<ListedRider>> {
    let sql = "SELECT unit_id, id, id_number, name, village, tier, tier_since \
        FROM rider_persons WHERE tier <> 'clear' AND provisional = $1 AND merged_into IS NULL \
        ORDER BY unit_id, tier, id LIMIT $2";
    Ok(on!(tx, c => sqlx::query_as(sql).bind(false).bind(limit.max(1)).fetch_all(c).await?))
}

/// RID-10: an officer queues a failed request again: due at once, its attempts counted
/// afresh. False when it is not failed (nothing written).
pub async fn requeue(tx: &mut Tx, id: i64, at: DateTime<Utc>) -> Result<bool> {
    let sql = "UPDATE outside_requests SET state = 'queued', attempts = 0, next_at = $1, \
        last_error = '' WHERE id = $2 AND state = 'failed'";
    let n = on!(tx, c => sqlx::query(sql).bind(at).bind(id).execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// SHR-05: a sent request whose answer has just arrived through the gateway is read back at
/// once rather than at its next scheduled read. A sender holding its lease loses it, which
/// only means the request is read again.
pub async fn read_back_now(tx: &mut Tx, remote_id: &str, now: DateTime<Utc>) -> Result<bool> {
    let sql = "UPDATE outside_requests SET next_at = $1 \
        WHERE remote_id = $2 AND state = 'sent' AND next_at > $1";
    let n = on!(tx, c => sqlx::query(sql).bind(now).bind(remote_id).execute(c).await?
        .rows_affected());
    Ok(n > 0)
}
