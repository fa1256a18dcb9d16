//! RID-13: one snapshot per scope and moment, shared by every wall screen and desk watching the
//! same units. A command centre opens several cockpits on the same scope; without sharing, each
//! recounted the whole backlog on every tick and eight screens queued behind each other on two
//! cores. Here the first stream to ask after a snapshot has aged computes it while the others
//! wait for that very computation (single flight), then all of them send the same figures.
//!
//! Leaf module: it knows nothing of the services, so the service context can hold it.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::figures::Snapshot;

/// How long a snapshot serves the other screens on its scope: under the event stream's ten
/// seconds, so each screen still gets figures computed since its previous tick.
pub const SHARED_FOR: Duration = Duration::from_secs(5);

/// Scopes remembered at most; older entries are dropped when a new scope comes past this.
const MAX_SCOPES: usize = 1_024;

type Slot = Arc<tokio::sync::Mutex<Option<(Instant, Arc<Snapshot>)>>>;

/// Snapshots by scope key, each reused while younger than the time to live.
pub struct SharedSnapshots {
    ttl: Duration,
    slots: Mutex<HashMap<String, Slot>>,
}

impl SharedSnapshots {
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            slots: Mutex::new(HashMap::new()),
        }
    }

    fn slot(&self, key: &str) -> Slot {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        if !slots.contains_key(key) && slots.len() >= MAX_SCOPES {
            // Keep the scopes in use (a slot held by a computation is shared elsewhere).
            slots.retain(|_, s| Arc::strong_count(s) > 1);
            if slots.len() >= MAX_SCOPES {
                slots.clear();
            }
        }
        slots.entry(key.to_owned()).or_default().clone()
    }

    /// The snapshot for `key` if one younger than the time to live exists, otherwise the one
    /// `compute` makes (once, whoever else is waiting for the same key). A failed computation
    /// is not remembered.
    pub async fn get_or_compute<E, F, Fut>(&self, key: &str, compute: F) -> Result<Arc<Snapshot>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Snapshot, E>>,
    {
        let slot = self.slot(key);
        let mut held = slot.lock().await;
        if let Some((at, snapshot)) = held.as_ref() {
            if at.elapsed() < self.ttl {
                return Ok(snapshot.clone());
            }
        }
        let fresh = Arc::new(compute().await?);
        *held = Some((Instant::now(), fresh.clone()));
        Ok(fresh)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::services::cockpit::{FootageCompliance, Waiting};

    fn snapshot(n: i64) -> Snapshot {
        Snapshot {
            at: Utc.with_ymd_and_hms(2026, 12, 6, 0, 0, 0).unwrap(),
            devices: Vec::new(),
            devices_total: n,
            devices_in_use: 0,
            captures_today: 0,
            review: Waiting::default(),
            checks: Vec::new(),
            checks_open: 0,
            checks_overdue: 0,
            complaints: Waiting::default(),
            alerts: Vec::new(),
            alerts_total: 0,
            overdue_total: 0,
            footage: FootageCompliance::default(),
            ebikes: None,
        }
    }

    #[tokio::test]
    async fn rid_13_screens_on_one_scope_share_one_computation() {
        let cache = Arc::new(SharedSnapshots::new(Duration::from_secs(60)));
        let computed = Arc::new(AtomicUsize::new(0));
        let mut screens = Vec::new();
        for _ in 0..8 {
            let (cache, computed) = (cache.clone(), computed.clone());
            screens.push(tokio::spawn(async move {
                cache
                    .get_or_compute::<(), _, _>("/1/2/", || async {
                        computed.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        Ok(snapshot(7))
                    })
                    .await
                    .unwrap()
                    .devices_total
            }));
        }
        for s in screens {
            assert_eq!(s.await.unwrap(), 7);
        }
        assert_eq!(computed.load(Ordering::SeqCst), 1);
        // Another scope computes its own.
        let other = cache
            .get_or_compute::<(), _, _>("/1/3/", || async { Ok(snapshot(3)) })
            .await
            .unwrap();
        assert_eq!(other.devices_total, 3);
    }

    #[tokio::test]
    async fn rid_13_an_aged_or_failed_snapshot_is_computed_again() {
        let cache = SharedSnapshots::new(Duration::ZERO);
        let a = cache
            .get_or_compute::<(), _, _>("k", || async { Ok(snapshot(1)) })
            .await
            .unwrap();
        let b = cache
            .get_or_compute::<(), _, _>("k", || async { Ok(snapshot(2)) })
            .await
            .unwrap();
        assert_eq!((a.devices_total, b.devices_total), (1, 2));
        let live = SharedSnapshots::new(Duration::from_secs(60));
        let failed = live
            .get_or_compute::<&str, _, _>("k", || async { Err("db down") })
            .await;
        assert!(failed.is_err());
        let after = live
            .get_or_compute::<&str, _, _>("k", || async { Ok(snapshot(5)) })
            .await
            .unwrap();
        assert_eq!(after.devices_total, 5);
    }
}
