//! RID-01, RID-03, RID-05: the events e-bike capture points send, kept once per device event.

use chrono::{DateTime, Utc};
use roadwarden_domain::device::CaptureUse;
use roadwarden_domain::org::UnitPath;
use roadwarden_domain::rider::{MatchState, RiderViolation};
use roadwarden_domain::{DeviceId, RiderEventId, RiderPersonId, UnitId};

use crate::list::Window;
use crate::{on, path_range, Result, Tx};

/// The most event times [`tier_event_times`] returns: far above any band (RID-08).
pub const MAX_TIER_EVENTS: i64 = 10_000;

/// An event as stored. The photos and the clip are blob ids.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct RiderEvent {
    #[sqlx(try_from = "i64")]
    pub id: RiderEventId,
    #[sqlx(try_from = "i64")]
    pub device_id: DeviceId,
    pub device_event_id: String,
    #[sqlx(try_from = "i64")]
    pub unit_id: UnitId,
    pub person_id: Option<i64>,
    #[sqlx(try_from = "String")]
    pub violation: RiderViolation,
    pub occurred_at: DateTime<Utc>,
    pub place: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub face_blob: Option<String>,
    pub scene_blob: Option<String>,
    pub clip_blob: Option<String>,
    #[sqlx(try_from = "String")]
    pub match_state: MatchState,
    /// Why it is held or unconfirmed (a quality gate's code, or the officer's note).
    pub match_reason: String,
    pub match_score: Option<f64>,
    pub received_at: DateTime<Utc>,
    /// RID-01, DEV-05: `WarnOnly` from a point in trial: never counts toward a tier.
    #[sqlx(try_from = "String")]
    pub usage: CaptureUse,
}

impl RiderEvent {
    pub fn person(&self) -> Option<RiderPersonId> {
        self.person_id.map(RiderPersonId)
    }
}

const COLUMNS: &str = "e.id, e.device_id, e.device_event_id, e.unit_id, e.person_id, \
    e.violation, e.occurred_at, e.place, e.latitude, e.longitude, e.face_blob, e.scene_blob, \
    e.clip_blob, e.match_state, e.match_reason, e.match_score, e.received_at, e.usage";

/// An event as intake writes it.
#[derive(Debug, Clone)]
pub struct NewRiderEvent {
    pub device_id: DeviceId,
    /// The point's own id for the event: the same id twice is the same event.
    pub device_event_id: String,
    pub unit_id: UnitId,
    pub person_id: Option<RiderPersonId>,
    pub violation: RiderViolation,
    pub occurred_at: DateTime<Utc>,
    pub place: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub face_blob: Option<String>,
    pub scene_blob: Option<String>,
    pub clip_blob: Option<String>,
    pub match_state: MatchState,
    pub match_reason: String,
    pub match_score: Option<f64>,
    pub received_at: DateTime<Utc>,
    /// `Enforce` or `WarnOnly` (a point in trial); a refused point's events are not stored.
    pub usage: CaptureUse,
}

/// What [`insert`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inserted {
    New(RiderEventId),
    /// The point sent this event before: nothing was written.
    Existing(RiderEventId),
}

impl Inserted {
    pub fn id(self) -> RiderEventId {
        match self {
            Inserted::New(id) | Inserted::Existing(id) => id,
        }
    }
}

/// Stores an event once: a repeat of (device, device event id) returns the stored one.
pub async fn insert(tx: &mut Tx, new: &NewRiderEvent) -> Result<Inserted> {
    let sql = "INSERT INTO rider_events (device_id, device_event_id, unit_id, person_id, \
        violation, occurred_at, place, latitude, longitude, face_blob, scene_blob, clip_blob, \
        match_state, match_reason, match_score, received_at, usage) \
        VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17) \
        ON CONFLICT (device_id, device_event_id) DO NOTHING RETURNING id";
    let fresh: Option<i64> = on!(tx, c => sqlx::query_scalar(sql)
        .bind(new.device_id.0).bind(&new.device_event_id).bind(new.unit_id.0)
        .bind(new.person_id.map(|p| p.0)).bind(new.violation.as_str()).bind(new.occurred_at)
        .bind(&new.place).bind(new.latitude).bind(new.longitude).bind(new.face_blob.as_deref())
        .bind(new.scene_blob.as_deref()).bind(new.clip_blob.as_deref())
        .bind(new.match_state.as_str()).bind(&new.match_reason).bind(new.match_score)
        .bind(new.received_at).bind(new.usage.as_str()).fetch_optional(c).await?);
    if let Some(id) = fresh {
        return Ok(Inserted::New(RiderEventId(id)));
    }
    let sql = "SELECT id FROM rider_events WHERE device_id = $1 AND device_event_id = $2";
    let id: i64 = on!(tx, c => sqlx::query_scalar(sql).bind(new.device_id.0)
        .bind(&new.device_event_id).fetch_one(c).await?);
    Ok(Inserted::Existing(RiderEventId(id)))
}

/// The event a point sent under its own id `device_event_id`, if it did.
pub async fn by_device_event(
    tx: &mut Tx,
    device: DeviceId,
    device_event_id: &str,
) -> Result<Option<RiderEvent>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM rider_events e WHERE e.device_id = $1 AND e.device_event_id = $2"
    );
    Ok(
        on!(tx, c => sqlx::query_as(&sql).bind(device.0).bind(device_event_id)
        .fetch_optional(c).await?),
    )
}

