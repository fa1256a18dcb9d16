//! Messages to the people of a unit who hold a role (or to one person): what a deadline job
//! escalates shows on their overview until someone marks it read.

use chrono::{DateTime, Utc};
use roadwarden_domain::{UnitId, UserId};
use serde::Serialize;

use crate::list::Window;
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
        created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8) ON CONFLICT DO NOTHING";
    let n = on!(tx, c => sqlx::query(sql)
        .bind(m.unit_id.0).bind(m.role).bind(m.kind).bind(m.rule).bind(m.subject_type)
        .bind(m.subject_id).bind(m.detail).bind(now).execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// Adds a message for one event: to one person (`user`, at `m.unit_id`) or to the unit's
/// holders of `m.role`, once per `event_key` (a job that runs twice does not message twice;
/// the same kind of event on the same subject later is a new message). Returns whether it was
/// added.
pub async fn add_event(
    tx: &mut Tx,
    m: &NewMessage<'_>,
    user: Option<UserId>,
    event_key: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let sql = "INSERT INTO messages (unit_id, role, user_id, kind, rule, subject_type, \
        subject_id, detail, event_key, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) \
        ON CONFLICT DO NOTHING";
    let n = on!(tx, c => sqlx::query(sql)
        .bind(m.unit_id.0).bind(m.role).bind(user.map(|u| u.0)).bind(m.kind).bind(m.rule)
        .bind(m.subject_type).bind(m.subject_id).bind(m.detail).bind(event_key).bind(now)
        .execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// Who reads an inbox: a person at a unit holding roles.
#[derive(Debug, Clone, Copy)]
pub struct Reader<'a> {
    pub unit: UnitId,
    pub user: UserId,
    pub roles: &'a [&'a str],
}

/// An inbox's filter: read or unread (or both), one kind (or all).
#[derive(Debug, Clone, Default)]
pub struct InboxFilter {
    pub unread: Option<bool>,
    pub kind: Option<String>,
}

/// The WHERE clause of a reader's messages: `$1` the unit, `$2` the person; the role names
/// are the fixed identifiers of `Role::as_str`, quoted here as literals.
fn addressed_to(r: &Reader<'_>) -> String {
    let mut names: Vec<String> = r
        .roles
        .iter()
        .filter(|n| n.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        .map(|n| format!("'{n}'"))
        .collect();
    names.push("''".into());
    format!(
        "unit_id = $1 AND (user_id = $2 OR (user_id IS NULL AND role IN ({})))",
        names.join(",")
    )
}

fn filtered(r: &Reader<'_>, f: &InboxFilter) -> String {
    let mut w = addressed_to(r);
    match f.unread {
        Some(true) => w.push_str(" AND read_at IS NULL"),
        Some(false) => w.push_str(" AND read_at IS NOT NULL"),
        None => {}
    }
    if f.kind.is_some() {
        w.push_str(" AND kind = $3");
    }
    w
}

/// A page of a reader's inbox, newest first.
pub async fn inbox(
    tx: &mut Tx,
    r: &Reader<'_>,
    f: &InboxFilter,
    window: Window,
) -> Result<Vec<Message>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM messages WHERE {} ORDER BY created_at DESC, id DESC \
         LIMIT {} OFFSET {}",
        filtered(r, f),
        window.limit,
        window.offset
    );
    let kind = f.kind.clone().unwrap_or_default();
    Ok(on!(tx, c => {
        let q = sqlx::query_as(&sql).bind(r.unit.0).bind(r.user.0);
        let q = if f.kind.is_some() { q.bind(kind) } else { q };
        q.fetch_all(c).await?
    }))
}

/// How many messages the filter finds, up to `cap`.
pub async fn inbox_count(tx: &mut Tx, r: &Reader<'_>, f: &InboxFilter, cap: i64) -> Result<i64> {
    let sql = format!(
        "SELECT COUNT(*) FROM (SELECT 1 FROM messages WHERE {} LIMIT {cap}) AS capped",
        filtered(r, f)
    );
    let kind = f.kind.clone().unwrap_or_default();
    Ok(on!(tx, c => {
        let q = sqlx::query_scalar(&sql).bind(r.unit.0).bind(r.user.0);
        let q = if f.kind.is_some() { q.bind(kind) } else { q };
        q.fetch_one(c).await?
    }))
}

/// The kinds of message a reader has, for the inbox's filter.
pub async fn inbox_kinds(tx: &mut Tx, r: &Reader<'_>) -> Result<Vec<String>> {
    let sql = format!(
        "SELECT DISTINCT kind FROM messages WHERE {} ORDER BY kind LIMIT 200",
        addressed_to(r)
    );
    Ok(
        on!(tx, c => sqlx::query_scalar(&sql).bind(r.unit.0).bind(r.user.0)
        .fetch_all(c).await?),
    )
}

/// Marks every unread message of a reader read; returns how many.
pub async fn mark_all_read(tx: &mut Tx, r: &Reader<'_>, now: DateTime<Utc>) -> Result<u64> {
    let sql = format!(
        "UPDATE messages SET read_at = $3, read_by = $2 WHERE {} AND read_at IS NULL",
        addressed_to(r)
    );
    Ok(
        on!(tx, c => sqlx::query(&sql).bind(r.unit.0).bind(r.user.0).bind(now)
        .execute(c).await?.rows_affected()),
    )
}

/// SUP-06: the unit of whoever last applied the circuit breaker to a device (its device
/// history), to tell them when it is lifted.
pub async fn last_circuit_break_unit(tx: &mut Tx, device: i64) -> Result<Option<UnitId>> {
    let sql = "SELECT actor_unit_id FROM device_events WHERE device_id = $1 \
        AND to_state = 'circuit_broken' AND actor_unit_id IS NOT NULL ORDER BY at DESC, id DESC \
        LIMIT 1";
    let id: Option<i64> = on!(tx, c => sqlx::query_scalar(sql).bind(device)
        .fetch_optional(c).await?);
    Ok(id.map(UnitId))
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
