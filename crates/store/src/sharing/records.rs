//! The records an application's result file holds (DAT-02), read as the catalogue's fields
//! (STO-02), by the application's unit and span. A partner's query reads through
//! `narrowed.rs` instead.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use roadwarden_domain::rider::MatchState;
use roadwarden_domain::sharing::grant::{Record, Value};

use crate::{on, path_range, Result, Tx};

#[derive(sqlx::FromRow)]
pub(super) struct Row {
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

/// At most this many records (rider events for `riders`) go into one result file. The reads
/// below fetch one more, so that the caller can tell "exactly this many" from "more" and refuse
/// instead of handing over a cut-off file.
pub const MAX_READ: i64 = 10_000;

/// The violation records under `scope_path` that occurred in `[from, to)`, oldest first; none
/// when there are more than [`MAX_READ`].
pub async fn violations(
    tx: &mut Tx,
    scope_path: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Option<Vec<Record>>> {
    let (low, high) = path_range(scope_path);
    let sql = "SELECT v.id, v.unit_path, u.code AS unit_code, v.country, v.plate, v.plate_colour, \
        v.violation_code, v.occurred_at, v.place, v.fine_minor, v.points, v.state, v.driver_name, \
        h.owner_name, h.owner_phone \
        FROM violations v JOIN units u ON u.id = v.unit_id \
        LEFT JOIN vehicles h ON h.id = v.vehicle_id \
        WHERE v.unit_path >= $1 AND v.unit_path < $2 AND v.occurred_at >= $3 AND v.occurred_at < $4 \
        ORDER BY v.id LIMIT $5";
    let rows: Vec<Row> = on!(tx, c => sqlx::query_as(sql).bind(&low).bind(&high).bind(from)
        .bind(to).bind(MAX_READ + 1).fetch_all(c).await?);
    if rows.len() as i64 > MAX_READ {
        return Ok(None);
    }
    Ok(Some(rows.into_iter().map(record).collect()))
}

pub(super) fn text(s: Option<String>) -> Value {
    s.filter(|s| !s.is_empty()).map_or(Value::Null, Value::Text)
}

pub(super) fn record(r: Row) -> Record {
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

#[derive(sqlx::FromRow)]
struct RiderRow {
    id: i64,
    unit_path: String,
    name: String,
    id_number: Option<String>,
    village: String,
    unit_name: String,
    occurred_at: DateTime<Utc>,
    place: String,
    violation: String,
}

/// SHR-03: the confirmed rider files under `scope_path` with a confirmed violation in
/// `[from, to)`, one record each: name, ID number, the place and time of the latest violation
/// in the span, how many there were, and the village or community (the file's unit when none
/// is written). Provisional files (no ID number yet) and merged files are left out; the
/// record's category is the latest violation's kind. None when the span holds more than
/// [`MAX_READ`] events: never a file with some riders cut off.
pub async fn riders(
    tx: &mut Tx,
    scope_path: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Option<Vec<Record>>> {
    let (low, high) = path_range(scope_path);
    let sql = "SELECT p.id, p.unit_path, p.name, p.id_number, p.village, u.name AS unit_name, \
        e.occurred_at, e.place, e.violation \
        FROM rider_events e JOIN rider_persons p ON p.id = e.person_id \
        JOIN units u ON u.id = p.unit_id \
        WHERE p.unit_path >= $1 AND p.unit_path < $2 AND p.merged_into IS NULL \
        AND p.id_number IS NOT NULL AND e.match_state = $3 \
        AND e.occurred_at >= $4 AND e.occurred_at < $5 \
        ORDER BY p.id, e.occurred_at, e.id LIMIT $6";
    let rows: Vec<RiderRow> = on!(tx, c => sqlx::query_as(sql).bind(&low).bind(&high)
        .bind(MatchState::Matched.as_str()).bind(from).bind(to).bind(MAX_READ + 1)
        .fetch_all(c).await?);
    if rows.len() as i64 > MAX_READ {
        return Ok(None);
    }
    let mut out: Vec<Record> = Vec::new();
    for r in rows {
        let village = if r.village.trim().is_empty() {
            r.unit_name.clone()
        } else {
            r.village.clone()
        };
        match out.last_mut().filter(|last| last.id == r.id) {
            Some(last) => {
                // Rows come oldest first: the later one is the latest so far.
                let n = match last.values.get("violations") {
                    Some(Value::Int(n)) => *n,
                    _ => 0,
                };
                last.values.insert("violations", Value::Int(n + 1));
                last.values.insert("place", Value::Text(r.place));
                last.values.insert("date", Value::Time(r.occurred_at));
                last.at = r.occurred_at;
                last.category = r.violation;
            }
            None => {
                let mut values = BTreeMap::new();
                values.insert("name", text(Some(r.name)));
                values.insert("id_number", text(r.id_number));
                values.insert("place", Value::Text(r.place));
                values.insert("date", Value::Time(r.occurred_at));
                values.insert("violations", Value::Int(1));
                values.insert("village", Value::Text(village));
                out.push(Record {
                    id: r.id,
                    unit_path: r.unit_path,
                    at: r.occurred_at,
                    category: r.violation,
                    values,
                });
            }
        }
    }
    Ok(Some(out))
}