pub async fn get(tx: &mut Tx, id: RiderEventId) -> Result<Option<RiderEvent>> {
    let sql = format!("SELECT {COLUMNS} FROM rider_events e WHERE e.id = $1");
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(id.0).fetch_optional(c).await?))
}

/// RID-05, RID-06: the outcome of matching (or an officer's decision) for an event.
pub async fn set_match(
    tx: &mut Tx,
    id: RiderEventId,
    person: Option<RiderPersonId>,
    state: MatchState,
    reason: &str,
    score: Option<f64>,
) -> Result<bool> {
    let sql = "UPDATE rider_events SET person_id = $2, match_state = $3, match_reason = $4, \
        match_score = $5 WHERE id = $1";
    let n = on!(tx, c => sqlx::query(sql).bind(id.0).bind(person.map(|p| p.0))
        .bind(state.as_str()).bind(reason).bind(score).execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// RID-08: the times of a person's confirmed events after `since` (the longest window back),
/// oldest first, at most [`MAX_TIER_EVENTS`] (the newest). Unconfirmed matches never count,
/// nor do events from a point in trial (DEV-05: warnings only).
pub async fn tier_event_times(
    tx: &mut Tx,
    person: RiderPersonId,
    since: DateTime<Utc>,
) -> Result<Vec<(RiderEventId, DateTime<Utc>)>> {
    let sql = "SELECT id, occurred_at FROM rider_events \
        WHERE person_id = $1 AND match_state = $2 AND occurred_at > $3 AND usage = $5 \
        ORDER BY occurred_at DESC, id DESC LIMIT $4";
    let mut rows: Vec<(i64, DateTime<Utc>)> = on!(tx, c => sqlx::query_as(sql).bind(person.0)
        .bind(MatchState::Matched.as_str()).bind(since).bind(MAX_TIER_EVENTS)
        .bind(CaptureUse::Enforce.as_str()).fetch_all(c).await?);
    rows.reverse();
    Ok(rows
        .into_iter()
        .map(|(id, at)| (RiderEventId(id), at))
        .collect())
}

/// RID-06: a person's file, newest event first.
pub async fn list_for_person(
    tx: &mut Tx,
    person: RiderPersonId,
    window: Window,
) -> Result<Vec<RiderEvent>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM rider_events e WHERE e.person_id = $1 \
         ORDER BY e.occurred_at DESC, e.id DESC LIMIT $2 OFFSET $3"
    );
    let window = Window::new(window.limit.min(crate::list::MAX_PER_PAGE), window.offset);
    Ok(
        on!(tx, c => sqlx::query_as(&sql).bind(person.0).bind(window.limit)
        .bind(window.offset).fetch_all(c).await?),
    )
}

/// The queue of events in `state` (unconfirmed or held) from points in `scope`, oldest first.
pub async fn list_by_match_state(
    tx: &mut Tx,
    scope: &UnitPath,
    state: MatchState,
    window: Window,
) -> Result<Vec<RiderEvent>> {
    let (low, high) = path_range(scope.as_str());
    let sql = format!(
        "SELECT {COLUMNS} FROM rider_events e JOIN units n ON n.id = e.unit_id \
         WHERE e.match_state = $1 AND n.path >= $2 AND n.path < $3 \
         ORDER BY e.received_at, e.id LIMIT $4 OFFSET $5"
    );
    let window = Window::new(window.limit.min(crate::list::MAX_PER_PAGE), window.offset);
    Ok(
        on!(tx, c => sqlx::query_as(&sql).bind(state.as_str()).bind(&low).bind(&high)
        .bind(window.limit).bind(window.offset).fetch_all(c).await?),
    )
}

/// SEC-10: forgets the face photos of up to `limit` (at most 1,000) events that happened
/// before `cutoff`, returning their blob ids for the caller to delete from the blob store.
pub async fn clear_faces_before(
    tx: &mut Tx,
    cutoff: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<String>> {
    let pick = "SELECT id, face_blob FROM rider_events \
        WHERE occurred_at < $1 AND face_blob IS NOT NULL ORDER BY id LIMIT $2";
    let rows: Vec<(i64, String)> = on!(tx, c => sqlx::query_as(pick).bind(cutoff)
        .bind(limit.clamp(1, 1_000)).fetch_all(&mut *c).await?);
    let clear = "UPDATE rider_events SET face_blob = NULL WHERE id = $1";
    for &(id, _) in &rows {
        on!(tx, c => sqlx::query(clear).bind(id).execute(c).await?.rows_affected());
    }
    Ok(rows.into_iter().map(|(_, blob)| blob).collect())
}

/// RID-06: a cluster of unmatched faces became the provisional person `person`: the events of
/// its faces (those still unmatched) name that person, unconfirmed (an officer confirms).
pub async fn file_unmatched_under(tx: &mut Tx, person: RiderPersonId) -> Result<u64> {
    let sql = "UPDATE rider_events SET person_id = $1, match_state = $2, match_reason = $3 \
        WHERE match_state = $4 AND id IN (SELECT event_id FROM face_vectors WHERE person_id = $1)";
    Ok(
        on!(tx, c => sqlx::query(sql).bind(person.0).bind(MatchState::Unconfirmed.as_str())
        .bind("cluster").bind(MatchState::Unmatched.as_str()).execute(c).await?
        .rows_affected()),
    )
}
