//! REV-05: reports from the public. The report itself is a capture (source `public_report`,
//! no device); this table keeps who reported it (their proven phone) and from where, and the
//! one-time codes that prove a phone before a report is accepted.

use chrono::{DateTime, Utc};
use roadwarden_domain::UnitId;
use serde::Serialize;

use crate::{on, Result, Tx};

/// The reporter behind a public report.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Reporter {
    pub capture_id: i64,
    pub unit_id: i64,
    pub phone: String,
    pub source_ip: String,
    pub lang: String,
    pub created_at: DateTime<Utc>,
}

/// Links a capture to its reporter.
pub async fn insert(
    tx: &mut Tx,
    capture_id: i64,
    unit: UnitId,
    phone: &str,
    source_ip: &str,
    lang: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let sql =
        "INSERT INTO public_reports (capture_id, unit_id, phone, source_ip, lang, created_at) \
        VALUES ($1,$2,$3,$4,$5,$6)";
    on!(tx, c => sqlx::query(sql).bind(capture_id).bind(unit.0).bind(phone).bind(source_ip)
        .bind(lang).bind(now).execute(c).await?.rows_affected());
    Ok(())
}

/// The reporter of a capture, when it is a public report.
pub async fn reporter(tx: &mut Tx, capture_id: i64) -> Result<Option<Reporter>> {
    let sql = "SELECT capture_id, unit_id, phone, source_ip, lang, created_at FROM public_reports \
        WHERE capture_id = $1";
    Ok(on!(tx, c => sqlx::query_as(sql).bind(capture_id).fetch_optional(c).await?))
}

/// Reports accepted since `since` from this phone, or (without a phone) from this address.
pub async fn count_since(
    tx: &mut Tx,
    phone: Option<&str>,
    source_ip: Option<&str>,
    since: DateTime<Utc>,
) -> Result<i64> {
    count_in(tx, "public_reports", phone, source_ip, since).await
}

/// Rows of `table` since `since` for this phone, or (without a phone) from this address.
async fn count_in(
    tx: &mut Tx,
    table: &'static str,
    phone: Option<&str>,
    source_ip: Option<&str>,
    since: DateTime<Utc>,
) -> Result<i64> {
    let (column, value) = match (phone, source_ip) {
        (Some(p), _) => ("phone", p),
        (None, Some(ip)) => ("source_ip", ip),
        (None, None) => return Ok(0),
    };
    let sql = format!("SELECT COUNT(*) FROM {table} WHERE {column} = $1 AND created_at > $2");
    Ok(on!(tx, c => sqlx::query_scalar(&sql).bind(value).bind(since).fetch_one(c).await?))
}

/// A one-time code as stored (only its hash).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Code {
    pub id: i64,
    pub phone: String,
    pub code_hash: String,
    pub expires_at: DateTime<Utc>,
    pub attempts: i32,
    pub used_at: Option<DateTime<Utc>>,
}

/// Stores a new code for `phone`; returns its id.
pub async fn add_code(
    tx: &mut Tx,
    phone: &str,
    code_hash: &str,
    source_ip: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<i64> {
    let sql = "INSERT INTO public_report_codes (phone, code_hash, source_ip, created_at, \
        expires_at) VALUES ($1,$2,$3,$4,$5) RETURNING id";
    Ok(
        on!(tx, c => sqlx::query_scalar(sql).bind(phone).bind(code_hash).bind(source_ip)
        .bind(now).bind(expires_at).fetch_one(c).await?),
    )
}

/// Sets the hash of a code once its id is known (the hash covers the id).
pub async fn set_code_hash(tx: &mut Tx, id: i64, code_hash: &str) -> Result<()> {
    let sql = "UPDATE public_report_codes SET code_hash = $2 WHERE id = $1";
    on!(tx, c => sqlx::query(sql).bind(id).bind(code_hash).execute(c).await?.rows_affected());
    Ok(())
}

/// Codes requested since `since` for this phone, or from this address.
pub async fn codes_since(
    tx: &mut Tx,
    phone: Option<&str>,
    source_ip: Option<&str>,
    since: DateTime<Utc>,
) -> Result<i64> {
    count_in(tx, "public_report_codes", phone, source_ip, since).await
}

/// The newest unused, unexpired code of `phone`.
pub async fn live_code(tx: &mut Tx, phone: &str, now: DateTime<Utc>) -> Result<Option<Code>> {
    let sql =
        "SELECT id, phone, code_hash, expires_at, attempts, used_at FROM public_report_codes \
        WHERE phone = $1 AND used_at IS NULL AND expires_at > $2 ORDER BY id DESC LIMIT 1";
    Ok(on!(tx, c => sqlx::query_as(sql).bind(phone).bind(now).fetch_optional(c).await?))
}

/// Takes one of a code's tries, if any is left: false when `max` are spent. Taken before the
/// code is compared, so parallel guesses cannot get more tries than `max` between them.
pub async fn take_attempt(tx: &mut Tx, id: i64, max: i32) -> Result<bool> {
    let sql =
        "UPDATE public_report_codes SET attempts = attempts + 1 WHERE id = $1 AND attempts < $2";
    let n = on!(tx, c => sqlx::query(sql).bind(id).bind(max).execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// Uses a code up; false when another request used it first.
pub async fn use_code(tx: &mut Tx, id: i64, now: DateTime<Utc>) -> Result<bool> {
    let sql = "UPDATE public_report_codes SET used_at = $2 WHERE id = $1 AND used_at IS NULL";
    let n = on!(tx, c => sqlx::query(sql).bind(id).bind(now).execute(c).await?.rows_affected());
    Ok(n == 1)
}
