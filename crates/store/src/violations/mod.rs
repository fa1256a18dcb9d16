//! Violation records (NOT-01..03) and their timeline, with the inspection block list; the
//! vehicle registry, the notice outbox and objections are in their own files and re-exported
//! here, so callers name them all as `violations::…`.

mod objections;
mod outbox;
mod registry;

pub use objections::*;
pub use outbox::*;
pub use registry::*;

use chrono::{DateTime, NaiveDate, Utc};
use roadwarden_domain::capture::notice::ViolationState;
use roadwarden_domain::capture::penalty::{Currency, Procedure};
use roadwarden_domain::capture::plate::PlateColour;
use roadwarden_domain::capture::review::{Outcome, Party};
use roadwarden_domain::org::{Country, UnitPath};
use roadwarden_domain::{UnitId, UserId};
use serde::Serialize;

use crate::list::{Direction, Window, MAX_ROWS};
use crate::units::escape_like;
use crate::{on, path_range, Result, Tx};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Violation {
    pub id: i64,
    pub capture_id: i64,
    pub unit_id: i64,
    pub unit_path: String,
    #[sqlx(try_from = "String")]
    pub country: Country,
    #[sqlx(try_from = "String")]
    pub outcome: Outcome,
    pub plate: String,
    pub plate_key: String,
    #[sqlx(try_from = "String")]
    pub plate_colour: PlateColour,
    pub violation_code: String,
    pub occurred_at: DateTime<Utc>,
    pub place: String,
    pub fine_minor: i64,
    #[sqlx(try_from = "String")]
    pub currency: Currency,
    pub points: i32,
    #[sqlx(try_from = "String")]
    pub procedure: Procedure,
    #[sqlx(try_from = "String")]
    pub state: ViolationState,
    pub vehicle_id: Option<i64>,
    #[sqlx(try_from = "String")]
    pub party: Party,
    pub driver_name: String,
    pub entered_at: DateTime<Utc>,
    pub notice_due_at: DateTime<Utc>,
    pub notified_at: Option<DateTime<Utc>>,
    pub handle_by: Option<NaiveDate>,
    pub extended_until: Option<NaiveDate>,
    pub decided_at: Option<DateTime<Utc>>,
    pub payment_due: Option<NaiveDate>,
    pub paid_at: Option<DateTime<Utc>>,
    pub paid_minor: Option<i64>,
    pub late_fee_minor: Option<i64>,
    pub intended_notice_on: Option<NaiveDate>,
    pub responded: bool,
    pub announced_on: Option<NaiveDate>,
    pub eliminated_at: Option<DateTime<Utc>>,
    pub elimination_reason: Option<String>,
    pub updated_at: DateTime<Utc>,
    /// NOT-01 / NOT-02f: when the deadline job found the notice late.
    pub notice_late_at: Option<DateTime<Utc>>,
    /// REV-04: a reason for elimination was verified; eliminate by `elimination_due_at`.
    pub elimination_verified_at: Option<DateTime<Utc>>,
    pub elimination_verified_reason: Option<String>,
    pub elimination_due_at: Option<DateTime<Utc>>,
    pub elimination_late_at: Option<DateTime<Utc>>,
    /// NOT-02c: when the overdue job looks at the record next (`None`: not until something
    /// changes).
    pub next_step_at: Option<DateTime<Utc>>,
    /// NOT-02c: service by announcement started on this day.
    pub service_announced_on: Option<NaiveDate>,
    /// NOT-02f: '', 'transferred' or 'manual'.
    pub transfer: String,
    pub transferred_from: Option<i64>,
}

const COLUMNS: &str = "id, capture_id, unit_id, unit_path, country, outcome, plate, plate_key, \
    plate_colour, violation_code, occurred_at, place, fine_minor, currency, points, procedure, \
    state, vehicle_id, party, driver_name, entered_at, notice_due_at, notified_at, handle_by, \
    extended_until, decided_at, payment_due, paid_at, paid_minor, late_fee_minor, \
    intended_notice_on, responded, announced_on, eliminated_at, elimination_reason, updated_at, \
    notice_late_at, elimination_verified_at, elimination_verified_reason, elimination_due_at, \
    elimination_late_at, next_step_at, service_announced_on, transfer, transferred_from";

