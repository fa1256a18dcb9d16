//! SHR-05: the gateway ferry's ledger. Each package written out and each answer imported is
//! one row keyed by the package's id: an inbound id seen before is a replay, and a read-back
//! finds a request's answer by the id of the package that carried it.

use chrono::{DateTime, Utc};

use crate::{on, Result, Tx};

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct FerryPackage {
    pub id: String,
    /// `out` (written by us) or `in` (an answer imported).
    pub direction: String,
    pub system: String,
    pub kind: String,
    pub in_reply_to: String,
    pub request_id: Option<i64>,
    /// An imported answer's JSON; empty for outbound packages.
    pub body: String,
    pub sha256: String,
    pub file_name: String,
    pub at: DateTime<Utc>,
}

const COLUMNS: &str =
    "id, direction, system, kind, in_reply_to, request_id, body, sha256, file_name, at";

/// Records a package. False when its id is recorded already: an outbound package written
/// again (the same request sent again keeps its id), or an inbound one replayed.
pub async fn insert(tx: &mut Tx, p: &FerryPackage) -> Result<bool> {
    let sql = "INSERT INTO ferry_packages (id, direction, system, kind, in_reply_to, \
        request_id, body, sha256, file_name, at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) \
        ON CONFLICT (id) DO NOTHING";
    let done = on!(tx, c => sqlx::query(sql).bind(&p.id).bind(&p.direction).bind(&p.system)
        .bind(&p.kind).bind(&p.in_reply_to).bind(p.request_id).bind(&p.body).bind(&p.sha256)
        .bind(&p.file_name).bind(p.at).execute(c).await?.rows_affected());
    Ok(done == 1)
}

/// The package with this id, either way.
pub async fn get(tx: &mut Tx, id: &str) -> Result<Option<FerryPackage>> {
    let sql = format!("SELECT {COLUMNS} FROM ferry_packages WHERE id = $1");
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(id).fetch_optional(c).await?))
}

/// The newest answer imported for our package `id`.
pub async fn answer_to(tx: &mut Tx, id: &str) -> Result<Option<FerryPackage>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM ferry_packages WHERE in_reply_to = $1 AND direction = 'in' \
         ORDER BY at DESC LIMIT 1"
    );
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(id).fetch_optional(c).await?))
}

/// The newest packages, both ways, for the ferry's page.
pub async fn recent(tx: &mut Tx, limit: i64) -> Result<Vec<FerryPackage>> {
    let sql = format!("SELECT {COLUMNS} FROM ferry_packages ORDER BY at DESC, id LIMIT $1");
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(limit).fetch_all(c).await?))
}

/// The outside request with this key (`request_id` in its payload), if any.
pub async fn request_by_key(tx: &mut Tx, key: &str) -> Result<Option<i64>> {
    let sql = "SELECT id FROM outside_requests WHERE request_key = $1";
    Ok(on!(tx, c => sqlx::query_scalar(sql).bind(key).fetch_optional(c).await?))
}
