//! SEC-06, DAT-01: the data-modification form. A person of the business asks for a change of
//! a record's facts with a reason; the unit head of the record's unit (or above) approves or
//! refuses; the technology department carries it out, which writes the facts through the one
//! path the database lets through and appends the before/after values to the record's
//! timeline. Every step is audited; a record outside the person's units is "not found".

use chrono::{DateTime, Utc};
use roadwarden_domain::capture::correction::{
    self as rule, current, CorrectionState, FactField, Facts, NewValue,
};
use roadwarden_domain::capture::penalty::procedure;
use roadwarden_domain::codes::Code;
use roadwarden_domain::org::UnitPath;
use roadwarden_domain::{RuleViolation, UnitId};
use roadwarden_store::corrections::{self, Change, Changes, Correction, FactUpdate, NewCorrection};
use roadwarden_store::violations::{self, Violation};
use roadwarden_store::Tx;
use serde::Deserialize;
use serde_json::json;

use crate::auth::Principal;
use crate::context::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::policy::{CorrectionApprovers, CorrectionExecutors, CorrectionReaders};
use crate::policy::{CorrectionRequesters, RoleSet};
use crate::services::audit::{record, record_list_read, Actor, Event};
use crate::services::context::ServiceContext;

/// One field to change and its new value, as the form sends it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldChange {
    /// plate, plate_colour, violation_code, occurred_at (RFC 3339) or place.
    pub field: String,
    pub value: String,
}

/// A data-modification request (DAT-01).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrectionInput {
    pub violation_id: i64,
    /// One to five fields of the record.
    pub changes: Vec<FieldChange>,
    pub reason: String,
}

/// The head's refusal, with its reason.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Refusal {
    pub reason: String,
}

fn need<R: RoleSet>(p: &Principal, what: &str) -> AppResult<()> {
    if p.may::<R>() {
        Ok(())
    } else {
        Err(AppError::forbidden(Code::RoleMissing, what.to_owned()))
    }
}

fn facts(v: &Violation) -> Facts {
    Facts {
        country: v.country,
        plate: v.plate.clone(),
        plate_colour: v.plate_colour,
        violation_code: v.violation_code.clone(),
        occurred_at: v.occurred_at,
        place: v.place.clone(),
    }
}

/// Parses the form's fields: a field outside the allow-list is refused (SEC-06).
fn parse_changes(input: &[FieldChange]) -> AppResult<Vec<(FactField, String)>> {
    if input.len() > rule::MAX_CHANGES {
        return Err(roadwarden_domain::FieldError::new(
            "changes",
            format!("at most {} fields", rule::MAX_CHANGES),
        )
        .into());
    }
    input
        .iter()
        .map(|c| Ok((FactField::parse(&c.field)?, c.value.clone())))
        .collect()
}

/// A record in the person's scope (ORG-02), or "not found".
async fn violation_in_scope(tx: &mut Tx, p: &Principal, id: i64) -> AppResult<Violation> {
    violations::get(tx, id)
        .await?
        .filter(|v| p.covers(&UnitPath::from_stored(v.unit_path.clone())))
        .ok_or(AppError::NotFound("violation"))
}

/// A request in the person's scope (ORG-02), or "not found".
async fn in_scope(tx: &mut Tx, p: &Principal, id: i64) -> AppResult<Correction> {
    corrections::get(tx, id)
        .await?
        .filter(|c| p.covers(&UnitPath::from_stored(c.unit_path.clone())))
        .ok_or(AppError::NotFound("correction"))
}

/// DAT-01: asks for a change of a record's facts.
pub async fn request(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    input: &CorrectionInput,
) -> AppResult<Correction> {
    need::<CorrectionRequesters>(p, "asking for a correction needs a role of the business")?;
    let asked = parse_changes(&input.changes)?;
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let v = violation_in_scope(&mut tx, p, input.violation_id).await?;
    let facts = facts(&v);
    let (checked, reason) = rule::check_request(&facts, &asked, &input.reason, now)?;
    let changes = Changes(
        checked
            .iter()
            .map(|(f, value)| Change {
                field: f.as_str().to_owned(),
                before: current(&facts, *f),
                after: value.display(),
            })
            .collect(),
    );
    let id = corrections::insert(
        &mut tx,
        &NewCorrection {
            violation_id: v.id,
            unit_id: v.unit_id,
            unit_path: &v.unit_path,
            changes: &changes,
            reason: &reason,
            requested_by: p.user.id,
            requested_at: now,
        },
    )
    .await?;
    let fields: Vec<&str> = checked.iter().map(|(f, _)| f.as_str()).collect();
    step(
        &mut tx,
        p,
        meta,
        "correction.request",
        &v,
        id,
        json!({ "fields": fields }),
        now,
    )
    .await?;
    let c = corrections::get(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound("correction"))?;
    tx.commit().await?;
    Ok(c)
}

