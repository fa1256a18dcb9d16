//! SEC-05: appending to and reading the audit chain.

use chrono::{DateTime, Utc};
use roadwarden_domain::audit::{AuditEntry, Break, ChainVerifier};
use roadwarden_domain::org::UnitPath;
use roadwarden_domain::{UnitId, UserId};
use serde::Serialize;

use crate::list::{Direction, Window, MAX_ROWS};
use crate::{on, path_range, Result, Store, Tx};

/// What a caller says happened; sequence, time and hashes are added by [`append`].
#[derive(Debug, Clone)]
pub struct NewAuditEntry {
    pub actor_user_id: Option<UserId>,
    pub actor: String,
    pub unit_id: Option<UnitId>,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub detail: serde_json::Value,
    pub ip: String,
    pub request_id: String,
}

#[derive(sqlx::FromRow)]
struct Row {
    seq: i64,
    at_micros: i64,
    actor_user_id: Option<i64>,
    actor: String,
    unit_id: Option<i64>,
    action: String,
    object_type: String,
    object_id: String,
    detail: String,
    ip: String,
    request_id: String,
    prev_hash: String,
    hash: String,
}

impl From<Row> for AuditEntry {
    fn from(r: Row) -> Self {
        AuditEntry {
            seq: r.seq,
            at_micros: r.at_micros,
            actor_user_id: r.actor_user_id,
            actor: r.actor,
            unit_id: r.unit_id,
            action: r.action,
            object_type: r.object_type,
            object_id: r.object_id,
            detail: r.detail,
            ip: r.ip,
            request_id: r.request_id,
            prev_hash: r.prev_hash,
            hash: r.hash,
        }
    }
}

const COLUMNS: &str = "seq, at_micros, actor_user_id, actor, unit_id, action, object_type, \
    object_id, detail, ip, request_id, prev_hash, hash";

/// Appends an entry inside `tx`, so it commits or rolls back with the change it records.
/// The head row is locked by the update, so concurrent appenders line up behind each other.
pub async fn append(tx: &mut Tx, new: NewAuditEntry, now: DateTime<Utc>) -> Result<AuditEntry> {
    let head_sql = "UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash";
    let (seq, prev_hash): (i64, String) =
        on!(tx, c => sqlx::query_as(head_sql).fetch_one(c).await?);
    let entry = AuditEntry {
        seq: 0,
        at_micros: now.timestamp_micros(),
        actor_user_id: new.actor_user_id.map(|u| u.0),
        actor: new.actor,
        unit_id: new.unit_id.map(|u| u.0),
        action: new.action,
        object_type: new.object_type,
        object_id: new.object_id,
        detail: new.detail.to_string(),
        ip: new.ip,
        request_id: new.request_id,
        prev_hash: String::new(),
        hash: String::new(),
    }
    .seal(Some((seq - 1, &prev_hash)));
    let insert = format!(
        "INSERT INTO audit_log ({COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
    );
    on!(tx, c => {
        sqlx::query(&insert)
            .bind(entry.seq).bind(entry.at_micros).bind(entry.actor_user_id).bind(&entry.actor)
            .bind(entry.unit_id).bind(&entry.action).bind(&entry.object_type)
            .bind(&entry.object_id).bind(&entry.detail).bind(&entry.ip).bind(&entry.request_id)
            .bind(&entry.prev_hash).bind(&entry.hash)
            .execute(&mut *c).await?;
        sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
            .bind(&entry.hash).execute(&mut *c).await?;
    });
    Ok(entry)
}

/// Filters of the audit page and API: who, what object, when.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// Keyset pagination: entries older than this sequence number.
    pub before_seq: Option<i64>,
}

/// An entry with the name of its unit, for display.
#[derive(Debug, Clone, Serialize)]
pub struct AuditListItem {
    #[serde(flatten)]
    pub entry: AuditEntry,
    pub unit_name: Option<String>,
}

