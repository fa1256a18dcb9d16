//! ORG-01..05: the unit tree.

use chrono::{DateTime, Utc};
use roadwarden_domain::org::{Country, Level, UnitCode, UnitKind, UnitName, UnitPath};
use roadwarden_domain::UnitId;
use serde::Serialize;

use crate::{on, path_range, Result, StoreError, Tx};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unit {
    pub id: UnitId,
    pub parent_id: Option<UnitId>,
    pub path: UnitPath,
    pub code: String,
    pub name: String,
    pub level: Level,
    pub kind: UnitKind,
    pub country: Country,
    pub time_zone: String,
    /// The number owners call about the unit's records, printed on its notice letters; empty
    /// when none is given.
    pub contact_phone: String,
    pub created_at: DateTime<Utc>,
}

impl Unit {
    pub fn tz(&self) -> chrono_tz::Tz {
        self.time_zone
            .parse()
            .unwrap_or_else(|_| self.country.default_time_zone())
    }
}

#[derive(sqlx::FromRow)]
struct UnitRow {
    id: i64,
    parent_id: Option<i64>,
    path: String,
    code: String,
    name: String,
    level: String,
    kind: String,
    country: String,
    time_zone: String,
    contact_phone: String,
    created_at: DateTime<Utc>,
}

impl TryFrom<UnitRow> for Unit {
    type Error = StoreError;
    fn try_from(r: UnitRow) -> Result<Self> {
        Ok(Unit {
            id: UnitId(r.id),
            parent_id: r.parent_id.map(UnitId),
            path: UnitPath::from_stored(r.path),
            code: r.code,
            name: r.name,
            level: Level::parse(&r.level).map_err(StoreError::corrupt)?,
            kind: UnitKind::parse(&r.kind).map_err(StoreError::corrupt)?,
            country: Country::parse(&r.country).map_err(StoreError::corrupt)?,
            time_zone: r.time_zone,
            contact_phone: r.contact_phone,
            created_at: r.created_at,
        })
    }
}

const COLUMNS: &str =
    "id, parent_id, path, code, name, level, kind, country, time_zone, contact_phone, created_at";

/// A validated new unit. `parent` is the stored parent (None only for a root).
#[derive(Debug, Clone)]
pub struct NewUnit<'a> {
    pub parent: Option<&'a Unit>,
    pub code: UnitCode,
    pub name: UnitName,
    pub level: Level,
    pub kind: UnitKind,
    pub country: Country,
    pub time_zone: chrono_tz::Tz,
}

pub async fn insert(tx: &mut Tx, new: &NewUnit<'_>, now: DateTime<Utc>) -> Result<Unit> {
    // The path needs the id, so the row goes in with a unique placeholder path first.
    let placeholder = format!("pending:{}", new.code.as_str());
    let parent_id = new.parent.map(|p| p.id.0);
    let sql = "INSERT INTO units (parent_id, path, code, name, level, kind, country, time_zone, \
               created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id";
    let id: i64 = on!(tx, c => sqlx::query_scalar(sql)
        .bind(parent_id)
        .bind(&placeholder)
        .bind(new.code.as_str())
        .bind(new.name.as_str())
        .bind(new.level.as_str())
        .bind(new.kind.as_str())
        .bind(new.country.code())
        .bind(new.time_zone.name())
        .bind(now)
        .fetch_one(c)
        .await?);
    let id = UnitId(id);
    let path = match new.parent {
        Some(parent) => parent.path.child(id),
        None => UnitPath::root(id),
    };
    on!(tx, c => sqlx::query("UPDATE units SET path = $1 WHERE id = $2")
        .bind(path.as_str())
        .bind(id.0)
        .execute(c)
        .await?
        .rows_affected());
    get(tx, id)
        .await?
        .ok_or_else(|| StoreError::corrupt("inserted unit vanished"))
}

