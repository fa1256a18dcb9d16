//! RID-12, RID-14: rider services. The one-time codes a rider proves their ID number with (kept
//! only as hashes; the number itself only as a hash too), the sessions that follow a proof, the
//! safety quiz's attempts and the satisfaction survey's answers.

use chrono::{DateTime, Utc};
use roadwarden_domain::org::UnitPath;
use roadwarden_domain::RiderPersonId;

use crate::{on, path_range, Result, Tx};

/// A code as stored (only its hash).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RiderCode {
    pub id: i64,
    /// NULL when no file has the number the code was asked for: no code matches it.
    pub person_id: Option<i64>,
    pub phone: String,
    pub code_hash: String,
    pub expires_at: DateTime<Utc>,
    pub attempts: i32,
}

/// What a code request is counted by (the rate limits).
#[derive(Debug, Clone, Copy)]
pub enum CodeKey<'a> {
    IdKey(&'a str),
    Phone(&'a str),
    Address(&'a str),
}

/// A new code request.
#[derive(Debug, Clone)]
pub struct NewRiderCode<'a> {
    pub id_key: &'a str,
    pub person_id: Option<RiderPersonId>,
    pub phone: &'a str,
    pub code_hash: &'a str,
    pub source_ip: &'a str,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

pub async fn add_code(tx: &mut Tx, new: &NewRiderCode<'_>) -> Result<i64> {
    let sql = "INSERT INTO rider_public_codes (id_key, person_id, phone, code_hash, source_ip, \
        created_at, expires_at) VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING id";
    Ok(
        on!(tx, c => sqlx::query_scalar(sql).bind(new.id_key).bind(new.person_id.map(|p| p.0))
        .bind(new.phone).bind(new.code_hash).bind(new.source_ip).bind(new.created_at)
        .bind(new.expires_at).fetch_one(c).await?),
    )
}

/// Sets the hash of a code once its id is known (the hash covers the id).
pub async fn set_code_hash(tx: &mut Tx, id: i64, code_hash: &str) -> Result<()> {
    let sql = "UPDATE rider_public_codes SET code_hash = $2 WHERE id = $1";
    on!(tx, c => sqlx::query(sql).bind(id).bind(code_hash).execute(c).await?.rows_affected());
    Ok(())
}

/// Code requests since `since` for this number, phone or address.
pub async fn codes_since(tx: &mut Tx, key: CodeKey<'_>, since: DateTime<Utc>) -> Result<i64> {
    let (column, value) = match key {
        CodeKey::IdKey(v) => ("id_key", v),
        CodeKey::Phone(v) => ("phone", v),
        CodeKey::Address(v) => ("source_ip", v),
    };
    let sql =
        format!("SELECT COUNT(*) FROM rider_public_codes WHERE {column} = $1 AND created_at > $2");
    Ok(on!(tx, c => sqlx::query_scalar(&sql).bind(value).bind(since).fetch_one(c).await?))
}

/// The newest unused, unexpired code asked for this number.
pub async fn live_code(tx: &mut Tx, id_key: &str, now: DateTime<Utc>) -> Result<Option<RiderCode>> {
    let sql = "SELECT id, person_id, phone, code_hash, expires_at, attempts \
        FROM rider_public_codes WHERE id_key = $1 AND used_at IS NULL AND expires_at > $2 \
        ORDER BY id DESC LIMIT 1";
    Ok(on!(tx, c => sqlx::query_as(sql).bind(id_key).bind(now).fetch_optional(c).await?))
}

/// Takes one of a code's tries, if any is left (false when `max` are spent). Taken before the
/// code is compared, so parallel guesses cannot get more tries between them.
pub async fn take_attempt(tx: &mut Tx, id: i64, max: i32) -> Result<bool> {
    let sql =
        "UPDATE rider_public_codes SET attempts = attempts + 1 WHERE id = $1 AND attempts < $2";
    let n = on!(tx, c => sqlx::query(sql).bind(id).bind(max).execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// Uses a code up; false when another request used it first.
pub async fn use_code(tx: &mut Tx, id: i64, now: DateTime<Utc>) -> Result<bool> {
    let sql = "UPDATE rider_public_codes SET used_at = $2 WHERE id = $1 AND used_at IS NULL";
    let n = on!(tx, c => sqlx::query(sql).bind(id).bind(now).execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// A live session.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RiderSession {
    pub id: i64,
    pub person_id: i64,
    pub expires_at: DateTime<Utc>,
}

pub async fn add_session(
    tx: &mut Tx,
    token_hash: &str,
    person: RiderPersonId,
    source_ip: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<i64> {
    let sql = "INSERT INTO rider_public_sessions (token_hash, person_id, source_ip, created_at, \
        expires_at) VALUES ($1,$2,$3,$4,$5) RETURNING id";
    Ok(
        on!(tx, c => sqlx::query_scalar(sql).bind(token_hash).bind(person.0).bind(source_ip)
        .bind(now).bind(expires_at).fetch_one(c).await?),
    )
}

/// The session behind a token's hash, if it has neither expired nor ended.
pub async fn session(
    tx: &mut Tx,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<RiderSession>> {
    let sql = "SELECT id, person_id, expires_at FROM rider_public_sessions \
        WHERE token_hash = $1 AND ended_at IS NULL AND expires_at > $2";
    Ok(on!(tx, c => sqlx::query_as(sql).bind(token_hash).bind(now).fetch_optional(c).await?))
}

/// Ends a session (signing out); false when it had ended already.
pub async fn end_session(tx: &mut Tx, token_hash: &str, now: DateTime<Utc>) -> Result<bool> {
    let sql = "UPDATE rider_public_sessions SET ended_at = $2 \
        WHERE token_hash = $1 AND ended_at IS NULL";
    let n = on!(tx, c => sqlx::query(sql).bind(token_hash).bind(now).execute(c).await?
        .rows_affected());
    Ok(n == 1)
}

/// A quiz drawn for a rider.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct QuizAttempt {
    pub id: i64,
    pub person_id: i64,
    /// JSON array of the question ids drawn, in the order shown.
    pub questions: String,
    pub started_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub score: Option<i32>,
    pub passed: Option<bool>,
}

pub async fn add_quiz(
    tx: &mut Tx,
    person: RiderPersonId,
    questions: &str,
    now: DateTime<Utc>,
) -> Result<i64> {
    let sql = "INSERT INTO rider_quiz_attempts (person_id, questions, started_at) \
        VALUES ($1,$2,$3) RETURNING id";
    Ok(
        on!(tx, c => sqlx::query_scalar(sql).bind(person.0).bind(questions).bind(now)
        .fetch_one(c).await?),
    )
}

pub async fn quiz(tx: &mut Tx, id: i64) -> Result<Option<QuizAttempt>> {
    let sql = "SELECT id, person_id, questions, started_at, submitted_at, score, passed \
        FROM rider_quiz_attempts WHERE id = $1";
    Ok(on!(tx, c => sqlx::query_as(sql).bind(id).fetch_optional(c).await?))
}

/// Quizzes a rider started since `since` (the rate limit).
pub async fn quizzes_since(
    tx: &mut Tx,
    person: RiderPersonId,
    since: DateTime<Utc>,
) -> Result<i64> {
    let sql = "SELECT COUNT(*) FROM rider_quiz_attempts WHERE person_id = $1 AND started_at > $2";
    Ok(on!(tx, c => sqlx::query_scalar(sql).bind(person.0).bind(since).fetch_one(c).await?))
}

/// Records a quiz's result; false when it was answered already.
pub async fn finish_quiz(
    tx: &mut Tx,
    id: i64,
    score: i32,
    passed: bool,
    now: DateTime<Utc>,
) -> Result<bool> {
    let sql = "UPDATE rider_quiz_attempts SET submitted_at = $2, score = $3, passed = $4 \
        WHERE id = $1 AND submitted_at IS NULL";
    let n = on!(tx, c => sqlx::query(sql).bind(id).bind(now).bind(score).bind(passed)
        .execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// A survey answer.
#[derive(Debug, Clone)]
pub struct NewSurvey<'a> {
    pub person_id: RiderPersonId,
    pub unit_path: &'a str,
    pub rating: i32,
    pub comment: &'a str,
    pub source: &'a str,
    pub lang: &'a str,
    pub created_at: DateTime<Utc>,
}

pub async fn add_survey(tx: &mut Tx, s: &NewSurvey<'_>) -> Result<i64> {
    let sql = "INSERT INTO rider_surveys (person_id, unit_path, rating, comment, source, lang, \
        created_at) VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING id";
    Ok(
        on!(tx, c => sqlx::query_scalar(sql).bind(s.person_id.0).bind(s.unit_path)
        .bind(s.rating).bind(s.comment).bind(s.source).bind(s.lang).bind(s.created_at)
        .fetch_one(c).await?),
    )
}

/// Survey answers a rider gave since `since` (the rate limit).
pub async fn surveys_since(
    tx: &mut Tx,
    person: RiderPersonId,
    since: DateTime<Utc>,
) -> Result<i64> {
    let sql = "SELECT COUNT(*) FROM rider_surveys WHERE person_id = $1 AND created_at > $2";
    Ok(on!(tx, c => sqlx::query_scalar(sql).bind(person.0).bind(since).fetch_one(c).await?))
}

/// RID-14: the time and rating of each answer from riders of `scope` in `[start, end)`, oldest
/// first, at most [`crate::list::MAX_ROWS`].
pub async fn ratings_in(
    tx: &mut Tx,
    scope: &UnitPath,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<Vec<(DateTime<Utc>, i32)>> {
    let (low, high) = path_range(scope.as_str());
    let sql = "SELECT created_at, rating FROM rider_surveys WHERE unit_path >= $1 \
        AND unit_path < $2 AND created_at >= $3 AND created_at < $4 \
        ORDER BY created_at, id LIMIT $5";
    Ok(
        on!(tx, c => sqlx::query_as(sql).bind(&low).bind(&high).bind(start).bind(end)
        .bind(crate::list::MAX_ROWS).fetch_all(c).await?),
    )
}

/// RID-14: the newest answers with a comment from riders of `scope` in `[start, end)`: when,
/// the rating and the comment (never who), at most `limit`.
pub async fn comments_in(
    tx: &mut Tx,
    scope: &UnitPath,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<(DateTime<Utc>, i32, String)>> {
    let (low, high) = path_range(scope.as_str());
    let sql = "SELECT created_at, rating, comment FROM rider_surveys WHERE unit_path >= $1 \
        AND unit_path < $2 AND created_at >= $3 AND created_at < $4 AND comment <> '' \
        ORDER BY created_at DESC, id DESC LIMIT $5";
    Ok(
        on!(tx, c => sqlx::query_as(sql).bind(&low).bind(&high).bind(start).bind(end)
        .bind(limit).fetch_all(c).await?),
    )
}