/// Newest first. ORG-02: only entries about units under `scope`; entries with no unit (the
/// installation's own) only with `include_unscoped`, which the caller decides
/// (`services::audit::reads_installation_entries`).
pub async fn list(
    tx: &mut Tx,
    scope: &UnitPath,
    include_unscoped: bool,
    filter: &AuditFilter,
    limit: i64,
) -> Result<Vec<AuditListItem>> {
    let (low, high) = path_range(scope.as_str());
    let sql = format!(
        "SELECT {cols}, n.name AS unit_name FROM audit_log a LEFT JOIN units n ON n.id = a.unit_id \
         WHERE ((n.path >= $1 AND n.path < $2) OR (a.unit_id IS NULL AND $3 = 1)) \
         AND ($4 = '' OR a.actor = $4) AND ($5 = '' OR a.action LIKE $5) \
         AND ($6 = '' OR a.object_type = $6) AND ($7 = '' OR a.object_id = $7) \
         AND a.at_micros >= $8 AND a.at_micros <= $9 AND a.seq < $10 \
         ORDER BY a.seq DESC LIMIT $11",
        cols = COLUMNS.split(", ").map(|c| format!("a.{c}")).collect::<Vec<_>>().join(", ")
    );
    let action = filter
        .action
        .as_deref()
        .map(|a| format!("{a}%"))
        .unwrap_or_default();
    let rows: Vec<(Row, Option<String>)> = on!(tx, c => {
        let q = sqlx::query(&sql)
            .bind(&low).bind(&high).bind(i64::from(include_unscoped))
            .bind(filter.actor.as_deref().unwrap_or(""))
            .bind(&action)
            .bind(filter.object_type.as_deref().unwrap_or(""))
            .bind(filter.object_id.as_deref().unwrap_or(""))
            .bind(filter.from.map_or(i64::MIN, |t| t.timestamp_micros()))
            .bind(filter.to.map_or(i64::MAX, |t| t.timestamp_micros()))
            .bind(filter.before_seq.unwrap_or(i64::MAX))
            .bind(limit);
        let raw = q.fetch_all(c).await?;
        raw.iter()
            .map(|r| {
                use sqlx::{FromRow, Row as _};
                Ok((Row::from_row(r)?, r.try_get::<Option<String>, _>("unit_name")?))
            })
            .collect::<std::result::Result<Vec<_>, sqlx::Error>>()?
    });
    Ok(rows
        .into_iter()
        .map(|(row, unit_name)| AuditListItem {
            entry: row.into(),
            unit_name,
        })
        .collect())
}

/// The columns the audit page sorts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditSort {
    /// The order of the chain (sequence number), which is the order of time.
    Time,
    Actor,
    Action,
}

impl AuditSort {
    /// The names a request may use.
    pub const KEYS: &'static [(&'static str, AuditSort)] = &[
        ("time", AuditSort::Time),
        ("actor", AuditSort::Actor),
        ("action", AuditSort::Action),
    ];

    fn order_by(self, d: Direction) -> String {
        let d = d.sql();
        match self {
            AuditSort::Time => format!("a.seq {d}"),
            AuditSort::Actor => format!("a.actor {d}, a.seq DESC"),
            AuditSort::Action => format!("a.action {d}, a.seq DESC"),
        }
    }
}

/// A page of the entries [`list`] would show, with `search` (part of the actor's name or of
/// the object's id) on top of `filter`, sorted, and how many match (counted up to one past
/// [`MAX_ROWS`]).
#[allow(clippy::too_many_arguments)]
pub async fn page(
    tx: &mut Tx,
    scope: &UnitPath,
    include_unscoped: bool,
    filter: &AuditFilter,
    search: Option<&str>,
    sort: AuditSort,
    direction: Direction,
    window: Window,
) -> Result<(Vec<AuditListItem>, i64)> {
    let (low, high) = path_range(scope.as_str());
    let condition = "((n.path >= $1 AND n.path < $2) OR (a.unit_id IS NULL AND $3 = 1)) \
         AND ($4 = '' OR a.actor = $4) AND ($5 = '' OR a.action LIKE $5 ESCAPE '\\') \
         AND ($6 = '' OR a.object_type = $6) AND ($7 = '' OR a.object_id = $7) \
         AND a.at_micros >= $8 AND a.at_micros <= $9 AND a.seq < $10 \
         AND ($11 = '' OR LOWER(a.actor) LIKE $11 ESCAPE '\\' OR a.object_id LIKE $11 ESCAPE '\\')";
    let sql = format!(
        "SELECT {cols}, n.name AS unit_name FROM audit_log a LEFT JOIN units n ON n.id = a.unit_id \
         WHERE {condition} ORDER BY {order} LIMIT $12 OFFSET $13",
        cols = COLUMNS.split(", ").map(|c| format!("a.{c}")).collect::<Vec<_>>().join(", "),
        order = sort.order_by(direction),
    );
    let count_sql = format!(
        "SELECT COUNT(*) FROM (SELECT 1 FROM audit_log a LEFT JOIN units n ON n.id = a.unit_id \
         WHERE {condition} LIMIT {}) capped",
        MAX_ROWS + 1
    );
    let action = filter
        .action
        .as_deref()
        .map(|a| format!("{}%", crate::units::escape_like(a)))
        .unwrap_or_default();
    let search = search
        .filter(|s| !s.is_empty())
        .map(|s| format!("%{}%", crate::units::escape_like(&s.to_lowercase())))
        .unwrap_or_default();
    macro_rules! bound {
        ($q:expr) => {
            $q.bind(&low)
                .bind(&high)
                .bind(i64::from(include_unscoped))
                .bind(filter.actor.as_deref().unwrap_or(""))
                .bind(&action)
                .bind(filter.object_type.as_deref().unwrap_or(""))
                .bind(filter.object_id.as_deref().unwrap_or(""))
                .bind(filter.from.map_or(i64::MIN, |t| t.timestamp_micros()))
                .bind(filter.to.map_or(i64::MAX, |t| t.timestamp_micros()))
                .bind(filter.before_seq.unwrap_or(i64::MAX))
                .bind(&search)
        };
    }
    let rows: Vec<(Row, Option<String>)> = on!(tx, c => {
        let raw = bound!(sqlx::query(&sql)).bind(window.limit).bind(window.offset)
            .fetch_all(&mut *c).await?;
        raw.iter()
            .map(|r| {
                use sqlx::{FromRow, Row as _};
                Ok((Row::from_row(r)?, r.try_get::<Option<String>, _>("unit_name")?))
            })
            .collect::<std::result::Result<Vec<_>, sqlx::Error>>()?
    });
    let total: i64 = on!(tx, c => bound!(sqlx::query_scalar(&count_sql)).fetch_one(c).await?);
    Ok((
        rows.into_iter()
            .map(|(row, unit_name)| AuditListItem {
                entry: row.into(),
                unit_name,
            })
            .collect(),
        total,
    ))
}