#[derive(Debug, Clone)]
pub struct NewViolation {
    pub capture_id: i64,
    pub unit_id: UnitId,
    pub unit_path: UnitPath,
    pub country: Country,
    pub outcome: Outcome,
    pub plate: String,
    pub plate_key: String,
    pub plate_colour: PlateColour,
    pub violation_code: String,
    pub occurred_at: DateTime<Utc>,
    pub place: String,
    pub fine_minor: i64,
    pub currency: Currency,
    pub points: i32,
    pub procedure: Procedure,
    pub vehicle_id: Option<i64>,
    pub entered_at: DateTime<Utc>,
    pub notice_due_at: DateTime<Utc>,
    /// NOT-02c: when the overdue job first looks at it (service by announcement).
    pub next_step_at: Option<DateTime<Utc>>,
}

pub async fn insert(tx: &mut Tx, n: &NewViolation) -> Result<i64> {
    let sql = "INSERT INTO violations (capture_id, unit_id, unit_path, country, outcome, plate, \
        plate_key, plate_colour, violation_code, occurred_at, place, fine_minor, currency, points, \
        procedure, state, vehicle_id, entered_at, notice_due_at, updated_at, next_step_at) \
        VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,'entered',$16,$17,$18,$17,$19) \
        RETURNING id";
    Ok(on!(tx, c => sqlx::query_scalar(sql)
        .bind(n.capture_id).bind(n.unit_id.0).bind(n.unit_path.as_str()).bind(n.country.code())
        .bind(n.outcome.as_str()).bind(&n.plate).bind(&n.plate_key).bind(n.plate_colour.as_str())
        .bind(&n.violation_code).bind(n.occurred_at).bind(&n.place).bind(n.fine_minor)
        .bind(n.currency.code()).bind(n.points).bind(n.procedure.as_str()).bind(n.vehicle_id)
        .bind(n.entered_at).bind(n.notice_due_at).bind(n.next_step_at)
        .fetch_one(c).await?))
}

pub async fn get(tx: &mut Tx, id: i64) -> Result<Option<Violation>> {
    let sql = format!("SELECT {COLUMNS} FROM violations WHERE id = $1");
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(id).fetch_optional(c).await?))
}

/// Ids joined into an `IN (...)` list; they are integers, so nothing can be injected.
fn id_list(ids: &[i64]) -> String {
    ids.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// The records of `ids` (those that exist), for a batch of notices.
pub async fn get_many(tx: &mut Tx, ids: &[i64]) -> Result<Vec<Violation>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT {COLUMNS} FROM violations WHERE id IN ({})",
        id_list(ids)
    );
    Ok(on!(tx, c => sqlx::query_as(&sql).fetch_all(c).await?))
}

/// The number of the device that captured each record of `ids`: (violation id, number).
pub async fn device_numbers(tx: &mut Tx, ids: &[i64]) -> Result<Vec<(i64, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT v.id, d.number FROM violations v JOIN captures c ON c.id = v.capture_id \
         JOIN devices d ON d.id = c.device_id WHERE v.id IN ({})",
        id_list(ids)
    );
    Ok(on!(tx, c => sqlx::query_as(&sql).fetch_all(c).await?))
}

pub async fn by_capture(tx: &mut Tx, capture: i64) -> Result<Option<Violation>> {
    let sql = format!("SELECT {COLUMNS} FROM violations WHERE capture_id = $1");
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(capture).fetch_optional(c).await?))
}

/// Violations under `scope`, newest first, optionally of one state.
pub async fn list(
    tx: &mut Tx,
    scope: &UnitPath,
    state: Option<ViolationState>,
    limit: i64,
) -> Result<Vec<Violation>> {
    let (low, high) = path_range(scope.as_str());
    let sql = format!(
        "SELECT {COLUMNS} FROM violations WHERE unit_path >= $1 AND unit_path < $2 \
         AND ($3 = '' OR state = $3) ORDER BY occurred_at DESC, id DESC LIMIT $4"
    );
    Ok(on!(tx, c => sqlx::query_as(&sql)
        .bind(&low).bind(&high).bind(state.map_or("", ViolationState::as_str)).bind(limit)
        .fetch_all(c).await?))
}

