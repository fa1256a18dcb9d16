//! RID-05, RID-06: who rode. A face photo passes the quality gates, then a 1:N search over the
//! gallery of persons' faces (respecting "not this person"); a face above the threshold is an
//! **unconfirmed** match an officer confirms, anything else clusters with the other unmatched
//! faces until a cluster is large enough to be filed as a provisional person.
//!
//! The vectors live in `face_vectors`; the in-memory index is rebuilt from them on start
//! ([`reload`]) and changed under its lock in the same breath as the rows it mirrors. An act
//! that changes identity outside intake (confirm, merge, split, "not this person", a library
//! import) calls [`reload`] after its commit.

pub(crate) mod file;
mod rebuild;
pub mod state;

use std::sync::Arc;

use roadwarden_domain::RiderPersonId;
use roadwarden_face::{assess, Assessment, DecodeLimits, EngineError, FaceEngine};
use roadwarden_gallery::{ClusterSettings, FaceId};
use roadwarden_store::riders::faces::{self, NewFaceVector};

pub(crate) use file::{file_face, Filed};
pub use state::{EngineMissing, EngineSlot, IdentityIndex, IdentityState};

use crate::error::{AppError, AppResult};
use crate::services::context::ServiceContext;

/// Whether this build has the dlib face engine (`--features face-dlib`, or any build that turns
/// on the face crate's `dlib` feature).
pub const ENGINE_BUILT: bool = roadwarden_face::HAS_DLIB;

/// What the configured engine can do in this build, in a line for an operator: "dlib", "onnx"
/// (loadable at start), or why rider events will be held.
pub fn engine_outlook(face: &crate::config::FaceSettings) -> Result<&'static str, &'static str> {
    match face.engine.trim() {
        "none" => Err("riders.face.engine is none"),
        _ if !ENGINE_BUILT => {
            Err("this build has no face engine (build with --features face-dlib)")
        }
        _ if !face
            .models_dir
            .join("dlib_face_recognition_resnet_model_v1.dat")
            .exists() =>
        {
            Err("the face models are missing (run scripts/face-models.sh)")
        }
        "onnx" => Ok("onnx"),
        _ => Ok("dlib"),
    }
}

/// The clustering settings from configuration.
pub fn cluster_settings(ctx: &ServiceContext) -> ClusterSettings {
    let f = &ctx.settings.riders.face;
    ClusterSettings {
        threshold: f.cluster_threshold,
        min_faces: f.cluster_min_faces.max(1),
    }
}

/// The configured engine, loaded now (a second or so of model loading: call it off the async
/// threads). `Ok(None)` for `none`, or a build without the dlib feature.
fn load(face: &crate::config::FaceSettings) -> Result<Option<Box<dyn FaceEngine>>, EngineError> {
    match face.engine.trim() {
        "dlib" => roadwarden_face::open_dlib(&face.models_dir, face.detect_max_pixels),
        "onnx" => roadwarden_face::open_onnx(&face.models_dir, &face.onnx, face.detect_max_pixels),
        _ => Ok(None),
    }
}

/// The face engine, loaded on first use (off the async threads); the same answer for the life
/// of the process.
pub async fn engine(ctx: &ServiceContext) -> EngineSlot {
    ctx.identity
        .engine
        .get_or_init(|| async {
            let face = ctx.settings.riders.face.clone();
            if face.engine.trim() == "none" {
                return Err(EngineMissing::NotConfigured);
            }
            let opened = tokio::task::spawn_blocking(move || load(&face))
                .await
                .map_err(|_| EngineMissing::FailedToLoad)?;
            match opened {
                Ok(Some(engine)) => Ok(Arc::from(engine)),
                Ok(None) => {
                    tracing::warn!(
                        "riders.face.engine needs a build with the face-dlib feature: rider \
                         events are held, never matched"
                    );
                    Err(EngineMissing::NotConfigured)
                }
                Err(e) => {
                    tracing::error!(error = %e, "the face engine could not be loaded: rider events are held");
                    Err(EngineMissing::FailedToLoad)
                }
            }
        })
        .await
        .clone()
}

