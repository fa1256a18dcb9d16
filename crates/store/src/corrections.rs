//! DAT-01 data-modification requests (one or more records each, and their attachments), and
//! the one path that changes a violation's facts (SEC-06): the database refuses any other
//! (migration 0017's triggers, extended to a request's records by 0028).

use chrono::{DateTime, Utc};
use roadwarden_domain::capture::correction::CorrectionState;
use roadwarden_domain::capture::penalty::Procedure;
use roadwarden_domain::capture::plate::PlateColour;
use roadwarden_domain::org::UnitPath;
use roadwarden_domain::UserId;
use serde::{Deserialize, Serialize};

use crate::{on, path_range, Result, StoreError, Tx};

/// One field of a request: its value when asked (then when carried out) and the new value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub field: String,
    pub before: String,
    pub after: String,
}

/// The changes of a request, stored as JSON text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Changes(pub Vec<Change>);

impl TryFrom<String> for Changes {
    type Error = StoreError;
    fn try_from(raw: String) -> Result<Self> {
        serde_json::from_str(&raw)
            .map(Changes)
            .map_err(|_| StoreError::Corrupt("corrections.changes is not a change list".into()))
    }
}

impl Changes {
    fn to_json(&self) -> String {
        serde_json::to_string(&self.0).unwrap_or_else(|_| "[]".into())
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Correction {
    pub id: i64,
    pub violation_id: i64,
    pub unit_id: i64,
    pub unit_path: String,
    #[sqlx(try_from = "String")]
    pub changes: Changes,
    pub reason: String,
    #[sqlx(try_from = "String")]
    pub state: CorrectionState,
    pub requested_by: i64,
    pub requested_at: DateTime<Utc>,
    pub decided_by: Option<i64>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_reason: String,
    pub executed_by: Option<i64>,
    pub executed_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "id, violation_id, unit_id, unit_path, changes, reason, state, \
    requested_by, requested_at, decided_by, decided_at, decision_reason, executed_by, executed_at";

/// One record of a request: which violation, its unit, and its fields before and after.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct CorrectionRecord {
    pub correction_id: i64,
    pub position: i32,
    pub violation_id: i64,
    pub unit_id: i64,
    pub unit_path: String,
    #[sqlx(try_from = "String")]
    pub changes: Changes,
}

const RECORD_COLUMNS: &str =
    "r.correction_id, r.position, r.violation_id, r.unit_id, r.unit_path, r.changes";

/// A file attached to a request, kept write-once in the blob store under its SHA-256.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Attachment {
    pub id: i64,
    pub correction_id: i64,
    pub position: i32,
    pub file_name: String,
    pub mime: String,
    pub bytes: i64,
    pub sha256: String,
    pub added_by: i64,
    pub added_at: DateTime<Utc>,
}

const ATTACHMENT_COLUMNS: &str =
    "a.id, a.correction_id, a.position, a.file_name, a.mime, a.bytes, a.sha256, a.added_by, a.added_at";

/// A record to name in a new request.
pub struct NewRecord<'a> {
    pub violation_id: i64,
    pub unit_id: i64,
    pub unit_path: &'a str,
    pub changes: Changes,
}

pub struct NewCorrection<'a> {
    /// The lowest unit covering every record: who may see, decide and carry out the request.
    pub unit_id: i64,
    pub unit_path: &'a str,
    /// One or more, in the order asked; the first is also kept on the request's own row.
    pub records: &'a [NewRecord<'a>],
    pub reason: &'a str,
    pub requested_by: UserId,
    pub requested_at: DateTime<Utc>,
    /// The partner that submitted it through `writeObjectOut` (SHR-01), if any.
    pub partner_id: Option<i64>,
}

/// Files the request and its records.
pub async fn insert(tx: &mut Tx, n: &NewCorrection<'_>) -> Result<i64> {
    let first = n
        .records
        .first()
        .ok_or_else(|| StoreError::Corrupt("a correction names no record".into()))?;
    let sql = "INSERT INTO corrections (violation_id, unit_id, unit_path, changes, reason, state, \
        requested_by, requested_at, partner_id) VALUES ($1,$2,$3,$4,$5,'requested',$6,$7,$8) \
        RETURNING id";
    let changes = first.changes.to_json();
    let id: i64 = on!(tx, c => sqlx::query_scalar(sql)
        .bind(first.violation_id).bind(n.unit_id).bind(n.unit_path).bind(&changes).bind(n.reason)
        .bind(n.requested_by.0).bind(n.requested_at).bind(n.partner_id)
        .fetch_one(c).await?);
    let sql = "INSERT INTO correction_records (correction_id, position, violation_id, unit_id, \
        unit_path, changes) VALUES ($1,$2,$3,$4,$5,$6)";
    for (position, r) in (0i32..).zip(n.records) {
        let changes = r.changes.to_json();
        on!(tx, c => sqlx::query(sql).bind(id).bind(position).bind(r.violation_id)
            .bind(r.unit_id).bind(r.unit_path).bind(&changes).execute(c).await?.rows_affected());
    }
    Ok(id)
}

