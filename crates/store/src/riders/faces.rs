//! RID-05: face feature vectors, persisted so the in-memory index rebuilds on start. Stored as
//! little-endian `f32`s with their dimension.

use chrono::{DateTime, Utc};
use roadwarden_domain::{RiderEventId, RiderPersonId, UserId};

use crate::{on, Result, StoreError, Tx};

/// The most dimensions a vector may have.
pub const MAX_DIMS: usize = 4_096;
/// Vectors read per query by [`load_all`].
const PAGE: i64 = 10_000;

/// A stored vector.
#[derive(Debug, Clone, PartialEq)]
pub struct FaceVector {
    pub id: i64,
    pub person_id: Option<RiderPersonId>,
    pub event_id: Option<RiderEventId>,
    pub values: Vec<f32>,
    pub created_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    person_id: Option<i64>,
    event_id: Option<i64>,
    dims: i32,
    vector: Vec<u8>,
    created_at: DateTime<Utc>,
}

impl TryFrom<Row> for FaceVector {
    type Error = StoreError;
    fn try_from(row: Row) -> Result<Self> {
        let dims = usize::try_from(row.dims).unwrap_or(usize::MAX);
        if dims > MAX_DIMS || row.vector.len() != dims * 4 {
            return Err(StoreError::corrupt(format!(
                "face vector {} holds {} bytes for {} dimensions",
                row.id,
                row.vector.len(),
                row.dims
            )));
        }
        let values = row
            .vector
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        Ok(FaceVector {
            id: row.id,
            person_id: row.person_id.map(RiderPersonId),
            event_id: row.event_id.map(RiderEventId),
            values,
            created_at: row.created_at,
        })
    }
}

/// A vector to store: of a known person (face base library), of an event's face, or both.
#[derive(Debug, Clone, Copy)]
pub struct NewFaceVector<'a> {
    pub person_id: Option<RiderPersonId>,
    pub event_id: Option<RiderEventId>,
    pub values: &'a [f32],
    pub created_at: DateTime<Utc>,
}

pub async fn insert(tx: &mut Tx, new: &NewFaceVector<'_>) -> Result<i64> {
    if new.values.is_empty() || new.values.len() > MAX_DIMS {
        return Err(StoreError::Invalid(
            "a face vector has 1 to 4096 dimensions",
        ));
    }
    let bytes: Vec<u8> = new.values.iter().flat_map(|v| v.to_le_bytes()).collect();
    let dims = i32::try_from(new.values.len()).unwrap_or(i32::MAX);
    let sql = "INSERT INTO face_vectors (person_id, event_id, dims, vector, created_at) \
        VALUES ($1,$2,$3,$4,$5) RETURNING id";
    Ok(
        on!(tx, c => sqlx::query_scalar(sql).bind(new.person_id.map(|p| p.0))
        .bind(new.event_id.map(|e| e.0)).bind(dims).bind(bytes).bind(new.created_at)
        .fetch_one(c).await?),
    )
}

