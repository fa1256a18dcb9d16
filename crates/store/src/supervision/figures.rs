//! SUP-02: the figures the monthly analysis reads, for the devices in use under a unit. Each
//! kind of figure is counted per device and UTC hour (captures from the hour groups kept by
//! migration 0035, the rarer kinds by one grouped query over the window); the
//! caller turns hours into the device's local days (and hours of the day). Each read covers a
//! [`Window`]: a range of device ids (the caller reads a few dozen devices at a time, so a
//! province of a thousand devices over a year never comes back as one result) and at most
//! `limit` rows.

use chrono::{DateTime, Duration, DurationRound, NaiveDateTime, Utc};
use roadwarden_domain::org::Country;
use roadwarden_domain::DeviceId;
use serde::Serialize;

use crate::{on, path_range, Backend, Result, Tx};

/// A device the analysis looks at.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AnalysedDevice {
    pub id: i64,
    pub number: String,
    pub unit_id: i64,
    pub unit_path: String,
    pub time_zone: String,
    #[sqlx(try_from = "String")]
    pub country: Country,
    /// When the device was last heard from (any authenticated push), if ever.
    pub last_seen_at: Option<DateTime<Utc>>,
}

/// Devices that capture (in use, on trial, or in use with the yearly evaluation due) managed
/// in `scope`, at most `limit`.
pub async fn devices_in_use(tx: &mut Tx, scope: &str, limit: i64) -> Result<Vec<AnalysedDevice>> {
    let (low, high) = path_range(scope);
    let sql =
        "SELECT d.id, d.number, d.unit_id, d.unit_path, u.time_zone, u.country, p.last_seen_at \
        FROM devices d JOIN units u ON u.id = d.unit_id \
        LEFT JOIN device_presence p ON p.device_id = d.id WHERE d.unit_path >= $1 AND d.unit_path < $2 \
        AND d.state IN ('in_use', 'trial', 'evaluation_due') ORDER BY d.id LIMIT $3";
    Ok(on!(tx, c => sqlx::query_as(sql).bind(&low).bind(&high).bind(limit).fetch_all(c).await?))
}

/// What one read covers: the devices managed in `scope` whose ids lie in `devices` (both ends
/// included), over `[from, to)`, at most `limit` grouped rows.
#[derive(Debug, Clone, Copy)]
pub struct Window<'a> {
    pub scope: &'a str,
    pub devices: (i64, i64),
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub limit: i64,
}

/// One group of captures: a device's captures in one UTC hour with one state and reason.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CaptureHour {
    pub device_id: i64,
    pub hour: String,
    pub state: String,
    pub reason: String,
    pub n: i64,
    /// Without an identifiable plate.
    pub unidentified: i64,
    /// Seen by a second reviewer (a first reviewer is recorded).
    pub second: i64,
}

impl CaptureHour {
    pub fn device(&self) -> DeviceId {
        DeviceId(self.device_id)
    }
}

/// The hour a timestamp column falls in, as `YYYY-MM-DDTHH` in UTC, on either backend.
fn hour_of(backend: Backend, column: &str) -> String {
    match backend {
        // SQLite keeps RFC 3339 text in UTC: the first 13 characters are the hour.
        Backend::Sqlite => format!("substr({column}, 1, 13)"),
        Backend::Postgres => format!("to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24')"),
    }
}

/// The same hour for a query that groups a great many rows: the expression to group by, and
/// the one to select (computed per group). On PostgreSQL truncating a timestamp is about a
/// third cheaper than formatting it, so the text is made once per group, not once per row.
fn hour_grouped(backend: Backend, column: &str) -> (String, String) {
    match backend {
        Backend::Sqlite => (hour_of(backend, column), hour_of(backend, column)),
        Backend::Postgres => {
            let group = format!("date_trunc('hour', {column} AT TIME ZONE 'UTC')");
            let select = format!("to_char({group}, 'YYYY-MM-DD\"T\"HH24')");
            (group, select)
        }
    }
}

/// Reads a `YYYY-MM-DDTHH` hour back.
pub fn parse_hour(raw: &str) -> Option<DateTime<Utc>> {
    NaiveDateTime::parse_from_str(&format!("{raw}:00:00"), "%Y-%m-%dT%H:%M:%S")
        .ok()
        .map(|t| t.and_utc())
}

