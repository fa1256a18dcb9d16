//! SEC-10: face data is kept only as long as configured. The daily job
//! (`jobs.schedules.rider_face_retention`) purges, for every event received more than
//! `riders.face_retention_days` ago (at least [`FACE_RETENTION_FLOOR_DAYS`]):
//! - the event's face photo (the row keeps the event and says when its face went);
//! - the event's descriptors, with the "not this person" marks on them, whether the face was
//!   matched, waiting in a provisional person's cluster, or alone;
//!
//! and, whatever their age, the library photos a newer import superseded. A confirmed person's
//! **current** library photo follows its own rule: it is kept while it is that person's library
//! photo (the base library is what identity matches against, RID-05) and goes once a newer
//! photo supersedes it. The event row, its scene photo and clip (the violation's record) stay.
//!
//! The rows go first, in pages, each page audited in its own transaction; a photo's bytes are
//! deleted from the blob store only after that, and only when nothing else names the same blob
//! (identical bytes are stored once): another event, a library photo, a capture image, a
//! letter, task or objection photos, a calibration scan, or footage (evidence, under a hold or
//! not; the purge never touches evidence). The in-memory gallery and clusters are rebuilt from
//! what remains, under the index lock held for the whole run, so intake never matches against
//! a purged face.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
use roadwarden_blob::BlobId;
use roadwarden_store::riders::retention as rows;
use serde::Serialize;
use serde_json::json;

use super::identity;
use crate::config::FACE_RETENTION_FLOOR_DAYS;
use crate::error::AppResult;
use crate::services::audit::write::{record, Actor, Event};
use crate::services::context::ServiceContext;

/// Rows purged per transaction.
const PAGE: i64 = 500;

/// What one run purged.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RetentionReport {
    /// Events received before this had their faces purged.
    pub cutoff: Option<DateTime<Utc>>,
    /// Events whose face photo and descriptors went.
    pub event_faces: u64,
    /// Descriptors deleted (of events and superseded library photos).
    pub vectors: u64,
    /// Superseded library photos removed.
    pub library_photos: u64,
    /// Photo blobs deleted from the blob store.
    pub blobs_deleted: u64,
    /// Photo blobs kept because something else names the same bytes.
    pub blobs_shared: u64,
}

/// The retention in force: the configured days, never below the floor.
pub fn retention_days(ctx: &ServiceContext) -> u32 {
    ctx.settings
        .riders
        .face_retention_days
        .max(FACE_RETENTION_FLOOR_DAYS)
}

/// The daily purge.
pub async fn run(ctx: &ServiceContext) -> AppResult<RetentionReport> {
    let now = ctx.clock.now();
    let cutoff = now - Duration::days(i64::from(retention_days(ctx)));
    let actor = Actor::named("job:rider_face_retention");
    let mut report = RetentionReport {
        cutoff: Some(cutoff),
        ..RetentionReport::default()
    };
    let mut photos = BTreeSet::new();
    let mut index = ctx.identity.index.lock().await;
    loop {
        let mut tx = ctx.store.begin().await?;
        let page = rows::expired_event_faces(&mut tx, cutoff, PAGE).await?;
        if page.is_empty() {
            break;
        }
        let mut vectors = 0;
        for event in &page {
            vectors += rows::purge_event_face(&mut tx, event.id, now).await?;
            photos.extend(event.face_blob.clone());
        }
        let ids: Vec<i64> = page.iter().map(|e| e.id.0).collect();
        audit(
            &mut tx,
            &actor,
            "rider_event",
            json!({ "rule": "SEC-10", "cutoff": cutoff, "days": retention_days(ctx),
                    "events": ids, "vectors": vectors }),
            now,
        )
        .await?;
        tx.commit().await?;
        report.event_faces += page.len() as u64;
        report.vectors += vectors;
    }
    loop {
        let mut tx = ctx.store.begin().await?;
        let page = rows::superseded_library(&mut tx, PAGE).await?;
        if page.is_empty() {
            break;
        }
        for photo in &page {
            if rows::delete_vector(&mut tx, photo.id).await? {
                report.vectors += 1;
            }
            photos.extend(photo.photo_blob.clone());
        }
        let faces: Vec<(i64, Option<i64>)> = page.iter().map(|p| (p.id, p.person_id)).collect();
        audit(
            &mut tx,
            &actor,
            "rider_person",
            json!({ "rule": "SEC-10", "superseded_library_faces": faces }),
            now,
        )
        .await?;
        tx.commit().await?;
        report.library_photos += page.len() as u64;
    }
    // The bytes, once no row names them.
    for blob in photos {
        let mut tx = ctx.store.begin_read().await?;
        let shared = rows::blob_in_use(&mut tx, &blob).await?;
        drop(tx);
        if shared {
            report.blobs_shared += 1;
            continue;
        }
        let Ok(id) = BlobId::parse(&blob) else {
            tracing::warn!(%blob, "a face photo names no valid blob id: left alone");
            continue;
        };
        match ctx.blobs.delete(&id).await {
            Ok(_) => report.blobs_deleted += 1,
            Err(e) => tracing::warn!(%blob, error = %e, "a purged face photo's blob not deleted"),
        }
    }
    let mut tx = ctx.store.begin_read().await?;
    *index = identity::rebuild_in(&mut tx, identity::cluster_settings(ctx)).await?;
    drop(tx);
    drop(index);
    if report.event_faces + report.library_photos > 0 {
        let mut tx = ctx.store.begin().await?;
        audit(
            &mut tx,
            &actor,
            "rider",
            json!({ "rule": "SEC-10", "summary": &report }),
            now,
        )
        .await?;
        tx.commit().await?;
    }
    Ok(report)
}

async fn audit(
    tx: &mut roadwarden_store::Tx,
    actor: &Actor,
    object_type: &str,
    detail: serde_json::Value,
    now: DateTime<Utc>,
) -> AppResult<()> {
    record(
        tx,
        actor,
        Event {
            action: "rider.face_purged",
            object_type,
            object_id: "0".into(),
            unit_id: None,
            detail,
        },
        now,
    )
    .await?;
    Ok(())
}