/// At start: the `onnx` engine is loaded at once, and a missing runtime library or model (or
/// a build that cannot run it) stops the start with the reason. `dlib` keeps loading on first
/// use, as before; `none` needs nothing.
pub async fn check_at_start(ctx: &ServiceContext) -> Result<(), String> {
    let face = ctx.settings.riders.face.clone();
    if face.engine.trim() != "onnx" {
        return Ok(());
    }
    let opened = tokio::task::spawn_blocking(move || load(&face))
        .await
        .map_err(|e| format!("riders.face.engine = \"onnx\": loading failed: {e}"))?;
    match opened {
        Ok(Some(engine)) => {
            let _ = ctx.identity.engine.set(Ok(Arc::from(engine)));
            Ok(())
        }
        Ok(None) => Err(
            "riders.face.engine = \"onnx\" needs a build with the face-dlib feature \
             (the ONNX engine detects faces with dlib)"
                .into(),
        ),
        Err(e) => Err(format!("riders.face.engine = \"onnx\": {e}")),
    }
}

/// A face photo assessed: accepted with its descriptor, or held with the gate it failed.
pub async fn describe(
    ctx: &ServiceContext,
    photo: bytes::Bytes,
) -> AppResult<Result<Assessment, EngineMissing>> {
    let engine = match engine(ctx).await {
        Ok(engine) => engine,
        Err(missing) => return Ok(Err(missing)),
    };
    let limits = DecodeLimits {
        max_bytes: ctx.settings.riders.face.max_photo_bytes,
        ..DecodeLimits::default()
    };
    let gates = ctx.settings.riders.face.gates.gates();
    let assessed =
        tokio::task::spawn_blocking(move || assess(engine.as_ref(), &photo, &limits, &gates))
            .await
            .map_err(AppError::internal)?
            .map_err(AppError::internal)?;
    Ok(Ok(assessed))
}

/// Rebuilds the in-memory gallery and clusters from the database (on start, and after any act
/// that changed identity outside intake). Answers how many faces were placed.
pub async fn reload(ctx: &ServiceContext) -> AppResult<usize> {
    let mut index = ctx.identity.index.lock().await;
    let mut tx = ctx.store.begin_read().await?;
    let fresh = rebuild::load(&mut tx, cluster_settings(ctx)).await?;
    drop(tx);
    let placed = fresh.gallery.len() + fresh.clusters.len();
    *index = fresh;
    Ok(placed)
}

/// The index as the database holds it, read in the caller's transaction.
pub(crate) async fn rebuild_in(
    tx: &mut roadwarden_store::Tx,
    settings: ClusterSettings,
) -> AppResult<IdentityIndex> {
    rebuild::load(tx, settings).await
}

/// What a library photo gave.
#[derive(Debug, Clone, PartialEq)]
pub enum Enrolled {
    /// The stored face (a `face_vectors` id), now in the gallery.
    Face(i64),
    /// Held: the gate's code (`face.none`, `face.blurred` …), or why there is no engine.
    Held(&'static str),
}

/// RID-05: a confirmed person's photo (the face base library) joins the gallery. The caller
/// audits the import it belongs to.
pub async fn enrol(
    ctx: &ServiceContext,
    person: RiderPersonId,
    photo: bytes::Bytes,
) -> AppResult<Enrolled> {
    let accepted = match describe(ctx, photo).await? {
        Err(missing) => return Ok(Enrolled::Held(missing.code())),
        Ok(Assessment::Held(held)) => return Ok(Enrolled::Held(held.reason.code())),
        Ok(Assessment::Accepted(face)) => face,
    };
    let vector = accepted.descriptor.0;
    let mut index = ctx.identity.index.lock().await;
    let mut tx = ctx.store.begin().await?;
    let id = faces::insert(
        &mut tx,
        &NewFaceVector {
            person_id: Some(person),
            event_id: None,
            values: &vector,
            created_at: ctx.clock.now(),
        },
    )
    .await?;
    tx.commit().await?;
    // A face could only be excluded once it has an id: a fresh one never is.
    if let Err(e) = index.gallery.add(FaceId(id), person, vector) {
        tracing::warn!(error = %e, "library face not added to the gallery");
    }
    Ok(Enrolled::Face(id))
}
