//! NOT-02a, APL-02: how an owner proves a vehicle on the public pages: its plate and the last
//! 6 characters of its identification number, checked against the registry.
//!
//! Every attempt is an audit entry (SEC-05), matched or not. The VIN tail is the only secret,
//! so misses are counted: after `security.public_proof_max_failures` misses for one plate from
//! one address within `security.public_proof_window_minutes`, that address's attempts on the
//! plate answer 429 until the window has passed; after ten times as many from all addresses
//! together, every attempt on the plate does. A million possible tails at fifty tries a
//! quarter-hour cannot be guessed, and one stranger's guessing does not lock the owner out.

use chrono::Duration;
use roadwarden_domain::capture::plate::query_key;
use roadwarden_domain::org::UnitPath;
use roadwarden_domain::FieldError;
use roadwarden_store::audit;
use roadwarden_store::violations::Vehicle;
use serde_json::json;

use super::registry;
use crate::context::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::services::audit::{record, Actor, Event};
use crate::services::context::ServiceContext;

const PROVEN: &str = "violation.public_query";
const REFUSED: &str = "violation.public_query_refused";
const THROTTLED: &str = "violation.public_query_throttled";
/// Misses on one plate from all addresses together, as a multiple of the per-address limit.
const PLATE_CAP_FACTOR: i64 = 10;

/// What the proof is for, kept in the audit entry.
#[derive(Debug, Clone, Copy)]
pub enum Purpose {
    Lookup,
    Objection,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::Lookup => "lookup",
            Purpose::Objection => "objection",
        }
    }
}

/// The registered vehicle of `plate` if `vin_tail` proves it; `NotFound` otherwise (the same
/// answer whether the plate is unknown or the tail wrong), `TooManyAttempts` while paused.
pub async fn prove_owner(
    ctx: &ServiceContext,
    meta: &RequestMeta,
    plate: &str,
    vin_tail: &str,
    purpose: Purpose,
) -> AppResult<Vehicle> {
    let key = query_key(plate).unwrap_or_default();
    let tail = vin_tail.trim().to_ascii_uppercase();
    if key.is_empty() || tail.len() != 6 || !tail.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(FieldError::new(
            "vin_tail",
            "give the plate and the last 6 characters of the vehicle identification number",
        )
        .into());
    }
    let now = ctx.clock.now();
    let security = &ctx.settings.security;
    let window = Duration::minutes(security.public_proof_window_minutes.max(1));
    let mut tx = ctx.store.begin().await?;
    // The number and the identification number together name one vehicle, whatever its
    // country and plate colour.
    let mut entries = registry::entries_for_number(&mut tx, &key).await?;
    let proven = entries
        .iter()
        .position(|v| v.vin.to_ascii_uppercase().ends_with(&tail));
    // ORG-02: the query concerns the unit that registered the vehicle, and only its readers
    // see it; a plate nobody registered concerns no unit (the installation's entries).
    let unit_id = entries
        .get(proven.unwrap_or(0))
        .and_then(|v| UnitPath::from_stored(v.unit_path.clone()).unit_id());
    let event = |action: &'static str| Event {
        action,
        object_type: "vehicle",
        object_id: key.clone(),
        unit_id,
        detail: json!({ "purpose": purpose.as_str() }),
    };
    if security.public_proof_max_failures > 0 {
        // Two parallel guesses must not both read the count below the limit.
        audit::serialize_on(&mut tx, &format!("public_proof:{key}")).await?;
        let since = now - window;
        let per_address = i64::from(security.public_proof_max_failures);
        let from_here =
            audit::count_recent(&mut tx, "vehicle", &key, REFUSED, since, Some(&meta.ip)).await?;
        let overall = if from_here >= per_address {
            from_here
        } else {
            audit::count_recent(&mut tx, "vehicle", &key, REFUSED, since, None).await?
        };
        if from_here >= per_address || overall >= per_address * PLATE_CAP_FACTOR {
            record(&mut tx, &Actor::of_public(meta), event(THROTTLED), now).await?;
            tx.commit().await?;
            return Err(AppError::TooManyAttempts(now + window));
        }
    }
    let vehicle = proven.map(|i| entries.swap_remove(i));
    let action = if vehicle.is_some() { PROVEN } else { REFUSED };
    record(&mut tx, &Actor::of_public(meta), event(action), now).await?;
    tx.commit().await?;
    vehicle.ok_or(AppError::NotFound(
        "vehicle with this plate and identification number",
    ))
}
