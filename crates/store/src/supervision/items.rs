//! SUP-02, SUP-03, SUP-07: check-list items and their steps.

use chrono::{DateTime, NaiveDate, Utc};
use roadwarden_domain::supervision::checklist::{ItemState, Origin, StepKind};
use roadwarden_domain::{DeviceId, UnitId, UserId};
use serde::Serialize;

use crate::{on, path_range, Result, Tx};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct CheckItem {
    pub id: i64,
    pub device_id: i64,
    pub device_number: String,
    pub device_unit_id: i64,
    pub device_unit_path: String,
    pub raised_unit_id: i64,
    pub raised_unit_path: String,
    pub raised_by: Option<i64>,
    #[sqlx(try_from = "String")]
    pub origin: Origin,
    #[sqlx(try_from = "String")]
    pub state: ItemState,
    pub period_first: Option<NaiveDate>,
    pub period_last: Option<NaiveDate>,
    pub raised_on: NaiveDate,
    pub deadline: NaiveDate,
    pub planned_by: Option<i64>,
    pub fixed_by: Option<i64>,
    pub suspended_for: Option<String>,
    pub progress_percent: i32,
    pub escalation_level: i32,
    /// JSON: the analysis' findings (`[]` for a warning).
    pub findings: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const ITEM_COLUMNS: &str = "i.id, i.device_id, d.number AS device_number, i.device_unit_id, \
    i.device_unit_path, i.raised_unit_id, i.raised_unit_path, i.raised_by, i.origin, i.state, \
    i.period_first, i.period_last, i.raised_on, i.deadline, i.planned_by, i.fixed_by, \
    i.suspended_for, i.progress_percent, i.escalation_level, i.findings, i.created_at, \
    i.updated_at";

pub struct NewCheckItem<'a> {
    pub device_id: DeviceId,
    pub device_unit_id: UnitId,
    pub device_unit_path: &'a str,
    pub raised_unit_id: UnitId,
    pub raised_unit_path: &'a str,
    pub raised_by: Option<UserId>,
    pub origin: Origin,
    pub period: Option<(NaiveDate, NaiveDate)>,
    pub raised_on: NaiveDate,
    pub deadline: NaiveDate,
    pub findings: &'a str,
}

/// Inserts an item; `None` when the analysis already raised one for this device and period
/// (SUP-02 is idempotent per device and period).
pub async fn insert_item(
    tx: &mut Tx,
    n: &NewCheckItem<'_>,
    now: DateTime<Utc>,
) -> Result<Option<i64>> {
    let sql = "INSERT INTO check_items (device_id, device_unit_id, device_unit_path, \
        raised_unit_id, raised_unit_path, raised_by, origin, state, period_first, period_last, \
        raised_on, deadline, findings, created_at, updated_at) \
        VALUES ($1,$2,$3,$4,$5,$6,$7,'raised',$8,$9,$10,$11,$12,$13,$13) \
        ON CONFLICT (device_id, period_first) WHERE origin = 'analysis' DO NOTHING RETURNING id";
    Ok(on!(tx, c => sqlx::query_scalar(sql)
        .bind(n.device_id.0).bind(n.device_unit_id.0).bind(n.device_unit_path)
        .bind(n.raised_unit_id.0).bind(n.raised_unit_path).bind(n.raised_by.map(|u| u.0))
        .bind(n.origin.as_str()).bind(n.period.map(|p| p.0)).bind(n.period.map(|p| p.1))
        .bind(n.raised_on).bind(n.deadline).bind(n.findings).bind(now)
        .fetch_optional(c).await?))
}

pub async fn item(tx: &mut Tx, id: i64) -> Result<Option<CheckItem>> {
    let sql = format!(
        "SELECT {ITEM_COLUMNS} FROM check_items i JOIN devices d ON d.id = i.device_id \
         WHERE i.id = $1"
    );
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(id).fetch_optional(c).await?))
}

/// Items whose device is managed in `scope`, or that a unit in `scope` raised; open ones first
/// by deadline. `open_only` leaves accepted items out; `device` keeps one device's.
pub async fn items_in_scope(
    tx: &mut Tx,
    scope: &str,
    open_only: bool,
    device: Option<DeviceId>,
    limit: i64,
) -> Result<Vec<CheckItem>> {
    let (low, high) = path_range(scope);
    let sql = format!(
        "SELECT {ITEM_COLUMNS} FROM check_items i JOIN devices d ON d.id = i.device_id \
         WHERE ((i.device_unit_path >= $1 AND i.device_unit_path < $2) \
             OR (i.raised_unit_path >= $1 AND i.raised_unit_path < $2)) \
           AND ($3 = 0 OR i.state <> 'accepted') AND ($4 = 0 OR i.device_id = $4) \
         ORDER BY CASE WHEN i.state = 'accepted' THEN 1 ELSE 0 END, i.deadline, i.id LIMIT $5"
    );
    Ok(on!(tx, c => sqlx::query_as(&sql)
        .bind(&low).bind(&high).bind(i64::from(open_only)).bind(device.map_or(0, |d| d.0))
        .bind(limit).fetch_all(c).await?))
}

