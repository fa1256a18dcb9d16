//! RID-10: a request an outside system refused, or that was given up after the last attempt,
//! needs a person. The county's e-bike officers are told (one inbox message per request, on
//! the rider's file), and an officer may queue it again once the cause is fixed: the attempts
//! start afresh and a failed deduction measure is pending again. Both are audited.

use chrono::{DateTime, Utc};
use roadwarden_domain::codes::Code;
use roadwarden_domain::org::Level;
use roadwarden_domain::rider::MeasureState;
use roadwarden_domain::roles::Role;
use roadwarden_domain::{RuleViolation, UnitId};
use roadwarden_store::outside::{self as rows, OutsideRequest};
use roadwarden_store::riders::dispositions;
use roadwarden_store::units;
use roadwarden_store::Tx;
use serde_json::json;

use crate::auth::Principal;
use crate::context::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::policy::RiderOfficers;
use crate::services::audit::{record, Actor, Event};
use crate::services::context::ServiceContext;
use crate::services::messages::{to_role, Note};
use crate::services::riders::need;
use crate::views::outside::OutsideRequestView;

/// The county at or above `unit`: where the e-bike officers sit.
async fn county_of(tx: &mut Tx, unit: UnitId) -> AppResult<Option<UnitId>> {
    let mut at = Some(unit);
    // A tree is shallow; the bound only guards against a damaged one.
    for _ in 0..16 {
        let Some(id) = at else { break };
        let Some(u) = units::get(tx, id).await? else {
            break;
        };
        if u.level == Level::County {
            return Ok(Some(u.id));
        }
        at = u.parent_id;
    }
    Ok(None)
}

/// Tells the county's e-bike officers that `r` failed, once per request. Written in the
/// sender's transaction.
pub(super) async fn tell_failed(
    tx: &mut Tx,
    r: &OutsideRequest,
    error: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let (Some(person), Some(unit)) = (r.person_id, r.unit_id) else {
        return Ok(());
    };
    let Some(county) = county_of(tx, UnitId(unit)).await? else {
        return Ok(());
    };
    let subject = person.to_string();
    let key = r.id.to_string();
    let detail = json!({ "outside_system": r.system.as_str(), "outside_kind": r.kind.as_str(),
        "error": error })
    .to_string();
    let note = Note {
        kind: "outside_failed",
        rule: "RID-10",
        subject: ("rider_person", &subject),
        event_key: &key,
        detail: &detail,
    };
    to_role(tx, &note, county, Role::EbikeOfficer, now).await?;
    Ok(())
}

/// RID-10: an e-bike officer queues a failed request about a rider of their units again.
pub async fn requeue(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    id: i64,
) -> AppResult<OutsideRequestView> {
    need::<RiderOfficers>(p, "only an e-bike officer sends a request again")?;
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let r = rows::get(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound("outside request"))?;
    // Outside the officer's units it does not exist for them.
    let unit = match r.unit_id {
        Some(u) => units::get(&mut tx, UnitId(u)).await?,
        None => None,
    };
    if !unit.is_some_and(|u| p.scope().covers(&u.path)) {
        return Err(AppError::NotFound("outside request"));
    }
    if !rows::requeue(&mut tx, id, now).await? {
        return Err(RuleViolation::new(
            "RID-10",
            Code::RiderOutsideNotFailed,
            "only a failed request is sent again",
        )
        .into());
    }
    if let Some(measure) = r.disposition_id {
        dispositions::set_state(
            &mut tx,
            measure,
            MeasureState::Failed,
            MeasureState::Pending,
            &r.remote_id,
            "",
            now,
        )
        .await?;
    }
    record(
        &mut tx,
        &Actor::user(p, meta),
        Event {
            action: "outside.requeued",
            object_type: "outside_request",
            object_id: id.to_string(),
            unit_id: r.unit_id.map(UnitId),
            detail: json!({ "rule": "RID-10", "system": r.system.as_str(), "kind": r.kind.as_str(),
                "person": r.person_id, "error": r.last_error }),
        },
        now,
    )
    .await?;
    let row = rows::get(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound("outside request"))?;
    tx.commit().await?;
    Ok(OutsideRequestView::from(row))
}
