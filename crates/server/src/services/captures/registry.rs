//! The vehicle registry adapter: who owns a plate, and how to reach them (NOT-01, NOT-02f).
//!
//! A deployment connects the traffic-management system's registry here; the embedded default
//! and the demo keep their own table (`vehicles`). Everything else asks only this module.
//!
//! A plate is the country's, its number and its colour (which says the plate type: a blue and
//! a yellow 浙E12345 are two vehicles), so an owner is only ever looked up within the country
//! of the record that needs one.

use roadwarden_domain::capture::plate::{plate_key, read_plate, PlateColour, PlateReading};
use roadwarden_domain::codes::Code;
use roadwarden_domain::device::text;
use roadwarden_domain::org::{Country, UnitPath};
use roadwarden_domain::FieldError;
use roadwarden_store::violations::{self, Vehicle};
use roadwarden_store::{units, Tx};
use serde::Deserialize;
use serde_json::json;

use crate::auth::Principal;
use crate::context::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::services::audit::{record, Actor, Event};
use crate::services::context::ServiceContext;

/// The registered owner of the plate (`country`, `plate_key`, `plate_colour`), if the registry
/// knows it. When the camera could not tell the colour, the number alone identifies the
/// vehicle only if one plate of that country carries it; otherwise nobody is named.
pub async fn owner_of(
    tx: &mut Tx,
    country: Country,
    plate_key: &str,
    plate_colour: PlateColour,
) -> AppResult<Option<Vehicle>> {
    if plate_key.is_empty() {
        return Ok(None);
    }
    let country = country.code();
    if plate_colour != PlateColour::Unknown {
        return Ok(
            violations::vehicle_by_plate(tx, country, plate_key, plate_colour.as_str()).await?,
        );
    }
    let mut same_number = violations::vehicles_by_number(tx, Some(country), plate_key).await?;
    Ok(if same_number.len() == 1 {
        same_number.pop()
    } else {
        None
    })
}

