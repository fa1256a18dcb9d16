//! The scoped, filtered device lists (ORG-02): the registry page, the map, the public notice
//! list and the walks of every device under a unit.

use roadwarden_domain::device::{DeviceKind, DeviceState};
use roadwarden_domain::org::UnitPath;
use serde::Serialize;

use super::row::{DeviceRow, SELECT};
use super::Device;
use crate::list::{Direction, Window};
use crate::units::escape_like;
use crate::{on, path_range, Result, Tx};

/// Filters for device lists; every list is scoped to a subtree (ORG-02).
#[derive(Debug, Clone, Default)]
pub struct DeviceFilter {
    pub states: Vec<DeviceState>,
    pub kind: Option<DeviceKind>,
    /// A unit inside the scope: only devices managed at or below it.
    pub unit: Option<UnitPath>,
    pub search: Option<String>,
    pub maintainer: Option<String>,
}

enum Arg {
    Text(String),
}

/// Builds `WHERE …` for a scope and filter, with numbered parameters in `args`.
fn where_clause(scope: &UnitPath, filter: &DeviceFilter, args: &mut Vec<Arg>) -> String {
    let push = |args: &mut Vec<Arg>, v: String| {
        args.push(Arg::Text(v));
        format!("${}", args.len())
    };
    let narrowed = match &filter.unit {
        Some(u) if scope.covers(u) => u,
        _ => scope,
    };
    let (low, high) = path_range(narrowed.as_str());
    let mut parts = vec![
        format!("d.unit_path >= {}", push(args, low)),
        format!("d.unit_path < {}", push(args, high)),
    ];
    match filter.states.as_slice() {
        [] => {}
        [one] => parts.push(format!("d.state = {}", push(args, one.as_str().into()))),
        many => {
            let list: Vec<String> = many.iter().map(|s| push(args, s.as_str().into())).collect();
            parts.push(format!("d.state IN ({})", list.join(", ")));
        }
    }
    if let Some(kind) = filter.kind {
        parts.push(format!("d.kind = {}", push(args, kind.as_str().into())));
    }
    if let Some(m) = filter.maintainer.as_deref().filter(|m| !m.is_empty()) {
        parts.push(format!("d.maintainer = {}", push(args, m.to_owned())));
    }
    if let Some(s) = filter
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        // Lower-cased on both sides: LIKE is case-blind on SQLite but not on PostgreSQL.
        let p = push(args, format!("%{}%", escape_like(&s.to_lowercase())));
        parts.push(format!(
            "(LOWER(d.number) LIKE {p} ESCAPE '\\' OR LOWER(d.name) LIKE {p} ESCAPE '\\' OR LOWER(d.road) LIKE {p} ESCAPE '\\')"
        ));
    }
    parts.join(" AND ")
}

macro_rules! bind_args {
    ($q:expr, $args:expr) => {{
        let mut q = $q;
        for a in $args {
            q = match a {
                Arg::Text(s) => q.bind(s.as_str()),
            };
        }
        q
    }};
}

/// Totals above this are reported as "more than" ([`list`] returns `TOTAL_CAP + 1`).
pub const TOTAL_CAP: i64 = 10_000;

/// A page of devices under `scope` in unit-then-number order, and (when asked) the total,
/// exact up to [`TOTAL_CAP`] and `TOTAL_CAP + 1` beyond it.
pub async fn list(
    tx: &mut Tx,
    scope: &UnitPath,
    filter: &DeviceFilter,
    limit: i64,
    offset: i64,
    with_total: bool,
) -> Result<(Vec<Device>, Option<i64>)> {
    let mut args = Vec::new();
    let cond = where_clause(scope, filter, &mut args);
    let sql = format!(
        "{SELECT} WHERE {cond} ORDER BY d.unit_path, d.number LIMIT {} OFFSET {}",
        limit.clamp(1, i64::from(i32::MAX)),
        offset.max(0)
    );
    let rows: Vec<DeviceRow> =
        on!(tx, c => bind_args!(sqlx::query_as(&sql), &args).fetch_all(&mut *c).await?);
    let total = if with_total {
        // Counted up to one past TOTAL_CAP: a page of a very large scope does not pay for
        // counting every device in it (on PostgreSQL that is a heap scan after each update).
        let count_sql = format!(
            "SELECT COUNT(*) FROM (SELECT 1 FROM devices d WHERE {cond} LIMIT {}) capped",
            TOTAL_CAP + 1
        );
        Some(on!(tx, c => bind_args!(sqlx::query_scalar(&count_sql), &args).fetch_one(c).await?))
    } else {
        None
    };
    let devices = rows
        .into_iter()
        .map(Device::try_from)
        .collect::<Result<_>>()?;
    Ok((devices, total))
}

/// The columns the device list sorts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceSort {
    /// The managing unit, then the number (the registry's own order).
    Unit,
    Number,
    Name,
    State,
}

