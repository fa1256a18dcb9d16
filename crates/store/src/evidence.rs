//! BWC-05..07, BWC-11: footage rows, the uploads that produce them, and retention bookkeeping.
//! The bytes live in the blob store under their SHA-256; a row is never deleted (the database
//! refuses it) and its hash never changes.

use chrono::{DateTime, Utc};
use roadwarden_domain::evidence::footage::MediaKind;
use roadwarden_domain::evidence::retention::{Category, LifeState};
use roadwarden_domain::evidence::states::{DeletionState, ReasonKind, UploadState};
use roadwarden_domain::org::UnitPath;
use roadwarden_domain::{UnitId, UserId};
use serde::Serialize;

use crate::{on, path_range, Result, Tx};

// ---- uploads in flight ------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Upload {
    pub id: String,
    pub unit_id: i64,
    pub unit_path: String,
    pub created_by: i64,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub length: i64,
    pub declared_sha256: Option<String>,
    pub upload_offset: i64,
    pub sha256: Option<String>,
    pub metadata: String,
    #[sqlx(try_from = "String")]
    pub state: UploadState,
    pub failure: String,
    pub evidence_id: Option<i64>,
}

const UPLOAD_COLUMNS: &str = "id, unit_id, unit_path, created_by, created_at, expires_at, length, \
    declared_sha256, upload_offset, sha256, metadata, state, failure, evidence_id";

pub async fn insert_upload(tx: &mut Tx, u: &Upload) -> Result<()> {
    let sql = format!(
        "INSERT INTO evidence_uploads ({UPLOAD_COLUMNS}) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)"
    );
    on!(tx, c => sqlx::query(&sql)
        .bind(&u.id).bind(u.unit_id).bind(&u.unit_path).bind(u.created_by).bind(u.created_at)
        .bind(u.expires_at).bind(u.length).bind(&u.declared_sha256).bind(u.upload_offset)
        .bind(&u.sha256).bind(&u.metadata).bind(u.state.as_str()).bind(&u.failure).bind(u.evidence_id)
        .execute(c).await?.rows_affected());
    Ok(())
}

pub async fn get_upload(tx: &mut Tx, id: &str) -> Result<Option<Upload>> {
    let sql = format!("SELECT {UPLOAD_COLUMNS} FROM evidence_uploads WHERE id = $1");
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(id).fetch_optional(c).await?))
}

/// Records the bytes durably received so far; only moves forward from the offset the caller
/// saw, so two racing appends cannot both count.
pub async fn advance_upload(tx: &mut Tx, id: &str, from: i64, to: i64) -> Result<bool> {
    let sql =
        "UPDATE evidence_uploads SET upload_offset = $1 WHERE id = $2 AND upload_offset = $3 \
        AND state = 'receiving'";
    let n = on!(tx, c => sqlx::query(sql).bind(to).bind(id).bind(from).execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// The hash of a fully received upload, kept before the bytes move into the store so a crash
/// in between can finish the job without re-reading the file.
pub async fn set_upload_sha256(tx: &mut Tx, id: &str, sha256: &str) -> Result<()> {
    let sql = "UPDATE evidence_uploads SET sha256 = $1 WHERE id = $2 AND state = 'receiving'";
    on!(tx, c => sqlx::query(sql).bind(sha256).bind(id).execute(c).await?.rows_affected());
    Ok(())
}

/// Uploads whose last byte arrived but which were never turned into footage (a crash in
/// between): the recovery pass finishes them.
pub async fn stalled_complete_uploads(tx: &mut Tx, limit: i64) -> Result<Vec<Upload>> {
    let sql = format!(
        "SELECT {UPLOAD_COLUMNS} FROM evidence_uploads WHERE state = 'receiving' \
         AND upload_offset = length ORDER BY created_at LIMIT $1"
    );
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(limit).fetch_all(c).await?))
}

