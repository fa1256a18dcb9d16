//! Browser sessions and API tokens. Only the SHA-256 of a token is stored, so a copy of the
//! database does not hand out live sessions.

use chrono::{DateTime, Utc};
use roadwarden_domain::UserId;
use serde::Serialize;

use crate::{on, Result, Tx};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionKind {
    /// A browser session: HttpOnly cookie plus a CSRF token for forms.
    Browser,
    /// A bearer token for API clients.
    Api,
}

impl SessionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SessionKind::Browser => "browser",
            SessionKind::Api => "api",
        }
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Session {
    pub id: i64,
    #[serde(skip)]
    pub user_id: i64,
    pub kind: String,
    pub label: String,
    #[serde(skip)]
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub ip: String,
}

#[derive(Debug, Clone)]
pub struct NewSession<'a> {
    pub token_hash: &'a str,
    pub user_id: UserId,
    pub kind: SessionKind,
    pub label: &'a str,
    pub csrf_token: &'a str,
    pub expires_at: DateTime<Utc>,
    pub ip: &'a str,
}

const COLUMNS: &str =
    "id, user_id, kind, label, csrf_token, created_at, last_seen_at, expires_at, revoked_at, ip";

pub async fn create(tx: &mut Tx, new: &NewSession<'_>, now: DateTime<Utc>) -> Result<i64> {
    let sql = "INSERT INTO sessions (token_hash, user_id, kind, label, csrf_token, created_at, \
        last_seen_at, expires_at, ip) VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8) RETURNING id";
    Ok(on!(tx, c => sqlx::query_scalar(sql)
        .bind(new.token_hash).bind(new.user_id.0).bind(new.kind.as_str()).bind(new.label)
        .bind(new.csrf_token).bind(now).bind(new.expires_at).bind(new.ip)
        .fetch_one(c).await?))
}

/// The live session behind a token hash: not revoked, not expired.
pub async fn find_live(
    tx: &mut Tx,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<Session>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM sessions WHERE token_hash = $1 AND revoked_at IS NULL \
         AND expires_at > $2"
    );
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(token_hash).bind(now).fetch_optional(c).await?))
}

/// Marks the session seen; `expires_at` slides for browser sessions (idle timeout).
pub async fn touch(
    tx: &mut Tx,
    id: i64,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<()> {
    let sql = "UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE id = $3";
    on!(tx, c => sqlx::query(sql).bind(now).bind(expires_at).bind(id).execute(c).await?.rows_affected());
    Ok(())
}

/// Revokes one session of a user. Returns whether one was live.
pub async fn revoke(tx: &mut Tx, user: UserId, id: i64, now: DateTime<Utc>) -> Result<bool> {
    let sql = "UPDATE sessions SET revoked_at = $1 WHERE id = $2 AND user_id = $3 \
               AND revoked_at IS NULL";
    let n = on!(tx, c => sqlx::query(sql).bind(now).bind(id).bind(user.0)
        .execute(c).await?.rows_affected());
    Ok(n > 0)
}

/// Revokes every live session of a user (password change, account disabled).
pub async fn revoke_all(
    tx: &mut Tx,
    user: UserId,
    except: Option<i64>,
    now: DateTime<Utc>,
) -> Result<u64> {
    let sql = "UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL \
               AND id <> $3";
    Ok(
        on!(tx, c => sqlx::query(sql).bind(now).bind(user.0).bind(except.unwrap_or(0))
        .execute(c).await?.rows_affected()),
    )
}

/// The user's live sessions and tokens, newest first.
pub async fn list_live(tx: &mut Tx, user: UserId, now: DateTime<Utc>) -> Result<Vec<Session>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM sessions WHERE user_id = $1 AND revoked_at IS NULL \
         AND expires_at > $2 ORDER BY created_at DESC"
    );
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(user.0).bind(now).fetch_all(c).await?))
}

/// Deletes sessions that ended more than a day ago (a scheduled job).
pub async fn purge_ended(tx: &mut Tx, now: DateTime<Utc>) -> Result<u64> {
    let cutoff = now - chrono::Duration::days(1);
    let sql = "DELETE FROM sessions WHERE expires_at < $1 OR revoked_at < $1";
    Ok(on!(tx, c => sqlx::query(sql).bind(cutoff).execute(c).await?.rows_affected()))
}
