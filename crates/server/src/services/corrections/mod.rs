//! SEC-06, DAT-01: the data-modification form. A person of the business asks for a change of
//! the facts of one or more records with a reason, and may attach files; the unit head over
//! every record (or above) approves or refuses; the technology department carries it out,
//! which writes the facts of every record in one transaction (all or nothing) through the one
//! path the database lets through and appends the before/after values to each record's
//! timeline. Every step is audited; a record outside the person's units is "not found".

mod add_files;
mod attachments;
pub mod form;
mod input;
mod scope;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use roadwarden_domain::capture::correction::{self as rule, current, CorrectionState, NewValue};
use roadwarden_domain::capture::correction::{FactField, Facts};
use roadwarden_domain::capture::penalty::procedure;
use roadwarden_domain::codes::Code;
use roadwarden_domain::org::UnitPath;
use roadwarden_domain::{RuleViolation, UnitId, UserId};
use roadwarden_store::corrections::RecordUpdate;
use roadwarden_store::corrections::{self, Attachment, Change, Changes, Correction};
use roadwarden_store::corrections::{CorrectionRecord, FactUpdate, NewCorrection, NewRecord};
use roadwarden_store::violations::{self, Violation};
use roadwarden_store::Tx;
use serde::Deserialize;
use serde_json::json;

pub use add_files::add_files;
pub use attachments::{may_read_files, read as attachment, NewFile};
use input::{Checked, Finder};
pub use input::{CorrectionInput, FieldChange, RecordInput};

use crate::auth::Principal;
use crate::context::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::policy::{CorrectionApprovers, CorrectionExecutors, CorrectionReaders};
use crate::policy::{CorrectionRequesters, RoleSet};
use crate::services::audit::{record, record_list_read, Actor, Event};
use crate::services::context::ServiceContext;

/// The head's refusal, with its reason.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Refusal {
    pub reason: String,
}

/// A request with its records and its files.
#[derive(Debug, Clone)]
pub struct Filed {
    pub request: Correction,
    pub records: Vec<CorrectionRecord>,
    pub attachments: Vec<Attachment>,
}

fn need<R: RoleSet>(p: &Principal, what: &str) -> AppResult<()> {
    if p.may::<R>() {
        Ok(())
    } else {
        Err(AppError::forbidden(Code::RoleMissing, what.to_owned()))
    }
}

/// A request in the person's scope (ORG-02), or "not found".
pub(crate) async fn in_scope(tx: &mut Tx, p: &Principal, id: i64) -> AppResult<Correction> {
    let scope = scope::acting_scope(tx, p).await?;
    corrections::get(tx, id)
        .await?
        .filter(|c| scope.covers(&UnitPath::from_stored(c.unit_path.clone())))
        .ok_or(AppError::NotFound("correction"))
}

async fn load(tx: &mut Tx, request: Correction) -> AppResult<Filed> {
    let records = corrections::records(tx, request.id).await?;
    let attachments = corrections::attachments(tx, request.id).await?;
    Ok(Filed {
        request,
        records,
        attachments,
    })
}

async fn filed(tx: &mut Tx, id: i64) -> AppResult<Filed> {
    let c = corrections::get(tx, id)
        .await?
        .ok_or(AppError::NotFound("correction"))?;
    load(tx, c).await
}

/// Files a checked request; answers its id.
async fn file(
    tx: &mut Tx,
    checked: &Checked,
    requested_by: UserId,
    partner_id: Option<i64>,
    now: DateTime<Utc>,
) -> AppResult<i64> {
    let records: Vec<NewRecord<'_>> = checked
        .records
        .iter()
        .map(|r| NewRecord {
            violation_id: r.violation.id,
            unit_id: r.violation.unit_id,
            unit_path: &r.violation.unit_path,
            changes: r.changes.clone(),
        })
        .collect();
    let unit = checked
        .scope
        .unit_id()
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("a unit path without a unit")))?;
    Ok(corrections::insert(
        tx,
        &NewCorrection {
            unit_id: unit.0,
            unit_path: checked.scope.as_str(),
            records: &records,
            reason: &checked.reason,
            requested_by,
            requested_at: now,
            partner_id,
        },
    )
    .await?)
}