/// The outcome of `roadwarden audit verify`.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    pub checked: u64,
    pub head_seq: i64,
    /// The first entry that breaks the chain, and how.
    pub first_break: Option<(i64, Break)>,
    /// The head row disagrees with the last entry: the tail was cut off or the head altered.
    pub head_mismatch: bool,
    /// How many signed checkpoints the chain was compared with.
    pub checkpoints_checked: u64,
    /// SEC-05: the sequence number of the first checkpoint whose entry no longer has the hash
    /// the checkpoint signed (entries at or before it were altered and the rest rehashed).
    pub checkpoint_mismatch: Option<i64>,
    /// SEC-05: the newest checkpoint's sequence number when the chain ends before it (the
    /// tail was cut off and the head rewound).
    pub ends_before_checkpoint: Option<i64>,
}

impl VerifyReport {
    pub fn is_intact(&self) -> bool {
        self.first_break.is_none()
            && !self.head_mismatch
            && self.checkpoint_mismatch.is_none()
            && self.ends_before_checkpoint.is_none()
    }
}

/// Recomputes the whole chain, page by page, and compares its end with the head row.
pub async fn verify(store: &Store, progress: impl FnMut(u64)) -> Result<VerifyReport> {
    verify_against(store, &[], progress).await
}

/// Recomputes the whole chain and compares it with checkpoints whose signatures the caller
/// has already checked, given as `(seq, hash)`: the entry at each checkpoint's sequence
/// number must carry exactly its hash, and the chain must reach the newest checkpoint.
pub async fn verify_against(
    store: &Store,
    checkpoints: &[(i64, String)],
    mut progress: impl FnMut(u64),
) -> Result<VerifyReport> {
    const PAGE: i64 = 20_000;
    let expected: std::collections::BTreeMap<i64, &str> = checkpoints
        .iter()
        .map(|(seq, hash)| (*seq, hash.as_str()))
        .collect();
    let newest_checkpoint = expected.keys().next_back().copied();
    let mut tx = store.begin_read().await?;
    let (head_seq, head_hash): (i64, String) = on!(&mut tx, c =>
        sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1").fetch_one(c).await?);
    let sql = format!("SELECT {COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2");
    let mut verifier = ChainVerifier::default();
    let mut last: Option<(i64, String)> = None;
    let mut report = VerifyReport {
        checked: 0,
        head_seq,
        first_break: None,
        head_mismatch: false,
        checkpoints_checked: 0,
        checkpoint_mismatch: None,
        ends_before_checkpoint: None,
    };
    loop {
        let after = last.as_ref().map_or(0, |(s, _)| *s);
        let rows: Vec<Row> =
            on!(&mut tx, c => sqlx::query_as(&sql).bind(after).bind(PAGE).fetch_all(c).await?);
        if rows.is_empty() {
            break;
        }
        for row in rows {
            let entry = AuditEntry::from(row);
            if let Err(b) = verifier.check(&entry) {
                report.checked = verifier.checked;
                report.first_break = Some((entry.seq, b));
                return Ok(report);
            }
            if let Some(signed) = expected.get(&entry.seq) {
                report.checkpoints_checked += 1;
                if *signed != entry.hash {
                    report.checked = verifier.checked;
                    report.checkpoint_mismatch = Some(entry.seq);
                    return Ok(report);
                }
            }
            last = Some((entry.seq, entry.hash));
        }
        progress(verifier.checked);
    }
    let (last_seq, last_hash) = last.unwrap_or((0, roadwarden_domain::audit::GENESIS_HASH.into()));
    report.checked = verifier.checked;
    report.head_mismatch = last_seq != head_seq || last_hash != head_hash;
    report.ends_before_checkpoint = newest_checkpoint.filter(|seq| *seq > last_seq);
    Ok(report)
}

/// The last entry's sequence number and hash, read from the log itself (not the head row);
/// `None` while the log is empty.
pub async fn last_entry(tx: &mut Tx) -> Result<Option<(i64, String)>> {
    let sql = "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1";
    Ok(on!(tx, c => sqlx::query_as(sql).fetch_optional(c).await?))
}

/// Entries after `after_seq`, oldest first: for exports and the tamper drill in tests.
pub async fn entries_after(tx: &mut Tx, after_seq: i64, limit: i64) -> Result<Vec<AuditEntry>> {
    let sql = format!("SELECT {COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2");
    let rows: Vec<Row> =
        on!(tx, c => sqlx::query_as(&sql).bind(after_seq).bind(limit).fetch_all(c).await?);
    Ok(rows.into_iter().map(AuditEntry::from).collect())
}

/// One row of the index of signed checkpoints (the checkpoint itself is a blob).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct CheckpointRow {
    pub seq: i64,
    pub hash: String,
    pub at_micros: i64,
    pub key_id: String,
    pub signature: String,
    pub blob_sha256: String,
}

