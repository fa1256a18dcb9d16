//! What a use case may touch: the database, the blob store, the clock, the settings, and the
//! few things the services keep in this process's memory (the capture writer, the uploads being
//! written, the sign-in guard, the refusal counts, calendars, metrics). The HTTP layer's
//! `ServiceContext` wraps it; services never see the HTTP layer.
//!
//! Everything held here is defined in a leaf module that does not import this one, so the
//! services and their context do not import each other in a loop.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use roadwarden_blob::BlobStore;
use roadwarden_domain::calendar::Calendar;
use roadwarden_domain::device::NumberRule;
use roadwarden_domain::org::Country;
use roadwarden_store::Store;

use crate::auth::signin_guard::SignInGuard;
use crate::clock::Clock;
use crate::config::Settings;
use crate::metrics::Metrics;
use crate::services::captures::committer::Committer;
use crate::services::cockpit::shared::{SharedSnapshots, SHARED_FOR};
use crate::services::devices::presence::throttle::PresenceThrottle;
use crate::services::evidence::upload::sessions::Sessions;
use crate::services::link_key::LinkKey;
use crate::services::refusals::log::RefusalLog;
use crate::services::riders::identity::state::IdentityState;

/// Cheap to clone: one shared allocation.
#[derive(Clone)]
pub struct ServiceContext(Arc<Inner>);

pub struct Inner {
    pub store: Store,
    pub blobs: Arc<dyn BlobStore>,
    pub settings: Settings,
    pub metrics: Metrics,
    pub clock: Clock,
    /// DEV-08: the device-number rule compiled from `devices.number_pattern`.
    pub number_rule: NumberRule,
    /// The capture writer (group commit), started on first use inside the runtime.
    committer: OnceLock<Committer>,
    /// TIME-01 calendars by country, read once a minute at most by the hot paths (ingest).
    pub calendars: CalendarCache,
    /// Resumable uploads being written: one writer each, with the hash so far.
    pub uploads: Sessions,
    /// SEC-02: lock-out per address and username, and sign-in throttles.
    pub signin_guard: SignInGuard,
    /// SEC-05: refused accesses counted until the next aggregated audit entry.
    pub refusals: RefusalLog,
    /// NOT-02a: signs the owner's short-lived photo links.
    pub link_key: LinkKey,
    /// SUP-02: when each device's presence was last written (once a minute at most).
    pub presence: PresenceThrottle,
    /// RID-05, RID-06: the face engine and the in-memory gallery and clusters, behind a lock.
    pub identity: IdentityState,
    /// RID-13: the cockpit's snapshots, shared by the screens watching one scope.
    pub cockpit: SharedSnapshots,
}

impl std::ops::Deref for ServiceContext {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl ServiceContext {
    pub fn new(store: Store, blobs: Arc<dyn BlobStore>, settings: Settings, clock: Clock) -> Self {
        // `open_state` checks the pattern first; a bad one here falls back to the default rule.
        let number_rule = NumberRule::new(&settings.devices.number_pattern).unwrap_or_default();
        let face = &settings.riders.face;
        let identity = IdentityState::new(roadwarden_gallery::ClusterSettings {
            threshold: face.cluster_threshold,
            min_faces: face.cluster_min_faces.max(1),
        });
        Self(Arc::new(Inner {
            number_rule,
            store,
            blobs,
            settings,
            metrics: Metrics::new(),
            clock,
            committer: OnceLock::new(),
            calendars: CalendarCache::default(),
            uploads: Default::default(),
            signin_guard: Default::default(),
            refusals: Default::default(),
            link_key: LinkKey::default(),
            presence: PresenceThrottle::default(),
            cockpit: SharedSnapshots::new(SHARED_FOR),
            identity,
        }))
    }

    /// The capture writer; started by the first capture (inside the runtime).
    pub fn committer(&self) -> &Committer {
        self.committer
            .get_or_init(|| Committer::start(self.store.clone(), self.clock.clone()))
    }
}

/// Calendars cached for a short while; an edit clears the cache.
#[derive(Default)]
pub struct CalendarCache(Mutex<HashMap<Country, (Instant, Arc<Calendar>)>>);

impl CalendarCache {
    const FRESH: Duration = Duration::from_secs(60);

    pub fn get(&self, country: Country) -> Option<Arc<Calendar>> {
        let map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.get(&country)
            .filter(|(at, _)| at.elapsed() < Self::FRESH)
            .map(|(_, c)| c.clone())
    }

    pub fn put(&self, country: Country, calendar: Arc<Calendar>) {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.insert(country, (Instant::now(), calendar));
    }

    pub fn clear(&self) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}
