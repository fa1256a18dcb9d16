//! Violation records (NOT-01..03), the vehicle registry of the embedded default, the notice
//! outbox, objections (APL-01..03) and the inspection block list.

use chrono::{DateTime, NaiveDate, Utc};
use roadwarden_domain::org::UnitPath;
use roadwarden_domain::{UnitId, UserId};
use serde::Serialize;

use crate::{on, path_range, Result, Tx};

// ---- the vehicle registry ------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Vehicle {
    pub id: i64,
    pub plate_key: String,
    pub plate: String,
    pub plate_colour: String,
    pub country: String,
    pub vehicle_type: String,
    #[serde(skip)]
    pub vin: String,
    pub owner_name: String,
    pub owner_address: String,
    pub owner_phone: String,
    pub owner_email: String,
    pub division_code: String,
    /// The unit whose clerk recorded the entry; it and the units above may change it.
    #[serde(skip)]
    pub unit_path: String,
}

const VEHICLE_COLUMNS: &str = "id, plate_key, plate, plate_colour, country, vehicle_type, vin, \
    owner_name, owner_address, owner_phone, owner_email, division_code, unit_path";

/// Records or replaces the entry for the plate (`v.country`, `v.plate_key`, `v.plate_colour`:
/// the colour says the plate type, so one number may belong to two vehicles). An existing
/// entry is replaced only while it still belongs to `owner_unit_path` (what the caller checked
/// its scope against), so a concurrent change by another unit is never overwritten: `None`
/// then.
pub async fn upsert_vehicle(
    tx: &mut Tx,
    v: &Vehicle,
    owner_unit_path: &str,
) -> Result<Option<i64>> {
    let sql = "INSERT INTO vehicles (plate_key, plate, plate_colour, country, vehicle_type, vin, \
        owner_name, owner_address, owner_phone, owner_email, division_code, unit_path) \
        VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12) \
        ON CONFLICT (country, plate_key, plate_colour) DO UPDATE SET \
        plate = excluded.plate, vehicle_type = excluded.vehicle_type, vin = excluded.vin, \
        owner_name = excluded.owner_name, owner_address = excluded.owner_address, \
        owner_phone = excluded.owner_phone, owner_email = excluded.owner_email, \
        division_code = excluded.division_code, unit_path = excluded.unit_path \
        WHERE vehicles.unit_path = $13 RETURNING id";
    Ok(on!(tx, c => sqlx::query_scalar(sql)
        .bind(&v.plate_key).bind(&v.plate).bind(&v.plate_colour).bind(&v.country)
        .bind(&v.vehicle_type).bind(&v.vin).bind(&v.owner_name).bind(&v.owner_address)
        .bind(&v.owner_phone).bind(&v.owner_email).bind(&v.division_code).bind(&v.unit_path)
        .bind(owner_unit_path).fetch_optional(c).await?))
}

/// The entry for exactly this plate: country, number and colour.
pub async fn vehicle_by_plate(
    tx: &mut Tx,
    country: &str,
    plate_key: &str,
    plate_colour: &str,
) -> Result<Option<Vehicle>> {
    let sql = format!(
        "SELECT {VEHICLE_COLUMNS} FROM vehicles \
         WHERE country = $1 AND plate_key = $2 AND plate_colour = $3"
    );
    Ok(
        on!(tx, c => sqlx::query_as(&sql).bind(country).bind(plate_key).bind(plate_colour)
        .fetch_optional(c).await?),
    )
}

/// Every entry carrying this number, of any colour (and, without `country`, of any country);
/// a handful at most, oldest first.
pub async fn vehicles_by_number(
    tx: &mut Tx,
    country: Option<&str>,
    plate_key: &str,
) -> Result<Vec<Vehicle>> {
    let sql = format!(
        "SELECT {VEHICLE_COLUMNS} FROM vehicles WHERE plate_key = $1 {} ORDER BY id LIMIT 16",
        if country.is_some() {
            "AND country = $2"
        } else {
            ""
        }
    );
    Ok(on!(tx, c => {
        let q = sqlx::query_as(&sql).bind(plate_key);
        match country {
            Some(country) => q.bind(country),
            None => q,
        }
        .fetch_all(c)
        .await?
    }))
}

