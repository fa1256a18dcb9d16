//! SEC-05: refused accesses are logged too. A refusal (a record outside the caller's units is
//! "not found", a missing role is "forbidden") is counted in memory per person, address and
//! kind, and written as one aggregated audit entry per window (the count, the first and last
//! paths), so a scan of ten thousand ids costs the chain a handful of entries, not ten
//! thousand. Memory is bounded: past `MAX_KEYS` distinct keys, further refusals are counted
//! under one overflow key per kind.

pub mod log;

use chrono::{DateTime, Utc};
use serde_json::json;

use log::{Key, Tally};
pub use log::{RefusalLog, MAX_KEYS, WINDOW};

use super::audit::{record, Actor, Event};
use super::context::ServiceContext;
use crate::error::AppResult;

/// Writes one `access.refused` entry per key whose window has ended (every key with `all`,
/// at shutdown and in tests), in the refusing person's unit. Returns the entries written.
pub async fn flush(ctx: &ServiceContext, all: bool) -> AppResult<usize> {
    let now = ctx.clock.now();
    let taken = ctx.refusals.take_due(now, all);
    if taken.is_empty() {
        return Ok(0);
    }
    match write(ctx, &taken, now).await {
        Ok(()) => Ok(taken.len()),
        Err(e) => {
            ctx.refusals.restore(taken);
            Err(e)
        }
    }
}

async fn write(ctx: &ServiceContext, taken: &[(Key, Tally)], now: DateTime<Utc>) -> AppResult<()> {
    let mut tx = ctx.store.begin().await?;
    for (key, tally) in taken {
        let actor = Actor {
            user_id: key.user_id,
            name: key.actor.clone(),
            unit_id: key.unit_id,
            ip: key.ip.clone(),
            request_id: String::new(),
        };
        record(
            &mut tx,
            &actor,
            Event {
                action: "access.refused",
                object_type: "request",
                object_id: key.kind.to_owned(),
                unit_id: key.unit_id,
                detail: json!({
                    "count": tally.count, "kind": key.kind, "status": key.status,
                    "first_at": tally.first_at, "last_at": tally.last_at,
                    "first_path": tally.first_path, "last_path": tally.last_path,
                }),
            },
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