/// Open items whose deadline passed before `today`, for the escalation job.
pub async fn overdue_items(tx: &mut Tx, today: NaiveDate, limit: i64) -> Result<Vec<CheckItem>> {
    let sql = format!(
        "SELECT {ITEM_COLUMNS} FROM check_items i JOIN devices d ON d.id = i.device_id \
         WHERE i.state <> 'accepted' AND i.deadline < $1 ORDER BY i.deadline, i.id LIMIT $2"
    );
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(today).bind(limit).fetch_all(c).await?))
}

/// The item's columns a step changes.
pub struct ItemChange<'a> {
    pub state: ItemState,
    pub deadline: NaiveDate,
    pub planned_by: Option<UserId>,
    pub fixed_by: Option<UserId>,
    pub suspended_for: Option<&'a str>,
    pub progress_percent: i32,
}

/// Applies a step's change if the item is still in `expected` (false: someone got there first).
pub async fn update_item(
    tx: &mut Tx,
    id: i64,
    expected: ItemState,
    to: &ItemChange<'_>,
    now: DateTime<Utc>,
) -> Result<bool> {
    let sql = "UPDATE check_items SET state = $1, deadline = $2, planned_by = $3, fixed_by = $4, \
        suspended_for = $5, progress_percent = $6, updated_at = $7 WHERE id = $8 AND state = $9";
    let n = on!(tx, c => sqlx::query(sql)
        .bind(to.state.as_str()).bind(to.deadline).bind(to.planned_by.map(|u| u.0))
        .bind(to.fixed_by.map(|u| u.0)).bind(to.suspended_for).bind(to.progress_percent)
        .bind(now).bind(id).bind(expected.as_str())
        .execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// Raises the item's escalation level; false when it was at `level` or above already.
pub async fn escalate(tx: &mut Tx, id: i64, level: i32, now: DateTime<Utc>) -> Result<bool> {
    let sql = "UPDATE check_items SET escalation_level = $1, updated_at = $2 \
        WHERE id = $3 AND escalation_level < $1";
    let n = on!(tx, c => sqlx::query(sql).bind(level).bind(now).bind(id)
        .execute(c).await?.rows_affected());
    Ok(n == 1)
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct CheckStep {
    pub id: i64,
    pub item_id: i64,
    #[sqlx(try_from = "String")]
    pub kind: StepKind,
    pub actor_user_id: Option<i64>,
    pub actor: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub at: DateTime<Utc>,
    pub note: Option<String>,
}

pub struct NewCheckStep<'a> {
    pub item_id: i64,
    pub kind: StepKind,
    pub actor_user_id: Option<UserId>,
    pub actor: &'a str,
    pub unit_id: UnitId,
    pub note: Option<&'a str>,
}

pub async fn add_step(tx: &mut Tx, s: &NewCheckStep<'_>, at: DateTime<Utc>) -> Result<i64> {
    let sql = "INSERT INTO check_steps (item_id, kind, actor_user_id, actor, unit_id, at, note) \
        VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING id";
    Ok(on!(tx, c => sqlx::query_scalar(sql)
        .bind(s.item_id).bind(s.kind.as_str()).bind(s.actor_user_id.map(|u| u.0)).bind(s.actor)
        .bind(s.unit_id.0).bind(at).bind(s.note).fetch_one(c).await?))
}

/// SUP-07: the item's steps, oldest first (at most `limit`).
pub async fn steps(tx: &mut Tx, item_id: i64, limit: i64) -> Result<Vec<CheckStep>> {
    let sql = "SELECT s.id, s.item_id, s.kind, s.actor_user_id, s.actor, s.unit_id, \
        u.name AS unit_name, s.at, s.note FROM check_steps s JOIN units u ON u.id = s.unit_id \
        WHERE s.item_id = $1 ORDER BY s.at, s.id LIMIT $2";
    Ok(on!(tx, c => sqlx::query_as(sql).bind(item_id).bind(limit).fetch_all(c).await?))
}
