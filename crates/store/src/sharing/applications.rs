//! DAT-02, DAT-03, SEC-07: applications for outside queries, statistics and bulk exports, and
//! the result files handed over.

use chrono::{DateTime, Utc};
use roadwarden_domain::org::UnitPath;
use roadwarden_domain::sharing::{AppKind, AppState, Dataset, Purpose};
use roadwarden_domain::UserId;
use serde::Serialize;

use crate::{on, path_range, Result, Tx};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Application {
    pub id: i64,
    #[sqlx(try_from = "String")]
    pub kind: AppKind,
    #[sqlx(try_from = "String")]
    pub dataset: Dataset,
    pub unit_id: i64,
    pub unit_path: String,
    pub requesting_body: String,
    #[sqlx(try_from = "String")]
    pub purpose: Purpose,
    pub purpose_text: String,
    pub span_from: DateTime<Utc>,
    pub span_to: DateTime<Utc>,
    #[sqlx(try_from = "String")]
    pub state: AppState,
    pub requested_by: i64,
    pub requested_at: DateTime<Utc>,
    pub decided_by: Option<i64>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_reason: String,
    pub run_by: Option<i64>,
    pub run_at: Option<DateTime<Utc>>,
    pub result_name: String,
    pub result_sha256: String,
    pub result_rows: i64,
    pub released_by: Option<i64>,
    pub released_at: Option<DateTime<Utc>>,
    pub recipient: String,
    pub release_note: String,
}

const COLUMNS: &str = "id, kind, dataset, unit_id, unit_path, requesting_body, purpose, \
    purpose_text, span_from, span_to, state, requested_by, requested_at, decided_by, decided_at, \
    decision_reason, run_by, run_at, result_name, result_sha256, result_rows, released_by, \
    released_at, recipient, release_note";

pub struct NewApplication<'a> {
    pub kind: AppKind,
    pub dataset: Dataset,
    pub unit_id: i64,
    pub unit_path: &'a str,
    pub requesting_body: &'a str,
    pub purpose: Purpose,
    pub purpose_text: &'a str,
    pub span: (DateTime<Utc>, DateTime<Utc>),
    pub requested_by: UserId,
    pub requested_at: DateTime<Utc>,
}

pub async fn insert(tx: &mut Tx, n: &NewApplication<'_>) -> Result<i64> {
    let sql = "INSERT INTO data_applications (kind, dataset, unit_id, unit_path, requesting_body, \
        purpose, purpose_text, span_from, span_to, state, requested_by, requested_at) \
        VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,'requested',$10,$11) RETURNING id";
    Ok(on!(tx, c => sqlx::query_scalar(sql)
        .bind(n.kind.as_str()).bind(n.dataset.as_str()).bind(n.unit_id).bind(n.unit_path)
        .bind(n.requesting_body).bind(n.purpose.as_str()).bind(n.purpose_text)
        .bind(n.span.0).bind(n.span.1).bind(n.requested_by.0).bind(n.requested_at)
        .fetch_one(c).await?))
}

pub async fn get(tx: &mut Tx, id: i64) -> Result<Option<Application>> {
    let sql = format!("SELECT {COLUMNS} FROM data_applications WHERE id = $1");
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(id).fetch_optional(c).await?))
}

/// The applications under `scope` (ORG-02), newest first, optionally of one state.
pub async fn in_scope(
    tx: &mut Tx,
    scope: &UnitPath,
    state: Option<AppState>,
    limit: i64,
) -> Result<Vec<Application>> {
    let (low, high) = path_range(scope.as_str());
    let sql = format!(
        "SELECT {COLUMNS} FROM data_applications WHERE unit_path >= $1 AND unit_path < $2 \
         AND ($3 = '' OR state = $3) ORDER BY id DESC LIMIT $4"
    );
    Ok(on!(tx, c => sqlx::query_as(&sql)
        .bind(&low).bind(&high).bind(state.map_or("", AppState::as_str)).bind(limit)
        .fetch_all(c).await?))
}

/// The head's decision, once: false when it was decided meanwhile.
pub async fn decide(
    tx: &mut Tx,
    id: i64,
    to: AppState,
    by: UserId,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let sql = "UPDATE data_applications SET state = $2, decided_by = $3, decided_at = $4, \
        decision_reason = $5 WHERE id = $1 AND state = 'requested'";
    let n = on!(tx, c => sqlx::query(sql).bind(id).bind(to.as_str()).bind(by.0).bind(now)
        .bind(reason).execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// The result of a run (or an export's download): its name, hash and row count, from
/// `from` to `to`; false when the state moved meanwhile.
#[allow(clippy::too_many_arguments)]
pub async fn record_result(
    tx: &mut Tx,
    id: i64,
    from: AppState,
    to: AppState,
    by: UserId,
    name: &str,
    sha256: &str,
    rows: i64,
    now: DateTime<Utc>,
) -> Result<bool> {
    let sql = "UPDATE data_applications SET state = $3, run_by = $4, run_at = $5, \
        result_name = $6, result_sha256 = $7, result_rows = $8 WHERE id = $1 AND state = $2";
    let n = on!(tx, c => sqlx::query(sql).bind(id).bind(from.as_str()).bind(to.as_str())
        .bind(by.0).bind(now).bind(name).bind(sha256).bind(rows)
        .execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// Keeps the result file of a run.
pub async fn put_result(tx: &mut Tx, id: i64, content: &[u8]) -> Result<()> {
    let sql = "INSERT INTO data_results (application_id, content) VALUES ($1, $2)";
    on!(tx, c => sqlx::query(sql).bind(id).bind(content).execute(c).await?.rows_affected());
    Ok(())
}

pub async fn result(tx: &mut Tx, id: i64) -> Result<Option<Vec<u8>>> {
    let sql = "SELECT content FROM data_results WHERE application_id = $1";
    Ok(on!(tx, c => sqlx::query_scalar(sql).bind(id).fetch_optional(c).await?))
}

/// DAT-03: the head's consent to hand the result over, with whom and why; once.
pub async fn release(
    tx: &mut Tx,
    id: i64,
    by: UserId,
    recipient: &str,
    note: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let sql = "UPDATE data_applications SET state = 'released', released_by = $2, \
        released_at = $3, recipient = $4, release_note = $5 WHERE id = $1 AND state = 'run'";
    let n = on!(tx, c => sqlx::query(sql).bind(id).bind(by.0).bind(now).bind(recipient)
        .bind(note).execute(c).await?.rows_affected());
    Ok(n == 1)
}
