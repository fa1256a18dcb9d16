//! NOT-03: the inspection block: what an inspection station is told about a vehicle, and the
//! feed of blocked vehicles, each within the station's own country.

use chrono::{DateTime, Utc};
use roadwarden_domain::capture::notice::blocks_inspection;
use roadwarden_domain::capture::plate::query_key;
use roadwarden_domain::capture::review::Outcome;
use roadwarden_domain::codes::Code;
use roadwarden_domain::org::Country;
use roadwarden_store::violations::{self, Violation};
use roadwarden_store::{units, Tx};
use serde::Serialize;
use serde_json::json;

use crate::auth::Principal;
use crate::context::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::policy::InterfaceClients;
use crate::services::audit::{record, record_list_read, Actor, Event};
use crate::services::context::ServiceContext;

/// NOT-03: what an inspection station is told about a vehicle.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InspectionAnswer {
    pub plate: String,
    pub blocked: bool,
    /// The open records that block it, without personal data.
    pub reasons: Vec<BlockReason>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BlockReason {
    pub violation_id: i64,
    pub violation_code: String,
    pub occurred_at: DateTime<Utc>,
    pub state: String,
    pub rule: &'static str,
}

fn blocks(v: &Violation, now: DateTime<Utc>) -> bool {
    blocks_inspection(
        v.country,
        v.state,
        v.outcome == Outcome::Warning,
        v.notified_at,
        now,
    )
}

fn reason_of(v: &Violation) -> BlockReason {
    BlockReason {
        violation_id: v.id,
        violation_code: v.violation_code.clone(),
        occurred_at: v.occurred_at,
        state: v.state.as_str().to_owned(),
        rule: "NOT-03",
    }
}

/// NOT-03: "is this vehicle blocked, and why". Asked by an inspection station's account
/// (interface client at an inspection station or inspection centre); every question audited.
pub async fn inspection_query(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    plate: &str,
) -> AppResult<InspectionAnswer> {
    let key = query_key(plate)?;
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let country = check_inspector(&mut tx, p).await?;
    let open = violations::blocking_candidates(&mut tx, country, Some(&key), 0, 500).await?;
    let reasons: Vec<BlockReason> = open
        .iter()
        .filter(|v| blocks(v, now))
        .map(reason_of)
        .collect();
    record(
        &mut tx,
        &Actor::user(p, meta),
        Event {
            action: "inspection.query",
            object_type: "vehicle",
            object_id: key.clone(),
            unit_id: Some(p.user.unit_id),
            detail: json!({ "blocked": !reasons.is_empty() }),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(InspectionAnswer {
        plate: key,
        blocked: !reasons.is_empty(),
        reasons,
    })
}

/// NOT-03: the list of blocked vehicles, paged by record id (`after`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BlockedPage {
    pub items: Vec<BlockedVehicle>,
    pub next_after: Option<i64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BlockedVehicle {
    pub plate: String,
    pub plate_colour: String,
    #[serde(flatten)]
    pub reason: BlockReason,
}

pub async fn blocked_feed(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    after: i64,
    limit: i64,
) -> AppResult<BlockedPage> {
    let now = ctx.clock.now();
    let limit = limit.clamp(1, 1000);
    let mut tx = ctx.store.begin().await?;
    let country = check_inspector(&mut tx, p).await?;
    let rows = violations::blocking_candidates(&mut tx, country, None, after, limit).await?;
    let next_after = (rows.len() as i64 == limit)
        .then(|| rows.last().map(|v| v.id))
        .flatten();
    let items: Vec<BlockedVehicle> = rows
        .iter()
        .filter(|v| blocks(v, now))
        .map(|v| BlockedVehicle {
            plate: v.plate.clone(),
            plate_colour: v.plate_colour.as_str().to_owned(),
            reason: reason_of(v),
        })
        .collect();
    record_list_read(
        &mut tx,
        p,
        meta,
        "inspection.feed",
        "vehicle",
        json!({ "after": after, "count": items.len() }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(BlockedPage { items, next_after })
}

/// NOT-03: only inspection stations ask, through an interface account at the station itself.
/// The station's country: it sees the blocks of its own country's police only.
async fn check_inspector(tx: &mut Tx, p: &Principal) -> AppResult<Country> {
    let station = units::get(tx, p.user.unit_id)
        .await?
        .filter(|u| u.kind == roadwarden_domain::org::UnitKind::InspectionStation);
    match station {
        Some(unit) if p.may::<InterfaceClients>() => Ok(unit.country),
        _ => Err(AppError::forbidden(
            Code::RoleMissing,
            "the inspection interface is for inspection stations' interface accounts",
        )),
    }
}
