//! NOT-01..03, REV-04, REV-06: violation records from entry to closing: entry, the clerk's
//! actions and the notices. The owner's public query is `public_lookup`, the inspection block
//! `inspection`, and the overdue steps `overdue`.

use chrono::{DateTime, Duration, Utc};
use roadwarden_domain::calendar::{parse_date, start_of_local_day};
use roadwarden_domain::capture::notice::{
    self, apply, check_extension, late_fee, notice_due, payment_days, Step, ViolationState,
};
use roadwarden_domain::capture::penalty::{procedure, tariff, Currency, Money, Procedure};
use roadwarden_domain::capture::review::{
    elimination_deadline, outcome, EliminationReason, Outcome, Party,
};
use roadwarden_domain::codes::Code;
use roadwarden_domain::device::text;
use roadwarden_domain::org::{Country, UnitPath};
use roadwarden_domain::{FieldError, RuleViolation, UnitId};
use roadwarden_store::captures::Capture;
use roadwarden_store::violations::{self, NewNotice, NewViolation, Violation};
use roadwarden_store::{units, Tx};
use serde::Deserialize;
use serde_json::json;

use super::registry;
use crate::auth::Principal;
use crate::context::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::policy::{EliminationVerifiers, Eliminators, NoticeClerks, RoleSet};
use crate::services::audit::{record, Actor, Event};
use crate::services::context::ServiceContext;

/// REV-00 → NOT-01: an approved capture becomes a record, publicly queryable at once
/// (NOT-02a), and the owner's notices are queued in the same transaction (the outbox).
pub async fn enter(
    ctx: &ServiceContext,
    tx: &mut Tx,
    capture: &Capture,
    actor: &Actor,
    now: DateTime<Utc>,
) -> AppResult<i64> {
    let unit = units::get(tx, UnitId(capture.unit_id))
        .await?
        .ok_or(AppError::NotFound("unit"))?;
    let result = outcome(capture.usage);
    let t = tariff(&capture.violation_code);
    let (fine, points, procedure_used) = match (result, t) {
        (Outcome::Violation, Some(t)) => (t.fine, t.points, procedure(&t)),
        // CAP-03: a warning carries no fine and no points.
        _ => (
            Money::major(0, Currency::of(unit.country)),
            0,
            Procedure::Simple,
        ),
    };
    let cal = super::calendar(ctx, tx, unit.country).await?;
    // NOT-02f: Vietnam's 10 days run from detection (the capture's time), not from approval.
    let due = notice_due(
        unit.country,
        now,
        capture.captured_at,
        ctx.settings.notices.notice_working_days,
        &cal,
        unit.tz(),
    );
    // Item 2 of issue 12: the owner is looked up within the record's own country and plate.
    let vehicle =
        registry::owner_of(tx, unit.country, &capture.plate_key, capture.plate_colour).await?;
    let id = violations::insert(
        tx,
        &NewViolation {
            capture_id: capture.id,
            unit_id: unit.id,
            unit_path: unit.path.clone(),
            country: unit.country,
            outcome: result,
            plate: capture.plate.clone(),
            plate_key: capture.plate_key.clone(),
            plate_colour: capture.plate_colour,
            violation_code: capture.violation_code.clone(),
            occurred_at: capture.captured_at,
            place: capture.place.clone(),
            fine_minor: fine.minor,
            currency: fine.currency,
            points: i32::from(points),
            procedure: procedure_used,
            vehicle_id: vehicle.as_ref().map(|v| v.id),
            entered_at: now,
            notice_due_at: due.overdue_at,
            // NOT-02c: an owner the notice cannot reach is served by announcement; the overdue
            // job looks once the notice is due.
            next_step_at: matches!(result, Outcome::Violation).then_some(due.overdue_at),
        },
    )
    .await?;
    violations::add_event(tx, id, "entered", actor.user_id, &actor.name, "", now).await?;
    if let Some(v) = &vehicle {
        queue_notices(ctx, tx, id, v, unit.country, now).await?;
        if unit.country == Country::Vietnam {
            super::transfer::transfer_if_elsewhere(tx, id, &unit, v, now).await?;
        }
    }
    Ok(id)
}

