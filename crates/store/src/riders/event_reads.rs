//! RID-05, RID-06: the reads the identity desk needs beside intake's writes (`events`,
//! `faces`): an event's face vectors, a queue's length, and the events of a file by id.

use roadwarden_domain::org::UnitPath;
use roadwarden_domain::rider::MatchState;
use roadwarden_domain::{RiderEventId, RiderPersonId};

use super::COUNT_CAP;
use crate::{on, path_range, Result, Tx};

/// The ids of the face vectors taken from an event's face (usually one).
pub async fn face_ids_of_event(tx: &mut Tx, event: RiderEventId) -> Result<Vec<i64>> {
    let sql = "SELECT id FROM face_vectors WHERE event_id = $1 ORDER BY id LIMIT 16";
    Ok(on!(tx, c => sqlx::query_scalar(sql).bind(event.0).fetch_all(c).await?))
}

/// How many events from points in `scope` wait in `state`, capped at
/// [`crate::list::MAX_ROWS`] + 1 ("more than").
pub async fn count_by_match_state(tx: &mut Tx, scope: &UnitPath, state: MatchState) -> Result<i64> {
    let (low, high) = path_range(scope.as_str());
    let sql =
        "SELECT COUNT(*) FROM (SELECT 1 FROM rider_events e JOIN units n ON n.id = e.unit_id \
        WHERE e.match_state = $1 AND n.path >= $2 AND n.path < $3 LIMIT $4) capped";
    Ok(
        on!(tx, c => sqlx::query_scalar(sql).bind(state.as_str()).bind(&low).bind(&high)
        .bind(COUNT_CAP + 1).fetch_one(c).await?),
    )
}

/// How many events a file holds, and how many of them are confirmed (count toward the tier).
pub async fn counts_for_person(tx: &mut Tx, person: RiderPersonId) -> Result<(i64, i64)> {
    let sql = "SELECT COUNT(*), COALESCE(SUM(CASE WHEN match_state = $2 THEN 1 ELSE 0 END), 0) \
        FROM rider_events WHERE person_id = $1";
    Ok(
        on!(tx, c => sqlx::query_as(sql).bind(person.0).bind(MatchState::Matched.as_str())
        .fetch_one(c).await?),
    )
}

/// RID-06: the events of `person` still unconfirmed (the officer confirms a file as a whole).
pub async fn unconfirmed_of_person(
    tx: &mut Tx,
    person: RiderPersonId,
) -> Result<Vec<RiderEventId>> {
    let sql = "SELECT id FROM rider_events WHERE person_id = $1 AND match_state = $2 \
        ORDER BY id LIMIT $3";
    let ids: Vec<i64> = on!(tx, c => sqlx::query_scalar(sql).bind(person.0)
        .bind(MatchState::Unconfirmed.as_str()).bind(crate::list::MAX_ROWS).fetch_all(c).await?);
    Ok(ids.into_iter().map(RiderEventId).collect())
}