/// Sets the number owners call about the unit's records (empty clears it); false when there
/// is no such unit.
pub async fn set_contact_phone(tx: &mut Tx, id: UnitId, phone: &str) -> Result<bool> {
    let changed = on!(tx, c => sqlx::query("UPDATE units SET contact_phone = $1 WHERE id = $2")
        .bind(phone)
        .bind(id.0)
        .execute(c)
        .await?
        .rows_affected());
    Ok(changed == 1)
}

pub async fn get(tx: &mut Tx, id: UnitId) -> Result<Option<Unit>> {
    let sql = format!("SELECT {COLUMNS} FROM units WHERE id = $1");
    let row: Option<UnitRow> =
        on!(tx, c => sqlx::query_as(&sql).bind(id.0).fetch_optional(c).await?);
    row.map(Unit::try_from).transpose()
}

pub async fn get_by_code(tx: &mut Tx, code: &str) -> Result<Option<Unit>> {
    let sql = format!("SELECT {COLUMNS} FROM units WHERE code = $1");
    let row: Option<UnitRow> =
        on!(tx, c => sqlx::query_as(&sql).bind(code).fetch_optional(c).await?);
    row.map(Unit::try_from).transpose()
}

/// Filters for listing units; every list is scoped to a subtree (ORG-02).
#[derive(Debug, Clone, Default)]
pub struct UnitFilter {
    pub search: Option<String>,
    pub level: Option<Level>,
    pub kind: Option<UnitKind>,
}

/// A page of the units under `scope` (itself included), in tree order.
pub async fn list_in_scope(
    tx: &mut Tx,
    scope: &UnitPath,
    filter: &UnitFilter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Unit>, i64)> {
    let (low, high) = path_range(scope.as_str());
    let search = filter
        .search
        .as_deref()
        .map(|s| format!("%{}%", escape_like(s)));
    let level = filter.level.map(Level::as_str);
    let kind = filter.kind.map(UnitKind::as_str);
    let condition = "path >= $1 AND path < $2 \
        AND ($3 = '' OR name LIKE $3 ESCAPE '\\' OR code LIKE $3 ESCAPE '\\') \
        AND ($4 = '' OR level = $4) AND ($5 = '' OR kind = $5)";
    let list_sql =
        format!("SELECT {COLUMNS} FROM units WHERE {condition} ORDER BY path LIMIT $6 OFFSET $7");
    let count_sql = format!("SELECT COUNT(*) FROM units WHERE {condition}");
    let search = search.unwrap_or_default();
    let rows: Vec<UnitRow> = on!(tx, c => sqlx::query_as(&list_sql)
        .bind(&low).bind(&high).bind(&search)
        .bind(level.unwrap_or("")).bind(kind.unwrap_or(""))
        .bind(limit).bind(offset)
        .fetch_all(&mut *c).await?);
    let total: i64 = on!(tx, c => sqlx::query_scalar(&count_sql)
        .bind(&low).bind(&high).bind(&search)
        .bind(level.unwrap_or("")).bind(kind.unwrap_or(""))
        .fetch_one(c).await?);
    let units = rows
        .into_iter()
        .map(Unit::try_from)
        .collect::<Result<_>>()?;
    Ok((units, total))
}

/// Every unit under `scope`, in tree order (for the tree page and pickers).
pub async fn subtree(tx: &mut Tx, scope: &UnitPath) -> Result<Vec<Unit>> {
    let (units, _) = list_in_scope(tx, scope, &UnitFilter::default(), i64::MAX, 0).await?;
    Ok(units)
}

pub async fn count(tx: &mut Tx) -> Result<i64> {
    Ok(on!(tx, c => sqlx::query_scalar("SELECT COUNT(*) FROM units").fetch_one(c).await?))
}

/// How many trees the installation holds (units without a parent: provinces, countries).
pub async fn root_count(tx: &mut Tx) -> Result<i64> {
    let sql = "SELECT COUNT(*) FROM units WHERE parent_id IS NULL";
    Ok(on!(tx, c => sqlx::query_scalar(sql).fetch_one(c).await?))
}

/// Escapes `%`, `_` and `\` for a LIKE pattern with `ESCAPE '\'`.
pub(crate) fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}
