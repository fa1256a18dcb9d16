//! The application state handed to every handler: plain values, no globals.

use std::sync::Arc;

use roadwarden_blob::BlobStore;
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
        Self(Arc::new(Inner {
            store,
            blobs,
            settings,
            metrics: Metrics::new(),
            clock,
            worker_name,
        }))
    }
}