/// The records a step concerns, each with what its timeline says of it (the fields asked).
fn named<'a>(
    records: impl IntoIterator<Item = (i64, &'a Changes)>,
) -> Vec<(i64, serde_json::Value)> {
    records
        .into_iter()
        .map(|(v, changes)| {
            let fields: Vec<&str> = changes.0.iter().map(|c| c.field.as_str()).collect();
            (v, json!({ "fields": fields }))
        })
        .collect()
}

/// DAT-01: asks for a change of the facts of one or more records, with files attached.
pub async fn request(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    input: &CorrectionInput,
    files: Vec<NewFile>,
) -> AppResult<Filed> {
    need::<CorrectionRequesters>(p, "asking for a correction needs a role of the business")?;
    let files = attachments::check(files)?;
    let now = ctx.clock.now();
    // Who asks and what is asked are checked before a file is stored: the blob store is
    // write-once.
    let stored = if files.is_empty() {
        Vec::new()
    } else {
        let mut tx = ctx.store.begin_read().await?;
        input::check(&mut tx, input, now, Finder::Person(p)).await?;
        drop(tx);
        attachments::store(ctx, files).await?
    };
    let mut tx = ctx.store.begin().await?;
    let checked = input::check(&mut tx, input, now, Finder::Person(p)).await?;
    let id = file(&mut tx, &checked, p.user.id, None, now).await?;
    let hashes = attachments::note(&mut tx, id, 0, &stored, p.user.id, now).await?;
    let records = named(checked.records.iter().map(|r| (r.violation.id, &r.changes)));
    let unit = checked.scope.unit_id().map_or(0, |u| u.0);
    step(
        &mut tx,
        &Actor::user(p, meta),
        "correction.request",
        &records,
        unit,
        id,
        json!({ "attachments": hashes }),
        now,
    )
    .await?;
    let c = filed(&mut tx, id).await?;
    tx.commit().await?;
    Ok(c)
}

/// SHR-01, DAT-01: a partner's correction request (`writeObjectOut`), inside the caller's
/// transaction: the same rule as the form checks it, and it is filed in the name of `sponsor`
/// (who proposed the partner's write grant and answers for it, so cannot approve it either)
/// with the partner named. It only asks: the facts change when a head approves and the
/// technology department carries it out (SEC-06). Audited and put on the record's timeline.
pub(crate) async fn request_from_partner(
    tx: &mut Tx,
    actor: &Actor,
    v: &Violation,
    input: &CorrectionInput,
    sponsor: UserId,
    partner_id: i64,
    now: DateTime<Utc>,
) -> AppResult<i64> {
    let checked = input::check(tx, input, now, Finder::Known(v)).await?;
    let id = file(tx, &checked, sponsor, Some(partner_id), now).await?;
    let records = named(checked.records.iter().map(|r| (r.violation.id, &r.changes)));
    step(
        tx,
        actor,
        "correction.request",
        &records,
        v.unit_id,
        id,
        json!({ "partner": partner_id }),
        now,
    )
    .await?;
    Ok(id)
}

/// The requests under the person's units, newest first (optionally of one state); the read
/// is audited.
pub async fn list(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    state: Option<CorrectionState>,
) -> AppResult<Vec<Filed>> {
    need::<CorrectionReaders>(
        p,
        "corrections are for the business, its heads and technology",
    )?;
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let scope = scope::acting_scope(&mut tx, p).await?;
    let rows = corrections::in_scope(&mut tx, &scope, state, 200).await?;
    let since = rows.last().map_or(i64::MAX, |c| c.id);
    let mut records: HashMap<i64, Vec<CorrectionRecord>> = HashMap::new();
    for r in corrections::records_in_scope(&mut tx, &scope, state, since).await? {
        records.entry(r.correction_id).or_default().push(r);
    }
    let mut files: HashMap<i64, Vec<Attachment>> = HashMap::new();
    for a in corrections::attachments_in_scope(&mut tx, &scope, state, since).await? {
        files.entry(a.correction_id).or_default().push(a);
    }
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
    Ok(rows
        .into_iter()
        .map(|c| Filed {
            records: records.remove(&c.id).unwrap_or_default(),
            attachments: files.remove(&c.id).unwrap_or_default(),
            request: c,
        })
        .collect())
}