/// Captures of the devices managed in `scope`, taken in `[from, to)`: the whole hours from
/// the groups migration 0035's triggers keep, and the part of an hour at either end that is
/// not whole, grouped from the captures themselves, in no particular order.
pub async fn capture_hours(tx: &mut Tx, w: Window<'_>) -> Result<Vec<CaptureHour>> {
    let first_whole = w.from.duration_trunc(Duration::hours(1)).unwrap_or(w.from);
    let first_whole = if first_whole < w.from {
        first_whole + Duration::hours(1)
    } else {
        first_whole
    };
    let end_whole = w.to.duration_trunc(Duration::hours(1)).unwrap_or(w.to);
    if first_whole >= end_whole {
        return capture_hours_recounted(tx, w).await;
    }
    let mut rows = Vec::new();
    if w.from < first_whole {
        rows.extend(
            capture_hours_recounted(
                tx,
                Window {
                    to: first_whole,
                    ..w
                },
            )
            .await?,
        );
    }
    let (low, high) = path_range(w.scope);
    let sql = "SELECT g.device_id, g.hour, g.state, g.reason, g.n, g.unidentified, g.second \
        FROM capture_hour_groups g JOIN devices d ON d.id = g.device_id \
        WHERE d.unit_path >= $1 AND d.unit_path < $2 AND g.hour >= $3 AND g.hour < $4 \
        AND g.device_id >= $6 AND g.device_id <= $7 LIMIT $5";
    let kept: Vec<CaptureHour> = on!(tx, c => sqlx::query_as(sql)
        .bind(&low).bind(&high).bind(hour_key(first_whole)).bind(hour_key(end_whole))
        .bind(w.limit).bind(w.devices.0).bind(w.devices.1).fetch_all(c).await?);
    rows.extend(kept);
    if end_whole < w.to {
        rows.extend(
            capture_hours_recounted(
                tx,
                Window {
                    from: end_whole,
                    ..w
                },
            )
            .await?,
        );
    }
    rows.truncate(usize::try_from(w.limit.max(0)).unwrap_or(usize::MAX));
    Ok(rows)
}

/// The hour `t` falls in as the kept groups name it (`YYYY-MM-DDTHH`, UTC).
fn hour_key(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H").to_string()
}

/// The same groups as [`capture_hours`], counted capture by capture: the reference the kept
/// groups are checked against, and the reader of hours that are not whole.
pub async fn capture_hours_recounted(tx: &mut Tx, w: Window<'_>) -> Result<Vec<CaptureHour>> {
    let (low, high) = path_range(w.scope);
    let (group, hour) = hour_grouped(tx.backend(), "c.captured_at");
    let sql = format!(
        "SELECT c.device_id, {hour} AS hour, c.state, COALESCE(c.reject_reason, '') AS reason, \
         COUNT(*) AS n, SUM(CASE WHEN c.plate = '' THEN 1 ELSE 0 END) AS unidentified, \
         SUM(CASE WHEN c.first_reviewer IS NOT NULL THEN 1 ELSE 0 END) AS second \
         FROM captures c JOIN devices d ON d.id = c.device_id \
         WHERE d.unit_path >= $1 AND d.unit_path < $2 AND c.captured_at >= $3 \
         AND c.captured_at < $4 AND c.device_id >= $6 AND c.device_id <= $7 \
         GROUP BY c.device_id, {group}, c.state, COALESCE(c.reject_reason, '') \
         ORDER BY 1, 2 LIMIT $5"
    );
    Ok(on!(tx, c => sqlx::query_as(&sql)
        .bind(&low).bind(&high).bind(w.from).bind(w.to).bind(w.limit)
        .bind(w.devices.0).bind(w.devices.1).fetch_all(c).await?))
}

/// Objections against records of one device, lodged in one UTC hour.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ObjectionHour {
    pub device_id: i64,
    pub hour: String,
    pub filed: i64,
    pub upheld: i64,
}

/// `CROSS JOIN` makes SQLite start at the period's objections (far fewer than captures) instead
/// of walking every capture of the devices through the per-device index; PostgreSQL plans it
/// as the inner join it is.
pub async fn objection_hours(tx: &mut Tx, w: Window<'_>) -> Result<Vec<ObjectionHour>> {
    let (low, high) = path_range(w.scope);
    let hour = hour_of(tx.backend(), "o.received_at");
    let sql = format!(
        "SELECT c.device_id, {hour} AS hour, COUNT(*) AS filed, \
         SUM(CASE WHEN o.state = 'upheld' THEN 1 ELSE 0 END) AS upheld \
         FROM objections o CROSS JOIN violations v CROSS JOIN captures c CROSS JOIN devices d \
         WHERE v.id = o.violation_id AND c.id = v.capture_id AND d.id = c.device_id \
         AND d.unit_path >= $1 AND d.unit_path < $2 AND o.received_at >= $3 \
         AND o.received_at < $4 AND c.device_id >= $6 AND c.device_id <= $7 \
         GROUP BY 1, 2 ORDER BY 1, 2 LIMIT $5"
    );
    Ok(on!(tx, c => sqlx::query_as(&sql)
        .bind(&low).bind(&high).bind(w.from).bind(w.to).bind(w.limit)
        .bind(w.devices.0).bind(w.devices.1).fetch_all(c).await?))
}

