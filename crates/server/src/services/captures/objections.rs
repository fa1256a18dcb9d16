//! APL-01..03, REV-04: an owner objects to a record; the office of the place of violation
//! decides within 5 working days; upheld eliminates the record, not upheld is answered with
//! the reason. Every step is in the audit chain.

use roadwarden_domain::codes::Code;
use std::io::Cursor;

use bytes::Bytes;
use roadwarden_domain::capture::notice::ViolationState;
use roadwarden_domain::capture::objection::{
    check_lodge, decide as decide_rule, decision_deadline, Channel, ObjectionState, Photos,
};
use roadwarden_domain::capture::review::EliminationReason;
use roadwarden_domain::device::text;
use roadwarden_domain::org::UnitPath;
use roadwarden_domain::{FieldError, RuleViolation, UnitId};
use roadwarden_store::violations::{self, NewObjection, Objection};
use roadwarden_store::{units, Tx};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::owner_proof::{prove_owner, Purpose};
use super::records::{evidence_images, EvidenceImage};
use crate::auth::Principal;
use crate::context::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::policy::{ObjectionHandlers, ObjectionReaders, RoleSet};
use crate::services::audit::{record, record_list_read, Actor, Event};
use crate::services::context::ServiceContext;

/// An objection as the public form (or a window clerk) sends it.
#[derive(Debug, Clone, Default)]
pub struct ObjectionInput {
    pub violation_id: i64,
    pub plate: String,
    pub vin_tail: String,
    pub text: String,
    pub contact: String,
    pub photos: Vec<Bytes>,
}

const MAX_PHOTOS: usize = 3;

/// APL-02 by website (the public page): the owner proves the vehicle with the plate and the
/// last 6 characters of its identification number.
pub async fn lodge_public(
    ctx: &ServiceContext,
    meta: &RequestMeta,
    input: ObjectionInput,
) -> AppResult<Objection> {
    let vehicle = prove_owner(ctx, meta, &input.plate, &input.vin_tail, Purpose::Objection).await?;
    let mut tx = ctx.store.begin_read().await?;
    let violation = violations::get(&mut tx, input.violation_id).await?;
    drop(tx);
    // Only a record entered against the proven vehicle (a Vietnamese car and motorbike may
    // share a plate key).
    let violation = match violation {
        Some(v) if v.vehicle_id == Some(vehicle.id) => v,
        _ => return Err(AppError::NotFound("record for this vehicle")),
    };
    lodge(
        ctx,
        &Actor::of_public(meta),
        Channel::Website,
        None,
        violation,
        input,
    )
    .await
}

/// APL-02 at a window: an objection handler takes it in at their own unit; the system
/// forwards it to the office of the place at once.
pub async fn lodge_at_window(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    input: ObjectionInput,
) -> AppResult<Objection> {
    if !p.may::<ObjectionHandlers>() {
        return Err(AppError::forbidden(
            Code::RoleMissing,
            "taking objections needs the role objection_handler",
        ));
    }
    let mut tx = ctx.store.begin_read().await?;
    let window = units::get(&mut tx, p.user.unit_id)
        .await?
        .ok_or(AppError::NotFound("unit"))?;
    // Any window of the country takes objections to any of its records (APL-02), so the record
    // need not be in the handler's scope; a record of another country's police is none of this
    // window's business, and is answered exactly as a record that does not exist.
    let violation = violations::get(&mut tx, input.violation_id)
        .await?
        .filter(|v| v.country == window.country)
        .ok_or(AppError::NotFound("violation"))?;
    drop(tx);
    lodge(
        ctx,
        &Actor::user(p, meta),
        Channel::Window,
        Some(p.user.unit_id),
        violation,
        input,
    )
    .await
}