/// One request, in the person's scope.
pub async fn get(ctx: &ServiceContext, p: &Principal, id: i64) -> AppResult<Filed> {
    need::<CorrectionReaders>(
        p,
        "corrections are for the business, its heads and technology",
    )?;
    let mut tx = ctx.store.begin_read().await?;
    let c = in_scope(&mut tx, p, id).await?;
    load(&mut tx, c).await
}

/// The requests naming a record the person may read, for the record's page (before/after).
pub async fn of_violation(
    ctx: &ServiceContext,
    p: &Principal,
    violation: i64,
) -> AppResult<Vec<Filed>> {
    if !p.may::<CorrectionReaders>() {
        return Ok(Vec::new());
    }
    let mut tx = ctx.store.begin_read().await?;
    let v = input::violation_in_scope(&mut tx, p, violation).await?;
    let mut out = Vec::new();
    for c in corrections::of_violation(&mut tx, v.id).await? {
        out.push(load(&mut tx, c).await?);
    }
    Ok(out)
}

/// DAT-01: the head of the records' units (or above) approves; never their own request.
pub async fn approve(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    id: i64,
) -> AppResult<Filed> {
    decide(ctx, p, meta, id, None).await
}

/// DAT-01: the head refuses, saying why.
pub async fn refuse(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    id: i64,
    input: &Refusal,
) -> AppResult<Filed> {
    decide(ctx, p, meta, id, Some(input.reason.as_str())).await
}

/// DAT-01: every record of the request lies in the person's units; otherwise nothing is done,
/// naming the record.
fn all_in_scope(scope: &UnitPath, records: &[CorrectionRecord]) -> AppResult<()> {
    match records
        .iter()
        .find(|r| !scope.covers(&UnitPath::from_stored(r.unit_path.clone())))
    {
        None => Ok(()),
        Some(r) => Err(RuleViolation::new(
            "DAT-01",
            Code::CorrectionOutOfScope,
            format!(
                "record {} is outside your units; nothing was done",
                r.violation_id
            ),
        )
        .into()),
    }
}

async fn decide(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    id: i64,
    refusal: Option<&str>,
) -> AppResult<Filed> {
    need::<CorrectionApprovers>(p, "corrections are decided by the unit head")?;
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let c = in_scope(&mut tx, p, id).await?;
    let records = corrections::records(&mut tx, id).await?;
    let (to, reason, action) = match refusal {
        None => (
            rule::approve(c.state, UserId(c.requested_by), p.user.id)?,
            String::new(),
            "correction.approve",
        ),
        Some(r) => (
            rule::refuse(c.state, r)?,
            roadwarden_domain::device::text("reason", r, 1000, true)?,
            "correction.refuse",
        ),
    };
    all_in_scope(&scope::acting_scope(&mut tx, p).await?, &records)?;
    if !corrections::decide(&mut tx, id, to, p.user.id, &reason, now).await? {
        return Err(RuleViolation::new(
            "DAT-01",
            Code::CorrectionNotPending,
            "this correction was decided meanwhile",
        )
        .into());
    }
    let named = named(records.iter().map(|r| (r.violation_id, &r.changes)));
    step(
        &mut tx,
        &Actor::user(p, meta),
        action,
        &named,
        c.unit_id,
        id,
        json!({ "reason": reason }),
        now,
    )
    .await?;
    let c = filed(&mut tx, id).await?;
    tx.commit().await?;
    Ok(c)
}

