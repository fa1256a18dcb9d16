//! The vehicle registry adapter: who owns a plate, and how to reach them (NOT-01, NOT-02f).
//!
//! A deployment connects the traffic-management system's registry here; the embedded default
//! and the demo keep their own table (`vehicles`). Everything else asks only this module.

use roadwarden_store::violations::{self, Vehicle};
use roadwarden_store::Tx;

use crate::error::AppResult;

/// The registered owner of `plate_key`, if the registry knows it.
pub async fn owner_of(tx: &mut Tx, plate_key: &str) -> AppResult<Option<Vehicle>> {
    if plate_key.is_empty() {
        return Ok(None);
    }
    Ok(violations::vehicle_by_plate(tx, plate_key).await?)
}
