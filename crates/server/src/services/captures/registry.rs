//! The vehicle registry adapter: who owns a plate, and how to reach them (NOT-01, NOT-02f).
//!
//! A deployment connects the traffic-management system's registry here; the embedded default
//! and the demo keep their own table (`vehicles`). Everything else asks only this module.
//!
//! A plate is the country's, its number and its colour (which says the plate type: a blue and
//! a yellow 浙E12345 are two vehicles), so an owner is only ever looked up within the country
//! of the record that needs one.

use roadwarden_domain::capture::plate::PlateColour;
use roadwarden_store::violations::{self, Vehicle};
use roadwarden_store::Tx;

use crate::error::AppResult;

/// The registered owner of the plate (`country`, `plate_key`, `plate_colour`), if the registry
/// knows it. When the camera could not tell the colour, the number alone identifies the
/// vehicle only if one plate of that country carries it; otherwise nobody is named.
pub async fn owner_of(
    tx: &mut Tx,
    country: &str,
    plate_key: &str,
    plate_colour: &str,
) -> AppResult<Option<Vehicle>> {
    if plate_key.is_empty() {
        return Ok(None);
    }
    if plate_colour != PlateColour::Unknown.as_str() {
        return Ok(violations::vehicle_by_plate(tx, country, plate_key, plate_colour).await?);
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
