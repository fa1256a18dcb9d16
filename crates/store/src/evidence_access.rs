//! BWC-08, BWC-09, SEC-07, BWC-10: requests to view or copy footage, their approvals, and the
//! evidence copies made under them.

use chrono::{DateTime, Utc};
use roadwarden_domain::evidence::access::{AccessState, Purpose, Requester, Restriction};
use roadwarden_domain::org::UnitPath;
use roadwarden_domain::{UnitId, UserId};
use serde::Serialize;

use crate::{on, path_range, Result, Tx};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Request {
    pub id: i64,
    pub unit_id: i64,
    pub unit_path: String,
    pub requester_id: i64,
    #[sqlx(try_from = "String")]
    pub requester_kind: Requester,
    #[sqlx(try_from = "String")]
    pub purpose: Purpose,
    pub reason: String,
    pub register: String,
    pub committee_approval: String,
    #[sqlx(try_from = "String")]
    pub restriction: Restriction,
    #[sqlx(try_from = "String")]
    pub state: AccessState,
    pub filed_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub refusal: String,
    pub revoked_by: Option<i64>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// BWC-08: the unit the request was filed from (a superior body's own unit); `None` for
    /// requests filed before it was recorded.
    pub requesting_unit_id: Option<i64>,
}

const COLUMNS: &str = "id, unit_id, unit_path, requester_id, requester_kind, purpose, reason, \
    register, committee_approval, restriction, state, filed_at, decided_at, expires_at, refusal, \
    revoked_by, revoked_at, requesting_unit_id";

pub struct NewRequest<'a> {
    pub unit_id: UnitId,
    pub unit_path: &'a UnitPath,
    pub requester_id: UserId,
    /// BWC-08: the requester's own unit, kept with the request.
    pub requesting_unit_id: UnitId,
    pub requester_kind: Requester,
    pub purpose: Purpose,
    pub reason: &'a str,
    pub register: &'a str,
    pub committee_approval: &'a str,
    pub restriction: Restriction,
    pub evidence_ids: &'a [i64],
}

pub async fn insert(tx: &mut Tx, r: &NewRequest<'_>, now: DateTime<Utc>) -> Result<i64> {
    let sql =
        "INSERT INTO access_requests (unit_id, unit_path, requester_id, requester_kind, purpose, \
        reason, register, committee_approval, restriction, state, filed_at, requesting_unit_id) \
        VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,'pending',$10,$11) RETURNING id";
    let id: i64 = on!(tx, c => sqlx::query_scalar(sql)
        .bind(r.unit_id.0).bind(r.unit_path.as_str()).bind(r.requester_id.0).bind(r.requester_kind.as_str())
        .bind(r.purpose.as_str()).bind(r.reason).bind(r.register).bind(r.committee_approval)
        .bind(r.restriction.as_str()).bind(now).bind(r.requesting_unit_id.0).fetch_one(c).await?);
    for evidence_id in r.evidence_ids {
        let sql = "INSERT INTO access_request_items (request_id, evidence_id) VALUES ($1,$2)";
        on!(tx, c => sqlx::query(sql).bind(id).bind(evidence_id).execute(c).await?.rows_affected());
    }
    Ok(id)
}

pub async fn get(tx: &mut Tx, id: i64) -> Result<Option<Request>> {
    let sql = format!("SELECT {COLUMNS} FROM access_requests WHERE id = $1");
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(id).fetch_optional(c).await?))
}

pub async fn items(tx: &mut Tx, request_id: i64) -> Result<Vec<i64>> {
    let sql =
        "SELECT evidence_id FROM access_request_items WHERE request_id = $1 ORDER BY evidence_id";
    Ok(on!(tx, c => sqlx::query_scalar(sql).bind(request_id).fetch_all(c).await?))
}

pub async fn approvals(tx: &mut Tx, request_id: i64) -> Result<Vec<i64>> {
    let sql = "SELECT approver_id FROM access_approvals WHERE request_id = $1 ORDER BY at";
    Ok(on!(tx, c => sqlx::query_scalar(sql).bind(request_id).fetch_all(c).await?))
}

