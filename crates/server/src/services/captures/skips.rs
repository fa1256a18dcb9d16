//! The captures a reviewer passed over (the review desk's "skip"), so that the next capture
//! handed to them is another one: a skip sticks for `STICKS_FOR`, and a reviewer whose queue
//! holds only skipped captures gets them back. Kept in the database (issue 14), a few per
//! reviewer, so a skip outlives a restart and holds on every server of a cluster.

use chrono::{DateTime, Duration, Utc};
use roadwarden_store::{review_skips, Tx};

use crate::error::AppResult;

/// How long a skip keeps a capture from coming back to the same reviewer (minutes).
pub const STICKS_FOR_MINUTES: i64 = 30;
/// The most skips remembered per reviewer; the oldest is forgotten first.
pub const MAX_PER_REVIEWER: i64 = 20;

/// `reviewer` passed over `capture` at `now`.
pub async fn add(tx: &mut Tx, reviewer: i64, capture: i64, now: DateTime<Utc>) -> AppResult<()> {
    review_skips::add(tx, reviewer, capture, now, MAX_PER_REVIEWER).await?;
    Ok(())
}

/// The captures `reviewer` skipped that still stick at `now`, oldest first.
pub async fn sticking(tx: &mut Tx, reviewer: i64, now: DateTime<Utc>) -> AppResult<Vec<i64>> {
    let since = now - Duration::minutes(STICKS_FOR_MINUTES);
    Ok(review_skips::since(tx, reviewer, since).await?)
}