/// Complaints against one device, registered in one UTC hour (AUD-09 feeds SUP-02).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ComplaintHour {
    pub device_id: i64,
    pub hour: String,
    pub n: i64,
}

pub async fn complaint_hours(tx: &mut Tx, w: Window<'_>) -> Result<Vec<ComplaintHour>> {
    let (low, high) = path_range(w.scope);
    let hour = hour_of(tx.backend(), "k.registered_at");
    let sql = format!(
        "SELECT k.device_id, {hour} AS hour, COUNT(*) AS n FROM complaints k \
         JOIN devices d ON d.id = k.device_id \
         WHERE d.unit_path >= $1 AND d.unit_path < $2 AND k.registered_at >= $3 \
         AND k.registered_at < $4 AND k.device_id >= $6 AND k.device_id <= $7 \
         GROUP BY 1, 2 ORDER BY 1, 2 LIMIT $5"
    );
    Ok(on!(tx, c => sqlx::query_as(&sql)
        .bind(&low).bind(&high).bind(w.from).bind(w.to).bind(w.limit)
        .bind(w.devices.0).bind(w.devices.1).fetch_all(c).await?))
}

/// The flagged captures of one device in one UTC hour: uploaded late (CAP-02), and the device
/// clock's largest difference either way (seconds; positive when it runs ahead).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FlagHour {
    pub device_id: i64,
    pub hour: String,
    pub late: i64,
    pub drift_max: Option<i64>,
    pub drift_min: Option<i64>,
}

/// The clock-drift seconds of one capture's flags (JSON), NULL without that flag.
fn drift_of(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => {
            "(SELECT json_extract(j.value, '$.seconds') FROM json_each(c.flags) j \
             WHERE json_extract(j.value, '$.flag') = 'clock_drift' LIMIT 1)"
        }
        Backend::Postgres => {
            "(SELECT (j->>'seconds')::bigint FROM jsonb_array_elements(c.flags::jsonb) j \
             WHERE j->>'flag' = 'clock_drift' LIMIT 1)"
        }
    }
}

/// Late uploads and clock drift of the devices managed in `scope`, captured in `[from, to)`:
/// only captures that carry one of the two flags are read.
pub async fn flag_hours(tx: &mut Tx, w: Window<'_>) -> Result<Vec<FlagHour>> {
    let (low, high) = path_range(w.scope);
    let hour = hour_of(tx.backend(), "c.captured_at");
    let drift = drift_of(tx.backend());
    let sql = format!(
        "SELECT f.device_id, f.hour, SUM(f.late) AS late, MAX(f.drift) AS drift_max, \
         MIN(f.drift) AS drift_min FROM ( \
           SELECT c.device_id, {hour} AS hour, \
             CASE WHEN c.flags LIKE '%\"late_upload\"%' THEN 1 ELSE 0 END AS late, \
             {drift} AS drift \
           FROM captures c JOIN devices d ON d.id = c.device_id \
           WHERE d.unit_path >= $1 AND d.unit_path < $2 AND c.captured_at >= $3 \
           AND c.captured_at < $4 AND c.device_id >= $6 AND c.device_id <= $7 \
           AND (c.flags LIKE '%\"late_upload\"%' OR c.flags LIKE '%\"clock_drift\"%') \
         ) f GROUP BY f.device_id, f.hour ORDER BY 1, 2 LIMIT $5"
    );
    Ok(on!(tx, c => sqlx::query_as(&sql)
        .bind(&low).bind(&high).bind(w.from).bind(w.to).bind(w.limit)
        .bind(w.devices.0).bind(w.devices.1).fetch_all(c).await?))
}

/// The longest silence of one device that ended in one UTC hour, in whole hours.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SilenceHour {
    pub device_id: i64,
    pub hour: String,
    pub hours: i64,
}

/// Silences of the devices managed in `scope` that ended in `[from, to)`.
pub async fn silence_hours(tx: &mut Tx, w: Window<'_>) -> Result<Vec<SilenceHour>> {
    let (low, high) = path_range(w.scope);
    let hour = hour_of(tx.backend(), "s.ended_at");
    let sql = format!(
        "SELECT s.device_id, {hour} AS hour, MAX(s.hours) AS hours FROM device_silences s \
         WHERE s.unit_path >= $1 AND s.unit_path < $2 AND s.ended_at >= $3 AND s.ended_at < $4 \
         AND s.device_id >= $6 AND s.device_id <= $7 GROUP BY 1, 2 ORDER BY 1, 2 LIMIT $5"
    );
    Ok(on!(tx, c => sqlx::query_as(&sql)
        .bind(&low).bind(&high).bind(w.from).bind(w.to).bind(w.limit)
        .bind(w.devices.0).bind(w.devices.1).fetch_all(c).await?))
}
