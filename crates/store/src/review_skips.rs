//! REV-01 (issue 14): the captures a reviewer passed over on the review desk. Kept in the
//! database, so a skip sticks across a restart and on every server of a cluster.

use chrono::{DateTime, Utc};

use crate::{on, truncate_micros, Result, Tx};

/// `reviewer` passed over `capture` at `at`; only the newest `keep` skips of a reviewer stay.
pub async fn add(
    tx: &mut Tx,
    reviewer: i64,
    capture: i64,
    at: DateTime<Utc>,
    keep: i64,
) -> Result<()> {
    let sql = "INSERT INTO review_skips (reviewer_id, capture_id, at) VALUES ($1, $2, $3) \
        ON CONFLICT (reviewer_id, capture_id) DO UPDATE SET at = excluded.at";
    on!(tx, c => sqlx::query(sql).bind(reviewer).bind(capture).bind(truncate_micros(at))
        .execute(c).await.map(|_| ())?);
    let sql = "DELETE FROM review_skips WHERE reviewer_id = $1 AND capture_id NOT IN \
        (SELECT capture_id FROM review_skips WHERE reviewer_id = $1 \
         ORDER BY at DESC, capture_id DESC LIMIT $2)";
    on!(tx, c => sqlx::query(sql).bind(reviewer).bind(keep).execute(c).await.map(|_| ())?);
    Ok(())
}

/// The captures `reviewer` skipped after `since`, oldest first. Older skips are forgotten
/// (deleted) on the way.
pub async fn since(tx: &mut Tx, reviewer: i64, since: DateTime<Utc>) -> Result<Vec<i64>> {
    let since = truncate_micros(since);
    let sql = "DELETE FROM review_skips WHERE reviewer_id = $1 AND at <= $2";
    on!(tx, c => sqlx::query(sql).bind(reviewer).bind(since).execute(c).await.map(|_| ())?);
    let sql = "SELECT capture_id FROM review_skips WHERE reviewer_id = $1 AND at > $2 \
        ORDER BY at, capture_id";
    Ok(on!(tx, c => sqlx::query_scalar(sql).bind(reviewer).bind(since).fetch_all(c).await?))
}