impl DeviceSort {
    /// The names a request may use.
    pub const KEYS: &'static [(&'static str, DeviceSort)] = &[
        ("unit", DeviceSort::Unit),
        ("number", DeviceSort::Number),
        ("name", DeviceSort::Name),
        ("state", DeviceSort::State),
    ];

    fn order_by(self, d: Direction) -> String {
        let d = d.sql();
        match self {
            DeviceSort::Unit => format!("d.unit_path {d}, d.number {d}"),
            DeviceSort::Number => format!("d.number {d}"),
            DeviceSort::Name => format!("d.name {d}, d.number"),
            DeviceSort::State => format!("d.state {d}, d.unit_path, d.number"),
        }
    }
}

/// [`list`] sorted by `sort`, with the total counted up to one past [`TOTAL_CAP`].
pub async fn page(
    tx: &mut Tx,
    scope: &UnitPath,
    filter: &DeviceFilter,
    sort: DeviceSort,
    direction: Direction,
    window: Window,
) -> Result<(Vec<Device>, i64)> {
    let mut args = Vec::new();
    let cond = where_clause(scope, filter, &mut args);
    let sql = format!(
        "{SELECT} WHERE {cond} ORDER BY {} LIMIT {} OFFSET {}",
        sort.order_by(direction),
        window.limit,
        window.offset
    );
    let rows: Vec<DeviceRow> =
        on!(tx, c => bind_args!(sqlx::query_as(&sql), &args).fetch_all(&mut *c).await?);
    let count_sql = format!(
        "SELECT COUNT(*) FROM (SELECT 1 FROM devices d WHERE {cond} LIMIT {}) capped",
        TOTAL_CAP + 1
    );
    let total: i64 =
        on!(tx, c => bind_args!(sqlx::query_scalar(&count_sql), &args).fetch_one(c).await?);
    let devices = rows
        .into_iter()
        .map(Device::try_from)
        .collect::<Result<_>>()?;
    Ok((devices, total))
}

/// Counts by state under `scope` (for the overview and the list's chips).
pub async fn count_by_state(tx: &mut Tx, scope: &UnitPath) -> Result<Vec<(String, i64)>> {
    let (low, high) = path_range(scope.as_str());
    let sql = "SELECT state, COUNT(*) FROM devices WHERE unit_path >= $1 AND unit_path < $2 GROUP BY state";
    Ok(on!(tx, c => sqlx::query_as(sql).bind(&low).bind(&high).fetch_all(c).await?))
}

/// A point on the map.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct MapPoint {
    pub id: i64,
    pub number: String,
    pub name: String,
    pub state: String,
    pub kind: String,
    pub longitude: f64,
    pub latitude: f64,
}

pub async fn map_points(
    tx: &mut Tx,
    scope: &UnitPath,
    filter: &DeviceFilter,
    limit: i64,
) -> Result<Vec<MapPoint>> {
    let mut args = Vec::new();
    let cond = where_clause(scope, filter, &mut args);
    let sql = format!(
        "SELECT d.id, d.number, d.name, d.state, d.kind, d.longitude, d.latitude FROM devices d \
         WHERE {cond} AND d.longitude IS NOT NULL AND d.latitude IS NOT NULL \
         ORDER BY d.unit_path, d.number LIMIT {}",
        limit.clamp(1, 100_000)
    );
    Ok(on!(tx, c => bind_args!(sqlx::query_as(&sql), &args).fetch_all(c).await?))
}

/// Published fixed devices for the public list (DEV-04), by managing unit subtree.
pub async fn published(tx: &mut Tx, scope: &UnitPath) -> Result<Vec<Device>> {
    let filter = DeviceFilter {
        states: vec![
            DeviceState::PublicNotice,
            DeviceState::Trial,
            DeviceState::InUse,
            DeviceState::EvaluationDue,
        ],
        ..DeviceFilter::default()
    };
    let (devices, _) = list(tx, scope, &filter, 100_000, 0, false).await?;
    Ok(devices
        .into_iter()
        .filter(|d| d.kind.needs_public_notice())
        .collect())
}

/// Every device under `scope`, retired ones included (the clean-up and the ratings walk these).
pub async fn all_in_scope(tx: &mut Tx, scope: &UnitPath) -> Result<Vec<Device>> {
    let (devices, _) = list(tx, scope, &DeviceFilter::default(), i64::MAX, 0, false).await?;
    Ok(devices)
}

/// The maintaining units named under `scope`, for the report's filter.
pub async fn maintainers(tx: &mut Tx, scope: &UnitPath) -> Result<Vec<String>> {
    let (low, high) = path_range(scope.as_str());
    let sql = "SELECT DISTINCT maintainer FROM devices WHERE unit_path >= $1 AND unit_path < $2 ORDER BY maintainer";
    Ok(on!(tx, c => sqlx::query_scalar(sql).bind(&low).bind(&high).fetch_all(c).await?))
}
