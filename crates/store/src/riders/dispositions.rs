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
}

const COLUMNS: &str = "id, person_id, disposition, tier, state, external_ref, attempts, detail, \
    created_at, sent_at, confirmed_at";

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
