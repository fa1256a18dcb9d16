//! The application state handed to every handler: plain values, no globals.

use std::sync::Arc;

use roadwarden_blob::BlobStore;
use roadwarden_domain::device::NumberRule;
use roadwarden_store::Store;

use crate::clock::Clock;
use crate::config::Settings;
use crate::metrics::Metrics;

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub store: Store,
    pub blobs: Arc<dyn BlobStore>,
    pub settings: Settings,
    pub metrics: Metrics,
    pub clock: Clock,
    /// A name for this process in job claims (`host:pid`).
    pub worker_name: String,
    /// DEV-08: the device-number rule compiled from `devices.number_pattern`.
    pub number_rule: NumberRule,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    pub fn new(store: Store, blobs: Arc<dyn BlobStore>, settings: Settings, clock: Clock) -> Self {
        let worker_name = format!(
            "{}:{}",
            std::env::var("HOSTNAME").unwrap_or_else(|_| "roadwarden".into()),
            std::process::id()
        );
        // `open_state` checks the pattern first; a bad one here falls back to the default rule.
        let number_rule = NumberRule::new(&settings.devices.number_pattern).unwrap_or_default();
        Self(Arc::new(Inner {
            number_rule,
            store,
            blobs,
            settings,
            metrics: Metrics::new(),
            clock,
            worker_name,
        }))
    }
}
