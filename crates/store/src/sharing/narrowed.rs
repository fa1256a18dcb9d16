//! SHR-02: a partner's query narrowed in the database. The domain's [`Plan`] has already
//! checked every condition and the order against the grant (only catalogued, granted, unmasked
//! fields reach here); this module maps each field to its column through a fixed table (a name
//! outside it is an error, never text in the SQL), binds every value as a parameter, and reads
//! at most the plan's limit. The domain's `answer` then applies the same conditions, order and
//! masks again to what was read, so the database only ever narrows, it never decides.
//!
//! The statements are not kept prepared: PostgreSQL's generic plan for a kept statement guesses
//! the scope and span to hold a couple of rows and sorts the whole scope (400 ms at 100,000
//! records), where the plan for the actual values walks the time index for the page (0.2 ms).
//!
//! Before, the store read the first 10,000 records of the grant's span and the projection
//! filtered those: a record past the first 10,000 could not be found at all.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use roadwarden_domain::rider::MatchState;
use roadwarden_domain::sharing::grant::{FilterOp, Plan, Record, Value, MAX_ROWS};

use super::records::{record, Row};
use crate::{on, path_range, Result, StoreError, Tx};

/// The grant's record scope beside the plan: its span and violation categories.
#[derive(Debug, Clone, Copy)]
pub struct Narrowing<'a> {
    pub span: (DateTime<Utc>, DateTime<Utc>),
    /// Violation-code prefixes; every category when empty.
    pub categories: &'a [String],
    pub plan: &'a Plan,
}

/// The catalogue's violation fields and the columns that hold them.
const VIOLATION_COLUMNS: &[(&str, &str)] = &[
    ("id", "v.id"),
    ("unit_code", "u.code"),
    ("country", "v.country"),
    ("plate", "v.plate"),
    ("plate_colour", "v.plate_colour"),
    ("violation_code", "v.violation_code"),
    ("occurred_at", "v.occurred_at"),
    ("place", "v.place"),
    ("fine_minor", "v.fine_minor"),
    ("points", "v.points"),
    ("state", "v.state"),
    ("driver_name", "v.driver_name"),
    ("owner_name", "h.owner_name"),
    ("owner_phone", "h.owner_phone"),
];

/// Fields whose empty text is read as "none" (`records::text`): they never equal anything.
const EMPTY_IS_NONE: &[&str] = &[
    "driver_name",
    "owner_name",
    "owner_phone",
    "name",
    "id_number",
];

/// The catalogue's rider fields and the columns of the per-rider summary that hold them.
const RIDER_COLUMNS: &[(&str, &str)] = &[
    ("name", "r.name"),
    ("id_number", "r.id_number"),
    ("place", "r.place"),
    ("date", "r.occurred_at"),
    ("violations", "r.violations"),
    ("village", "r.village"),
];

enum Bind {
    Int(i64),
    Text(String),
    Time(DateTime<Utc>),
}

/// A WHERE clause and ORDER BY built from the plan, with its parameters after `first` fixed
/// ones.
struct Clause {
    sql: String,
    binds: Vec<Bind>,
    next: usize,
}

impl Clause {
    fn new(first: usize) -> Self {
        Self {
            sql: String::new(),
            binds: Vec::new(),
            next: first + 1,
        }
    }

    fn param(&mut self, b: Bind) -> String {
        self.binds.push(b);
        self.next += 1;
        format!("${}", self.next - 1)
    }

