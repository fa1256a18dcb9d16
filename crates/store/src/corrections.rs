//! DAT-01 data-modification requests, and the one path that changes a violation's facts
//! (SEC-06): the database refuses any other (migration 0017's triggers).

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

pub struct NewCorrection<'a> {
    pub violation_id: i64,
    pub unit_id: i64,
    pub unit_path: &'a str,
    pub changes: &'a Changes,
    pub reason: &'a str,
    pub requested_by: UserId,
    pub requested_at: DateTime<Utc>,
}

pub async fn insert(tx: &mut Tx, n: &NewCorrection<'_>) -> Result<i64> {
    let sql = "INSERT INTO corrections (violation_id, unit_id, unit_path, changes, reason, state, \
        requested_by, requested_at) VALUES ($1,$2,$3,$4,$5,'requested',$6,$7) RETURNING id";
    let changes = n.changes.to_json();
    Ok(on!(tx, c => sqlx::query_scalar(sql)
        .bind(n.violation_id).bind(n.unit_id).bind(n.unit_path).bind(&changes).bind(n.reason)
        .bind(n.requested_by.0).bind(n.requested_at)
        .fetch_one(c).await?))
}

pub async fn get(tx: &mut Tx, id: i64) -> Result<Option<Correction>> {
    let sql = format!("SELECT {COLUMNS} FROM corrections WHERE id = $1");
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(id).fetch_optional(c).await?))
}

/// The requests of one record, oldest first.
pub async fn of_violation(tx: &mut Tx, violation: i64) -> Result<Vec<Correction>> {
    let sql =
        format!("SELECT {COLUMNS} FROM corrections WHERE violation_id = $1 ORDER BY id LIMIT 200");
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

/// SEC-06 / DAT-01: carries out the approved correction `id` on its record, in the caller's
/// transaction: names the correction to the trigger (a session setting on PostgreSQL, the
/// `correction_in_progress` row on SQLite), writes the facts, marks the request executed with
/// the before/after values, and clears the mark. False when the request is not approved.
pub async fn execute(
    tx: &mut Tx,
    id: i64,
    violation: i64,
    facts: &FactUpdate,
    changes: &Changes,
    by: UserId,
    now: DateTime<Utc>,
) -> Result<bool> {
    mark(tx, Some(id)).await?;
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
    let sql = "UPDATE corrections SET state = 'executed', executed_by = $2, executed_at = $3, \
        changes = $4 WHERE id = $1 AND state = 'approved'";
    let n = on!(tx, c => sqlx::query(sql).bind(id).bind(by.0).bind(now).bind(changes.to_json())
        .execute(c).await?.rows_affected());
    mark(tx, None).await?;
    Ok(n == 1)
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