pub async fn finish_upload(
    tx: &mut Tx,
    id: &str,
    state: UploadState,
    failure: &str,
    evidence_id: Option<i64>,
) -> Result<bool> {
    let sql = "UPDATE evidence_uploads SET state = $1, failure = $2, evidence_id = $3 \
        WHERE id = $4 AND state = 'receiving'";
    let n = on!(tx, c => sqlx::query(sql).bind(state.as_str()).bind(failure).bind(evidence_id).bind(id)
        .execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// Uploads abandoned past their expiry, for the clean-up job.
pub async fn expired_uploads(tx: &mut Tx, now: DateTime<Utc>, limit: i64) -> Result<Vec<String>> {
    let sql = "SELECT id FROM evidence_uploads WHERE state = 'receiving' AND expires_at <= $1 \
        ORDER BY expires_at LIMIT $2";
    Ok(on!(tx, c => sqlx::query_scalar(sql).bind(now).bind(limit).fetch_all(c).await?))
}

// ---- footage ------------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Evidence {
    pub id: i64,
    pub sha256: String,
    pub length: i64,
    #[sqlx(try_from = "String")]
    pub media_kind: MediaKind,
    pub mime: String,
    pub file_name: String,
    pub unit_id: i64,
    pub unit_path: String,
    pub officer_id: i64,
    pub recorder_id: Option<i64>,
    pub activity: String,
    pub place: String,
    pub case_ref: String,
    pub violation_id: Option<i64>,
    pub restriction: String,
    pub started_at: DateTime<Utc>,
    pub ended_at: DateTime<Utc>,
    pub duty_ended_at: DateTime<Utc>,
    pub handed_in_at: DateTime<Utc>,
    pub stored_at: DateTime<Utc>,
    pub late_hand_in: bool,
    pub late_storage: bool,
    pub uploaded_by: i64,
    pub verified_at: Option<DateTime<Utc>>,
    pub released_at: Option<DateTime<Utc>>,
    #[sqlx(try_from = "String")]
    pub retention_category: Category,
    pub purge_from: Option<DateTime<Utc>>,
    #[sqlx(try_from = "String")]
    pub life_state: LifeState,
    pub purged_at: Option<DateTime<Utc>>,
    pub restore_until: Option<DateTime<Utc>>,
    pub destroyed_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "id, sha256, length, media_kind, mime, file_name, unit_id, unit_path, \
    officer_id, recorder_id, activity, place, case_ref, violation_id, restriction, started_at, \
    ended_at, duty_ended_at, handed_in_at, stored_at, late_hand_in, late_storage, uploaded_by, \
    verified_at, released_at, retention_category, purge_from, life_state, purged_at, \
    restore_until, destroyed_at";

pub struct NewEvidence<'a> {
    pub sha256: &'a str,
    pub length: i64,
    pub media_kind: MediaKind,
    pub mime: &'a str,
    pub file_name: &'a str,
    pub unit_id: UnitId,
    pub unit_path: &'a UnitPath,
    pub officer_id: UserId,
    pub recorder_id: Option<i64>,
    pub activity: &'a str,
    pub place: &'a str,
    pub case_ref: &'a str,
    pub violation_id: Option<i64>,
    pub restriction: &'a str,
    pub started_at: DateTime<Utc>,
    pub ended_at: DateTime<Utc>,
    pub duty_ended_at: DateTime<Utc>,
    pub handed_in_at: DateTime<Utc>,
    pub stored_at: DateTime<Utc>,
    pub late_hand_in: bool,
    pub late_storage: bool,
    pub uploaded_by: UserId,
    pub retention_category: Category,
    pub purge_from: Option<DateTime<Utc>>,
}

pub async fn insert(tx: &mut Tx, e: &NewEvidence<'_>) -> Result<i64> {
    let sql =
        "INSERT INTO evidence (sha256, length, media_kind, mime, file_name, unit_id, unit_path, \
        officer_id, recorder_id, activity, place, case_ref, violation_id, restriction, started_at, \
        ended_at, duty_ended_at, handed_in_at, stored_at, late_hand_in, late_storage, uploaded_by, \
        retention_category, purge_from) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,\
        $16,$17,$18,$19,$20,$21,$22,$23,$24) RETURNING id";
    Ok(on!(tx, c => sqlx::query_scalar(sql)
        .bind(e.sha256).bind(e.length).bind(e.media_kind.as_str()).bind(e.mime).bind(e.file_name)
        .bind(e.unit_id.0).bind(e.unit_path.as_str()).bind(e.officer_id.0).bind(e.recorder_id)
        .bind(e.activity).bind(e.place).bind(e.case_ref).bind(e.violation_id).bind(e.restriction)
        .bind(e.started_at).bind(e.ended_at).bind(e.duty_ended_at).bind(e.handed_in_at)
        .bind(e.stored_at).bind(e.late_hand_in).bind(e.late_storage).bind(e.uploaded_by.0)
        .bind(e.retention_category.as_str()).bind(e.purge_from)
        .fetch_one(c).await?))
}

pub async fn get(tx: &mut Tx, id: i64) -> Result<Option<Evidence>> {
    let sql = format!("SELECT {COLUMNS} FROM evidence WHERE id = $1");
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(id).fetch_optional(c).await?))
}

