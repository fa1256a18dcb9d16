//! The violation records a grant may cover, read as the catalogue's fields (STO-02) for the
//! one projection (SHR-02). The store narrows by the grant's unit and span only; categories,
//! the partner's conditions, order and fields are the projection's.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use roadwarden_domain::sharing::grant::{Record, Value};

use crate::{on, path_range, Result, Tx};

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    unit_path: String,
    unit_code: String,
    country: String,
    plate: String,
    plate_colour: String,
    violation_code: String,
    occurred_at: DateTime<Utc>,
    place: String,
    fine_minor: i64,
    points: i32,
    state: String,
    driver_name: String,
    owner_name: Option<String>,
    owner_phone: Option<String>,
}

/// At most this many records are read for one call.
pub const MAX_READ: i64 = 10_000;

/// The violation records under `scope_path` that occurred in `[from, to)`, oldest first.
pub async fn violations(
    tx: &mut Tx,
    scope_path: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<Record>> {
    let (low, high) = path_range(scope_path);
    let sql = "SELECT v.id, v.unit_path, u.code AS unit_code, v.country, v.plate, v.plate_colour, \
        v.violation_code, v.occurred_at, v.place, v.fine_minor, v.points, v.state, v.driver_name, \
        h.owner_name, h.owner_phone \
        FROM violations v JOIN units u ON u.id = v.unit_id \
        LEFT JOIN vehicles h ON h.id = v.vehicle_id \
        WHERE v.unit_path >= $1 AND v.unit_path < $2 AND v.occurred_at >= $3 AND v.occurred_at < $4 \
        ORDER BY v.id LIMIT $5";
    let rows: Vec<Row> = on!(tx, c => sqlx::query_as(sql).bind(&low).bind(&high).bind(from)
        .bind(to).bind(MAX_READ).fetch_all(c).await?);
    Ok(rows.into_iter().map(record).collect())
}

fn text(s: Option<String>) -> Value {
    s.filter(|s| !s.is_empty()).map_or(Value::Null, Value::Text)
}

fn record(r: Row) -> Record {
    let mut values = BTreeMap::new();
    values.insert("id", Value::Int(r.id));
    values.insert("unit_code", Value::Text(r.unit_code));
    values.insert("country", Value::Text(r.country));
    values.insert("plate", Value::Text(r.plate));
    values.insert("plate_colour", Value::Text(r.plate_colour));
    values.insert("violation_code", Value::Text(r.violation_code.clone()));
    values.insert("occurred_at", Value::Time(r.occurred_at));
    values.insert("place", Value::Text(r.place));
    values.insert("fine_minor", Value::Int(r.fine_minor));
    values.insert("points", Value::Int(i64::from(r.points)));
    values.insert("state", Value::Text(r.state));
    values.insert("driver_name", text(Some(r.driver_name)));
    values.insert("owner_name", text(r.owner_name));
    values.insert("owner_phone", text(r.owner_phone));
    Record {
        id: r.id,
        unit_path: r.unit_path,
        at: r.occurred_at,
        category: r.violation_code,
        values,
    }
}