async fn lodge(
    ctx: &ServiceContext,
    actor: &Actor,
    channel: Channel,
    received_at_unit: Option<UnitId>,
    violation: violations::Violation,
    input: ObjectionInput,
) -> AppResult<Objection> {
    let body = text("text", &input.text, 2000, true)?;
    if body.chars().count() < 10 {
        return Err(FieldError::new("text", "say what is wrong in at least 10 characters").into());
    }
    let contact = text("contact", &input.contact, 100, false)?;
    if input.photos.len() > MAX_PHOTOS {
        return Err(FieldError::new("photos", format!("at most {MAX_PHOTOS} photos")).into());
    }
    for p in &input.photos {
        if p.len() > ctx.settings.captures.max_image_bytes || !roadwarden_isapi::is_jpeg(p) {
            return Err(
                FieldError::new("photos", "photos must be JPEG images of at most 4 MB").into(),
            );
        }
    }
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let earlier: Vec<ObjectionState> = violations::objections_of(&mut tx, violation.id)
        .await?
        .iter()
        .map(|o| o.state)
        .collect();
    check_lodge(violation.state, &earlier)?;
    let unit = units::get(&mut tx, UnitId(violation.unit_id))
        .await?
        .ok_or(AppError::NotFound("unit"))?;
    let cal = super::calendar(ctx, &mut tx, unit.country).await?;
    let due = decision_deadline(now, &cal, unit.tz());
    drop(tx);
    // Photos are stored before the row that names them; stored twice they are one blob.
    let mut photos = Photos::default();
    for p in input.photos {
        let stored = ctx
            .blobs
            .put(Box::pin(Cursor::new(p)), None)
            .await
            .map_err(AppError::internal)?;
        photos.0.push(stored.id.as_str().to_owned());
    }
    let mut tx = ctx.store.begin().await?;
    let id = violations::add_objection(
        &mut tx,
        &NewObjection {
            violation_id: violation.id,
            unit_id: unit.id.0,
            unit_path: unit.path.as_str(),
            channel,
            received_unit_id: received_at_unit.map(|u| u.0),
            text: &body,
            contact: &contact,
            photos: &photos,
            received_at: now,
            due_at: due.overdue_at,
        },
    )
    .await?;
    violations::add_event(
        &mut tx,
        violation.id,
        "objection",
        actor.user_id,
        &actor.name,
        &format!("#{id}"),
        now,
    )
    .await?;
    record(
        &mut tx,
        actor,
        Event {
            action: "objection.lodge",
            object_type: "objection",
            object_id: id.to_string(),
            unit_id: Some(unit.id),
            detail: json!({ "violation": violation.id, "channel": channel.as_str(),
                            "received_at_unit": received_at_unit.map(|u| u.0), "photos": photos.len() }),
        },
        now,
    )
    .await?;
    // BWC-06: the party objects, so footage linked to the record is kept long term.
    crate::services::evidence::retention::on_objection(ctx, &mut tx, violation.id, now).await?;
    let objection = violations::objection(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound("objection"))?;
    tx.commit().await?;
    Ok(objection)
}