pub async fn vehicle(tx: &mut Tx, id: i64) -> Result<Option<Vehicle>> {
    let sql = format!("SELECT {VEHICLE_COLUMNS} FROM vehicles WHERE id = $1");
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(id).fetch_optional(c).await?))
}

// ---- violations ----------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Violation {
    pub id: i64,
    pub capture_id: i64,
    pub unit_id: i64,
    pub unit_path: String,
    pub country: String,
    pub outcome: String,
    pub plate: String,
    pub plate_key: String,
    pub plate_colour: String,
    pub violation_code: String,
    pub occurred_at: DateTime<Utc>,
    pub place: String,
    pub fine_minor: i64,
    pub currency: String,
    pub points: i32,
    pub procedure: String,
    pub state: String,
    pub vehicle_id: Option<i64>,
    pub party: String,
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
    pub country: String,
    pub outcome: String,
    pub plate: String,
    pub plate_key: String,
    pub plate_colour: String,
    pub violation_code: String,
    pub occurred_at: DateTime<Utc>,
    pub place: String,
    pub fine_minor: i64,
    pub currency: String,
    pub points: i32,
    pub procedure: String,
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
        .bind(n.capture_id).bind(n.unit_id.0).bind(n.unit_path.as_str()).bind(&n.country)
        .bind(&n.outcome).bind(&n.plate).bind(&n.plate_key).bind(&n.plate_colour)
        .bind(&n.violation_code).bind(n.occurred_at).bind(&n.place).bind(n.fine_minor)
        .bind(&n.currency).bind(n.points).bind(&n.procedure).bind(n.vehicle_id)
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
    state: Option<&str>,
    limit: i64,
) -> Result<Vec<Violation>> {
    let (low, high) = path_range(scope.as_str());
    let sql = format!(
        "SELECT {COLUMNS} FROM violations WHERE unit_path >= $1 AND unit_path < $2 \
         AND ($3 = '' OR state = $3) ORDER BY occurred_at DESC, id DESC LIMIT $4"
    );
    Ok(on!(tx, c => sqlx::query_as(&sql)
        .bind(&low).bind(&high).bind(state.unwrap_or("")).bind(limit).fetch_all(c).await?))
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
pub async fn save(tx: &mut Tx, v: &Violation, expected_state: &str) -> Result<bool> {
    let sql = "UPDATE violations SET state = $1, party = $2, driver_name = $3, notified_at = $4, \
        handle_by = $5, extended_until = $6, decided_at = $7, payment_due = $8, paid_at = $9, \
        paid_minor = $10, late_fee_minor = $11, intended_notice_on = $12, responded = $13, \
        announced_on = $14, eliminated_at = $15, elimination_reason = $16, updated_at = $17, \
        elimination_verified_at = $20, elimination_verified_reason = $21, \
        elimination_due_at = $22, next_step_at = $23, service_announced_on = $24 \
        WHERE id = $18 AND state = $19";
    let n = on!(tx, c => sqlx::query(sql)
        .bind(&v.state).bind(&v.party).bind(&v.driver_name).bind(v.notified_at).bind(v.handle_by)
        .bind(v.extended_until).bind(v.decided_at).bind(v.payment_due).bind(v.paid_at)
        .bind(v.paid_minor).bind(v.late_fee_minor).bind(v.intended_notice_on).bind(v.responded)
        .bind(v.announced_on).bind(v.eliminated_at).bind(&v.elimination_reason).bind(v.updated_at)
        .bind(v.id).bind(expected_state)
        .bind(v.elimination_verified_at).bind(&v.elimination_verified_reason)
        .bind(v.elimination_due_at).bind(v.next_step_at).bind(v.service_announced_on)
        .execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// NOT-03: the open records that may block inspection (the service applies the country rule).
/// NOT-03: open records of `country` (CN, VN) that may block an inspection.
pub async fn blocking_candidates(
    tx: &mut Tx,
    country: &str,
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
        .bind(plate_key.unwrap_or("")).bind(after_id).bind(limit).bind(country)
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

// ---- the notice outbox (NOT-01) ----------------------------------------------------------

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Notice {
    pub id: i64,
    pub violation_id: i64,
    pub channel: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub language: String,
    pub state: String,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: String,
    pub blob_id: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

const NOTICE_COLUMNS: &str =
    "id, violation_id, channel, recipient, subject, body, language, state, \
    attempts, next_attempt_at, last_error, blob_id, sent_at, created_at";

#[derive(Debug, Clone)]
pub struct NewNotice<'a> {
    pub violation_id: i64,
    pub channel: &'a str,
    pub recipient: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub language: &'a str,
    pub blob_id: Option<&'a str>,
}

pub async fn enqueue_notice(tx: &mut Tx, n: &NewNotice<'_>, now: DateTime<Utc>) -> Result<i64> {
    let sql = "INSERT INTO notices (violation_id, channel, recipient, subject, body, language, state, \
        next_attempt_at, blob_id, created_at) VALUES ($1,$2,$3,$4,$5,$6,'queued',$7,$8,$7) RETURNING id";
    Ok(on!(tx, c => sqlx::query_scalar(sql)
        .bind(n.violation_id).bind(n.channel).bind(n.recipient).bind(n.subject).bind(n.body)
        .bind(n.language).bind(now).bind(n.blob_id).fetch_one(c).await?))
}

/// Takes up to `limit` due notices and pushes their next attempt to `lease_until`, so a
/// crashed sender's notices come back on their own and two senders never share one. The
/// outcome of each is recorded against the same `lease_until` ([`Lease`]): pass it truncated
/// to the microsecond ([`crate::truncate_micros`]) so it compares equal on both databases.
pub async fn lease_due_notices(
    tx: &mut Tx,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<Notice>> {
    let lock = match tx.backend() {
        crate::Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        crate::Backend::Sqlite => "",
    };
    let sql = format!(
        "SELECT {NOTICE_COLUMNS} FROM notices WHERE state = 'queued' AND next_attempt_at <= $1 \
         ORDER BY next_attempt_at, id LIMIT $2{lock}"
    );
    let due: Vec<Notice> =
        on!(tx, c => sqlx::query_as(&sql).bind(now).bind(limit).fetch_all(c).await?);
    if due.is_empty() {
        return Ok(due);
    }
    let ids: Vec<i64> = due.iter().map(|n| n.id).collect();
    let sql = format!(
        "UPDATE notices SET next_attempt_at = $1, attempts = attempts + 1 WHERE id IN ({})",
        id_list(&ids)
    );
    on!(tx, c => sqlx::query(&sql).bind(lease_until).execute(c).await?.rows_affected());
    Ok(due)
}

/// Which lease of a notice an outcome belongs to: the notice and the `lease_until` that
/// [`lease_due_notices`] wrote into `next_attempt_at`. An outcome whose lease was lost (it ran
/// out and another sender took the notice, or a clerk re-queued it) changes nothing, so a slow
/// sender never overwrites a newer attempt's result.
#[derive(Debug, Clone, Copy)]
pub struct Lease {
    pub notice_id: i64,
    pub until: DateTime<Utc>,
}

/// A notice went out: the words sent are kept with it (and a letter's PDF by its blob id).
/// False when the lease was lost.
pub async fn notice_sent(
    tx: &mut Tx,
    lease: Lease,
    blob_id: Option<&str>,
    subject: &str,
    body: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let sql = "UPDATE notices SET state = 'sent', sent_at = $1, last_error = '', blob_id = $2, \
        subject = $3, body = $4 WHERE id = $5 AND state = 'queued' AND next_attempt_at = $6";
    let n = on!(tx, c => sqlx::query(sql).bind(now).bind(blob_id).bind(subject).bind(body)
        .bind(lease.notice_id).bind(lease.until).execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// Puts a given-up notice back in the queue (the clerk fixed the address, the gateway is back).
pub async fn requeue_notice(tx: &mut Tx, id: i64, now: DateTime<Utc>) -> Result<bool> {
    let sql = "UPDATE notices SET state = 'queued', attempts = 0, next_attempt_at = $1 \
        WHERE id = $2 AND state = 'failed'";
    let n = on!(tx, c => sqlx::query(sql).bind(now).bind(id).execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// Notices in a state under `scope`, newest first (the clerk's list of failures).
pub async fn notices_in_scope(
    tx: &mut Tx,
    scope: &UnitPath,
    state: &str,
    limit: i64,
) -> Result<Vec<Notice>> {
    let (low, high) = path_range(scope.as_str());
    let sql = "SELECT n.id, n.violation_id, n.channel, n.recipient, n.subject, n.body, n.language, n.state, \
         n.attempts, n.next_attempt_at, n.last_error, n.blob_id, n.sent_at, n.created_at \
         FROM notices n JOIN violations v ON v.id = n.violation_id \
         WHERE v.unit_path >= $1 AND v.unit_path < $2 AND n.state = $3 ORDER BY n.id DESC LIMIT $4";
    Ok(
        on!(tx, c => sqlx::query_as(sql).bind(&low).bind(&high).bind(state).bind(limit).fetch_all(c).await?),
    )
}

/// A failed attempt: retried at `retry_at`, or given up (`failed`) when `None`. False when
/// the lease was lost.
pub async fn notice_failed(
    tx: &mut Tx,
    lease: Lease,
    error: &str,
    retry_at: Option<DateTime<Utc>>,
) -> Result<bool> {
    let sql = match retry_at {
        Some(_) => {
            "UPDATE notices SET last_error = $1, next_attempt_at = $2 \
            WHERE id = $3 AND state = 'queued' AND next_attempt_at = $4"
        }
        None => {
            "UPDATE notices SET last_error = $1, state = 'failed', \
            next_attempt_at = COALESCE($2, next_attempt_at) \
            WHERE id = $3 AND state = 'queued' AND next_attempt_at = $4"
        }
    };
    let n = on!(tx, c => sqlx::query(sql).bind(error).bind(retry_at).bind(lease.notice_id)
        .bind(lease.until).execute(c).await?.rows_affected());
    Ok(n == 1)
}

pub async fn notices_of(tx: &mut Tx, violation: i64) -> Result<Vec<Notice>> {
    let sql = format!("SELECT {NOTICE_COLUMNS} FROM notices WHERE violation_id = $1 ORDER BY id");
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(violation).fetch_all(c).await?))
}

pub async fn notice(tx: &mut Tx, id: i64) -> Result<Option<Notice>> {
    let sql = format!("SELECT {NOTICE_COLUMNS} FROM notices WHERE id = $1");
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(id).fetch_optional(c).await?))
}

/// Counts by state, for the clerk's page and the benchmark.
pub async fn notice_counts(tx: &mut Tx) -> Result<Vec<(String, i64)>> {
    let sql = "SELECT state, COUNT(*) FROM notices GROUP BY state ORDER BY state";
    Ok(on!(tx, c => sqlx::query_as(sql).fetch_all(c).await?))
}

// ---- objections (APL-01..03) ---------------------------------------------------------------

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Objection {
    pub id: i64,
    pub violation_id: i64,
    pub unit_id: i64,
    pub unit_path: String,
    pub channel: String,
    pub received_unit_id: Option<i64>,
    pub text: String,
    pub contact: String,
    pub photos: String,
    pub state: String,
    pub received_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub decided_by: Option<i64>,
    pub decided_at: Option<DateTime<Utc>>,
    pub reply: String,
    /// APL-02: when the deadline job found the decision late.
    pub late_at: Option<DateTime<Utc>>,
}

const OBJECTION_COLUMNS: &str = "id, violation_id, unit_id, unit_path, channel, received_unit_id, \
    text, contact, photos, state, received_at, due_at, decided_by, decided_at, reply, late_at";

#[derive(Debug, Clone)]
pub struct NewObjection<'a> {
    pub violation_id: i64,
    pub unit_id: i64,
    pub unit_path: &'a str,
    pub channel: &'a str,
    pub received_unit_id: Option<i64>,
    pub text: &'a str,
    pub contact: &'a str,
    pub photos: &'a str,
    pub received_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
}

pub async fn add_objection(tx: &mut Tx, o: &NewObjection<'_>) -> Result<i64> {
    let sql =
        "INSERT INTO objections (violation_id, unit_id, unit_path, channel, received_unit_id, \
        text, contact, photos, state, received_at, due_at) \
        VALUES ($1,$2,$3,$4,$5,$6,$7,$8,'received',$9,$10) RETURNING id";
    Ok(on!(tx, c => sqlx::query_scalar(sql)
        .bind(o.violation_id).bind(o.unit_id).bind(o.unit_path).bind(o.channel)
        .bind(o.received_unit_id).bind(o.text).bind(o.contact).bind(o.photos)
        .bind(o.received_at).bind(o.due_at).fetch_one(c).await?))
}

pub async fn objection(tx: &mut Tx, id: i64) -> Result<Option<Objection>> {
    let sql = format!("SELECT {OBJECTION_COLUMNS} FROM objections WHERE id = $1");
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(id).fetch_optional(c).await?))
}

pub async fn objections_of(tx: &mut Tx, violation: i64) -> Result<Vec<Objection>> {
    let sql =
        format!("SELECT {OBJECTION_COLUMNS} FROM objections WHERE violation_id = $1 ORDER BY id");
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(violation).fetch_all(c).await?))
}