/// RID-06: a vector joins a person (a cluster becomes a file, a merge, a confirmation).
pub async fn set_person(tx: &mut Tx, id: i64, person: Option<RiderPersonId>) -> Result<bool> {
    let sql = "UPDATE face_vectors SET person_id = $2 WHERE id = $1";
    let n = on!(tx, c => sqlx::query(sql).bind(id).bind(person.map(|p| p.0))
        .execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// Up to `limit` (at most 10,000) vectors with ids above `after`, in id order.
pub async fn load_page(tx: &mut Tx, after: i64, limit: i64) -> Result<Vec<FaceVector>> {
    let sql = "SELECT id, person_id, event_id, dims, vector, created_at FROM face_vectors \
        WHERE id > $1 ORDER BY id LIMIT $2";
    let rows: Vec<Row> = on!(tx, c => sqlx::query_as(sql).bind(after)
        .bind(limit.clamp(1, PAGE)).fetch_all(c).await?);
    rows.into_iter().map(FaceVector::try_from).collect()
}

/// Every vector, page by page: the start-up rebuild of the in-memory index.
pub async fn load_all(tx: &mut Tx) -> Result<Vec<FaceVector>> {
    let mut all = Vec::new();
    let mut after = 0;
    loop {
        let page = load_page(tx, after, PAGE).await?;
        let Some(last) = page.last() else {
            return Ok(all);
        };
        after = last.id;
        let full = page.len() as i64 == PAGE;
        all.extend(page);
        if !full {
            return Ok(all);
        }
    }
}

/// RID-06: an officer marked face `face` as "not this person": it never joins that file again.
pub async fn exclude(
    tx: &mut Tx,
    face: i64,
    person: RiderPersonId,
    by: UserId,
    at: DateTime<Utc>,
) -> Result<()> {
    let sql = "INSERT INTO rider_face_exclusions (face_vector_id, person_id, decided_by, \
        decided_at) VALUES ($1,$2,$3,$4) ON CONFLICT (face_vector_id, person_id) DO NOTHING";
    on!(tx, c => sqlx::query(sql).bind(face).bind(person.0).bind(by.0).bind(at)
        .execute(c).await?.rows_affected());
    Ok(())
}

/// RID-06: every (face, person) "not this person" pair with a face id above `after`, at most
/// `limit` (up to 10,000) in face order: matching loads them with the vectors.
pub async fn exclusions_page(
    tx: &mut Tx,
    after: i64,
    limit: i64,
) -> Result<Vec<(i64, RiderPersonId)>> {
    let sql = "SELECT face_vector_id, person_id FROM rider_face_exclusions \
        WHERE face_vector_id > $1 ORDER BY face_vector_id, person_id LIMIT $2";
    let rows: Vec<(i64, i64)> = on!(tx, c => sqlx::query_as(sql).bind(after)
        .bind(limit.clamp(1, PAGE)).fetch_all(c).await?);
    Ok(rows
        .into_iter()
        .map(|(f, p)| (f, RiderPersonId(p)))
        .collect())
}

/// SEC-10: removes up to `limit` (at most 10,000) vectors created before `cutoff`, with their
/// exclusions; returns how many vectors went. Call again until it returns 0.
pub async fn purge_before(tx: &mut Tx, cutoff: DateTime<Utc>, limit: i64) -> Result<u64> {
    let ids = "SELECT id FROM face_vectors WHERE created_at < $1 ORDER BY id LIMIT $2";
    let doomed: Vec<i64> = on!(tx, c => sqlx::query_scalar(ids).bind(cutoff)
        .bind(limit.clamp(1, PAGE)).fetch_all(c).await?);
    let Some(&last) = doomed.last() else {
        return Ok(0);
    };
    let first = doomed[0];
    let exclusions = "DELETE FROM rider_face_exclusions WHERE face_vector_id IN \
        (SELECT id FROM face_vectors WHERE created_at < $1 AND id >= $2 AND id <= $3)";
    on!(tx, c => sqlx::query(exclusions).bind(cutoff).bind(first).bind(last)
        .execute(c).await?.rows_affected());
    let vectors = "DELETE FROM face_vectors WHERE created_at < $1 AND id >= $2 AND id <= $3";
    Ok(
        on!(tx, c => sqlx::query(vectors).bind(cutoff).bind(first).bind(last)
        .execute(c).await?.rows_affected()),
    )
}

/// A stored vector with what identity needs to place it on start: whether its person is
/// provisional (a cluster no officer confirmed) or merged away, and its event's match state.
#[derive(Debug, Clone, PartialEq)]
pub struct IdentityRow {
    pub face: FaceVector,
    /// `None` without a person.
    pub provisional: Option<bool>,
    /// The file was merged into another; the vector's person was moved with it (RID-06).
    pub merged: bool,
    /// `None` for a library photo (no event).
    pub match_state: Option<roadwarden_domain::rider::MatchState>,
}

#[derive(sqlx::FromRow)]
struct IdentityRowRaw {
    #[sqlx(flatten)]
    row: Row,
    provisional: Option<bool>,
    merged_into: Option<i64>,
    match_state: Option<String>,
}

/// RID-05, RID-06: up to `limit` (at most 10,000) vectors with ids above `after`, in id order,
/// with their person's and event's state: the start-up rebuild of the gallery and clusters.
pub async fn identity_page(tx: &mut Tx, after: i64, limit: i64) -> Result<Vec<IdentityRow>> {
    let sql = "SELECT f.id, f.person_id, f.event_id, f.dims, f.vector, f.created_at, \
        p.provisional, p.merged_into, e.match_state FROM face_vectors f \
        LEFT JOIN rider_persons p ON p.id = f.person_id \
        LEFT JOIN rider_events e ON e.id = f.event_id \
        WHERE f.id > $1 ORDER BY f.id LIMIT $2";
    let rows: Vec<IdentityRowRaw> = on!(tx, c => sqlx::query_as(sql).bind(after)
        .bind(limit.clamp(1, PAGE)).fetch_all(c).await?);
    rows.into_iter()
        .map(|raw| {
            let match_state = raw
                .match_state
                .as_deref()
                .map(roadwarden_domain::rider::MatchState::parse)
                .transpose()
                .map_err(StoreError::corrupt)?;
            Ok(IdentityRow {
                face: FaceVector::try_from(raw.row)?,
                provisional: raw.provisional,
                merged: raw.merged_into.is_some(),
                match_state,
            })
        })
        .collect()
}

/// The vector stored for an event's face, if any.
pub async fn of_event(tx: &mut Tx, event: RiderEventId) -> Result<Option<FaceVector>> {
    let sql = "SELECT id, person_id, event_id, dims, vector, created_at FROM face_vectors \
        WHERE event_id = $1 ORDER BY id LIMIT 1";
    let row: Option<Row> = on!(tx, c => sqlx::query_as(sql).bind(event.0).fetch_optional(c).await?);
    row.map(FaceVector::try_from).transpose()
}