/// Indexes a checkpoint; a second checkpoint of the same sequence number is ignored.
pub async fn add_checkpoint(tx: &mut Tx, row: &CheckpointRow) -> Result<bool> {
    let sql =
        "INSERT INTO audit_checkpoints (seq, hash, at_micros, key_id, signature, blob_sha256) \
        VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (seq) DO NOTHING";
    let done = on!(tx, c => sqlx::query(sql)
        .bind(row.seq).bind(&row.hash).bind(row.at_micros).bind(&row.key_id)
        .bind(&row.signature).bind(&row.blob_sha256).execute(c).await?.rows_affected());
    Ok(done > 0)
}

/// Every indexed checkpoint, oldest first.
pub async fn checkpoints(tx: &mut Tx) -> Result<Vec<CheckpointRow>> {
    let sql = "SELECT seq, hash, at_micros, key_id, signature, blob_sha256 \
        FROM audit_checkpoints ORDER BY seq";
    Ok(on!(tx, c => sqlx::query_as(sql).fetch_all(c).await?))
}

/// How many `action` entries about one object were written since `since`, optionally only
/// those from one address: the counts a throttle reads (the public owner proof counts its
/// refused attempts per plate and per plate and address).
pub async fn count_recent(
    tx: &mut Tx,
    object_type: &str,
    object_id: &str,
    action: &str,
    since: DateTime<Utc>,
    ip: Option<&str>,
) -> Result<i64> {
    let sql = "SELECT COUNT(*) FROM audit_log WHERE object_type = $1 AND object_id = $2 \
        AND action = $3 AND at_micros >= $4 AND ($5 = '' OR ip = $5)";
    Ok(on!(tx, c => sqlx::query_scalar(sql)
        .bind(object_type).bind(object_id).bind(action).bind(since.timestamp_micros())
        .bind(ip.unwrap_or("")).fetch_one(c).await?))
}

/// Serialises the transactions that call this with the same `key` until they end (a count
/// read before a write that depends on it). SQLite's single writer already does; PostgreSQL
/// takes a transaction-scoped advisory lock.
pub async fn serialize_on(tx: &mut Tx, key: &str) -> Result<()> {
    if let Tx::Postgres(t) = tx {
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
            .bind(key)
            .execute(&mut **t)
            .await?;
    }
    Ok(())
}

pub async fn count(tx: &mut Tx) -> Result<i64> {
    Ok(on!(tx, c => sqlx::query_scalar("SELECT COUNT(*) FROM audit_log").fetch_one(c).await?))
}
