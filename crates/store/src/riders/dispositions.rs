//! RID-09, RID-10: the measures a tier called for, each with its state: reminders sent, and
//! requests to outside systems sent and read back.

use chrono::{DateTime, Utc};
use roadwarden_domain::rider::{Disposition, MeasureState, RiderTier};
use roadwarden_domain::RiderPersonId;

use crate::{on, Result, Tx};

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct RiderDisposition {
    pub id: i64,
    #[sqlx(try_from = "i64")]
    pub person_id: RiderPersonId,
    #[sqlx(try_from = "String")]
    pub disposition: Disposition,
    #[sqlx(try_from = "String")]
    pub tier: RiderTier,
    #[sqlx(try_from = "String")]
    pub state: MeasureState,
    /// The outside system's reference for the request, once it answered.
    pub external_ref: String,
    pub attempts: i32,
    /// The last error or the read-back, for the officer.
    pub detail: String,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub confirmed_at: Option<DateTime<Utc>>,
    /// A reminder: when it is next due (the end of a sender's lease while one holds it).
    pub next_at: Option<DateTime<Utc>>,
    /// A reminder: a stable code for its outcome (`no_phone`, `gateway_failed`, `retrying`).
    pub reason: String,
}

const COLUMNS: &str = "id, person_id, disposition, tier, state, external_ref, attempts, detail, \
    created_at, sent_at, confirmed_at, next_at, reason";

/// Records a measure, pending.
pub async fn insert(
    tx: &mut Tx,
    person: RiderPersonId,
    disposition: Disposition,
    tier: RiderTier,
    at: DateTime<Utc>,
) -> Result<i64> {
    let sql = "INSERT INTO rider_dispositions (person_id, disposition, tier, state, created_at) \
        VALUES ($1,$2,$3,$4,$5) RETURNING id";
    Ok(
        on!(tx, c => sqlx::query_scalar(sql).bind(person.0).bind(disposition.as_str())
        .bind(tier.as_str()).bind(MeasureState::Pending.as_str()).bind(at).fetch_one(c).await?),
    )
}

/// Moves a measure from `from` to `to` (counting an attempt), noting the outside reference and
/// detail. Sets `sent_at` or `confirmed_at` when it reaches those states. False when another
/// worker moved it first.
pub async fn set_state(
    tx: &mut Tx,
    id: i64,
    from: MeasureState,
    to: MeasureState,
    external_ref: &str,
    detail: &str,
    at: DateTime<Utc>,
) -> Result<bool> {
    let sql = "UPDATE rider_dispositions SET state = $3, external_ref = $4, detail = $5, \
        attempts = attempts + 1, \
        sent_at = CASE WHEN $3 = 'sent' THEN $6 ELSE sent_at END, \
        confirmed_at = CASE WHEN $3 = 'confirmed' THEN $6 ELSE confirmed_at END \
        WHERE id = $1 AND state = $2";
    let n = on!(tx, c => sqlx::query(sql).bind(id).bind(from.as_str()).bind(to.as_str())
        .bind(external_ref).bind(detail).bind(at).execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// Measures still to send or to read back, oldest first (at most `limit`, up to 500).
pub async fn list_open(tx: &mut Tx, limit: i64) -> Result<Vec<RiderDisposition>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM rider_dispositions WHERE state IN ($1, $2) \
         ORDER BY created_at, id LIMIT $3"
    );
    Ok(
        on!(tx, c => sqlx::query_as(&sql).bind(MeasureState::Pending.as_str())
        .bind(MeasureState::Sent.as_str()).bind(limit.clamp(1, 500)).fetch_all(c).await?),
    )
}

/// A person's measures, newest first (at most 200).
pub async fn list_for_person(tx: &mut Tx, person: RiderPersonId) -> Result<Vec<RiderDisposition>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM rider_dispositions WHERE person_id = $1 \
         ORDER BY created_at DESC, id DESC LIMIT $2"
    );
    Ok(
        on!(tx, c => sqlx::query_as(&sql).bind(person.0).bind(crate::list::MAX_PER_PAGE)
        .fetch_all(c).await?),
    )
}

/// RID-09: takes up to `limit` pending reminders of `kinds` that are due, for one sender, until
/// `lease_until`: their `next_at` moves there, so no other sender takes them meanwhile and a
/// sender that dies leaves them to come back when the lease ends.
pub async fn lease_due_reminders(
    tx: &mut Tx,
    kinds: &[Disposition],
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<RiderDisposition>> {
    if kinds.is_empty() {
        return Ok(Vec::new());
    }
    let lock = match tx.backend() {
        crate::Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        crate::Backend::Sqlite => "",
    };
    let marks: Vec<String> = (0..kinds.len()).map(|i| format!("${}", i + 4)).collect();
    let sql = format!(
        "SELECT {COLUMNS} FROM rider_dispositions WHERE state = $1 \
         AND (next_at IS NULL OR next_at <= $2) AND disposition IN ({}) \
         ORDER BY created_at, id LIMIT $3{lock}",
        marks.join(", ")
    );
    let due: Vec<RiderDisposition> = on!(tx, c => {
        let mut q = sqlx::query_as(&sql).bind(MeasureState::Pending.as_str()).bind(now)
            .bind(limit.clamp(1, 500));
        for k in kinds {
            q = q.bind(k.as_str());
        }
        q.fetch_all(c).await?
    });
    for r in &due {
        let sql = "UPDATE rider_dispositions SET next_at = $1 WHERE id = $2";
        on!(tx, c => sqlx::query(sql).bind(lease_until).bind(r.id).execute(c).await?
            .rows_affected());
    }
    Ok(due)
}

/// What one attempt at a reminder came to.
#[derive(Debug, Clone)]
pub struct ReminderOutcome<'a> {
    /// `Sent`, `Failed`, or `Pending` to be tried again at `next_at`.
    pub state: MeasureState,
    pub next_at: Option<DateTime<Utc>>,
    pub reason: &'a str,
    /// The gateway's reference or answer, for the officer.
    pub external_ref: &'a str,
    pub detail: &'a str,
}

/// Writes an attempt's outcome, counting it, if the lease `lease_until` still holds the
/// reminder. False when the lease was lost (another sender took it): nothing was written.
pub async fn settle_reminder(
    tx: &mut Tx,
    id: i64,
    lease_until: DateTime<Utc>,
    outcome: &ReminderOutcome<'_>,
    at: DateTime<Utc>,
) -> Result<bool> {
    let sql = "UPDATE rider_dispositions SET state = $3, next_at = $4, reason = $5, \
        external_ref = $6, detail = $7, attempts = attempts + 1, \
        sent_at = CASE WHEN $3 = 'sent' THEN $8 ELSE sent_at END \
        WHERE id = $1 AND state = 'pending' AND next_at = $2";
    let n = on!(tx, c => sqlx::query(sql).bind(id).bind(lease_until)
        .bind(outcome.state.as_str()).bind(outcome.next_at).bind(outcome.reason)
        .bind(outcome.external_ref).bind(outcome.detail).bind(at).execute(c).await?
        .rows_affected());
    Ok(n == 1)
}