async fn readable(tx: &mut Tx, p: &Principal, id: i64) -> AppResult<Objection> {
    let o = violations::objection(tx, id)
        .await?
        .ok_or(AppError::NotFound("objection"))?;
    if !p.covers(&UnitPath::from_stored(o.unit_path.clone())) {
        return Err(AppError::NotFound("objection"));
    }
    Ok(o)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ObjectionDecision {
    pub upheld: bool,
    /// The reason the party is told (both ways).
    pub reply: String,
    /// When upheld: the REV-04 elimination reason.
    pub elimination_reason: Option<String>,
}

/// APL-02: the office of the place of violation decides.
pub async fn decide(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    id: i64,
    input: &ObjectionDecision,
) -> AppResult<Objection> {
    if !p.may::<ObjectionHandlers>() {
        return Err(AppError::forbidden(
            Code::RoleMissing,
            "deciding objections needs the role objection_handler",
        ));
    }
    let reply = text("reply", &input.reply, 2000, true)?;
    let reason = match (input.upheld, input.elimination_reason.as_deref()) {
        (true, Some(r)) => Some(EliminationReason::parse(r)?),
        (true, None) => {
            return Err(FieldError::new(
                "elimination_reason",
                "an upheld objection names the REV-04 reason",
            )
            .into())
        }
        (false, _) => None,
    };
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let o = readable(&mut tx, p, id).await?;
    let to = decide_rule(o.state, input.upheld, &reply)?;
    if !violations::decide_objection(&mut tx, id, to, p.user.id, &reply, now).await? {
        return Err(RuleViolation::new(
            "APL-02",
            Code::ObjectionAlreadyDecided,
            "this objection was decided meanwhile",
        )
        .into());
    }
    let actor = Actor::user(p, meta);
    let mut v = violations::get(&mut tx, o.violation_id)
        .await?
        .ok_or(AppError::NotFound("violation"))?;
    if let Some(reason) = reason {
        let from = v.state;
        if from.is_open() {
            v.state = ViolationState::Eliminated;
            v.eliminated_at = Some(now);
            v.elimination_reason = Some(reason.as_str().to_owned());
            v.updated_at = now;
            violations::save(&mut tx, &v, from).await?;
            violations::add_event(
                &mut tx,
                v.id,
                "eliminated",
                Some(p.user.id),
                &p.user.username,
                reason.as_str(),
                now,
            )
            .await?;
        }
    } else {
        // The party answered: counts as their response for the overdue steps (NOT-02c).
        v.responded = true;
        v.updated_at = now;
        let state_now = v.state;
        violations::save(&mut tx, &v, state_now).await?;
        violations::add_event(
            &mut tx,
            v.id,
            "objection_not_upheld",
            Some(p.user.id),
            &p.user.username,
            "",
            now,
        )
        .await?;
    }
    record(
        &mut tx,
        &actor,
        Event {
            action: if input.upheld {
                "objection.uphold"
            } else {
                "objection.dismiss"
            },
            object_type: "objection",
            object_id: id.to_string(),
            unit_id: Some(UnitId(o.unit_id)),
            detail: json!({ "violation": o.violation_id, "reason": reason.map(|r| r.as_str()),
                            "on_time": now < o.due_at }),
        },
        now,
    )
    .await?;
    let decided = violations::objection(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound("objection"))?;
    tx.commit().await?;
    Ok(decided)
}

/// The objections under the person's scope; the read is audited (texts and contacts are
/// personal data, SEC-05).
pub async fn list(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    only_open: bool,
) -> AppResult<Vec<Objection>> {
    if !p.has_any(ObjectionReaders::ROLES) {
        return Err(AppError::forbidden(
            Code::RoleMissing,
            "objections are for objection handlers, unit heads and supervisors",
        ));
    }
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let rows = violations::objections_in_scope(
        &mut tx,
        p.scope(),
        only_open.then_some(ObjectionState::Received),
        500,
    )
    .await?;
    record_list_read(
        &mut tx,
        p,
        meta,
        "objection.list",
        "objection",
        json!({ "open_only": only_open, "count": rows.len() }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(rows)
}

/// An objection with what its handler weighs beside it (issue 14): the record's plate and
/// offence and the capture's pictures, so the decision is made looking at the evidence.
#[derive(Debug, Serialize)]
pub struct ObjectionCase {
    pub objection: Objection,
    pub plate: String,
    pub plate_colour: String,
    pub violation_code: String,
    pub images: Vec<EvidenceImage>,
}

/// The objection desk: the objections in scope, each with its record's evidence. The list
/// read is recorded like `list`; each picture's read is recorded when it is opened.
pub async fn desk(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
) -> AppResult<Vec<ObjectionCase>> {
    let rows = list(ctx, p, meta, false).await?;
    let mut tx = ctx.store.begin_read().await?;
    let mut out = Vec::with_capacity(rows.len());
    for objection in rows {
        let Some(v) = violations::get(&mut tx, objection.violation_id).await? else {
            continue;
        };
        // Evidence only for a record still in reach (a transferred record may have left it).
        let images = if p.covers(&UnitPath::from_stored(v.unit_path.clone())) {
            evidence_images(&mut tx, v.capture_id).await?
        } else {
            Vec::new()
        };
        out.push(ObjectionCase {
            objection,
            plate: v.plate,
            plate_colour: v.plate_colour.as_str().to_owned(),
            violation_code: v.violation_code,
            images,
        });
    }
    Ok(out)
}

/// APL-02: a photo the objector attached, for a person who may read the objection. The read
/// is recorded (SEC-05); another unit's objection is "not found" (ORG-02).
pub async fn photo(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    id: i64,
    index: usize,
) -> AppResult<Vec<u8>> {
    if !p.has_any(ObjectionReaders::ROLES) {
        return Err(AppError::forbidden(
            Code::RoleMissing,
            "objections are for objection handlers, unit heads and supervisors",
        ));
    }
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let o = violations::objection(&mut tx, id)
        .await?
        .filter(|o| p.covers(&UnitPath::from_stored(o.unit_path.clone())))
        .ok_or(AppError::NotFound("objection"))?;
    let blob = o
        .photos
        .0
        .get(index)
        .cloned()
        .ok_or(AppError::NotFound("photo"))?;
    record(
        &mut tx,
        &Actor::user(p, meta),
        Event {
            action: "objection.photo",
            object_type: "objection",
            object_id: id.to_string(),
            unit_id: Some(UnitId(o.unit_id)),
            detail: json!({ "photo": index + 1 }),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    super::read_blob(ctx, &blob).await
}
