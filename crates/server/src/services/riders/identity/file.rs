//! RID-05, RID-06: files one accepted face of a new event, inside the event's transaction and
//! under the index's lock: a likely person from the gallery, else a place among the clusters
//! (filing a provisional person when a cluster reaches its size). Every match made here is
//! **unconfirmed**: it names a person for an officer to confirm and never counts toward a tier.

use chrono::{DateTime, Utc};
use roadwarden_domain::org::UnitPath;
use roadwarden_domain::rider::MatchState;
use roadwarden_domain::{RiderEventId, RiderPersonId, UnitId};
use roadwarden_gallery::{FaceId, Placement, UnmatchedFace, Vector};
use roadwarden_store::riders::events;
use roadwarden_store::riders::faces::{self, NewFaceVector};
use roadwarden_store::riders::persons::{self, NewRiderPerson};
use roadwarden_store::Tx;

use super::state::IdentityIndex;
use crate::error::{AppError, AppResult};
use crate::services::audit::write::{record, Actor, Event};

/// Where an event's face went.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Filed {
    pub face_id: i64,
    pub state: MatchState,
    pub person: Option<RiderPersonId>,
    /// The distance to the nearest face (gallery) or cluster centre.
    pub score: Option<f64>,
    /// `gallery`, `cluster` (a provisional person's cluster) or `cluster.waiting` (too few
    /// faces yet), or `''` for a face alone.
    pub reason: &'static str,
    /// A provisional person this face brought into being.
    pub new_person: Option<RiderPersonId>,
}

/// The event whose face is filed, as the filing needs it.
pub(crate) struct EventFacts<'a> {
    pub id: RiderEventId,
    pub unit_id: UnitId,
    pub unit_path: &'a UnitPath,
    pub now: DateTime<Utc>,
}

pub(crate) async fn file_face(
    tx: &mut Tx,
    index: &mut IdentityIndex,
    event: &EventFacts<'_>,
    vector: Vector,
    match_threshold: f32,
    actor: &Actor,
) -> AppResult<Filed> {
    let face_id = faces::insert(
        tx,
        &NewFaceVector {
            person_id: None,
            event_id: Some(event.id),
            values: &vector,
            created_at: event.now,
        },
    )
    .await?;
    // RID-05: 1:N over confirmed persons' faces, exact. A fresh face carries no "not this
    // person" marks of its own; the gallery holds none of the faces marked against a person.
    if let Some(best) = index
        .gallery
        .search(Some(FaceId(face_id)), &vector, 1, match_threshold)
        .first()
    {
        return Ok(Filed {
            face_id,
            state: MatchState::Unconfirmed,
            person: Some(best.person),
            score: Some(f64::from(best.distance)),
            reason: "gallery",
            new_person: None,
        });
    }
    // RID-06: no one known: the face joins the clustering of unmatched faces.
    let placement = index
        .clusters
        .place(UnmatchedFace {
            face: FaceId(face_id),
            event: Some(event.id),
            vector,
        })
        .map_err(AppError::internal)?;
    let (cluster, distance, became_person) = match placement {
        Placement::Started { cluster } => (cluster, None, false),
        Placement::Joined {
            cluster,
            distance,
            became_person,
        } => (cluster, Some(f64::from(distance)), became_person),
    };
    if let Some(&person) = index.cluster_person.get(&cluster) {
        faces::set_person(tx, face_id, Some(person)).await?;
        return Ok(Filed {
            face_id,
            state: MatchState::Unconfirmed,
            person: Some(person),
            score: distance,
            reason: "cluster",
            new_person: None,
        });
    }
    if !became_person {
        return Ok(Filed {
            face_id,
            state: MatchState::Unmatched,
            person: None,
            score: distance,
            reason: if distance.is_some() {
                "cluster.waiting"
            } else {
                ""
            },
            new_person: None,
        });
    }
    // The cluster reached its size: a provisional person, in the capture point's unit, with
    // every face of the cluster and their events (unconfirmed: an officer confirms the file).
    let person = persons::insert(
        tx,
        &NewRiderPerson {
            unit_id: event.unit_id,
            unit_path: event.unit_path.clone(),
            id_number: None,
            name: String::new(),
            village: String::new(),
            employer: String::new(),
            phone: String::new(),
            party_member: false,
            provisional: true,
            created_at: event.now,
        },
    )
    .await?;
    let members = index.clusters.members(cluster);
    for &member in &members {
        faces::set_person(tx, member.0, Some(person)).await?;
    }
    events::file_unmatched_under(tx, person).await?;
    index.cluster_person.insert(cluster, person);
    record(
        tx,
        actor,
        Event {
            action: "rider_person.provisional_filed",
            object_type: "rider_person",
            object_id: person.0.to_string(),
            unit_id: Some(event.unit_id),
            detail: serde_json::json!({ "faces": members.len(), "by_event": event.id.0 }),
        },
        event.now,
    )
    .await?;
    Ok(Filed {
        face_id,
        state: MatchState::Unconfirmed,
        person: Some(person),
        score: distance,
        reason: "cluster",
        new_person: Some(person),
    })
}