/// The columns the violations list sorts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViolationSort {
    Time,
    Plate,
    State,
}

impl ViolationSort {
    /// The names a request may use, in the order the page offers them.
    pub const KEYS: &'static [(&'static str, ViolationSort)] = &[
        ("time", ViolationSort::Time),
        ("plate", ViolationSort::Plate),
        ("state", ViolationSort::State),
    ];

    /// `ORDER BY` for this key: fixed text per key, ties broken newest first.
    fn order_by(self, d: Direction) -> String {
        let d = d.sql();
        match self {
            ViolationSort::Time => format!("occurred_at {d}, id {d}"),
            ViolationSort::Plate => format!("plate_key {d}, occurred_at DESC, id DESC"),
            ViolationSort::State => format!("state {d}, occurred_at DESC, id DESC"),
        }
    }
}

/// What the violations list asks for; every value is bound as a parameter.
#[derive(Debug, Clone, Default)]
pub struct ViolationFilter {
    pub state: Option<ViolationState>,
    /// Part of a plate, as a plate key (`roadwarden_domain::capture::plate::plate_key`).
    pub plate: Option<String>,
    /// Occurred at or after.
    pub from: Option<DateTime<Utc>>,
    /// Occurred before.
    pub until: Option<DateTime<Utc>>,
    /// A unit inside the scope: only its records and those of the units below it.
    pub unit: Option<UnitPath>,
}

/// A page of the violations under `scope` (ORG-02) that match `filter`, and how many match,
/// counted up to one past [`MAX_ROWS`] (a larger count reads as "more than").
pub async fn page(
    tx: &mut Tx,
    scope: &UnitPath,
    filter: &ViolationFilter,
    sort: ViolationSort,
    direction: Direction,
    window: Window,
) -> Result<(Vec<Violation>, i64)> {
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
    let from = filter.from.unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
    let until = filter.until.unwrap_or_else(far_future);
    let condition = "unit_path >= $1 AND unit_path < $2 AND ($3 = '' OR state = $3) \
        AND ($4 = '' OR plate_key LIKE $4 ESCAPE '\\') AND occurred_at >= $5 AND occurred_at < $6";
    let list_sql = format!(
        "SELECT {COLUMNS} FROM violations WHERE {condition} ORDER BY {} LIMIT $7 OFFSET $8",
        sort.order_by(direction)
    );
    let count_sql = format!(
        "SELECT COUNT(*) FROM (SELECT 1 FROM violations WHERE {condition} LIMIT {}) capped",
        MAX_ROWS + 1
    );
    let state = filter.state.map_or("", ViolationState::as_str);
    let rows: Vec<Violation> = on!(tx, c => sqlx::query_as(&list_sql)
        .bind(&low).bind(&high).bind(state).bind(&plate).bind(from).bind(until)
        .bind(window.limit).bind(window.offset)
        .fetch_all(&mut *c).await?);
    let total: i64 = on!(tx, c => sqlx::query_scalar(&count_sql)
        .bind(&low).bind(&high).bind(state).bind(&plate).bind(from).bind(until)
        .fetch_one(c).await?);
    Ok((rows, total))
}

/// An instant after every record: the open end of a date range.
fn far_future() -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp(253_402_214_400, 0).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// NOT-02a: every record of a plate, for the public query (the caller proves the second factor).
pub async fn by_plate(tx: &mut Tx, plate_key: &str) -> Result<Vec<Violation>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM violations WHERE plate_key = $1 ORDER BY occurred_at DESC LIMIT 200"
    );
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(plate_key).fetch_all(c).await?))
}