pub async fn by_sha256(tx: &mut Tx, sha256: &str) -> Result<Option<Evidence>> {
    let sql = format!("SELECT {COLUMNS} FROM evidence WHERE sha256 = $1");
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(sha256).fetch_optional(c).await?))
}

pub async fn get_many(tx: &mut Tx, ids: &[i64]) -> Result<Vec<Evidence>> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(e) = get(tx, *id).await? {
            out.push(e);
        }
    }
    Ok(out)
}

/// BWC-11: the library's filters: by unit scope, and optionally day, officer and case.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub officer_id: Option<i64>,
    pub case_ref: Option<String>,
    /// kept, purged or destroyed; None = kept.
    pub life_state: Option<String>,
}

pub async fn list(tx: &mut Tx, scope: &UnitPath, f: &Filter, limit: i64) -> Result<Vec<Evidence>> {
    let (low, high) = path_range(scope.as_str());
    let sql = format!(
        "SELECT {COLUMNS} FROM evidence WHERE unit_path >= $1 AND unit_path < $2 \
         AND life_state = $3 AND ($4 IS NULL OR started_at >= $4) AND ($5 IS NULL OR started_at < $5) \
         AND ($6 IS NULL OR officer_id = $6) AND ($7 = '' OR case_ref = $7) \
         ORDER BY started_at DESC, id DESC LIMIT $8"
    );
    let state = f.life_state.as_deref().unwrap_or("kept");
    let case = f.case_ref.as_deref().unwrap_or("");
    Ok(on!(tx, c => sqlx::query_as(&sql)
        .bind(&low).bind(&high).bind(state).bind(f.from).bind(f.to).bind(f.officer_id)
        .bind(case).bind(limit).fetch_all(c).await?))
}

pub async fn for_violation(tx: &mut Tx, violation_id: i64) -> Result<Vec<i64>> {
    let sql = "SELECT id FROM evidence WHERE violation_id = $1 AND life_state = 'kept'";
    Ok(on!(tx, c => sqlx::query_scalar(sql).bind(violation_id).fetch_all(c).await?))
}

/// The stored copy was re-read and matched its hash: the recorder's copy may be wiped.
pub async fn mark_verified(tx: &mut Tx, id: i64, at: DateTime<Utc>) -> Result<bool> {
    let sql = "UPDATE evidence SET verified_at = $1, released_at = $1 WHERE id = $2 AND verified_at IS NULL";
    let n = on!(tx, c => sqlx::query(sql).bind(at).bind(id).execute(c).await?.rows_affected());
    Ok(n == 1)
}

pub async fn unverified(tx: &mut Tx, limit: i64) -> Result<Vec<Evidence>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM evidence WHERE verified_at IS NULL AND life_state = 'kept' ORDER BY id LIMIT $1"
    );
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(limit).fetch_all(c).await?))
}

pub async fn set_retention(
    tx: &mut Tx,
    id: i64,
    category: Category,
    purge_from: Option<DateTime<Utc>>,
) -> Result<()> {
    let sql = "UPDATE evidence SET retention_category = $1, purge_from = $2 WHERE id = $3";
    on!(tx, c => sqlx::query(sql).bind(category.as_str()).bind(purge_from).bind(id).execute(c).await?.rows_affected());
    Ok(())
}