pub async fn objections_in_scope(
    tx: &mut Tx,
    scope: &UnitPath,
    state: Option<&str>,
    limit: i64,
) -> Result<Vec<Objection>> {
    let (low, high) = path_range(scope.as_str());
    let sql = format!(
        "SELECT {OBJECTION_COLUMNS} FROM objections WHERE unit_path >= $1 AND unit_path < $2 \
         AND ($3 = '' OR state = $3) ORDER BY due_at, id LIMIT $4"
    );
    Ok(on!(tx, c => sqlx::query_as(&sql)
        .bind(&low).bind(&high).bind(state.unwrap_or("")).bind(limit).fetch_all(c).await?))
}

/// APL-02: objections past their decision deadline, not yet flagged.
pub async fn late_objections(
    tx: &mut Tx,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<Objection>> {
    let sql = format!(
        "SELECT {OBJECTION_COLUMNS} FROM objections WHERE state = 'received' AND late_at IS NULL \
         AND due_at <= $1 ORDER BY due_at, id LIMIT $2"
    );
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(now).bind(limit).fetch_all(c).await?))
}

/// Flags a late objection decision once; false when it was flagged already.
pub async fn flag_objection_late(tx: &mut Tx, id: i64, now: DateTime<Utc>) -> Result<bool> {
    let sql = "UPDATE objections SET late_at = $2 WHERE id = $1 AND late_at IS NULL";
    Ok(on!(tx, c => sqlx::query(sql).bind(id).bind(now).execute(c).await?.rows_affected()) == 1)
}

pub async fn decide_objection(
    tx: &mut Tx,
    id: i64,
    state: &str,
    by: UserId,
    reply: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let sql = "UPDATE objections SET state = $1, decided_by = $2, decided_at = $3, reply = $4 \
        WHERE id = $5 AND state = 'received'";
    let n = on!(tx, c => sqlx::query(sql).bind(state).bind(by.0).bind(now).bind(reply).bind(id)
        .execute(c).await?.rows_affected());
    Ok(n == 1)
}
