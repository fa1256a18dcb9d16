//! SHR-04: the recognition system's screened offenders as received, and the officers' verdicts.

use chrono::{DateTime, Utc};
use roadwarden_domain::org::UnitPath;
use roadwarden_domain::rider::screened::{ScreenedEntry, ScreenedState};
use roadwarden_domain::rider::RiderViolation;
use serde::Serialize;

use crate::list::Window;
use crate::{on, path_range, Result, Tx};

/// The most entries one page lists.
pub const MAX_PER_PAGE: i64 = 200;

/// An entry as stored.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Screened {
    pub id: i64,
    pub partner_id: i64,
    pub partner_name: String,
    pub unit_id: i64,
    pub unit_path: String,
    pub source_ref: String,
    pub id_number: String,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub violation: RiderViolation,
    pub occurred_at: DateTime<Utc>,
    pub place: String,
    pub point: String,
    pub similarity: Option<f64>,
    pub person_id: Option<i64>,
    #[sqlx(try_from = "String")]
    pub state: ScreenedState,
    pub decided_by: Option<i64>,
    pub decided_at: Option<DateTime<Utc>>,
    pub note: String,
    pub received_at: DateTime<Utc>,
}

const COLUMNS: &str = "s.id, s.partner_id, p.name AS partner_name, s.unit_id, s.unit_path, \
    s.source_ref, s.id_number, s.name, s.violation, s.occurred_at, s.place, s.point, \
    s.similarity, s.person_id, s.state, s.decided_by, s.decided_at, s.note, s.received_at";
const FROM: &str = "screened_offenders s JOIN partners p ON p.id = s.partner_id";

/// Where a received entry goes: the grant's scope and the file it names, if any.
#[derive(Debug, Clone)]
pub struct Filing {
    pub partner_id: i64,
    pub grant_id: i64,
    pub unit_id: i64,
    pub unit_path: String,
    pub person_id: Option<i64>,
    pub received_at: DateTime<Utc>,
}

/// Files `entry` once: the same partner's same reference returns the stored id and `false`.
pub async fn insert(tx: &mut Tx, f: &Filing, entry: &ScreenedEntry) -> Result<(i64, bool)> {
    let sql = "INSERT INTO screened_offenders (partner_id, grant_id, unit_id, unit_path, \
        source_ref, id_number, name, violation, occurred_at, place, point, similarity, \
        person_id, received_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14) \
        ON CONFLICT (partner_id, source_ref) DO NOTHING RETURNING id";
    let fresh: Option<i64> = on!(tx, c => sqlx::query_scalar(sql)
        .bind(f.partner_id).bind(f.grant_id).bind(f.unit_id).bind(&f.unit_path)
        .bind(&entry.source_ref).bind(&entry.id_number).bind(&entry.name)
        .bind(entry.violation.as_str()).bind(entry.occurred_at).bind(&entry.place)
        .bind(&entry.point).bind(entry.similarity).bind(f.person_id).bind(f.received_at)
        .fetch_optional(c).await?);
    if let Some(id) = fresh {
        return Ok((id, true));
    }
    let sql = "SELECT id FROM screened_offenders WHERE partner_id = $1 AND source_ref = $2";
    let id: i64 = on!(tx, c => sqlx::query_scalar(sql).bind(f.partner_id)
        .bind(&entry.source_ref).fetch_one(c).await?);
    Ok((id, false))
}

pub async fn get(tx: &mut Tx, id: i64) -> Result<Option<Screened>> {
    let sql = format!("SELECT {COLUMNS} FROM {FROM} WHERE s.id = $1");
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(id).fetch_optional(c).await?))
}

/// The entries under `scope`, in `state` (all when none), newest first.
pub async fn list_in_scope(
    tx: &mut Tx,
    scope: &UnitPath,
    state: Option<ScreenedState>,
    window: Window,
) -> Result<Vec<Screened>> {
    let (low, high) = path_range(scope.as_str());
    let sql = format!(
        "SELECT {COLUMNS} FROM {FROM} WHERE s.unit_path >= $1 AND s.unit_path < $2 \
         AND ($3 = '' OR s.state = $3) ORDER BY s.received_at DESC, s.id DESC LIMIT $4 OFFSET $5"
    );
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(&low).bind(&high)
        .bind(state.map_or("", ScreenedState::as_str))
        .bind(window.limit.min(MAX_PER_PAGE)).bind(window.offset).fetch_all(c).await?))
}

/// How many entries under `scope` are in each state.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StateCount {
    #[sqlx(try_from = "String")]
    pub state: ScreenedState,
    pub n: i64,
}

pub async fn count_in_scope(tx: &mut Tx, scope: &UnitPath) -> Result<Vec<StateCount>> {
    let (low, high) = path_range(scope.as_str());
    let sql = "SELECT state, COUNT(*) AS n FROM screened_offenders \
        WHERE unit_path >= $1 AND unit_path < $2 GROUP BY state";
    Ok(on!(tx, c => sqlx::query_as(sql).bind(&low).bind(&high).fetch_all(c).await?))
}

/// The entries naming file `person`, newest first (at most 50).
pub async fn of_person(tx: &mut Tx, person: i64) -> Result<Vec<Screened>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM {FROM} WHERE s.person_id = $1 \
         ORDER BY s.occurred_at DESC, s.id DESC LIMIT 50"
    );
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(person).fetch_all(c).await?))
}

/// Records the verdict on a received entry; false when it was no longer received.
pub async fn decide(
    tx: &mut Tx,
    id: i64,
    verdict: ScreenedState,
    note: &str,
    by: i64,
    at: DateTime<Utc>,
) -> Result<bool> {
    let sql = "UPDATE screened_offenders SET state = $2, note = $3, decided_by = $4, \
        decided_at = $5 WHERE id = $1 AND state = 'received'";
    let n = on!(tx, c => sqlx::query(sql).bind(id).bind(verdict.as_str()).bind(note).bind(by)
        .bind(at).execute(c).await?.rows_affected());
    Ok(n == 1)
}
