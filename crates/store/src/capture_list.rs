//! The captures list (issue 14 item 5) as reviewers, unit heads and supervisors search it: by
//! plate, day range, device, unit and state, sorted by a fixed column per key, a page at a
//! time. One SQL body for both databases; every value is bound.

use chrono::{DateTime, Utc};
use roadwarden_domain::capture::plate::PlateColour;
use roadwarden_domain::capture::review::CaptureState;
use roadwarden_domain::org::UnitPath;
use serde::Serialize;

use crate::list::{Direction, Window, MAX_ROWS};
use crate::units::escape_like;
use crate::{on, path_range, Result, Tx};

/// One row of the list: the capture, its device's number and its unit's name.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct CaptureRow {
    pub id: i64,
    /// None for a public report (REV-05).
    pub device_number: Option<String>,
    pub unit_id: i64,
    pub unit_name: String,
    pub plate: String,
    #[sqlx(try_from = "String")]
    pub plate_colour: PlateColour,
    pub violation_code: String,
    pub place: String,
    pub captured_at: DateTime<Utc>,
    #[sqlx(try_from = "String")]
    pub state: CaptureState,
    pub review_due_at: Option<DateTime<Utc>>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub reject_reason: Option<String>,
}

const COLUMNS: &str = "c.id, d.number AS device_number, c.unit_id, u.name AS unit_name, c.plate, \
    c.plate_colour, c.violation_code, c.place, c.captured_at, c.state, c.review_due_at, \
    c.reviewed_at, c.reject_reason";

/// The columns the captures list sorts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaptureSort {
    Time,
    Plate,
    State,
    Device,
    Due,
}

impl CaptureSort {
    /// The names a request may use, in the order the page offers them.
    pub const KEYS: &'static [(&'static str, CaptureSort)] = &[
        ("time", CaptureSort::Time),
        ("plate", CaptureSort::Plate),
        ("state", CaptureSort::State),
        ("device", CaptureSort::Device),
        ("due", CaptureSort::Due),
    ];

    /// `ORDER BY` for this key: fixed text per key, ties broken newest first. A capture
    /// without a device or a deadline sorts last either way.
    fn order_by(self, d: Direction) -> String {
        let d = d.sql();
        match self {
            CaptureSort::Time => format!("c.captured_at {d}, c.id {d}"),
            CaptureSort::Plate => format!("c.plate_key {d}, c.captured_at DESC, c.id DESC"),
            CaptureSort::State => format!("c.state {d}, c.captured_at DESC, c.id DESC"),
            CaptureSort::Device => format!(
                "CASE WHEN d.number IS NULL THEN 1 ELSE 0 END, d.number {d}, c.captured_at DESC, c.id DESC"
            ),
            CaptureSort::Due => format!(
                "CASE WHEN c.review_due_at IS NULL THEN 1 ELSE 0 END, c.review_due_at {d}, c.id {d}"
            ),
        }
    }
}

/// What the captures list asks for.
#[derive(Debug, Clone, Default)]
pub struct CaptureFilter {
    pub state: Option<CaptureState>,
    /// Part of a plate, as a plate key.
    pub plate: Option<String>,
    /// A device's number, exactly.
    pub device: Option<String>,
    /// Captured at or after.
    pub from: Option<DateTime<Utc>>,
    /// Captured before.
    pub until: Option<DateTime<Utc>>,
    /// A unit inside the scope: its captures and those of the units below it.
    pub unit: Option<UnitPath>,
}

/// A page of the captures under `scope` (ORG-02) that match `filter`, and how many match,
/// counted up to one past [`MAX_ROWS`].
pub async fn page(
    tx: &mut Tx,
    scope: &UnitPath,
    filter: &CaptureFilter,
    sort: CaptureSort,
    direction: Direction,
    window: Window,
) -> Result<(Vec<CaptureRow>, i64)> {
    // ORG-02: a unit outside the scope narrows nothing; the scope still holds.
    let narrowed = match &filter.unit {
        Some(u) if scope.covers(u) => u,
        _ => scope,
    };
    let (low, high) = path_range(narrowed.as_str());
    let plate = filter
        .plate
        .as_deref()
        .filter(|p| !p.is_empty())
        .map(|p| format!("%{}%", escape_like(p)))
        .unwrap_or_default();
    let device = filter.device.clone().unwrap_or_default();
    let from = filter.from.unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
    let until = filter.until.unwrap_or_else(far_future);
    let condition = "c.unit_path >= $1 AND c.unit_path < $2 AND ($3 = '' OR c.state = $3) \
         AND ($4 = '' OR c.plate_key LIKE $4 ESCAPE '\\') AND ($5 = '' OR d.number = $5) \
         AND c.captured_at >= $6 AND c.captured_at < $7";
    let from_sql = "FROM captures c LEFT JOIN devices d ON d.id = c.device_id \
        JOIN units u ON u.id = c.unit_id";
    let list_sql = format!(
        "SELECT {COLUMNS} {from_sql} WHERE {condition} ORDER BY {} LIMIT $8 OFFSET $9",
        sort.order_by(direction)
    );
    let count_sql = format!(
        "SELECT COUNT(*) FROM (SELECT 1 {from_sql} WHERE {condition} LIMIT {}) capped",
        MAX_ROWS + 1
    );
    let state = filter.state.map_or("", CaptureState::as_str);
    let rows: Vec<CaptureRow> = on!(tx, c => sqlx::query_as(&list_sql)
        .bind(&low).bind(&high).bind(state).bind(&plate).bind(&device).bind(from).bind(until)
        .bind(window.limit).bind(window.offset)
        .fetch_all(&mut *c).await?);
    let total: i64 = on!(tx, c => sqlx::query_scalar(&count_sql)
        .bind(&low).bind(&high).bind(state).bind(&plate).bind(&device).bind(from).bind(until)
        .fetch_one(c).await?);
    Ok((rows, total))
}

/// An instant after every capture: the open end of a date range.
fn far_future() -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp(253_402_214_400, 0).unwrap_or(DateTime::<Utc>::MAX_UTC)
}