/// Records due a notice: entered, not yet notified, oldest first.
pub async fn awaiting_notice(tx: &mut Tx, limit: i64) -> Result<Vec<Violation>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM violations WHERE state = 'entered' ORDER BY notice_due_at, id LIMIT $1"
    );
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(limit).fetch_all(c).await?))
}

/// Open, notified records of a vehicle, for the NOT-02c count.
pub async fn unhandled_for_plate(tx: &mut Tx, plate_key: &str) -> Result<i64> {
    let sql = "SELECT COUNT(*) FROM violations WHERE plate_key = $1 AND state = 'notified' \
        AND outcome = 'violation'";
    Ok(on!(tx, c => sqlx::query_scalar(sql).bind(plate_key).fetch_one(c).await?))
}

/// NOT-02c: records whose next overdue step may have come due, by when, oldest first. The job
/// moves each one's `next_step_at` past `now` (or clears it), so reading again returns the
/// ones behind.
pub async fn overdue_step_due(
    tx: &mut Tx,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<Violation>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM violations WHERE next_step_at IS NOT NULL AND next_step_at <= $1 \
         ORDER BY next_step_at, id LIMIT $2"
    );
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(now).bind(limit).fetch_all(c).await?))
}

/// NOT-02c: a newly notified record of a vehicle may bring the others to 5: the ones waiting
/// for that are looked at again at `at`.
pub async fn wake_overdue_of_plate(tx: &mut Tx, plate_key: &str, at: DateTime<Utc>) -> Result<u64> {
    let sql = "UPDATE violations SET next_step_at = $2 WHERE plate_key = $1 \
        AND state = 'notified' AND outcome = 'violation' AND next_step_at IS NULL \
        AND intended_notice_on IS NULL";
    Ok(on!(tx, c => sqlx::query(sql).bind(plate_key).bind(at).execute(c).await?.rows_affected()))
}

/// NOT-01 / NOT-02f: records still not notified past their notice deadline, not yet flagged.
pub async fn late_notices(tx: &mut Tx, now: DateTime<Utc>, limit: i64) -> Result<Vec<Violation>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM violations WHERE state = 'entered' AND notice_late_at IS NULL \
         AND notice_due_at <= $1 ORDER BY notice_due_at, id LIMIT $2"
    );
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(now).bind(limit).fetch_all(c).await?))
}

/// Flags a late notice once; false when it was flagged already.
pub async fn flag_notice_late(tx: &mut Tx, id: i64, now: DateTime<Utc>) -> Result<bool> {
    let sql = "UPDATE violations SET notice_late_at = $2 WHERE id = $1 AND notice_late_at IS NULL";
    Ok(on!(tx, c => sqlx::query(sql).bind(id).bind(now).execute(c).await?.rows_affected()) == 1)
}

/// REV-04: open records past their elimination deadline, not yet flagged.
pub async fn late_eliminations(
    tx: &mut Tx,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<Violation>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM violations WHERE elimination_due_at IS NOT NULL \
         AND elimination_late_at IS NULL AND elimination_due_at <= $1 \
         AND state IN ('entered', 'notified', 'decided') ORDER BY elimination_due_at, id LIMIT $2"
    );
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(now).bind(limit).fetch_all(c).await?))
}

/// Flags a late elimination once; false when it was flagged already.
pub async fn flag_elimination_late(tx: &mut Tx, id: i64, now: DateTime<Utc>) -> Result<bool> {
    let sql = "UPDATE violations SET elimination_late_at = $2 WHERE id = $1 \
        AND elimination_late_at IS NULL";
    Ok(on!(tx, c => sqlx::query(sql).bind(id).bind(now).execute(c).await?.rows_affected()) == 1)
}