    fn column(columns: &[(&str, &'static str)], field: &str) -> Result<&'static str> {
        columns
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, c)| *c)
            .ok_or(StoreError::Invalid("a partner field with no column"))
    }

    /// One condition; a prefix of nothing narrows nothing (the domain decides it).
    fn condition(
        &mut self,
        columns: &[(&str, &'static str)],
        field: &str,
        op: FilterOp,
        value: &Value,
    ) -> Result<()> {
        let col = Self::column(columns, field)?;
        let bind = match value {
            Value::Int(n) => Bind::Int(*n),
            Value::Text(s) => Bind::Text(s.clone()),
            Value::Time(t) => Bind::Time(*t),
            Value::Null => return Ok(()),
        };
        let sql = match (op, &bind) {
            (FilterOp::Prefix, Bind::Text(s)) if s.is_empty() => return Ok(()),
            (FilterOp::Prefix, _) => {
                let p = self.param(bind);
                format!("substr({col}, 1, length({p})) = {p}")
            }
            (FilterOp::Eq, _) => {
                let p = self.param(bind);
                if EMPTY_IS_NONE.contains(&field) {
                    format!("{col} = {p} AND {col} <> ''")
                } else {
                    format!("{col} = {p}")
                }
            }
            (FilterOp::From, _) => format!("{col} >= {}", self.param(bind)),
            (FilterOp::To, _) => format!("{col} <= {}", self.param(bind)),
        };
        self.sql.push_str(&format!(" AND {sql}"));
        Ok(())
    }

    /// The grant's categories: the code starts with one of them.
    fn categories(&mut self, col: &str, categories: &[String]) {
        if categories.is_empty() {
            return;
        }
        let any: Vec<String> = categories
            .iter()
            .map(|c| {
                let p = self.param(Bind::Text(c.clone()));
                format!("substr({col}, 1, length({p})) = {p}")
            })
            .collect();
        self.sql.push_str(&format!(" AND ({})", any.join(" OR ")));
    }

    /// ORDER BY the plan's field (text in byte order, nulls first ascending, as the domain
    /// orders), then the record id in the same direction; and the limit.
    fn order_and_limit(
        &mut self,
        columns: &[(&str, &'static str)],
        id: &str,
        plan: &Plan,
        pg: bool,
    ) -> Result<()> {
        let order = match plan.sort {
            Some((field, descending)) => {
                let col = Self::column(columns, field)?;
                let text = !matches!(
                    field,
                    "id" | "fine_minor" | "points" | "occurred_at" | "date" | "violations"
                );
                // An empty text and a missing one (no vehicle) are both "none" to the domain,
                // so they sort together, then by id.
                let col = if EMPTY_IS_NONE.contains(&field) {
                    format!("COALESCE({col}, '')")
                } else {
                    col.to_owned()
                };
                let col = if text && pg {
                    format!("{col} COLLATE \"C\"")
                } else {
                    col
                };
                // SQLite puts nulls first going up and last going down, as the domain does;
                // PostgreSQL is told so.
                match (descending, pg) {
                    (true, true) => format!("{col} DESC NULLS LAST, {id} DESC"),
                    (true, false) => format!("{col} DESC, {id} DESC"),
                    (false, true) => format!("{col} ASC NULLS FIRST, {id}"),
                    (false, false) => format!("{col}, {id}"),
                }
            }
            None => id.to_owned(),
        };
        // The limit is written into the statement, not bound: it is a number the plan bounded
        // (1 to 500), and PostgreSQL's generic plan for a bound limit assumes a tenth of the
        // table and sorts it all instead of walking an index for the page.
        let limit = plan.limit.clamp(1, MAX_ROWS);
        self.sql
            .push_str(&format!(" ORDER BY {order} LIMIT {limit}"));
        Ok(())
    }
}

macro_rules! bound {
    ($q:expr, $binds:expr) => {{
        let mut q = $q;
        for b in $binds {
            q = match b {
                Bind::Int(n) => q.bind(*n),
                Bind::Text(s) => q.bind(s.clone()),
                Bind::Time(t) => q.bind(*t),
            };
        }
        q
    }};
}

/// SHR-02: the violation records under `scope_path` in the grant's span and categories that
/// meet the plan's conditions, in its order, at most its limit.
pub async fn violations(tx: &mut Tx, scope_path: &str, n: Narrowing<'_>) -> Result<Vec<Record>> {
    let pg = matches!(tx, Tx::Postgres(_));
    let (low, high) = path_range(scope_path);
    let mut clause = Clause::new(4);
    clause.categories("v.violation_code", n.categories);
    for c in &n.plan.conditions {
        clause.condition(VIOLATION_COLUMNS, c.field, c.op, &c.value)?;
    }
    clause.order_and_limit(VIOLATION_COLUMNS, "v.id", n.plan, pg)?;
    let sql = format!(
        "SELECT v.id, v.unit_path, u.code AS unit_code, v.country, v.plate, v.plate_colour, \
        v.violation_code, v.occurred_at, v.place, v.fine_minor, v.points, v.state, v.driver_name, \
        h.owner_name, h.owner_phone \
        FROM violations v JOIN units u ON u.id = v.unit_id \
        LEFT JOIN vehicles h ON h.id = v.vehicle_id \
        WHERE v.unit_path >= $1 AND v.unit_path < $2 AND v.occurred_at >= $3 \
        AND v.occurred_at < $4{}",
        clause.sql
    );
    let rows: Vec<Row> = on!(tx, c => {
        let q = sqlx::query_as(&sql).persistent(false).bind(&low).bind(&high).bind(n.span.0)
            .bind(n.span.1);
        bound!(q, &clause.binds).fetch_all(c).await?
    });
    Ok(rows.into_iter().map(record).collect())
}

#[derive(sqlx::FromRow)]
struct RiderSummary {
    id: i64,
    unit_path: String,
    name: String,
    id_number: Option<String>,
    village: String,
    occurred_at: DateTime<Utc>,
    place: String,
    violation: String,
    violations: i64,
}

/// SHR-03: one record per confirmed rider file under `scope_path` with a confirmed violation
/// in the span: name, ID number, the place and time of the latest violation in the span, how
/// many there were, the village (the file's unit when none is written); its category is the
/// latest violation's kind. Provisional and merged files are left out. Narrowed by the plan.
pub async fn riders(tx: &mut Tx, scope_path: &str, n: Narrowing<'_>) -> Result<Vec<Record>> {
    let pg = matches!(tx, Tx::Postgres(_));
    let (low, high) = path_range(scope_path);
    let mut clause = Clause::new(5);
    clause.categories("r.violation", n.categories);
    for c in &n.plan.conditions {
        clause.condition(RIDER_COLUMNS, c.field, c.op, &c.value)?;
    }
    clause.order_and_limit(RIDER_COLUMNS, "r.id", n.plan, pg)?;
    let sql = format!(
        "WITH ev AS (SELECT e.person_id, e.occurred_at, e.place, e.violation, \
           ROW_NUMBER() OVER (PARTITION BY e.person_id ORDER BY e.occurred_at DESC, e.id DESC) AS rn, \
           COUNT(*) OVER (PARTITION BY e.person_id) AS violations \
           FROM rider_events e JOIN rider_persons p ON p.id = e.person_id \
           WHERE p.unit_path >= $1 AND p.unit_path < $2 AND p.merged_into IS NULL \
           AND p.id_number IS NOT NULL AND e.match_state = $3 \
           AND e.occurred_at >= $4 AND e.occurred_at < $5) \
         SELECT r.* FROM (SELECT p.id, p.unit_path, p.name, p.id_number, \
           CASE WHEN TRIM(p.village) = '' THEN u.name ELSE p.village END AS village, \
           ev.occurred_at, ev.place, ev.violation, ev.violations \
           FROM ev JOIN rider_persons p ON p.id = ev.person_id JOIN units u ON u.id = p.unit_id \
           WHERE ev.rn = 1) r WHERE 1 = 1{}",
        clause.sql
    );
    let rows: Vec<RiderSummary> = on!(tx, c => {
        let q = sqlx::query_as(&sql).persistent(false).bind(&low).bind(&high)
            .bind(MatchState::Matched.as_str()).bind(n.span.0).bind(n.span.1);
        bound!(q, &clause.binds).fetch_all(c).await?
    });
    Ok(rows
        .into_iter()
        .map(|r| {
            let mut values = BTreeMap::new();
            values.insert("name", super::records::text(Some(r.name)));
            values.insert("id_number", super::records::text(r.id_number));
            values.insert("place", Value::Text(r.place));
            values.insert("date", Value::Time(r.occurred_at));
            values.insert("violations", Value::Int(r.violations));
            values.insert("village", Value::Text(r.village));
            Record {
                id: r.id,
                unit_path: r.unit_path,
                at: r.occurred_at,
                category: r.violation,
                values,
            }
        })
        .collect())
}
