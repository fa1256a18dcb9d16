//! What identity keeps in this process: the face engine (loaded on first use, off the async
//! threads) and the in-memory index behind one lock. A leaf: the service context holds it, so
//! it does not import the context.

use std::collections::HashMap;
use std::sync::Arc;

use roadwarden_domain::RiderPersonId;
use roadwarden_face::FaceEngine;
use roadwarden_gallery::{ClusterId, ClusterSettings, Clusterer, Gallery};
use tokio::sync::{Mutex, OnceCell};

/// The gallery of persons' faces and the clusters of unmatched faces, always changed together
/// with the database rows they mirror (the lock is held across the transaction).
#[derive(Debug)]
pub struct IdentityIndex {
    /// Faces of confirmed persons (library photos and confirmed captures), with exclusions.
    pub gallery: Gallery,
    /// Unmatched faces, including those of provisional persons (clusters that reached the
    /// minimum size and were filed as a person no officer has confirmed yet).
    pub clusters: Clusterer,
    /// The clusters filed as provisional persons.
    pub cluster_person: HashMap<ClusterId, RiderPersonId>,
}

impl IdentityIndex {
    pub fn empty(settings: ClusterSettings) -> Self {
        Self {
            gallery: Gallery::new(),
            clusters: Clusterer::new(settings),
            cluster_person: HashMap::new(),
        }
    }
}

/// The engine, or why there is none (shown as the hold reason of every event).
pub type EngineSlot = Result<Arc<dyn FaceEngine>, EngineMissing>;

/// Why events cannot be matched in this process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineMissing {
    /// `riders.face.engine = "none"`, or a build without the `face-dlib` feature.
    NotConfigured,
    /// Configured, but the model files could not be loaded (the log says which).
    FailedToLoad,
}

impl EngineMissing {
    /// The hold reason's code, stored on the event.
    pub fn code(&self) -> &'static str {
        match self {
            EngineMissing::NotConfigured => "engine.none",
            EngineMissing::FailedToLoad => "engine.failed",
        }
    }

    pub fn note(&self) -> &'static str {
        match self {
            EngineMissing::NotConfigured => "no face engine configured",
            EngineMissing::FailedToLoad => "the face engine could not be loaded",
        }
    }
}

/// Held by the service context.
pub struct IdentityState {
    pub(crate) engine: OnceCell<EngineSlot>,
    pub(crate) index: Mutex<IdentityIndex>,
}

impl IdentityState {
    pub fn new(settings: ClusterSettings) -> Self {
        Self {
            engine: OnceCell::new(),
            index: Mutex::new(IdentityIndex::empty(settings)),
        }
    }
}

impl Default for IdentityState {
    fn default() -> Self {
        Self::new(ClusterSettings::default())
    }
}
