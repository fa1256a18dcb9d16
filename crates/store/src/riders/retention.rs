//! SEC-10: the face data the retention job purges, and the library photos a newer photo of the
//! same person superseded (RID-05).

use chrono::{DateTime, Utc};
use roadwarden_domain::{RiderEventId, RiderPersonId};

use crate::{on, Result, Tx};

/// Rows one call looks at (the job calls again until a call finds none).
const PAGE: i64 = 1_000;

/// An event whose face photo outlived the retention.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ExpiredFace {
    #[sqlx(try_from = "i64")]
    pub id: RiderEventId,
    pub face_blob: Option<String>,
}

/// Up to `limit` (at most 1,000) events received before `cutoff` whose face is still kept
/// (a photo, or vectors), oldest first.
pub async fn expired_event_faces(
    tx: &mut Tx,
    cutoff: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<ExpiredFace>> {
    let sql = "SELECT e.id, e.face_blob FROM rider_events e \
        WHERE e.face_purged_at IS NULL AND e.received_at < $1 ORDER BY e.received_at, e.id LIMIT $2";
    Ok(on!(tx, c => sqlx::query_as(sql).bind(cutoff)
        .bind(limit.clamp(1, PAGE)).fetch_all(c).await?))
}

/// The event's face is gone: no photo named, the time it went recorded, its vectors (and the
/// "not this person" marks on them) deleted. Answers how many vectors went.
pub async fn purge_event_face(tx: &mut Tx, id: RiderEventId, at: DateTime<Utc>) -> Result<u64> {
    let exclusions = "DELETE FROM rider_face_exclusions WHERE face_vector_id IN \
        (SELECT id FROM face_vectors WHERE event_id = $1)";
    on!(tx, c => sqlx::query(exclusions).bind(id.0).execute(c).await?.rows_affected());
    let vectors = "DELETE FROM face_vectors WHERE event_id = $1";
    let n = on!(tx, c => sqlx::query(vectors).bind(id.0).execute(c).await?.rows_affected());
    let event = "UPDATE rider_events SET face_blob = NULL, face_purged_at = $2 WHERE id = $1";
    on!(tx, c => sqlx::query(event).bind(id.0).bind(at).execute(c).await?.rows_affected());
    Ok(n)
}

/// A library photo no longer needed.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct SupersededPhoto {
    pub id: i64,
    pub person_id: Option<i64>,
    pub photo_blob: Option<String>,
}

/// Up to `limit` (at most 1,000) library vectors superseded by a newer photo of their person.
pub async fn superseded_library(tx: &mut Tx, limit: i64) -> Result<Vec<SupersededPhoto>> {
    let sql = "SELECT id, person_id, photo_blob FROM face_vectors \
        WHERE superseded_at IS NOT NULL ORDER BY id LIMIT $1";
    Ok(on!(tx, c => sqlx::query_as(sql).bind(limit.clamp(1, PAGE)).fetch_all(c).await?))
}

/// Deletes one vector with its "not this person" marks.
pub async fn delete_vector(tx: &mut Tx, id: i64) -> Result<bool> {
    let exclusions = "DELETE FROM rider_face_exclusions WHERE face_vector_id = $1";
    on!(tx, c => sqlx::query(exclusions).bind(id).execute(c).await?.rows_affected());
    let sql = "DELETE FROM face_vectors WHERE id = $1";
    Ok(on!(tx, c => sqlx::query(sql).bind(id).execute(c).await?.rows_affected()) == 1)
}

/// RID-05: a library photo's vector names its photo in the blob store.
pub async fn set_photo_blob(tx: &mut Tx, id: i64, blob: &str) -> Result<()> {
    let sql = "UPDATE face_vectors SET photo_blob = $2 WHERE id = $1";
    on!(tx, c => sqlx::query(sql).bind(id).bind(blob).execute(c).await?.rows_affected());
    Ok(())
}

/// RID-05: a new library photo of `person` supersedes the older ones (library vectors have no
/// event); `keep` is the new one. Answers how many were superseded.
pub async fn supersede_library(
    tx: &mut Tx,
    person: RiderPersonId,
    keep: i64,
    at: DateTime<Utc>,
) -> Result<u64> {
    let sql = "UPDATE face_vectors SET superseded_at = $3 WHERE person_id = $1 AND id <> $2 \
        AND event_id IS NULL AND superseded_at IS NULL";
    Ok(
        on!(tx, c => sqlx::query(sql).bind(person.0).bind(keep).bind(at)
        .execute(c).await?.rows_affected()),
    )
}

/// Whether anything else still names `blob`: an event's photo or clip, a library photo, a
/// capture image, a letter, a task's or objection's photos, a calibration scan, a correction's
/// attachment, or footage (evidence, held or not). Such a blob is never deleted by the face
/// purge: the bytes are shared (the store keeps identical bytes once).
pub async fn blob_in_use(tx: &mut Tx, blob: &str) -> Result<bool> {
    let quoted = format!("%\"{blob}\"%");
    let sql = "SELECT \
        EXISTS (SELECT 1 FROM rider_events WHERE face_blob = $1 OR scene_blob = $1 OR clip_blob = $1) \
        OR EXISTS (SELECT 1 FROM face_vectors WHERE photo_blob = $1) \
        OR EXISTS (SELECT 1 FROM capture_images WHERE blob_id = $1) \
        OR EXISTS (SELECT 1 FROM notices WHERE blob_id = $1) \
        OR EXISTS (SELECT 1 FROM rider_tasks WHERE photos LIKE $2) \
        OR EXISTS (SELECT 1 FROM objections WHERE photos LIKE $2) \
        OR EXISTS (SELECT 1 FROM device_calibrations WHERE scan_sha256 = $1) \
        OR EXISTS (SELECT 1 FROM correction_attachments WHERE sha256 = $1) \
        OR EXISTS (SELECT 1 FROM evidence WHERE sha256 = $1)";
    Ok(
        on!(tx, c => sqlx::query_scalar(sql).bind(blob).bind(&quoted)
        .fetch_one(c).await?),
    )
}

/// The library photo blobs of a person's current (not superseded) library vectors.
pub async fn library_photos(tx: &mut Tx, person: RiderPersonId) -> Result<Vec<(i64, String)>> {
    let sql = "SELECT id, photo_blob FROM face_vectors WHERE person_id = $1 AND event_id IS NULL \
        AND superseded_at IS NULL AND photo_blob IS NOT NULL ORDER BY id";
    Ok(on!(tx, c => sqlx::query_as(sql).bind(person.0).fetch_all(c).await?))
}
