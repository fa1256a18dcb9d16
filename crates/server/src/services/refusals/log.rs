//! The refusals counted in this process's memory, bounded (SEC-05). A leaf: the service
//! context holds it.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};
use roadwarden_domain::{UnitId, UserId};

use crate::auth::Principal;
use crate::context::RequestMeta;

/// Distinct (person, address, kind) keys held between flushes.
pub const MAX_KEYS: usize = 10_000;
/// A key's count is written once its first refusal is this old.
pub const WINDOW: Duration = Duration::seconds(60);
/// Paths are kept to this many characters.
const PATH_CHARS: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct Key {
    pub(super) user_id: Option<UserId>,
    pub(super) actor: String,
    pub(super) unit_id: Option<UnitId>,
    pub(super) ip: String,
    /// The refusal's error code, e.g. `not_found`, `role.missing`.
    pub(super) kind: &'static str,
    pub(super) status: u16,
}

#[derive(Debug, Clone)]
pub(super) struct Tally {
    pub(super) count: u64,
    pub(super) first_at: DateTime<Utc>,
    pub(super) last_at: DateTime<Utc>,
    pub(super) first_path: String,
    pub(super) last_path: String,
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
    pub(super) fn take_due(&self, now: DateTime<Utc>, all: bool) -> Vec<(Key, Tally)> {
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
    pub(super) fn restore(&self, taken: Vec<(Key, Tally)>) {
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