/// The requests under the person's units, newest first (optionally of one state); the read
/// is audited.
pub async fn list(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    state: Option<CorrectionState>,
) -> AppResult<Vec<Correction>> {
    need::<CorrectionReaders>(
        p,
        "corrections are for the business, its heads and technology",
    )?;
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let rows = corrections::in_scope(&mut tx, p.scope(), state, 200).await?;
    record_list_read(
        &mut tx,
        p,
        meta,
        "correction.list",
        "correction",
        json!({ "state": state.map(CorrectionState::as_str), "count": rows.len() }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(rows)
}

/// One request, in the person's scope.
pub async fn get(ctx: &ServiceContext, p: &Principal, id: i64) -> AppResult<Correction> {
    need::<CorrectionReaders>(
        p,
        "corrections are for the business, its heads and technology",
    )?;
    let mut tx = ctx.store.begin_read().await?;
    in_scope(&mut tx, p, id).await
}

/// The requests of a record the person may read, for the record's page (before/after).
pub async fn of_violation(
    ctx: &ServiceContext,
    p: &Principal,
    violation: i64,
) -> AppResult<Vec<Correction>> {
    if !p.may::<CorrectionReaders>() {
        return Ok(Vec::new());
    }
    let mut tx = ctx.store.begin_read().await?;
    let v = violation_in_scope(&mut tx, p, violation).await?;
    Ok(corrections::of_violation(&mut tx, v.id).await?)
}

/// DAT-01: the head of the record's unit (or above) approves; never their own request.
pub async fn approve(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    id: i64,
) -> AppResult<Correction> {
    decide(ctx, p, meta, id, None).await
}

/// DAT-01: the head refuses, saying why.
pub async fn refuse(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    id: i64,
    input: &Refusal,
) -> AppResult<Correction> {
    decide(ctx, p, meta, id, Some(input.reason.as_str())).await
}

async fn decide(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    id: i64,
    refusal: Option<&str>,
) -> AppResult<Correction> {
    need::<CorrectionApprovers>(p, "corrections are decided by the unit head")?;
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let c = in_scope(&mut tx, p, id).await?;
    let (to, reason, action) = match refusal {
        None => (
            rule::approve(
                c.state,
                roadwarden_domain::UserId(c.requested_by),
                p.user.id,
            )?,
            String::new(),
            "correction.approve",
        ),
        Some(r) => (
            rule::refuse(c.state, r)?,
            roadwarden_domain::device::text("reason", r, 1000, true)?,
            "correction.refuse",
        ),
    };
    if !corrections::decide(&mut tx, id, to, p.user.id, &reason, now).await? {
        return Err(RuleViolation::new(
            "DAT-01",
            Code::CorrectionNotPending,
            "this correction was decided meanwhile",
        )
        .into());
    }
    let v = violations::get(&mut tx, c.violation_id)
        .await?
        .ok_or(AppError::NotFound("violation"))?;
    step(
        &mut tx,
        p,
        meta,
        action,
        &v,
        id,
        json!({ "reason": reason }),
        now,
    )
    .await?;
    let c = corrections::get(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound("correction"))?;
    tx.commit().await?;
    Ok(c)
}

/// DAT-01: the technology department carries out an approved request: the facts change in
/// one transaction with the request marked executed and the before/after on the timeline.
pub async fn execute(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    id: i64,
) -> AppResult<Correction> {
    need::<CorrectionExecutors>(
        p,
        "corrections are carried out by the technology department",
    )?;
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let c = in_scope(&mut tx, p, id).await?;
    rule::execute(
        c.state,
        roadwarden_domain::UserId(c.requested_by),
        p.user.id,
    )?;
    let v = violations::get(&mut tx, c.violation_id)
        .await?
        .ok_or(AppError::NotFound("violation"))?;
    let facts = facts(&v);
    // The values are checked again against the record as it is now; "before" is what the
    // record held when the change was made.
    let mut update = FactUpdate::default();
    let mut done = Vec::with_capacity(c.changes.0.len());
    for ch in &c.changes.0 {
        let field = FactField::parse(&ch.field)?;
        let value = rule::check_value(&facts, field, &ch.after, now)?;
        done.push(Change {
            field: ch.field.clone(),
            before: current(&facts, field),
            after: value.display(),
        });
        apply(&mut update, value);
    }
    let changes = Changes(done);
    if !corrections::execute(&mut tx, id, v.id, &update, &changes, p.user.id, now).await? {
        return Err(RuleViolation::new(
            "DAT-01",
            Code::CorrectionNotApproved,
            "this correction is no longer approved",
        )
        .into());
    }
    let detail = serde_json::to_value(&changes.0).map_err(AppError::internal)?;
    step(
        &mut tx,
        p,
        meta,
        "correction.execute",
        &v,
        id,
        json!({ "changes": detail }),
        now,
    )
    .await?;
    let c = corrections::get(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound("correction"))?;
    tx.commit().await?;
    Ok(c)
}

fn apply(update: &mut FactUpdate, value: NewValue) {
    match value {
        NewValue::Plate { number, key } => update.plate = Some((number, key)),
        NewValue::PlateColour(c) => update.plate_colour = Some(c),
        NewValue::ViolationCode { code, tariff } => {
            let points = i32::from(tariff.points);
            update.violation_code = Some((code, tariff.fine.minor, points, procedure(&tariff)));
        }
        NewValue::OccurredAt(t) => update.occurred_at = Some(t),
        NewValue::Place(p) => update.place = Some(p),
    }
}

/// A step of a request: on the record's timeline (append-only) and in the audit chain.
#[allow(clippy::too_many_arguments)]
async fn step(
    tx: &mut Tx,
    p: &Principal,
    meta: &RequestMeta,
    action: &str,
    v: &Violation,
    id: i64,
    detail: serde_json::Value,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let mut timeline = detail.clone();
    timeline["correction"] = json!(id);
    violations::add_event(
        tx,
        v.id,
        &action.replace('.', "_"),
        Some(p.user.id),
        &p.user.username,
        &timeline.to_string(),
        now,
    )
    .await?;
    let mut audited = detail;
    audited["violation"] = json!(v.id);
    record(
        tx,
        &Actor::user(p, meta),
        Event {
            action,
            object_type: "correction",
            object_id: id.to_string(),
            unit_id: Some(UnitId(v.unit_id)),
            detail: audited,
        },
        now,
    )
    .await?;
    Ok(())
}
