//! The footage list (BWC-11, issue 14 item 5): the evidence library searched by officer or
//! recorder, day range, unit, retention category, case and state, sorted by a fixed column
//! per key, a page at a time. One SQL body for both databases; every value is bound.

use chrono::{DateTime, Utc};
use roadwarden_domain::org::UnitPath;
use serde::Serialize;

use crate::list::{Direction, Window, MAX_ROWS};
use crate::units::escape_like;
use crate::{on, path_range, Result, Tx};

/// One row of the list: the file, who recorded it, on which recorder, in which unit.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct FootageRow {
    pub id: i64,
    /// video, audio or image.
    pub media_kind: String,
    pub mime: String,
    pub length: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub officer_id: i64,
    pub officer_name: String,
    pub recorder_number: Option<String>,
    pub activity: String,
    pub place: String,
    pub case_ref: String,
    pub restriction: String,
    pub started_at: DateTime<Utc>,
    pub ended_at: DateTime<Utc>,
    pub retention_category: String,
    pub purge_from: Option<DateTime<Utc>>,
    pub late_hand_in: bool,
    pub late_storage: bool,
    pub life_state: String,
}

const COLUMNS: &str = "e.id, e.media_kind, e.mime, e.length, e.unit_id, u.name AS unit_name, \
    e.officer_id, o.full_name AS officer_name, r.number AS recorder_number, e.activity, e.place, \
    e.case_ref, e.restriction, e.started_at, e.ended_at, e.retention_category, e.purge_from, \
    e.late_hand_in, e.late_storage, e.life_state";

/// The columns the footage list sorts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FootageSort {
    Time,
    Officer,
    Unit,
    Category,
}

impl FootageSort {
    /// The names a request may use, in the order the page offers them.
    pub const KEYS: &'static [(&'static str, FootageSort)] = &[
        ("time", FootageSort::Time),
        ("officer", FootageSort::Officer),
        ("unit", FootageSort::Unit),
        ("category", FootageSort::Category),
    ];

    /// `ORDER BY` for this key: fixed text per key, ties broken newest first.
    fn order_by(self, d: Direction) -> String {
        let d = d.sql();
        match self {
            FootageSort::Time => format!("e.started_at {d}, e.id {d}"),
            FootageSort::Officer => {
                format!("o.full_name {d}, e.started_at DESC, e.id DESC")
            }
            FootageSort::Unit => format!("u.name {d}, e.started_at DESC, e.id DESC"),
            FootageSort::Category => {
                format!("e.retention_category {d}, e.started_at DESC, e.id DESC")
            }
        }
    }
}

/// What the footage list asks for.
#[derive(Debug, Clone, Default)]
pub struct FootageFilter {
    /// Part of the officer's name or account, or of the recorder's number.
    pub search: Option<String>,
    pub officer_id: Option<i64>,
    /// A case reference, exactly.
    pub case_ref: Option<String>,
    /// A retention category (`general`, `case_evidence`, `long_term`, `legal_hold`).
    pub category: Option<String>,
    /// kept, purged or destroyed; None = kept.
    pub life_state: Option<String>,
    /// Recording started at or after.
    pub from: Option<DateTime<Utc>>,
    /// Recording started before.
    pub until: Option<DateTime<Utc>>,
    /// A unit inside the scope: its footage and that of the units below it.
    pub unit: Option<UnitPath>,
    /// Only these files (a selection); empty means any.
    pub ids: Vec<i64>,
}

/// A page of the footage under `scope` (ORG-02) that matches `filter`, and how many match,
/// counted up to one past [`MAX_ROWS`].
pub async fn page(
    tx: &mut Tx,
    scope: &UnitPath,
    filter: &FootageFilter,
    sort: FootageSort,
    direction: Direction,
    window: Window,
) -> Result<(Vec<FootageRow>, i64)> {
    // ORG-02: a unit outside the scope narrows nothing; the scope still holds.
    let narrowed = match &filter.unit {
        Some(u) if scope.covers(u) => u,
        _ => scope,
    };
    let (low, high) = path_range(narrowed.as_str());
    let search = filter
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| format!("%{}%", escape_like(&s.to_lowercase())))
        .unwrap_or_default();
    let state = filter.life_state.as_deref().unwrap_or("kept");
    let category = filter.category.as_deref().unwrap_or("");
    let case = filter.case_ref.as_deref().unwrap_or("");
    let officer = filter.officer_id.unwrap_or(0);
    let from = filter.from.unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
    let until = filter.until.unwrap_or_else(far_future);
    // Ids are numbers, written into the text only as numbers.
    let ids = if filter.ids.is_empty() {
        String::new()
    } else {
        let list: Vec<String> = filter.ids.iter().map(ToString::to_string).collect();
        format!(" AND e.id IN ({})", list.join(","))
    };
    let condition = format!(
        "e.unit_path >= $1 AND e.unit_path < $2 AND e.life_state = $3 \
         AND ($4 = '' OR LOWER(o.full_name) LIKE $4 ESCAPE '\\' \
              OR LOWER(o.username) LIKE $4 ESCAPE '\\' \
              OR LOWER(COALESCE(r.number, '')) LIKE $4 ESCAPE '\\') \
         AND ($5 = '' OR e.retention_category = $5) AND ($6 = '' OR e.case_ref = $6) \
         AND ($7 = 0 OR e.officer_id = $7) AND e.started_at >= $8 AND e.started_at < $9{ids}"
    );
    let from_sql = "FROM evidence e JOIN users o ON o.id = e.officer_id \
        JOIN units u ON u.id = e.unit_id LEFT JOIN recorders r ON r.id = e.recorder_id";
    let list_sql = format!(
        "SELECT {COLUMNS} {from_sql} WHERE {condition} ORDER BY {} LIMIT $10 OFFSET $11",
        sort.order_by(direction)
    );
    let count_sql = format!(
        "SELECT COUNT(*) FROM (SELECT 1 {from_sql} WHERE {condition} LIMIT {}) capped",
        MAX_ROWS + 1
    );
    let rows: Vec<FootageRow> = on!(tx, c => sqlx::query_as(&list_sql)
        .bind(&low).bind(&high).bind(state).bind(&search).bind(category).bind(case)
        .bind(officer).bind(from).bind(until).bind(window.limit).bind(window.offset)
        .fetch_all(&mut *c).await?);
    let total: i64 = on!(tx, c => sqlx::query_scalar(&count_sql)
        .bind(&low).bind(&high).bind(state).bind(&search).bind(category).bind(case)
        .bind(officer).bind(from).bind(until)
        .fetch_one(c).await?);
    Ok((rows, total))
}

/// An instant after every recording: the open end of a date range.
fn far_future() -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp(253_402_214_400, 0).unwrap_or(DateTime::<Utc>::MAX_UTC)
}