/// The owner's channels, each a row in the outbox; the text is written when it is sent.
async fn queue_notices(
    ctx: &ServiceContext,
    tx: &mut Tx,
    violation: i64,
    v: &violations::Vehicle,
    country: Country,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let language = match country {
        Country::China => "zh-CN",
        Country::Vietnam => "vi",
    };
    let n = &ctx.settings.notices;
    let mut channels: Vec<(&str, &str)> = Vec::new();
    if !v.owner_phone.is_empty() && !n.sms_gateway_url.is_empty() {
        channels.push(("sms", &v.owner_phone));
    }
    if !v.owner_email.is_empty() && !n.smtp_relay.is_empty() {
        channels.push(("email", &v.owner_email));
    }
    if !v.owner_address.is_empty() {
        channels.push(("letter", &v.owner_address));
    }
    for (channel, recipient) in channels {
        violations::enqueue_notice(
            tx,
            &NewNotice {
                violation_id: violation,
                channel,
                recipient,
                subject: "",
                body: "",
                language,
                blob_id: None,
            },
            now,
        )
        .await?;
    }
    Ok(())
}

/// A record the person may see (ORG-02); anything else is "not found".
pub async fn readable(tx: &mut Tx, p: &Principal, id: i64) -> AppResult<Violation> {
    let v = violations::get(tx, id)
        .await?
        .ok_or(AppError::NotFound("violation"))?;
    if !p.covers(&UnitPath::from_stored(v.unit_path.clone())) {
        return Err(AppError::NotFound("violation"));
    }
    Ok(v)
}

/// What a notice clerk records on a record.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClerkAction {
    /// The letter was posted (or the owner told in person) on this day.
    Notify {
        #[serde(default)]
        channel: String,
    },
    /// NOT-02b: extend the deadline (up to 3 months).
    Extend { until: String, reason: String },
    /// The owner (or the established driver, REV-06) handled it: a decision was issued.
    Handle {
        #[serde(default)]
        driver_name: String,
    },
    /// Payment received; the late fee (NOT-02d) is computed, not typed.
    Pay,
    /// REV-04: eliminate with a coded reason.
    Eliminate { reason: String, note: String },
    /// REV-04: a reason for elimination was verified (a police report of a stolen vehicle, an
    /// emergency vehicle's duty record…); the record must be eliminated within 3 working days.
    VerifyElimination {
        reason: String,
        #[serde(default)]
        note: String,
    },
}

impl ClerkAction {
    fn name(&self) -> &'static str {
        match self {
            ClerkAction::Notify { .. } => "notify",
            ClerkAction::Extend { .. } => "extend",
            ClerkAction::Handle { .. } => "handle",
            ClerkAction::Pay => "pay",
            ClerkAction::Eliminate { .. } => "eliminate",
            ClerkAction::VerifyElimination { .. } => "verify_elimination",
        }
    }
}