/// The records of a request, in the order asked.
pub async fn records(tx: &mut Tx, id: i64) -> Result<Vec<CorrectionRecord>> {
    let sql = format!(
        "SELECT {RECORD_COLUMNS} FROM correction_records r WHERE r.correction_id = $1 \
         ORDER BY r.position"
    );
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(id).fetch_all(c).await?))
}

/// The records of the requests [`in_scope`] lists (same filter, ids from `since` up).
pub async fn records_in_scope(
    tx: &mut Tx,
    scope: &UnitPath,
    state: Option<CorrectionState>,
    since: i64,
) -> Result<Vec<CorrectionRecord>> {
    let (low, high) = path_range(scope.as_str());
    let sql = format!(
        "SELECT {RECORD_COLUMNS} FROM correction_records r JOIN corrections c \
         ON c.id = r.correction_id WHERE c.unit_path >= $1 AND c.unit_path < $2 \
         AND ($3 = '' OR c.state = $3) AND c.id >= $4 ORDER BY r.correction_id, r.position"
    );
    Ok(on!(tx, c => sqlx::query_as(&sql)
        .bind(&low).bind(&high).bind(state.map_or("", CorrectionState::as_str)).bind(since)
        .fetch_all(c).await?))
}

pub struct NewAttachment<'a> {
    pub correction_id: i64,
    pub position: i32,
    pub file_name: &'a str,
    pub mime: &'a str,
    pub bytes: i64,
    pub sha256: &'a str,
    pub added_by: UserId,
    pub added_at: DateTime<Utc>,
}

/// Notes a file attached to a request (its bytes are already in the blob store).
pub async fn add_attachment(tx: &mut Tx, a: &NewAttachment<'_>) -> Result<i64> {
    let sql = "INSERT INTO correction_attachments (correction_id, position, file_name, mime, \
        bytes, sha256, added_by, added_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING id";
    Ok(
        on!(tx, c => sqlx::query_scalar(sql).bind(a.correction_id).bind(a.position)
        .bind(a.file_name).bind(a.mime).bind(a.bytes).bind(a.sha256).bind(a.added_by.0)
        .bind(a.added_at).fetch_one(c).await?),
    )
}

/// The files attached to a request, in the order attached.
pub async fn attachments(tx: &mut Tx, id: i64) -> Result<Vec<Attachment>> {
    let sql = format!(
        "SELECT {ATTACHMENT_COLUMNS} FROM correction_attachments a WHERE a.correction_id = $1 \
         ORDER BY a.position"
    );
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(id).fetch_all(c).await?))
}

/// The files attached to the requests [`in_scope`] lists (same filter, ids from `since` up).
pub async fn attachments_in_scope(
    tx: &mut Tx,
    scope: &UnitPath,
    state: Option<CorrectionState>,
    since: i64,
) -> Result<Vec<Attachment>> {
    let (low, high) = path_range(scope.as_str());
    let sql = format!(
        "SELECT {ATTACHMENT_COLUMNS} FROM correction_attachments a JOIN corrections c \
         ON c.id = a.correction_id WHERE c.unit_path >= $1 AND c.unit_path < $2 \
         AND ($3 = '' OR c.state = $3) AND c.id >= $4 ORDER BY a.correction_id, a.position"
    );
    Ok(on!(tx, c => sqlx::query_as(&sql)
        .bind(&low).bind(&high).bind(state.map_or("", CorrectionState::as_str)).bind(since)
        .fetch_all(c).await?))
}

/// One file of one request.
pub async fn attachment(tx: &mut Tx, id: i64, attachment: i64) -> Result<Option<Attachment>> {
    let sql = format!(
        "SELECT {ATTACHMENT_COLUMNS} FROM correction_attachments a \
         WHERE a.correction_id = $1 AND a.id = $2"
    );
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(id).bind(attachment).fetch_optional(c).await?))
}

pub async fn get(tx: &mut Tx, id: i64) -> Result<Option<Correction>> {
    let sql = format!("SELECT {COLUMNS} FROM corrections WHERE id = $1");
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(id).fetch_optional(c).await?))
}

/// The requests naming one record (among their records), oldest first.
pub async fn of_violation(tx: &mut Tx, violation: i64) -> Result<Vec<Correction>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM corrections WHERE id IN \
         (SELECT correction_id FROM correction_records WHERE violation_id = $1) ORDER BY id LIMIT 200"
    );
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(violation).fetch_all(c).await?))
}

/// The requests under `scope` (ORG-02), newest first, optionally of one state.
pub async fn in_scope(
    tx: &mut Tx,
    scope: &UnitPath,
    state: Option<CorrectionState>,
    limit: i64,
) -> Result<Vec<Correction>> {
    let (low, high) = path_range(scope.as_str());
    let sql = format!(
        "SELECT {COLUMNS} FROM corrections WHERE unit_path >= $1 AND unit_path < $2 \
         AND ($3 = '' OR state = $3) ORDER BY id DESC LIMIT $4"
    );
    Ok(on!(tx, c => sqlx::query_as(&sql)
        .bind(&low).bind(&high).bind(state.map_or("", CorrectionState::as_str)).bind(limit)
        .fetch_all(c).await?))
}