/// Kept footage whose period ends before `until`: the purge (until = now) and its warning list
/// (until = now + warning days).
pub async fn due_for_purge(
    tx: &mut Tx,
    scope: &UnitPath,
    until: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<Evidence>> {
    let (low, high) = path_range(scope.as_str());
    let sql = format!(
        "SELECT {COLUMNS} FROM evidence WHERE life_state = 'kept' AND purge_from IS NOT NULL \
         AND purge_from <= $1 AND unit_path >= $2 AND unit_path < $3 ORDER BY purge_from, id LIMIT $4"
    );
    Ok(
        on!(tx, c => sqlx::query_as(&sql).bind(until).bind(&low).bind(&high).bind(limit).fetch_all(c).await?),
    )
}

/// BWC-06: the purge takes a kept file; the bytes stay until `restore_until`.
pub async fn mark_purged(
    tx: &mut Tx,
    id: i64,
    at: DateTime<Utc>,
    restore_until: DateTime<Utc>,
) -> Result<bool> {
    let sql = "UPDATE evidence SET life_state = 'purged', purged_at = $1, restore_until = $2 \
        WHERE id = $3 AND life_state = 'kept'";
    let n = on!(tx, c => sqlx::query(sql).bind(at).bind(restore_until).bind(id).execute(c).await?.rows_affected());
    Ok(n == 1)
}

pub async fn mark_restored(tx: &mut Tx, id: i64) -> Result<bool> {
    let sql = "UPDATE evidence SET life_state = 'kept', purged_at = NULL, restore_until = NULL \
        WHERE id = $1 AND life_state = 'purged'";
    let n = on!(tx, c => sqlx::query(sql).bind(id).execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// Purged files whose restore window has closed: their bytes go for good.
pub async fn due_for_destruction(
    tx: &mut Tx,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<Evidence>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM evidence WHERE life_state = 'purged' AND restore_until <= $1 \
         ORDER BY restore_until, id LIMIT $2"
    );
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(now).bind(limit).fetch_all(c).await?))
}

pub async fn mark_destroyed(tx: &mut Tx, id: i64, at: DateTime<Utc>) -> Result<bool> {
    let sql = "UPDATE evidence SET life_state = 'destroyed', destroyed_at = $1 \
        WHERE id = $2 AND life_state = 'purged'";
    let n = on!(tx, c => sqlx::query(sql).bind(at).bind(id).execute(c).await?.rows_affected());
    Ok(n == 1)
}

// ---- BWC-06 reasons: long-term triggers and legal holds -----------------------------------

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Reason {
    pub id: i64,
    pub evidence_id: i64,
    #[sqlx(try_from = "String")]
    pub kind: ReasonKind,
    pub reason_code: String,
    pub source: String,
    pub note: String,
    pub set_by: Option<i64>,
    pub set_at: DateTime<Utc>,
    pub released_by: Option<i64>,
    pub released_at: Option<DateTime<Utc>>,
}

pub struct NewReason<'a> {
    pub evidence_id: i64,
    pub kind: ReasonKind,
    pub reason_code: &'a str,
    pub source: &'a str,
    pub note: &'a str,
    pub set_by: Option<UserId>,
}

pub async fn add_reason(tx: &mut Tx, r: &NewReason<'_>, at: DateTime<Utc>) -> Result<i64> {
    let sql = "INSERT INTO evidence_reasons (evidence_id, kind, reason_code, source, note, set_by, set_at) \
        VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING id";
    Ok(on!(tx, c => sqlx::query_scalar(sql)
        .bind(r.evidence_id).bind(r.kind.as_str()).bind(r.reason_code).bind(r.source).bind(r.note)
        .bind(r.set_by.map(|u| u.0)).bind(at).fetch_one(c).await?))
}

pub async fn reasons(tx: &mut Tx, evidence_id: i64) -> Result<Vec<Reason>> {
    let sql =
        "SELECT id, evidence_id, kind, reason_code, source, note, set_by, set_at, released_by, \
        released_at FROM evidence_reasons WHERE evidence_id = $1 ORDER BY set_at, id";
    Ok(on!(tx, c => sqlx::query_as(sql).bind(evidence_id).fetch_all(c).await?))
}