pub async fn act(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    id: i64,
    action: ClerkAction,
) -> AppResult<Violation> {
    let needed = match action {
        ClerkAction::Eliminate { .. } => Eliminators::ROLES,
        ClerkAction::VerifyElimination { .. } => EliminationVerifiers::ROLES,
        _ => NoticeClerks::ROLES,
    };
    if !p.has_any(needed) {
        let names: Vec<&str> = needed.iter().map(|r| r.as_str()).collect();
        return Err(AppError::forbidden(
            Code::RoleMissing,
            format!("this needs one of the roles: {}", names.join(", ")),
        ));
    }
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let v = readable(&mut tx, p, id).await?;
    let actor = Actor::user(p, meta);
    let name = action.name();
    let changed = apply_action(ctx, &mut tx, v, action, now, &actor).await?;
    record(
        &mut tx,
        &actor,
        Event {
            action: &format!("violation.{name}"),
            object_type: "violation",
            object_id: id.to_string(),
            unit_id: Some(UnitId(changed.unit_id)),
            detail: json!({ "state": changed.state.as_str(), "plate": changed.plate }),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(changed)
}

async fn apply_action(
    ctx: &ServiceContext,
    tx: &mut Tx,
    mut v: Violation,
    action: ClerkAction,
    now: DateTime<Utc>,
    actor: &Actor,
) -> AppResult<Violation> {
    let from = v.state;
    let warning = v.outcome == Outcome::Warning;
    let unit = units::get(tx, UnitId(v.unit_id))
        .await?
        .ok_or(AppError::NotFound("unit"))?;
    let tz = unit.tz();
    let today = now.with_timezone(&tz).date_naive();
    let mut detail = String::new();
    let mut event: Option<&str> = None;
    match action {
        ClerkAction::Notify { channel } => {
            let to = apply(from, Step::Notify, warning)?;
            mark_notified(ctx, tx, &mut v, to, unit.country, tz, now).await?;
            detail = text("channel", &channel, 32, false)?;
        }
        ClerkAction::Extend { until, reason } => {
            if !from.is_open() || from == ViolationState::Entered {
                return Err(RuleViolation::new(
                    "NOT-02b",
                    Code::ExtensionNotOpen,
                    "an extension is for a notified, open record",
                )
                .into());
            }
            if v.extended_until.is_some() {
                return Err(RuleViolation::new(
                    "NOT-02b",
                    Code::ExtensionAlready,
                    "this record was already extended",
                )
                .into());
            }
            let until = parse_date("until", &until)?;
            let original = v
                .handle_by
                .ok_or_else(|| FieldError::new("until", "the record has no deadline yet"))?;
            check_extension(original, until)?;
            v.extended_until = Some(until);
            detail = format!("{until}: {}", text("reason", &reason, 500, true)?);
        }
        ClerkAction::Handle { driver_name } => {
            v.state = apply(from, Step::Handle, warning)?;
            let driver = text("driver_name", &driver_name, 64, false)?;
            // REV-06: attributed to the actual driver once established.
            if !driver.is_empty() {
                v.party = Party::Driver;
                v.driver_name = driver;
            }
            v.decided_at = Some(now);
            v.payment_due = Some(today + Duration::days(i64::from(payment_days(v.country))));
        }
        ClerkAction::Pay => {
            v.state = apply(from, Step::Pay, warning)?;
            let fine = money_of(&v);
            let fee = v
                .payment_due
                .map_or(Money { minor: 0, ..fine }, |due| late_fee(fine, due, today));
            v.paid_at = Some(now);
            v.late_fee_minor = Some(fee.minor);
            v.paid_minor = Some(fine.minor + fee.minor);
            detail = format!("fine {} + late fee {}", fine.minor, fee.minor);
        }
        ClerkAction::Eliminate { reason, note } => {
            let reason = EliminationReason::parse(&reason)?;
            v.state = apply(from, Step::Eliminate, warning)?;
            v.eliminated_at = Some(now);
            v.elimination_reason = Some(reason.as_str().to_owned());
            detail = text("note", &note, 500, false)?;
        }
        ClerkAction::VerifyElimination { reason, note } => {
            let reason = EliminationReason::parse(&reason)?;
            if !from.is_open() {
                return Err(RuleViolation::new(
                    "REV-04",
                    Code::ViolationClosed,
                    "this case is already closed",
                )
                .into());
            }
            if v.elimination_verified_at.is_some() {
                return Err(RuleViolation::new(
                    "REV-04",
                    Code::ViolationEliminationAlreadyVerified,
                    "a reason for elimination was already verified on this record",
                )
                .into());
            }
            let cal = super::calendar(ctx, tx, unit.country).await?;
            v.elimination_verified_at = Some(now);
            v.elimination_verified_reason = Some(reason.as_str().to_owned());
            v.elimination_due_at = Some(elimination_deadline(now, &cal, tz).overdue_at);
            detail = format!("{}: {}", reason.as_str(), text("note", &note, 500, false)?);
            event = Some("elimination_verified");
        }
    }
    v.updated_at = now;
    if !violations::save(tx, &v, from).await? {
        return Err(RuleViolation::new(
            "NOT-02",
            Code::ViolationChanged,
            "the record changed meanwhile; reload and try again",
        )
        .into());
    }
    let name = match event {
        Some(e) => e,
        None if v.state == from => "changed",
        None => v.state.as_str(),
    };
    violations::add_event(tx, v.id, name, actor.user_id, &actor.name, &detail, now).await?;
    Ok(v)
}

/// NOT-01/NOT-02: the owner is notified now; the 30 days start.
#[allow(clippy::too_many_arguments)]
pub async fn mark_notified(
    ctx: &ServiceContext,
    tx: &mut Tx,
    v: &mut Violation,
    to: ViolationState,
    country: Country,
    tz: chrono_tz::Tz,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let cal = super::calendar(ctx, tx, country).await?;
    v.state = to;
    v.notified_at = Some(now);
    v.handle_by = Some(notice::handle_by(now, ctx.settings.notices.handle_days, &cal, tz).last_day);
    // NOT-02c: the overdue job looks at the record when the owner's 30 days are up, and at the
    // vehicle's other records that waited for a fifth one.
    let today = now.with_timezone(&tz).date_naive();
    v.next_step_at =
        (v.outcome == Outcome::Violation && to == ViolationState::Notified).then(|| {
            start_of_local_day(
                cal.calendar_days_after(today, notice::OVERDUE_RESPONSE_DAYS),
                tz,
            )
        });
    violations::wake_overdue_of_plate(tx, &v.plate_key, now).await?;
    Ok(())
}

pub fn money_of(v: &Violation) -> Money {
    Money {
        minor: v.fine_minor,
        currency: v.currency,
    }
}
