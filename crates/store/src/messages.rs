//! Messages to the people of a unit who hold a role (or to one person): what a deadline job
//! escalates shows on their overview until someone marks it read.

use chrono::{DateTime, Utc};
use roadwarden_domain::{UnitId, UserId};
use serde::Serialize;

use crate::{on, Result, Tx};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Message {
    pub id: i64,
    pub unit_id: i64,
    pub role: String,
    pub user_id: Option<i64>,
    pub kind: String,
    pub rule: String,
    pub subject_type: String,
    pub subject_id: String,
    pub detail: String,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "id, unit_id, role, user_id, kind, rule, subject_type, subject_id, detail, \
    created_at, read_at";

#[derive(Debug, Clone)]
pub struct NewMessage<'a> {
    pub unit_id: UnitId,
    /// The role its readers hold at the unit; '' for anyone there.
    pub role: &'a str,
    pub kind: &'a str,
    pub rule: &'a str,
    pub subject_type: &'a str,
    pub subject_id: &'a str,
    pub detail: &'a str,
}

/// Adds a message unless the same kind about the same subject already went to the same
/// recipients: returns whether it was added.
pub async fn add(tx: &mut Tx, m: &NewMessage<'_>, now: DateTime<Utc>) -> Result<bool> {
    let sql = "INSERT INTO messages (unit_id, role, kind, rule, subject_type, subject_id, detail, \
        created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8) \
        ON CONFLICT (kind, subject_type, subject_id, unit_id, role) DO NOTHING";
    let n = on!(tx, c => sqlx::query(sql)
        .bind(m.unit_id.0).bind(m.role).bind(m.kind).bind(m.rule).bind(m.subject_type)
        .bind(m.subject_id).bind(m.detail).bind(now).execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// The unread messages for a person at `unit` holding `roles`, newest first.
pub async fn unread_for(
    tx: &mut Tx,
    unit: UnitId,
    user: UserId,
    roles: &[&str],
    limit: i64,
) -> Result<Vec<Message>> {
    // Role names are the fixed identifiers of `Role::as_str`, quoted here as literals.
    let mut names: Vec<String> = roles
        .iter()
        .filter(|r| r.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        .map(|r| format!("'{r}'"))
        .collect();
    names.push("''".into());
    let sql = format!(
        "SELECT {COLUMNS} FROM messages WHERE unit_id = $1 AND read_at IS NULL \
         AND (user_id = $2 OR (user_id IS NULL AND role IN ({}))) \
         ORDER BY created_at DESC, id DESC LIMIT $3",
        names.join(",")
    );
    Ok(
        on!(tx, c => sqlx::query_as(&sql).bind(unit.0).bind(user.0).bind(limit)
        .fetch_all(c).await?),
    )
}

pub async fn get(tx: &mut Tx, id: i64) -> Result<Option<Message>> {
    let sql = format!("SELECT {COLUMNS} FROM messages WHERE id = $1");
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(id).fetch_optional(c).await?))
}

/// Marks a message read; false when it was read already.
pub async fn mark_read(tx: &mut Tx, id: i64, by: UserId, now: DateTime<Utc>) -> Result<bool> {
    let sql = "UPDATE messages SET read_at = $2, read_by = $3 WHERE id = $1 AND read_at IS NULL";
    let n = on!(tx, c => sqlx::query(sql).bind(id).bind(now).bind(by.0)
        .execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// All messages about a subject (for tests and the record's page).
pub async fn about(tx: &mut Tx, subject_type: &str, subject_id: &str) -> Result<Vec<Message>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM messages WHERE subject_type = $1 AND subject_id = $2 ORDER BY id"
    );
    Ok(
        on!(tx, c => sqlx::query_as(&sql).bind(subject_type).bind(subject_id)
        .fetch_all(c).await?),
    )
}