/// The entries of every country and colour carrying this number: for a citizen's proof of
/// ownership, which names the vehicle by number and identification number only.
pub async fn entries_for_number(tx: &mut Tx, plate_key: &str) -> AppResult<Vec<Vehicle>> {
    if plate_key.is_empty() {
        return Ok(Vec::new());
    }
    Ok(violations::vehicles_by_number(tx, None, plate_key).await?)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VehicleInput {
    pub plate: String,
    #[serde(default)]
    pub plate_colour: String,
    /// CN or VN.
    pub country: String,
    #[serde(default)]
    pub vehicle_type: String,
    pub vin: String,
    pub owner_name: String,
    #[serde(default)]
    pub owner_address: String,
    #[serde(default)]
    pub owner_phone: String,
    #[serde(default)]
    pub owner_email: String,
    #[serde(default)]
    pub division_code: String,
}

/// The embedded registry (for deployments without a registry connection, and the demo): a
/// notice clerk records or corrects an owner. Returns the entry's id and its plate.
pub async fn record_owner(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    input: &VehicleInput,
) -> AppResult<(i64, String)> {
    let mut v = vehicle_of(input)?;
    v.unit_path = p.scope().as_str().to_owned();
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    // A plate is its country's: only that country's police record its owner (issue 12 item 2:
    // a foreign unit could take a plate over and have its notices name the wrong person).
    let own_country = units::get(&mut tx, p.user.unit_id)
        .await?
        .map(|u| u.country.code());
    if own_country != Some(v.country.as_str()) {
        return Err(AppError::forbidden(
            Code::VehicleOtherCountry,
            "this plate is another country's; only that country's police record its owner",
        ));
    }
    // ORG-02: an entry recorded by another unit is changed there (or above), never from a
    // sibling, so nobody can redirect another unit's owner notices. An entry no unit owns (from
    // before entries had one, and used by no record) is changed only by a top-level unit.
    let before =
        violations::vehicle_by_plate(&mut tx, &v.country, &v.plate_key, &v.plate_colour).await?;
    if let Some(b) = &before {
        let allowed = if b.unit_path.is_empty() {
            p.scope().depth() == 1
        } else {
            p.scope()
                .covers(&UnitPath::from_stored(b.unit_path.clone()))
        };
        if !allowed {
            return Err(AppError::forbidden(
                Code::VehicleOtherUnit,
                "this vehicle was recorded by another unit; that unit or one above it may change it",
            ));
        }
        // An upper unit's change leaves the entry with the unit that recorded it.
        if !b.unit_path.is_empty() {
            v.unit_path.clone_from(&b.unit_path);
        }
    }
    let owner = before
        .as_ref()
        .map_or(v.unit_path.as_str(), |b| b.unit_path.as_str())
        .to_owned();
    let Some(id) = violations::upsert_vehicle(&mut tx, &v, &owner).await? else {
        // Another unit recorded the plate between the read and the write.
        return Err(AppError::Conflict {
            field: "plate".into(),
        });
    };
    record(
        &mut tx,
        &Actor::user(p, meta),
        Event {
            action: if before.is_some() {
                "vehicle.update"
            } else {
                "vehicle.create"
            },
            object_type: "vehicle",
            object_id: id.to_string(),
            unit_id: Some(p.user.unit_id),
            detail: json!({ "plate": v.plate, "changed": changed_fields(before.as_ref(), &v) }),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok((id, v.plate))
}

/// The registry fields a change touches (their names only: the values are personal data).
/// The registry fields a change touches (their names only: the values are personal data).
fn changed_fields(before: Option<&Vehicle>, after: &Vehicle) -> Vec<&'static str> {
    let Some(b) = before else {
        return Vec::new();
    };
    [
        ("plate", b.plate == after.plate),
        ("plate_colour", b.plate_colour == after.plate_colour),
        ("country", b.country == after.country),
        ("vehicle_type", b.vehicle_type == after.vehicle_type),
        ("vin", b.vin == after.vin),
        ("owner_name", b.owner_name == after.owner_name),
        ("owner_address", b.owner_address == after.owner_address),
        ("owner_phone", b.owner_phone == after.owner_phone),
        ("owner_email", b.owner_email == after.owner_email),
        ("division_code", b.division_code == after.division_code),
    ]
    .into_iter()
    .filter_map(|(name, same)| (!same).then_some(name))
    .collect()
}

/// Validates a registry entry (also used by the demo seed).
pub fn vehicle_of(input: &VehicleInput) -> AppResult<Vehicle> {
    let country = match input.country.trim() {
        "CN" => Country::China,
        "VN" => Country::Vietnam,
        _ => return Err(FieldError::new("country", "must be CN or VN").into()),
    };
    let colour = PlateColour::parse(&input.plate_colour)?;
    // The colour is part of the plate (it says the plate type): a registry entry names it.
    if colour == PlateColour::Unknown {
        return Err(FieldError::new("plate_colour", "give the plate's colour").into());
    }
    let PlateReading::Read(plate) = read_plate(country, &input.plate, colour)? else {
        return Err(FieldError::new("plate", "is required").into());
    };
    let vin = input.vin.trim().to_ascii_uppercase();
    if vin.len() != 17 || !vin.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(
            FieldError::new("vin", "must be the 17-character identification number").into(),
        );
    }
    let email = text("owner_email", &input.owner_email, 254, false)?;
    if !email.is_empty() && !crate::services::captures::smtp::valid_address(&email) {
        return Err(FieldError::new("owner_email", "is not an e-mail address").into());
    }
    Ok(Vehicle {
        id: 0,
        plate_key: plate_key(&plate.number),
        plate: plate.number,
        plate_colour: plate.colour.as_str().to_owned(),
        country: country.code().to_owned(),
        vehicle_type: text("vehicle_type", &input.vehicle_type, 32, false)?,
        vin,
        owner_name: text("owner_name", &input.owner_name, 64, true)?,
        owner_address: text("owner_address", &input.owner_address, 300, false)?,
        owner_phone: text("owner_phone", &input.owner_phone, 32, false)?,
        owner_email: email,
        // NOT-02f matches it against unit codes, which run to 32 characters.
        division_code: text("division_code", &input.division_code, 32, false)?,
        unit_path: String::new(),
    })
}
