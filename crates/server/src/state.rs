//! The application state handed to every HTTP handler and job: the services' context, and
//! this process's name for job claims. Plain values, no globals.

use std::sync::Arc;

use roadwarden_blob::BlobStore;
use roadwarden_store::Store;

use crate::clock::Clock;
use crate::config::Settings;
use crate::services::context::ServiceContext;

#[derive(Clone)]
pub struct AppState {
    services: ServiceContext,
    /// A name for this process in job claims (`host:pid`).
    pub worker_name: Arc<str>,
}

/// Handlers reach the services' context through the state: `&state` is a `&ServiceContext`.
impl std::ops::Deref for AppState {
    type Target = ServiceContext;
    fn deref(&self) -> &ServiceContext {
        &self.services
    }
}

impl AppState {
    pub fn new(store: Store, blobs: Arc<dyn BlobStore>, settings: Settings, clock: Clock) -> Self {
        let worker_name = format!(
            "{}:{}",
            std::env::var("HOSTNAME").unwrap_or_else(|_| "roadwarden".into()),
            std::process::id()
        );
        Self {
            services: ServiceContext::new(store, blobs, settings, clock),
            worker_name: worker_name.into(),
        }
    }

    /// The services' context, for a use case that outlives the request.
    pub fn services(&self) -> &ServiceContext {
        &self.services
    }
}
