//! RID-05, RID-06: the identity acts of an e-bike officer, each in one transaction with its
//! audit entry. Confirming is what lets a tier rise: the tier is recomputed from confirmed
//! events only (the domain's `tier_from_history`), so an unconfirmed match never escalates.
//! "Not this person" writes an exclusion that all later matching respects; a merge moves one
//! provisional file into another; a split moves events (and their faces, excluded from the
//! old file) into a new provisional file.

use chrono::{DateTime, Utc};
use roadwarden_domain::account::IdNumber;
use roadwarden_domain::codes::Code;
use roadwarden_domain::org::UnitPath;
use roadwarden_domain::rider::{tier_from_history, MatchState, RiderTier};
use roadwarden_domain::{FieldError, RiderEventId, RiderPersonId, RuleViolation};
use roadwarden_store::riders::events::{self as event_rows};
use roadwarden_store::riders::persons::{self as person_rows, NewRiderPerson};
use roadwarden_store::riders::{event_reads, faces};
use roadwarden_store::units;
use roadwarden_store::Tx;
use serde::Deserialize;
use serde_json::json;

use super::persons::event_in_scope;
use super::{audit, need, person_in_scope, tier_config};
use crate::auth::Principal;
use crate::context::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::policy::RiderOfficers;
use crate::services::context::ServiceContext;
use crate::views::riders::ActOutcome;

const OFFICERS: &str = "identities are confirmed by e-bike officers";

/// RID-05: the officer confirms a provisional file as this person.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmPerson {
    /// The 18-character resident ID (China) or the 12-digit CCCD (Viet Nam), by the file's
    /// unit's country.
    pub id_number: String,
    pub name: String,
}

/// RID-06: merge file `from` (provisional) into file `into`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeInput {
    pub from: i64,
    pub into: i64,
}

/// RID-06: move these events of a file into a new provisional file.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SplitInput {
    pub events: Vec<i64>,
}

/// RID-08: recomputes a file's tier from its confirmed events and, when it rose, dispatches
/// what the new tier calls for (RID-09). Returns the tier and the tasks dispatched.
pub(crate) async fn recompute(
    tx: &mut Tx,
    id: RiderPersonId,
    now: DateTime<Utc>,
) -> AppResult<(RiderTier, Vec<i64>)> {
    let person = person_rows::get(tx, id)
        .await?
        .ok_or(AppError::NotFound("person"))?;
    let config = tier_config();
    let times: Vec<_> = event_rows::tier_event_times(tx, id, config.history_start(now))
        .await?
        .into_iter()
        .map(|(_, at)| at)
        .collect();
    let decision = tier_from_history(&times, person.last_education_at, now, &config);
    let mut dispatched = Vec::new();
    if person_rows::set_tier(tx, id, decision.tier, now).await? {
        dispatched = super::tasks::dispatch(tx, &person, person.tier, decision.tier, now).await?;
    }
    Ok((decision.tier, dispatched))
}

fn not_open(what: &str) -> AppError {
    RuleViolation::new("RID-06", Code::RiderMatchNotOpen, what.to_owned()).into()
}

fn outcome(person: RiderPersonId, tier: RiderTier, dispatched: Vec<i64>) -> ActOutcome {
    ActOutcome {
        person_id: Some(person.0),
        tier: Some(tier.as_str().to_owned()),
        dispatched,
    }
}

