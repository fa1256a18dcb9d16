//! SEC-05: refused accesses are logged too. A refusal (a record outside the caller's units is
//! "not found", a missing role is "forbidden") is counted in memory per person, address and
//! kind, and written as one aggregated audit entry per window (the count, the first and last
//! paths), so a scan of ten thousand ids costs the chain a handful of entries, not ten
//! thousand. Memory is bounded: past `MAX_KEYS` distinct keys, further refusals are counted
//! under one overflow key per kind.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};
use roadwarden_domain::{UnitId, UserId};
use serde_json::json;

use super::audit::{record, Actor, Event};
use crate::auth::Principal;
use crate::context::RequestMeta;
use crate::error::AppResult;
use crate::state::AppState;

/// Distinct (person, address, kind) keys held between flushes.
pub const MAX_KEYS: usize = 10_000;
/// A key's count is written once its first refusal is this old.
pub const WINDOW: Duration = Duration::seconds(60);
/// Paths are kept to this many characters.
const PATH_CHARS: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    user_id: Option<UserId>,
    actor: String,
    unit_id: Option<UnitId>,
    ip: String,
    /// The refusal's error code, e.g. `not_found`, `role.missing`.
    kind: &'static str,
    status: u16,
}

#[derive(Debug, Clone)]
struct Tally {
    count: u64,
    first_at: DateTime<Utc>,
    last_at: DateTime<Utc>,
    first_path: String,
    last_path: String,
}

/// The refusals counted since the last flush.
#[derive(Debug, Default)]
pub struct RefusalLog(Mutex<HashMap<Key, Tally>>);

impl RefusalLog {
    /// Counts one refusal of `principal` (or an anonymous caller) at `path`.
    pub fn note(
        &self,
        principal: Option<&Principal>,
        meta: &RequestMeta,
        kind: &'static str,
        status: u16,
        path: &str,
        now: DateTime<Utc>,
    ) {
        let mut key = Key {
            user_id: principal.map(|p| p.user.id),
            actor: principal.map_or_else(|| "anonymous".to_owned(), |p| p.user.username.clone()),
            unit_id: principal.map(|p| p.user.unit_id),
            ip: meta.ip.clone(),
            kind,
            status,
        };
        let path: String = path.chars().take(PATH_CHARS).collect();
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if !map.contains_key(&key) && map.len() >= MAX_KEYS {
            key = Key {
                user_id: None,
                actor: "many".into(),
                unit_id: None,
                ip: String::new(),
                kind,
                status,
            };
        }
        map.entry(key)
            .and_modify(|t| {
                t.count += 1;
                t.last_at = now;
                t.last_path.clone_from(&path);
            })
            .or_insert_with(|| Tally {
                count: 1,
                first_at: now,
                last_at: now,
                first_path: path.clone(),
                last_path: path,
            });
    }

    /// Takes the keys whose window has ended (every key with `all`).
    fn take_due(&self, now: DateTime<Utc>, all: bool) -> Vec<(Key, Tally)> {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let due: Vec<Key> = map
            .iter()
            .filter(|(_, t)| all || now - t.first_at >= WINDOW)
            .map(|(k, _)| k.clone())
            .collect();
        due.into_iter()
            .filter_map(|k| map.remove(&k).map(|t| (k, t)))
            .collect()
    }

    /// Puts tallies back after a failed write, so they are not lost.
    fn restore(&self, taken: Vec<(Key, Tally)>) {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        for (k, t) in taken {
            map.entry(k)
                .and_modify(|held| {
                    held.count += t.count;
                    held.first_at = t.first_at;
                    held.first_path.clone_from(&t.first_path);
                })
                .or_insert(t);
        }
    }

    pub fn len(&self) -> usize {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Writes one `access.refused` entry per key whose window has ended (every key with `all`,
/// at shutdown and in tests), in the refusing person's unit. Returns the entries written.
pub async fn flush(state: &AppState, all: bool) -> AppResult<usize> {
    let now = state.clock.now();
    let taken = state.refusals.take_due(now, all);
    if taken.is_empty() {
        return Ok(0);
    }
    match write(state, &taken, now).await {
        Ok(()) => Ok(taken.len()),
        Err(e) => {
            state.refusals.restore(taken);
            Err(e)
        }
    }
}

async fn write(state: &AppState, taken: &[(Key, Tally)], now: DateTime<Utc>) -> AppResult<()> {
    let mut tx = state.store.begin().await?;
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

/// Writes what is due every few seconds, in every process that answers requests (the counts
/// live in this process's memory, so this is not a job on the shared queue); the rest is
/// written at shutdown.
pub async fn run_loop(state: AppState, stop: crate::jobs::worker::CancelFlag) {
    while !stop.is_set() {
        stop.sleep(std::time::Duration::from_secs(15)).await;
        if let Err(e) = flush(&state, false).await {
            tracing::error!(error = %e, "writing the refused accesses");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sec_05_refusals_are_counted_in_bounded_memory() {
        let log = RefusalLog::default();
        let now = DateTime::<Utc>::UNIX_EPOCH;
        for i in 0..(MAX_KEYS + 500) {
            let meta = RequestMeta {
                ip: format!("10.0.{}.{}", i / 256, i % 256),
                request_id: String::new(),
            };
            log.note(None, &meta, "not_found", 404, "/api/v1/users/1", now);
        }
        assert_eq!(log.len(), MAX_KEYS + 1, "one overflow key");
        assert!(log.take_due(now, false).is_empty(), "window not ended");
        let taken = log.take_due(now + WINDOW, false);
        assert_eq!(
            taken.iter().map(|(_, t)| t.count).sum::<u64>(),
            (MAX_KEYS + 500) as u64
        );
        assert!(log.is_empty());
    }
}