pub async fn add_approval(
    tx: &mut Tx,
    request_id: i64,
    approver: UserId,
    at: DateTime<Utc>,
) -> Result<()> {
    let sql = "INSERT INTO access_approvals (request_id, approver_id, at) VALUES ($1,$2,$3)";
    on!(tx, c => sqlx::query(sql).bind(request_id).bind(approver.0).bind(at).execute(c).await?.rows_affected());
    Ok(())
}

/// Moves a pending request to its decision; false when someone else decided first.
pub async fn decide(
    tx: &mut Tx,
    id: i64,
    state: AccessState,
    at: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
    refusal: &str,
) -> Result<bool> {
    let sql =
        "UPDATE access_requests SET state = $1, decided_at = $2, expires_at = $3, refusal = $4 \
        WHERE id = $5 AND state = 'pending'";
    let n = on!(tx, c => sqlx::query(sql).bind(state.as_str()).bind(at).bind(expires_at).bind(refusal).bind(id)
        .execute(c).await?.rows_affected());
    Ok(n == 1)
}

pub async fn revoke(tx: &mut Tx, id: i64, by: UserId, at: DateTime<Utc>) -> Result<bool> {
    let sql = "UPDATE access_requests SET state = 'revoked', revoked_by = $1, revoked_at = $2 \
        WHERE id = $3 AND state IN ('pending', 'approved')";
    let n = on!(tx, c => sqlx::query(sql).bind(by.0).bind(at).bind(id).execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// The head's inbox: requests about footage in scope, by state.
pub async fn inbox(
    tx: &mut Tx,
    scope: &UnitPath,
    state: AccessState,
    limit: i64,
) -> Result<Vec<Request>> {
    let (low, high) = path_range(scope.as_str());
    let sql = format!(
        "SELECT {COLUMNS} FROM access_requests WHERE unit_path >= $1 AND unit_path < $2 \
         AND state = $3 ORDER BY filed_at DESC, id DESC LIMIT $4"
    );
    Ok(
        on!(tx, c => sqlx::query_as(&sql).bind(&low).bind(&high).bind(state.as_str()).bind(limit).fetch_all(c).await?),
    )
}

pub async fn mine(tx: &mut Tx, requester: UserId, limit: i64) -> Result<Vec<Request>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM access_requests WHERE requester_id = $1 ORDER BY filed_at DESC, id DESC LIMIT $2"
    );
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(requester.0).bind(limit).fetch_all(c).await?))
}

/// The requester's approved requests that cover this footage, newest first.
pub async fn grants_for(tx: &mut Tx, requester: UserId, evidence_id: i64) -> Result<Vec<Request>> {
    let cols = COLUMNS
        .split(", ")
        .map(|c| format!("r.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT {cols} FROM access_requests r JOIN access_request_items i ON i.request_id = r.id \
         WHERE r.requester_id = $1 AND i.evidence_id = $2 ORDER BY r.filed_at DESC, r.id DESC LIMIT 20"
    );
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(requester.0).bind(evidence_id).fetch_all(c).await?))
}

// ---- BWC-10 exports ------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Export {
    pub id: i64,
    pub request_id: i64,
    pub created_by: i64,
    pub created_at: DateTime<Utc>,
}

pub async fn add_export(
    tx: &mut Tx,
    request_id: i64,
    by: UserId,
    at: DateTime<Utc>,
) -> Result<i64> {
    let sql = "INSERT INTO evidence_exports (request_id, created_by, created_at) VALUES ($1,$2,$3) RETURNING id";
    Ok(
        on!(tx, c => sqlx::query_scalar(sql).bind(request_id).bind(by.0).bind(at).fetch_one(c).await?),
    )
}

pub async fn get_export(tx: &mut Tx, id: i64) -> Result<Option<Export>> {
    let sql = "SELECT id, request_id, created_by, created_at FROM evidence_exports WHERE id = $1";
    Ok(on!(tx, c => sqlx::query_as(sql).bind(id).fetch_optional(c).await?))
}

pub async fn exports_of(tx: &mut Tx, request_id: i64) -> Result<Vec<Export>> {
    let sql = "SELECT id, request_id, created_by, created_at FROM evidence_exports WHERE request_id = $1 ORDER BY id";
    Ok(on!(tx, c => sqlx::query_as(sql).bind(request_id).fetch_all(c).await?))
}