/// NOT-02f: the record moves to the police of the owner's commune or district (`transfer` =
/// 'transferred'), or is flagged for a manual transfer ('manual', `to` = `None`).
pub async fn set_transfer(
    tx: &mut Tx,
    id: i64,
    to: Option<(UnitId, &UnitPath)>,
    now: DateTime<Utc>,
) -> Result<bool> {
    let n = match to {
        Some((unit, path)) => {
            let sql = "UPDATE violations SET transferred_from = unit_id, unit_id = $2, \
                unit_path = $3, transfer = 'transferred', updated_at = $4 \
                WHERE id = $1 AND transfer = ''";
            on!(tx, c => sqlx::query(sql).bind(id).bind(unit.0).bind(path.as_str()).bind(now)
                .execute(c).await?.rows_affected())
        }
        None => {
            let sql = "UPDATE violations SET transfer = 'manual', updated_at = $2 \
                WHERE id = $1 AND transfer = ''";
            on!(tx, c => sqlx::query(sql).bind(id).bind(now).execute(c).await?.rows_affected())
        }
    };
    Ok(n == 1)
}

/// Writes the mutable part of a record back (the service computed it with the domain rules).
pub async fn save(tx: &mut Tx, v: &Violation, expected_state: ViolationState) -> Result<bool> {
    let sql = "UPDATE violations SET state = $1, party = $2, driver_name = $3, notified_at = $4, \
        handle_by = $5, extended_until = $6, decided_at = $7, payment_due = $8, paid_at = $9, \
        paid_minor = $10, late_fee_minor = $11, intended_notice_on = $12, responded = $13, \
        announced_on = $14, eliminated_at = $15, elimination_reason = $16, updated_at = $17, \
        elimination_verified_at = $20, elimination_verified_reason = $21, \
        elimination_due_at = $22, next_step_at = $23, service_announced_on = $24 \
        WHERE id = $18 AND state = $19";
    let n = on!(tx, c => sqlx::query(sql)
        .bind(v.state.as_str()).bind(v.party.as_str()).bind(&v.driver_name).bind(v.notified_at).bind(v.handle_by)
        .bind(v.extended_until).bind(v.decided_at).bind(v.payment_due).bind(v.paid_at)
        .bind(v.paid_minor).bind(v.late_fee_minor).bind(v.intended_notice_on).bind(v.responded)
        .bind(v.announced_on).bind(v.eliminated_at).bind(&v.elimination_reason).bind(v.updated_at)
        .bind(v.id).bind(expected_state.as_str())
        .bind(v.elimination_verified_at).bind(&v.elimination_verified_reason)
        .bind(v.elimination_due_at).bind(v.next_step_at).bind(v.service_announced_on)
        .execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// NOT-03: the open records that may block inspection (the service applies the country rule).
/// NOT-03: open records of `country` (CN, VN) that may block an inspection.
pub async fn blocking_candidates(
    tx: &mut Tx,
    country: Country,
    plate_key: Option<&str>,
    after_id: i64,
    limit: i64,
) -> Result<Vec<Violation>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM violations WHERE outcome = 'violation' \
         AND state IN ('notified', 'decided') AND ($1 = '' OR plate_key = $1) AND id > $2 \
         AND country = $4 ORDER BY id LIMIT $3"
    );
    Ok(on!(tx, c => sqlx::query_as(&sql)
        .bind(plate_key.unwrap_or("")).bind(after_id).bind(limit).bind(country.code())
        .fetch_all(c).await?))
}

// ---- the timeline ------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ViolationEvent {
    pub at: DateTime<Utc>,
    pub action: String,
    pub actor: String,
    pub detail: String,
}

pub async fn add_event(
    tx: &mut Tx,
    violation: i64,
    action: &str,
    by: Option<UserId>,
    actor: &str,
    detail: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let sql =
        "INSERT INTO violation_events (violation_id, at, action, actor_user_id, actor, detail) \
        VALUES ($1,$2,$3,$4,$5,$6)";
    on!(tx, c => sqlx::query(sql).bind(violation).bind(now).bind(action).bind(by.map(|u| u.0))
        .bind(actor).bind(detail).execute(c).await?.rows_affected());
    Ok(())
}

pub async fn events(tx: &mut Tx, violation: i64) -> Result<Vec<ViolationEvent>> {
    let sql = "SELECT at, action, actor, detail FROM violation_events WHERE violation_id = $1 \
        ORDER BY at, id";
    Ok(on!(tx, c => sqlx::query_as(sql).bind(violation).fetch_all(c).await?))
}