/// The head's decision, once: false when the request was decided meanwhile.
pub async fn decide(
    tx: &mut Tx,
    id: i64,
    to: CorrectionState,
    by: UserId,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let sql = "UPDATE corrections SET state = $2, decided_by = $3, decided_at = $4, \
        decision_reason = $5 WHERE id = $1 AND state = 'requested'";
    Ok(
        on!(tx, c => sqlx::query(sql).bind(id).bind(to.as_str()).bind(by.0).bind(now)
        .bind(reason).execute(c).await?.rows_affected())
            == 1,
    )
}

/// The facts a correction writes; `None` keeps the value.
#[derive(Debug, Clone, Default)]
pub struct FactUpdate {
    pub plate: Option<(String, String)>,
    pub plate_colour: Option<PlateColour>,
    /// The code with its tariff's fine (minor units), points and procedure.
    pub violation_code: Option<(String, i64, i32, Procedure)>,
    pub occurred_at: Option<DateTime<Utc>>,
    pub place: Option<String>,
}

/// What carrying out a request writes to one of its records.
pub struct RecordUpdate {
    pub position: i32,
    pub violation_id: i64,
    pub facts: FactUpdate,
    /// The values before (as the record held them) and after.
    pub changes: Changes,
}

/// SEC-06 / DAT-01: carries out the approved correction `id` on every one of its records, in
/// the caller's transaction (all or nothing): names the correction to the trigger (a session
/// setting on PostgreSQL, the `correction_in_progress` row on SQLite), writes the facts, keeps
/// each record's before/after values, marks the request executed, and clears the mark. False
/// when the request is not approved.
pub async fn execute(
    tx: &mut Tx,
    id: i64,
    records: &[RecordUpdate],
    by: UserId,
    now: DateTime<Utc>,
) -> Result<bool> {
    mark(tx, Some(id)).await?;
    for r in records {
        write_facts(tx, r.violation_id, &r.facts, now).await?;
        let sql = "UPDATE correction_records SET changes = $3 \
            WHERE correction_id = $1 AND position = $2";
        on!(tx, c => sqlx::query(sql).bind(id).bind(r.position).bind(r.changes.to_json())
            .execute(c).await?.rows_affected());
    }
    let first = records.first().map(|r| r.changes.to_json());
    let sql = "UPDATE corrections SET state = 'executed', executed_by = $2, executed_at = $3, \
        changes = COALESCE($4, changes) WHERE id = $1 AND state = 'approved'";
    let n = on!(tx, c => sqlx::query(sql).bind(id).bind(by.0).bind(now).bind(first)
        .execute(c).await?.rows_affected());
    mark(tx, None).await?;
    Ok(n == 1)
}

async fn write_facts(
    tx: &mut Tx,
    violation: i64,
    facts: &FactUpdate,
    now: DateTime<Utc>,
) -> Result<()> {
    let sql = "UPDATE violations SET \
        plate = COALESCE($2, plate), plate_key = COALESCE($3, plate_key), \
        plate_colour = COALESCE($4, plate_colour), violation_code = COALESCE($5, violation_code), \
        fine_minor = COALESCE($6, fine_minor), points = COALESCE($7, points), \
        procedure = COALESCE($8, procedure), occurred_at = COALESCE($9, occurred_at), \
        place = COALESCE($10, place), updated_at = $11 WHERE id = $1";
    let (plate, key) = facts.plate.clone().unzip();
    let code = facts.violation_code.as_ref();
    on!(tx, c => sqlx::query(sql).bind(violation).bind(plate).bind(key)
        .bind(facts.plate_colour.map(PlateColour::as_str))
        .bind(code.map(|v| v.0.clone())).bind(code.map(|v| v.1)).bind(code.map(|v| v.2))
        .bind(code.map(|v| v.3.as_str())).bind(facts.occurred_at).bind(facts.place.clone())
        .bind(now).execute(c).await?.rows_affected());
    Ok(())
}

/// Names (or, with `None`, clears) the correction the transaction carries out.
pub async fn mark(tx: &mut Tx, id: Option<i64>) -> Result<()> {
    match tx {
        Tx::Postgres(t) => {
            let value = id.map(|i| i.to_string()).unwrap_or_default();
            sqlx::query("SELECT set_config('roadwarden.correction', $1, true)")
                .bind(value)
                .execute(&mut **t)
                .await?;
        }
        Tx::Sqlite(t) => {
            sqlx::query("DELETE FROM correction_in_progress")
                .execute(&mut **t)
                .await?;
            if let Some(id) = id {
                sqlx::query("INSERT INTO correction_in_progress (id, request_id) VALUES (1, $1)")
                    .bind(id)
                    .execute(&mut **t)
                    .await?;
            }
        }
    }
    Ok(())
}