pub async fn release_reason(
    tx: &mut Tx,
    id: i64,
    evidence_id: i64,
    by: UserId,
    at: DateTime<Utc>,
) -> Result<bool> {
    let sql = "UPDATE evidence_reasons SET released_by = $1, released_at = $2 \
        WHERE id = $3 AND evidence_id = $4 AND released_at IS NULL";
    let n = on!(tx, c => sqlx::query(sql).bind(by.0).bind(at).bind(id).bind(evidence_id)
        .execute(c).await?.rows_affected());
    Ok(n == 1)
}

// ---- BWC-06 early deletion -----------------------------------------------------------------

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Deletion {
    pub id: i64,
    pub evidence_id: i64,
    pub requested_by: i64,
    pub reason: String,
    pub requested_at: DateTime<Utc>,
    pub first_approver: Option<i64>,
    pub second_approver: Option<i64>,
    #[sqlx(try_from = "String")]
    pub state: DeletionState,
}

pub async fn open_deletion(tx: &mut Tx, evidence_id: i64) -> Result<Option<Deletion>> {
    let sql = "SELECT id, evidence_id, requested_by, reason, requested_at, first_approver, \
        second_approver, state FROM evidence_deletions WHERE evidence_id = $1 \
        AND state IN ('pending', 'approved')";
    Ok(on!(tx, c => sqlx::query_as(sql).bind(evidence_id).fetch_optional(c).await?))
}

pub async fn request_deletion(
    tx: &mut Tx,
    evidence_id: i64,
    by: UserId,
    reason: &str,
    at: DateTime<Utc>,
) -> Result<i64> {
    let sql =
        "INSERT INTO evidence_deletions (evidence_id, requested_by, reason, requested_at, state) \
        VALUES ($1,$2,$3,$4,'pending') RETURNING id";
    Ok(
        on!(tx, c => sqlx::query_scalar(sql).bind(evidence_id).bind(by.0).bind(reason).bind(at)
        .fetch_one(c).await?),
    )
}

/// Records an approval: the first fills `first_approver`, the second completes it.
pub async fn approve_deletion(tx: &mut Tx, d: &Deletion, approver: UserId) -> Result<bool> {
    let (sql, state) = if d.first_approver.is_none() {
        (
            "UPDATE evidence_deletions SET first_approver = $1, state = $2 WHERE id = $3 \
          AND first_approver IS NULL AND state = 'pending'",
            DeletionState::Pending,
        )
    } else {
        (
            "UPDATE evidence_deletions SET second_approver = $1, state = $2 WHERE id = $3 \
          AND second_approver IS NULL AND state = 'pending'",
            DeletionState::Approved,
        )
    };
    let n = on!(tx, c => sqlx::query(sql).bind(approver.0).bind(state.as_str()).bind(d.id)
        .execute(c).await?.rows_affected());
    Ok(n == 1)
}

pub async fn close_deletion(tx: &mut Tx, id: i64, state: DeletionState) -> Result<()> {
    let sql = "UPDATE evidence_deletions SET state = $1 WHERE id = $2";
    on!(tx, c => sqlx::query(sql).bind(state.as_str()).bind(id).execute(c).await?.rows_affected());
    Ok(())
}

/// Approved early deletions waiting for the purge job.
pub async fn approved_deletions(tx: &mut Tx, limit: i64) -> Result<Vec<Deletion>> {
    let sql = "SELECT id, evidence_id, requested_by, reason, requested_at, first_approver, \
        second_approver, state FROM evidence_deletions WHERE state = 'approved' ORDER BY id LIMIT $1";
    Ok(on!(tx, c => sqlx::query_as(sql).bind(limit).fetch_all(c).await?))
}

/// Early deletions asked for or approved, for footage in scope.
pub async fn open_deletions_in(tx: &mut Tx, scope: &UnitPath, limit: i64) -> Result<Vec<Deletion>> {
    let (low, high) = path_range(scope.as_str());
    let sql = "SELECT d.id, d.evidence_id, d.requested_by, d.reason, d.requested_at, d.first_approver, \
        d.second_approver, d.state FROM evidence_deletions d JOIN evidence e ON e.id = d.evidence_id \
        WHERE e.unit_path >= $1 AND e.unit_path < $2 AND d.state IN ('pending', 'approved') \
        ORDER BY d.requested_at, d.id LIMIT $3";
    Ok(on!(tx, c => sqlx::query_as(sql).bind(&low).bind(&high).bind(limit).fetch_all(c).await?))
}
