//! RID-10, SHR-04: what goes into the outbox. Each request is written once (its unique key),
//! with the personal data it carries decided here and audited (SEC-08: it leaves the
//! platform for traffic management).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use roadwarden_domain::outside::{OutsideKind, OutsideSystem};
use roadwarden_domain::rider::{Disposition, RiderTier};
use roadwarden_domain::{RiderTaskId, UnitId};
use roadwarden_store::outside::{self as rows, ListedRider, NewOutsideRequest};
use roadwarden_store::riders::persons as person_rows;
use roadwarden_store::riders::tasks as task_rows;
use roadwarden_store::{truncate_micros, units, Tx};
use serde_json::{json, Value};

use super::{system_settings, OutsideReport};
use crate::error::AppResult;
use crate::services::audit::{record, Actor, Event};
use crate::services::context::ServiceContext;

/// Most riders one day's lists carry, over all villages.
const MAX_LISTED: i64 = 100_000;

/// Writes one request and its audit entry; false when its key was queued before.
async fn put(tx: &mut Tx, new: NewOutsideRequest, payload_summary: Value) -> AppResult<bool> {
    let Some(id) = rows::insert(tx, &new).await? else {
        return Ok(false);
    };
    record(
        tx,
        &Actor::system(),
        Event {
            action: "outside.queue",
            object_type: "outside_request",
            object_id: id.to_string(),
            unit_id: new.unit_id.map(UnitId),
            detail: json!({ "system": new.system.as_str(), "kind": new.kind.as_str(),
                            "key": new.request_key, "purpose": "traffic_management",
                            "sent": payload_summary }),
        },
        new.created_at,
    )
    .await?;
    Ok(true)
}

/// RID-10, SHR-04: copies the measures and tasks that have no request yet into the outbox,
/// for the systems that are on.
pub(super) async fn sweep(ctx: &ServiceContext, report: &mut OutsideReport) -> AppResult<()> {
    let now = truncate_micros(ctx.clock.now());
    let settings = &ctx.settings.outside;
    let limit = settings.batch_size.clamp(1, 500);
    let mut tx = ctx.store.begin().await?;
    for (system, disposition) in [
        (
            OutsideSystem::CivilityCredit,
            Disposition::CivilityCreditDeduction,
        ),
        (OutsideSystem::PartyIndex, Disposition::PartyIndexDeduction),
    ] {
        let conf = system_settings(settings, system);
        if !conf.is_on() {
            continue;
        }
        for m in rows::unsent_measures(&mut tx, disposition, limit).await? {
            let Some(person) = person_rows::get(&mut tx, m.person_id).await? else {
                continue;
            };
            let key = format!("{}:measure:{}", system.as_str(), m.id);
            let reason = match system {
                OutsideSystem::PartyIndex => {
                    "RID-10 a: frequent e-bike safety offender (party member)"
                }
                _ => "RID-10 b: incorrigible e-bike safety offender",
            };
            let payload = json!({
                "request_id": key,
                "id_number": person.id_number,
                "name": person.name,
                "points": conf.points,
                "reason": reason,
                "tier": m.tier.as_str(),
            });
            let new = NewOutsideRequest {
                system,
                kind: OutsideKind::Deduction,
                request_key: key,
                person_id: Some(m.person_id.0),
                disposition_id: Some(m.id),
                task_id: None,
                unit_id: Some(person.unit_id.0),
                payload: payload.to_string(),
                created_at: now,
            };
            if put(
                &mut tx,
                new,
                json!({ "person": m.person_id.0, "points": conf.points }),
            )
            .await?
            {
                report.queued += 1;
            }
        }
    }
    if settings.grassroots.is_on() {
        for id in rows::unsent_village_tasks(&mut tx, limit).await? {
            let Some(task) = task_rows::get(&mut tx, RiderTaskId(id)).await? else {
                continue;
            };
            let Some(person) = person_rows::get(&mut tx, task.person_id).await? else {
                continue;
            };
            let unit = units::get(&mut tx, task.unit_id).await?;
            let key = format!("grassroots:task:{id}");
            let payload = json!({
                "request_id": key,
                "task_id": id,
                "kind": task.kind.as_str(),
                "unit": { "id": task.unit_id.0, "code": unit.as_ref().map(|u| u.code.clone()),
                          "name": unit.as_ref().map(|u| u.name.clone()) },
                "rider": { "name": person.name, "village": person.village,
                           "tier": person.tier.as_str() },
                "due_at": task.due_at,
            });
            let new = NewOutsideRequest {
                system: OutsideSystem::Grassroots,
                kind: OutsideKind::Task,
                request_key: key,
                person_id: Some(task.person_id.0),
                disposition_id: None,
                task_id: Some(id),
                unit_id: Some(task.unit_id.0),
                payload: payload.to_string(),
                created_at: now,
            };
            if put(
                &mut tx,
                new,
                json!({ "task": id, "person": task.person_id.0 }),
            )
            .await?
            {
                report.queued += 1;
            }
        }
    }
    tx.commit().await?;
    Ok(())
}

/// SHR-04: today's list of riders by tier for each village with riders above the clear tier,
/// queued once a day for the grassroots-governance platform. Returns the lists queued.
pub async fn queue_lists(ctx: &ServiceContext) -> AppResult<usize> {
    if !ctx.settings.outside.grassroots.is_on() {
        return Ok(0);
    }
    let now = truncate_micros(ctx.clock.now());
    let day = now.date_naive();
    let mut tx = ctx.store.begin().await?;
    let mut by_unit: BTreeMap<i64, Vec<ListedRider>> = BTreeMap::new();
    for r in rows::riders_by_tier(&mut tx, MAX_LISTED).await? {
        by_unit.entry(r.unit_id).or_default().push(r);
    }
    let mut queued = 0;
    for (unit_id, riders) in by_unit {
        let unit = units::get(&mut tx, UnitId(unit_id)).await?;
        let key = format!("grassroots:list:{unit_id}:{day}");
        let payload = list_payload(&key, day, unit_id, unit.as_ref(), &riders, now);
        let new = NewOutsideRequest {
            system: OutsideSystem::Grassroots,
            kind: OutsideKind::List,
            request_key: key,
            person_id: None,
            disposition_id: None,
            task_id: None,
            unit_id: Some(unit_id),
            payload: payload.to_string(),
            created_at: now,
        };
        let ids: Vec<i64> = riders.iter().map(|r| r.id).collect();
        if put(&mut tx, new, json!({ "persons": ids })).await? {
            queued += 1;
        }
    }
    tx.commit().await?;
    Ok(queued)
}

/// A village's list: its riders grouped by tier, highest first.
fn list_payload(
    key: &str,
    day: chrono::NaiveDate,
    unit_id: i64,
    unit: Option<&units::Unit>,
    riders: &[ListedRider],
    now: DateTime<Utc>,
) -> Value {
    let mut tiers = serde_json::Map::new();
    for tier in [
        RiderTier::Incorrigible,
        RiderTier::Frequent,
        RiderTier::Occasional,
    ] {
        let rows: Vec<Value> = riders
            .iter()
            .filter(|r| r.tier == tier)
            .map(|r| {
                json!({ "id_number": r.id_number, "name": r.name, "village": r.village,
                        "tier_since": r.tier_since })
            })
            .collect();
        tiers.insert(tier.as_str().to_owned(), Value::Array(rows));
    }
    json!({
        "request_id": key,
        "date": day,
        "unit": { "id": unit_id, "code": unit.map(|u| u.code.clone()),
                  "name": unit.map(|u| u.name.clone()) },
        "tiers": tiers,
        "generated_at": now,
    })
}