/// DAT-01: what carrying out one record of the request writes. Each value is checked again
/// against the record as it is now, and the record must still hold the values it held when
/// asked ("before"): if one changed meanwhile, nothing of the request is carried out.
fn carry_out(
    facts: &Facts,
    r: &CorrectionRecord,
    now: DateTime<Utc>,
) -> AppResult<(FactUpdate, Changes)> {
    let mut update = FactUpdate::default();
    let mut done = Vec::with_capacity(r.changes.0.len());
    for ch in &r.changes.0 {
        let field = FactField::parse(&ch.field)?;
        let held = current(facts, field);
        if held != ch.before {
            return Err(RuleViolation::new(
                "DAT-01",
                Code::CorrectionFactChanged,
                format!(
                    "record {}: {} is now {held}, not {} as when asked; nothing was carried out",
                    r.violation_id, ch.field, ch.before
                ),
            )
            .into());
        }
        let value = rule::check_value(facts, field, &ch.after, now)?;
        done.push(Change {
            field: ch.field.clone(),
            before: held,
            after: value.display(),
        });
        apply(&mut update, value);
    }
    Ok((update, Changes(done)))
}

/// DAT-01: the technology department carries out an approved request: the facts of every
/// record change in one transaction with the request marked executed and each record's
/// before/after on its timeline. Any record out of the person's units, or changed since the
/// request, and nothing is carried out.
pub async fn execute(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    id: i64,
) -> AppResult<Filed> {
    need::<CorrectionExecutors>(
        p,
        "corrections are carried out by the technology department",
    )?;
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let c = in_scope(&mut tx, p, id).await?;
    rule::execute(c.state, UserId(c.requested_by), p.user.id)?;
    let records = corrections::records(&mut tx, id).await?;
    all_in_scope(&scope::acting_scope(&mut tx, p).await?, &records)?;
    let mut updates = Vec::with_capacity(records.len());
    for r in &records {
        let v = violations::get(&mut tx, r.violation_id)
            .await?
            .ok_or(AppError::NotFound("violation"))?;
        let (facts, changes) = carry_out(&input::facts(&v), r, now)?;
        updates.push(RecordUpdate {
            position: r.position,
            violation_id: v.id,
            facts,
            changes,
        });
    }
    if !corrections::execute(&mut tx, id, &updates, p.user.id, now).await? {
        return Err(RuleViolation::new(
            "DAT-01",
            Code::CorrectionNotApproved,
            "this correction is no longer approved",
        )
        .into());
    }
    // Each record's timeline gets its own before/after.
    let mut done = Vec::with_capacity(updates.len());
    for u in &updates {
        let changes = serde_json::to_value(&u.changes.0).map_err(AppError::internal)?;
        done.push((u.violation_id, json!({ "changes": changes })));
    }
    step(
        &mut tx,
        &Actor::user(p, meta),
        "correction.execute",
        &done,
        c.unit_id,
        id,
        json!({}),
        now,
    )
    .await?;
    let c = filed(&mut tx, id).await?;
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

/// A step of a request: on each record's timeline (append-only) and in the audit chain.
#[allow(clippy::too_many_arguments)]
async fn step(
    tx: &mut Tx,
    actor: &Actor,
    action: &str,
    records: &[(i64, serde_json::Value)],
    unit_id: i64,
    id: i64,
    detail: serde_json::Value,
    now: DateTime<Utc>,
) -> AppResult<()> {
    for (violation, own) in records {
        let mut timeline = detail.clone();
        merge(&mut timeline, own);
        timeline["correction"] = json!(id);
        violations::add_event(
            tx,
            *violation,
            &action.replace('.', "_"),
            actor.user_id,
            &actor.name,
            &timeline.to_string(),
            now,
        )
        .await?;
    }
    let mut audited = detail;
    audited["correction"] = json!(id);
    audited["violation"] = json!(records.first().map(|r| r.0));
    audited["records"] = json!(records
        .iter()
        .map(|(v, own)| {
            let mut one = json!({ "violation": v });
            merge(&mut one, own);
            one
        })
        .collect::<Vec<_>>());
    record(
        tx,
        actor,
        Event {
            action,
            object_type: "correction",
            object_id: id.to_string(),
            unit_id: Some(UnitId(unit_id)),
            detail: audited,
        },
        now,
    )
    .await?;
    Ok(())
}

/// Adds the members of the object `extra` to the object `into`.
fn merge(into: &mut serde_json::Value, extra: &serde_json::Value) {
    if let (Some(into), Some(extra)) = (into.as_object_mut(), extra.as_object()) {
        for (k, v) in extra {
            into.insert(k.clone(), v.clone());
        }
    }
}