/// RID-05: the officer confirms an uncertain match: the event joins its file for good, its
/// face vectors with it, and the file's tier is recomputed (this is what lets it rise).
pub async fn confirm_match(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    event: i64,
) -> AppResult<ActOutcome> {
    need::<RiderOfficers>(p, OFFICERS)?;
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let e = event_in_scope(&mut tx, p, event).await?;
    let person = match (e.match_state, e.person()) {
        (MatchState::Unconfirmed, Some(person)) => person,
        _ => {
            return Err(not_open(
                "only an uncertain match with a file can be confirmed",
            ))
        }
    };
    let file = person_in_scope(&mut tx, p, person).await?;
    if file.merged_into.is_some() {
        return Err(not_open(
            "the file was merged; confirm into the file it was merged into",
        ));
    }
    event_rows::set_match(
        &mut tx,
        e.id,
        Some(person),
        MatchState::Matched,
        "confirmed by an officer",
        e.match_score,
    )
    .await?;
    for face in event_reads::face_ids_of_event(&mut tx, e.id).await? {
        faces::set_person(&mut tx, face, Some(person)).await?;
    }
    let (tier, dispatched) = recompute(&mut tx, person, now).await?;
    audit(
        &mut tx,
        p,
        meta,
        "rider_event.confirm",
        "rider_event",
        event,
        Some(file.unit_id),
        json!({ "person": person.0, "tier": tier.as_str(), "tasks": dispatched }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(outcome(person, tier, dispatched))
}

/// RID-06: "not this person": the event leaves the file, and its face is excluded from that
/// file for good (matching never proposes it again). A confirmed event may be taken out too;
/// the file's tier is then recomputed (it can only fall).
pub async fn reject_match(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    event: i64,
) -> AppResult<ActOutcome> {
    need::<RiderOfficers>(p, OFFICERS)?;
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let e = event_in_scope(&mut tx, p, event).await?;
    let person = match (e.match_state, e.person()) {
        (MatchState::Unconfirmed | MatchState::Matched, Some(person)) => person,
        _ => return Err(not_open("only an event in a file can be taken out of it")),
    };
    let file = person_in_scope(&mut tx, p, person).await?;
    let faces_of_event = event_reads::face_ids_of_event(&mut tx, e.id).await?;
    for &face in &faces_of_event {
        faces::exclude(&mut tx, face, person, p.user.id, now).await?;
        faces::set_person(&mut tx, face, None).await?;
    }
    event_rows::set_match(
        &mut tx,
        e.id,
        None,
        MatchState::Unmatched,
        "not this person (officer)",
        None,
    )
    .await?;
    let (tier, _) = recompute(&mut tx, person, now).await?;
    audit(
        &mut tx,
        p,
        meta,
        "rider_event.reject",
        "rider_event",
        event,
        Some(file.unit_id),
        json!({ "person": person.0, "faces": faces_of_event, "was": e.match_state.as_str(),
                "tier": tier.as_str() }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(ActOutcome {
        person_id: None,
        tier: Some(tier.as_str().to_owned()),
        dispatched: Vec::new(),
    })
}

/// RID-05, RID-06: the officer confirms who a provisional file is (checked ID number, name):
/// its uncertain events become confirmed and the tier is recomputed.
pub async fn confirm_person(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    id: i64,
    input: &ConfirmPerson,
) -> AppResult<ActOutcome> {
    need::<RiderOfficers>(p, OFFICERS)?;
    let name = roadwarden_domain::device::text("name", &input.name, 50, true)?;
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let file = person_in_scope(&mut tx, p, RiderPersonId(id)).await?;
    if !file.provisional || file.merged_into.is_some() {
        return Err(not_open(
            "only a provisional file that was not merged can be confirmed",
        ));
    }
    let unit = units::get(&mut tx, file.unit_id)
        .await?
        .ok_or(AppError::NotFound("unit"))?;
    let id_number = IdNumber::parse(&input.id_number, unit.country)?;
    if person_rows::by_id_number(&mut tx, id_number.as_str())
        .await?
        .is_some()
    {
        // That person has a file already: the officer merges this one into it instead.
        return Err(AppError::Conflict {
            field: "id_number".into(),
        });
    }
    person_rows::confirm(&mut tx, file.id, id_number.as_str(), &name).await?;
    let confirmed = event_reads::unconfirmed_of_person(&mut tx, file.id).await?;
    for &event in &confirmed {
        event_rows::set_match(
            &mut tx,
            event,
            Some(file.id),
            MatchState::Matched,
            "file confirmed by an officer",
            None,
        )
        .await?;
    }
    let (tier, dispatched) = recompute(&mut tx, file.id, now).await?;
    audit(
        &mut tx,
        p,
        meta,
        "rider.confirm",
        "rider",
        id,
        Some(file.unit_id),
        json!({ "events": confirmed.len(), "tier": tier.as_str(), "tasks": dispatched }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(outcome(file.id, tier, dispatched))
}

/// RID-06: merges a provisional file into another (a confirmed file is never merged away: its
/// identity would be lost). Events keep their state, so the tier of the merged file rises only
/// by confirmed events.
pub async fn merge(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    input: &MergeInput,
) -> AppResult<ActOutcome> {
    need::<RiderOfficers>(p, OFFICERS)?;
    if input.from == input.into {
        return Err(FieldError::new("into", "is the same file").into());
    }
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let from = person_in_scope(&mut tx, p, RiderPersonId(input.from)).await?;
    let into = person_in_scope(&mut tx, p, RiderPersonId(input.into)).await?;
    if !from.provisional {
        return Err(RuleViolation::new(
            "RID-06",
            Code::RiderMergeConfirmedFile,
            "a confirmed file is never merged away; merge the provisional file into it",
        )
        .into());
    }
    if from.merged_into.is_some() || into.merged_into.is_some() {
        return Err(not_open(
            "a file that was merged cannot take part in another merge",
        ));
    }
    if !person_rows::merge(&mut tx, from.id, into.id).await? {
        return Err(not_open("the file was merged meanwhile"));
    }
    let (tier, dispatched) = recompute(&mut tx, into.id, now).await?;
    audit(
        &mut tx,
        p,
        meta,
        "rider.merge",
        "rider",
        into.id.0,
        Some(into.unit_id),
        json!({ "from": from.id.0, "into": into.id.0, "tier": tier.as_str(), "tasks": dispatched }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(outcome(into.id, tier, dispatched))
}

/// RID-06: events of a file that are someone else's go to a new provisional file; their faces
/// are excluded from the old file and follow the events. The old file's tier is recomputed.
pub async fn split(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    id: i64,
    input: &SplitInput,
) -> AppResult<ActOutcome> {
    need::<RiderOfficers>(p, OFFICERS)?;
    if input.events.is_empty() || input.events.len() > 200 {
        return Err(FieldError::new("events", "name 1 to 200 events of the file").into());
    }
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let file = person_in_scope(&mut tx, p, RiderPersonId(id)).await?;
    if file.merged_into.is_some() {
        return Err(not_open("a file that was merged cannot be split"));
    }
    let mut moving = Vec::new();
    for &event in &input.events {
        let e = event_rows::get(&mut tx, RiderEventId(event))
            .await?
            .filter(|e| e.person() == Some(file.id))
            .ok_or_else(|| {
                FieldError::new("events", format!("{event} is not an event of the file"))
            })?;
        if !moving
            .iter()
            .any(|m: &roadwarden_store::riders::events::RiderEvent| m.id == e.id)
        {
            moving.push(e);
        }
    }
    let new = person_rows::insert(
        &mut tx,
        &NewRiderPerson {
            unit_id: file.unit_id,
            unit_path: UnitPath::from_stored(file.unit_path.clone()),
            id_number: None,
            name: String::new(),
            village: file.village.clone(),
            employer: String::new(),
            phone: String::new(),
            party_member: false,
            provisional: true,
            created_at: now,
        },
    )
    .await?;
    for e in &moving {
        // Not this person's: an officer confirms who the new file is before it counts.
        event_rows::set_match(
            &mut tx,
            e.id,
            Some(new),
            MatchState::Unconfirmed,
            "split off by an officer",
            e.match_score,
        )
        .await?;
        for face in event_reads::face_ids_of_event(&mut tx, e.id).await? {
            faces::exclude(&mut tx, face, file.id, p.user.id, now).await?;
            faces::set_person(&mut tx, face, Some(new)).await?;
        }
    }
    let (tier, _) = recompute(&mut tx, file.id, now).await?;
    let moved: Vec<i64> = moving.iter().map(|e| e.id.0).collect();
    audit(
        &mut tx,
        p,
        meta,
        "rider.split",
        "rider",
        file.id.0,
        Some(file.unit_id),
        json!({ "into": new.0, "events": moved, "tier": tier.as_str() }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(ActOutcome {
        person_id: Some(new.0),
        tier: Some(tier.as_str().to_owned()),
        dispatched: Vec::new(),
    })
}
