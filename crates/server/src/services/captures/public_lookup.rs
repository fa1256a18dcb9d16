//! NOT-02a, NOT-02f: the owner's public query: a record as the public sees it, found by the
//! plate and the last 6 characters of the VIN.

use chrono::{DateTime, Utc};
use roadwarden_domain::capture::notice::{late_fee, ViolationState};
use roadwarden_domain::capture::objection::ObjectionState;
use roadwarden_domain::capture::penalty::Money;
use roadwarden_domain::capture::plate::query_key;
use roadwarden_domain::UnitId;
use roadwarden_store::violations::{self, Violation};
use roadwarden_store::{captures, units};
use serde::Serialize;
use serde_json::json;

use super::owner_proof::{prove_owner, Purpose};
use super::violations::money_of;
use crate::context::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::services::audit::{record, Actor, Event};
use crate::services::context::ServiceContext;
use crate::services::link_key::PhotoLink;

/// A record as the public sees it (NOT-02a, NOT-02f): no owner, no address.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PublicRecord {
    pub id: i64,
    pub plate: String,
    pub plate_colour: String,
    pub violation_code: String,
    pub violation: String,
    pub occurred_at: DateTime<Utc>,
    pub place: String,
    pub outcome: String,
    pub state: String,
    pub fine: String,
    pub points: i32,
    pub handle_by: Option<chrono::NaiveDate>,
    pub extended_until: Option<chrono::NaiveDate>,
    pub late_fee: String,
    pub handling_unit: String,
    /// The handling unit's time zone (IANA name): the times above are read in it (TIME-02).
    pub time_zone: String,
    pub objection_open: bool,
    /// APL-02: the owner's objections to this record with the office's answer.
    pub objections: Vec<PublicObjection>,
    /// The capture's pictures, each behind a link that expires (`PHOTO_LINK_MINUTES`).
    pub photos: Vec<PublicPhoto>,
}

/// A picture of the owner's record: its kind (scene, vehicle, plate) and a short-lived link.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PublicPhoto {
    pub kind: String,
    pub url: String,
}

/// How long an owner's photo links stay open after the look-up.
pub const PHOTO_LINK_MINUTES: i64 = 30;

/// An objection as its party sees it: when, the decision, and the reason they were given.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PublicObjection {
    pub received_at: DateTime<Utc>,
    pub state: String,
    pub decided_at: Option<DateTime<Utc>>,
    pub reply: String,
}

/// NOT-02a: the owner's query. The plate alone shows nothing: the last six characters of the
/// vehicle identification number must match the registry (`owner_proof`), so plates cannot
/// be trawled.
pub async fn public_lookup(
    ctx: &ServiceContext,
    meta: &RequestMeta,
    plate: &str,
    vin_tail: &str,
    lang: &str,
) -> AppResult<Vec<PublicRecord>> {
    let vehicle = prove_owner(ctx, meta, plate, vin_tail, Purpose::Lookup).await?;
    let key = query_key(plate)?;
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin_read().await?;
    let mut out = Vec::new();
    let owner_id = Some(vehicle.id);
    // Only the records entered against this registered vehicle: another vehicle whose plate
    // normalises the same (a Vietnamese car and motorbike) stays out of sight.
    for v in violations::by_plate(&mut tx, &key)
        .await?
        .into_iter()
        .filter(|v| v.vehicle_id == owner_id)
    {
        let unit = units::get(&mut tx, UnitId(v.unit_id)).await?;
        let objections = violations::objections_of(&mut tx, v.id).await?;
        let tz = unit.as_ref().map_or(chrono_tz::Asia::Shanghai, |u| u.tz());
        let zone = tz.name().to_owned();
        let mut record = public_record(
            &v,
            unit.map(|u| u.name).unwrap_or_default(),
            &objections,
            lang,
            now.with_timezone(&tz).date_naive(),
        );
        record.time_zone = zone;
        let expires = (now + chrono::Duration::minutes(PHOTO_LINK_MINUTES)).timestamp();
        for image in captures::images(&mut tx, v.capture_id).await? {
            let token = ctx.link_key.sign(PhotoLink {
                violation_id: v.id,
                position: image.position,
                expires,
            });
            record.photos.push(PublicPhoto {
                kind: image.kind,
                url: format!("/public/violations/photos/{token}"),
            });
        }
        out.push(record);
    }
    Ok(out)
}

pub fn public_record(
    v: &Violation,
    handling_unit: String,
    objections: &[violations::Objection],
    lang: &str,
    today: chrono::NaiveDate,
) -> PublicRecord {
    let fine = money_of(v);
    let fee = match (v.state, v.payment_due) {
        (ViolationState::Decided, Some(due)) => late_fee(fine, due, today),
        _ => Money { minor: 0, ..fine },
    };
    PublicRecord {
        id: v.id,
        plate: v.plate.clone(),
        plate_colour: v.plate_colour.as_str().to_owned(),
        violation_code: v.violation_code.clone(),
        violation: roadwarden_domain::device::violations::lookup(&v.violation_code)
            .map(|t| t.name(lang).to_owned())
            .unwrap_or_default(),
        occurred_at: v.occurred_at,
        place: v.place.clone(),
        outcome: v.outcome.as_str().to_owned(),
        state: v.state.as_str().to_owned(),
        fine: fine.display(lang),
        points: v.points,
        handle_by: v.handle_by,
        extended_until: v.extended_until,
        late_fee: fee.display(lang),
        handling_unit,
        time_zone: String::new(),
        objection_open: objections
            .iter()
            .any(|o| o.state == ObjectionState::Received),
        objections: objections
            .iter()
            .map(|o| PublicObjection {
                received_at: o.received_at,
                state: o.state.as_str().to_owned(),
                decided_at: o.decided_at,
                reply: o.reply.clone(),
            })
            .collect(),
        photos: Vec::new(),
    }
}

/// A picture of an owner's record, through a link the look-up signed. The read is recorded
/// against the capture, as the public's (SEC-05). A link that is forged, altered or expired
/// is "not found", before the database is touched.
pub async fn public_photo(
    ctx: &ServiceContext,
    meta: &RequestMeta,
    token: &str,
) -> AppResult<Vec<u8>> {
    let now = ctx.clock.now();
    let link = ctx
        .link_key
        .verify(token, now.timestamp())
        .ok_or(AppError::NotFound("photo"))?;
    let mut tx = ctx.store.begin().await?;
    let v = violations::get(&mut tx, link.violation_id)
        .await?
        .ok_or(AppError::NotFound("photo"))?;
    let image = captures::images(&mut tx, v.capture_id)
        .await?
        .into_iter()
        .find(|i| i.position == link.position)
        .ok_or(AppError::NotFound("photo"))?;
    record(
        &mut tx,
        &Actor::of_public(meta),
        Event {
            action: "capture.image",
            object_type: "capture",
            object_id: v.capture_id.to_string(),
            unit_id: Some(UnitId(v.unit_id)),
            detail: json!({ "plate": v.plate, "violation": v.id, "via": "owner_link" }),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    super::read_blob(ctx, &image.blob_id).await
}
