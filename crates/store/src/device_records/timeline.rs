//! The lifecycle timeline: one row per step a device took.

use chrono::{DateTime, Utc};
use roadwarden_domain::device::DeviceState;
use roadwarden_domain::{DeviceId, UnitId, UserId};
use serde::Serialize;

use crate::{on, Result, StoreError, Tx};

#[derive(Debug, Clone, Serialize)]
pub struct DeviceEvent {
    pub id: i64,
    pub device_id: i64,
    pub at: DateTime<Utc>,
    pub action: String,
    /// The states a lifecycle step moved between; `None` for a record that changes no state.
    pub from_state: Option<DeviceState>,
    pub to_state: Option<DeviceState>,
    pub actor_user_id: Option<i64>,
    pub actor: String,
    pub actor_unit_id: Option<i64>,
    pub reason: String,
    pub detail: String,
}

#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    pub device_id: DeviceId,
    pub action: &'a str,
    pub from_state: Option<DeviceState>,
    pub to_state: Option<DeviceState>,
    pub actor_user_id: Option<UserId>,
    pub actor: &'a str,
    pub actor_unit_id: Option<UnitId>,
    pub reason: &'a str,
    pub detail: serde_json::Value,
}

pub async fn add_event(tx: &mut Tx, e: &NewEvent<'_>, at: DateTime<Utc>) -> Result<()> {
    let sql =
        "INSERT INTO device_events (device_id, at, action, from_state, to_state, actor_user_id, \
        actor, actor_unit_id, reason, detail) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)";
    on!(tx, c => sqlx::query(sql)
        .bind(e.device_id.0).bind(at).bind(e.action)
        .bind(e.from_state.map(DeviceState::as_str)).bind(e.to_state.map(DeviceState::as_str))
        .bind(e.actor_user_id.map(|u| u.0)).bind(e.actor).bind(e.actor_unit_id.map(|u| u.0))
        .bind(e.reason).bind(e.detail.to_string())
        .execute(c).await?.rows_affected());
    Ok(())
}

pub async fn events(tx: &mut Tx, device: DeviceId) -> Result<Vec<DeviceEvent>> {
    let sql = "SELECT id, device_id, at, action, from_state, to_state, actor_user_id, actor, \
        actor_unit_id, reason, detail FROM device_events WHERE device_id = $1 ORDER BY at, id";
    let rows: Vec<EventRow> = on!(tx, c => sqlx::query_as(sql).bind(device.0).fetch_all(c).await?);
    rows.into_iter().map(DeviceEvent::try_from).collect()
}

/// The row as stored: its states are optional text, checked into [`DeviceState`] on the way
/// out (an optional column cannot use `try_from` directly).
#[derive(sqlx::FromRow)]
struct EventRow {
    id: i64,
    device_id: i64,
    at: DateTime<Utc>,
    action: String,
    from_state: Option<String>,
    to_state: Option<String>,
    actor_user_id: Option<i64>,
    actor: String,
    actor_unit_id: Option<i64>,
    reason: String,
    detail: String,
}

impl TryFrom<EventRow> for DeviceEvent {
    type Error = StoreError;
    fn try_from(r: EventRow) -> Result<Self> {
        let state = |s: Option<String>| {
            s.map(|s| {
                DeviceState::parse(&s)
                    .map_err(|e| StoreError::corrupt(format!("device_events: {e}")))
            })
            .transpose()
        };
        Ok(DeviceEvent {
            id: r.id,
            device_id: r.device_id,
            at: r.at,
            action: r.action,
            from_state: state(r.from_state)?,
            to_state: state(r.to_state)?,
            actor_user_id: r.actor_user_id,
            actor: r.actor,
            actor_unit_id: r.actor_unit_id,
            reason: r.reason,
            detail: r.detail,
        })
    }
}
