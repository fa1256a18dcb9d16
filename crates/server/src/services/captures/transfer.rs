//! NOT-02f: a Vietnamese record whose owner lives outside the area of the unit that entered it
//! goes to the police of the owner's commune or district (`domain::capture::transfer` says how
//! the owner's division code is matched), or is flagged for a manual transfer when the tree has
//! no such unit. Either way: the record's timeline, the audit chain and a message to a head.

use chrono::{DateTime, Utc};
use roadwarden_domain::capture::transfer::{decide_transfer, TransferDecision, UnitRef};
use roadwarden_store::units::{self, Unit};
use roadwarden_store::violations::{self, Vehicle};
use roadwarden_store::Tx;
use serde_json::json;

use crate::error::AppResult;
use crate::services::audit::{record, Actor, Event};
use crate::services::messages;

fn unit_ref(u: &Unit) -> UnitRef<'_> {
    UnitRef {
        id: u.id,
        code: &u.code,
        kind: u.kind,
        country: u.country,
    }
}

/// Returns the decision taken.
pub async fn transfer_if_elsewhere(
    tx: &mut Tx,
    violation: i64,
    unit: &Unit,
    owner: &Vehicle,
    now: DateTime<Utc>,
) -> AppResult<TransferDecision> {
    let division = owner.division_code.trim();
    let matching = if division.is_empty() {
        None
    } else {
        units::get_by_code(tx, &division.to_ascii_uppercase()).await?
    };
    let area: Vec<UnitRef<'_>> = matching
        .iter()
        .filter(|u| unit.path.covers(&u.path))
        .map(unit_ref)
        .chain(std::iter::once(unit_ref(unit)))
        .collect();
    let candidates: Vec<UnitRef<'_>> = matching.iter().map(unit_ref).collect();
    let decision = decide_transfer(unit.country, division, &area, &candidates);
    let (action, to_unit, detail) = match decision {
        TransferDecision::Stay => return Ok(decision),
        TransferDecision::To(_) => {
            let Some(to) = matching.as_ref() else {
                return Ok(TransferDecision::Stay);
            };
            if !violations::set_transfer(tx, violation, Some((to.id, &to.path)), now).await? {
                return Ok(TransferDecision::Stay);
            }
            ("transferred", to, format!("{} → {}", unit.name, to.name))
        }
        TransferDecision::Manual => {
            if !violations::set_transfer(tx, violation, None, now).await? {
                return Ok(TransferDecision::Stay);
            }
            ("transfer_manual", unit, division.to_owned())
        }
    };
    violations::add_event(tx, violation, action, None, "system", &detail, now).await?;
    record(
        tx,
        &Actor::system(),
        Event {
            action: &format!("violation.{action}"),
            object_type: "violation",
            object_id: violation.to_string(),
            unit_id: Some(to_unit.id),
            detail: json!({ "rule": "NOT-02f", "from_unit": unit.id.0, "to_unit": to_unit.id.0,
                            "owner_division": division }),
        },
        now,
    )
    .await?;
    messages::to_unit_head(
        tx,
        to_unit.id,
        action,
        "NOT-02f",
        ("violation", &violation.to_string()),
        &detail,
        now,
    )
    .await?;
    Ok(decision)
}
