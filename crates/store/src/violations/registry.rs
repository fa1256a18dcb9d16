//! The vehicle registry of the embedded default: owners by country, plate number and colour.

use serde::Serialize;

use crate::{on, Result, Tx};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Vehicle {
    pub id: i64,
    pub plate_key: String,
    pub plate: String,
    pub plate_colour: String,
    pub country: String,
    pub vehicle_type: String,
    #[serde(skip)]
    pub vin: String,
    pub owner_name: String,
    pub owner_address: String,
    pub owner_phone: String,
    pub owner_email: String,
    pub division_code: String,
    /// The unit whose clerk recorded the entry; it and the units above may change it.
    #[serde(skip)]
    pub unit_path: String,
}

const VEHICLE_COLUMNS: &str = "id, plate_key, plate, plate_colour, country, vehicle_type, vin, \
    owner_name, owner_address, owner_phone, owner_email, division_code, unit_path";

/// Records or replaces the entry for the plate (`v.country`, `v.plate_key`, `v.plate_colour`:
/// the colour says the plate type, so one number may belong to two vehicles). An existing
/// entry is replaced only while it still belongs to `owner_unit_path` (what the caller checked
/// its scope against), so a concurrent change by another unit is never overwritten: `None`
/// then.
pub async fn upsert_vehicle(
    tx: &mut Tx,
    v: &Vehicle,
    owner_unit_path: &str,
) -> Result<Option<i64>> {
    let sql = "INSERT INTO vehicles (plate_key, plate, plate_colour, country, vehicle_type, vin, \
        owner_name, owner_address, owner_phone, owner_email, division_code, unit_path) \
        VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12) \
        ON CONFLICT (country, plate_key, plate_colour) DO UPDATE SET \
        plate = excluded.plate, vehicle_type = excluded.vehicle_type, vin = excluded.vin, \
        owner_name = excluded.owner_name, owner_address = excluded.owner_address, \
        owner_phone = excluded.owner_phone, owner_email = excluded.owner_email, \
        division_code = excluded.division_code, unit_path = excluded.unit_path \
        WHERE vehicles.unit_path = $13 RETURNING id";
    Ok(on!(tx, c => sqlx::query_scalar(sql)
        .bind(&v.plate_key).bind(&v.plate).bind(&v.plate_colour).bind(&v.country)
        .bind(&v.vehicle_type).bind(&v.vin).bind(&v.owner_name).bind(&v.owner_address)
        .bind(&v.owner_phone).bind(&v.owner_email).bind(&v.division_code).bind(&v.unit_path)
        .bind(owner_unit_path).fetch_optional(c).await?))
}

/// The entry for exactly this plate: country, number and colour.
pub async fn vehicle_by_plate(
    tx: &mut Tx,
    country: &str,
    plate_key: &str,
    plate_colour: &str,
) -> Result<Option<Vehicle>> {
    let sql = format!(
        "SELECT {VEHICLE_COLUMNS} FROM vehicles \
         WHERE country = $1 AND plate_key = $2 AND plate_colour = $3"
    );
    Ok(
        on!(tx, c => sqlx::query_as(&sql).bind(country).bind(plate_key).bind(plate_colour)
        .fetch_optional(c).await?),
    )
}

/// Every entry carrying this number, of any colour (and, without `country`, of any country);
/// a handful at most, oldest first.
pub async fn vehicles_by_number(
    tx: &mut Tx,
    country: Option<&str>,
    plate_key: &str,
) -> Result<Vec<Vehicle>> {
    let sql = format!(
        "SELECT {VEHICLE_COLUMNS} FROM vehicles WHERE plate_key = $1 {} ORDER BY id LIMIT 16",
        if country.is_some() {
            "AND country = $2"
        } else {
            ""
        }
    );
    Ok(on!(tx, c => {
        let q = sqlx::query_as(&sql).bind(plate_key);
        match country {
            Some(country) => q.bind(country),
            None => q,
        }
        .fetch_all(c)
        .await?
    }))
}

pub async fn vehicle(tx: &mut Tx, id: i64) -> Result<Option<Vehicle>> {
    let sql = format!("SELECT {VEHICLE_COLUMNS} FROM vehicles WHERE id = $1");
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(id).fetch_optional(c).await?))
}
