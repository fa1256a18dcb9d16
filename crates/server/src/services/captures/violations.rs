//! NOT-01..03, REV-04, REV-06: violation records from entry to closing, the owner's public
//! query (NOT-02a) and the inspection block (NOT-03).

use chrono::{DateTime, Duration, Utc};
use roadwarden_domain::calendar::{parse_date, start_of_local_day};
use roadwarden_domain::capture::notice::{
    self, apply, blocks_inspection, check_extension, late_fee, notice_due, payment_days, Step,
    ViolationState,
};
use roadwarden_domain::capture::penalty::{procedure, tariff, Currency, Money, Procedure};
use roadwarden_domain::capture::plate::query_key;
use roadwarden_domain::capture::review::{
    elimination_deadline, outcome, EliminationReason, Outcome, Party,
};
use roadwarden_domain::device::{text, CaptureUse};
use roadwarden_domain::org::{Country, UnitPath};
use roadwarden_domain::roles::Role;
use roadwarden_domain::{FieldError, RuleViolation, UnitId};
use roadwarden_store::captures::Capture;
use roadwarden_store::violations::{self, NewNotice, NewViolation, Violation};
use roadwarden_store::{units, Tx};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::owner_proof::{prove_owner, Purpose};
use super::registry;
use crate::auth::Principal;
use crate::context::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::services::audit::{record, record_list_read, Actor, Event};
use crate::state::AppState;

/// REV-00 → NOT-01: an approved capture becomes a record, publicly queryable at once
/// (NOT-02a), and the owner's notices are queued in the same transaction (the outbox).
pub async fn enter(
    state: &AppState,
    tx: &mut Tx,
    capture: &Capture,
    actor: &Actor,
    now: DateTime<Utc>,
) -> AppResult<i64> {
    let unit = units::get(tx, UnitId(capture.unit_id))
        .await?
        .ok_or(AppError::NotFound("unit"))?;
    let usage = match capture.usage.as_str() {
        "enforce" => CaptureUse::Enforce,
        _ => CaptureUse::WarnOnly,
    };
    let result = outcome(usage);
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
    let cal = super::calendar(state, tx, unit.country).await?;
    // NOT-02f: Vietnam's 10 days run from detection (the capture's time), not from approval.
    let due = notice_due(
        unit.country,
        now,
        capture.captured_at,
        state.settings.notices.notice_working_days,
        &cal,
        unit.tz(),
    );
    // Item 2 of issue 12: the owner is looked up within the record's own country and plate.
    let vehicle = registry::owner_of(
        tx,
        unit.country.code(),
        &capture.plate_key,
        &capture.plate_colour,
    )
    .await?;
    let id = violations::insert(
        tx,
        &NewViolation {
            capture_id: capture.id,
            unit_id: unit.id,
            unit_path: unit.path.clone(),
            country: unit.country.code().to_owned(),
            outcome: match result {
                Outcome::Violation => "violation",
                Outcome::Warning => "warning",
            }
            .to_owned(),
            plate: capture.plate.clone(),
            plate_key: capture.plate_key.clone(),
            plate_colour: capture.plate_colour.clone(),
            violation_code: capture.violation_code.clone(),
            occurred_at: capture.captured_at,
            place: capture.place.clone(),
            fine_minor: fine.minor,
            currency: fine.currency.code().to_owned(),
            points: i32::from(points),
            procedure: match procedure_used {
                Procedure::Simple => "simple",
                Procedure::General => "general",
            }
            .to_owned(),
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
        queue_notices(state, tx, id, v, unit.country, now).await?;
        if unit.country == Country::Vietnam {
            super::transfer::transfer_if_elsewhere(tx, id, &unit, v, now).await?;
        }
    }
    Ok(id)
}

/// The owner's channels, each a row in the outbox; the text is written when it is sent.
async fn queue_notices(
    state: &AppState,
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
    let n = &state.settings.notices;
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
    state: &AppState,
    p: &Principal,
    meta: &RequestMeta,
    id: i64,
    action: ClerkAction,
) -> AppResult<Violation> {
    let needed = match action {
        ClerkAction::Eliminate { .. } => &[Role::Reviewer, Role::ObjectionHandler][..],
        ClerkAction::VerifyElimination { .. } => {
            &[Role::Reviewer, Role::ObjectionHandler, Role::NoticeClerk][..]
        }
        _ => &[Role::NoticeClerk][..],
    };
    if !p.has_any(needed) {
        let names: Vec<&str> = needed.iter().map(|r| r.as_str()).collect();
        return Err(AppError::forbidden(
            "role.missing",
            format!("this needs one of the roles: {}", names.join(", ")),
        ));
    }
    let now = state.clock.now();
    let mut tx = state.store.begin().await?;
    let v = readable(&mut tx, p, id).await?;
    let actor = Actor::user(p, meta);
    let name = action.name();
    let changed = apply_action(state, &mut tx, v, action, now, &actor).await?;
    record(
        &mut tx,
        &actor,
        Event {
            action: &format!("violation.{name}"),
            object_type: "violation",
            object_id: id.to_string(),
            unit_id: Some(UnitId(changed.unit_id)),
            detail: json!({ "state": changed.state, "plate": changed.plate }),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(changed)
}

async fn apply_action(
    state: &AppState,
    tx: &mut Tx,
    mut v: Violation,
    action: ClerkAction,
    now: DateTime<Utc>,
    actor: &Actor,
) -> AppResult<Violation> {
    let from = ViolationState::parse(&v.state)?;
    let warning = v.outcome == "warning";
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
            mark_notified(state, tx, &mut v, to, unit.country, tz, now).await?;
            detail = text("channel", &channel, 32, false)?;
        }
        ClerkAction::Extend { until, reason } => {
            if !from.is_open() || from == ViolationState::Entered {
                return Err(RuleViolation::new(
                    "NOT-02b",
                    "extension.not_open",
                    "an extension is for a notified, open record",
                )
                .into());
            }
            if v.extended_until.is_some() {
                return Err(RuleViolation::new(
                    "NOT-02b",
                    "extension.already",
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
            v.state = apply(from, Step::Handle, warning)?.as_str().to_owned();
            let driver = text("driver_name", &driver_name, 64, false)?;
            // REV-06: attributed to the actual driver once established.
            if !driver.is_empty() {
                v.party = serde_json::to_value(Party::Driver)
                    .ok()
                    .and_then(|p| p.as_str().map(str::to_owned))
                    .unwrap_or_else(|| "driver".into());
                v.driver_name = driver;
            }
            v.decided_at = Some(now);
            v.payment_due = Some(today + Duration::days(i64::from(payment_days(country_of(&v)))));
        }
        ClerkAction::Pay => {
            v.state = apply(from, Step::Pay, warning)?.as_str().to_owned();
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
            v.state = apply(from, Step::Eliminate, warning)?.as_str().to_owned();
            v.eliminated_at = Some(now);
            v.elimination_reason = Some(reason.as_str().to_owned());
            detail = text("note", &note, 500, false)?;
        }
        ClerkAction::VerifyElimination { reason, note } => {
            let reason = EliminationReason::parse(&reason)?;
            if !from.is_open() {
                return Err(RuleViolation::new(
                    "REV-04",
                    "violation.closed",
                    "this case is already closed",
                )
                .into());
            }
            if v.elimination_verified_at.is_some() {
                return Err(RuleViolation::new(
                    "REV-04",
                    "violation.elimination_already_verified",
                    "a reason for elimination was already verified on this record",
                )
                .into());
            }
            let cal = super::calendar(state, tx, unit.country).await?;
            v.elimination_verified_at = Some(now);
            v.elimination_verified_reason = Some(reason.as_str().to_owned());
            v.elimination_due_at = Some(elimination_deadline(now, &cal, tz).overdue_at);
            detail = format!("{}: {}", reason.as_str(), text("note", &note, 500, false)?);
            event = Some("elimination_verified");
        }
    }
    v.updated_at = now;
    if !violations::save(tx, &v, from.as_str()).await? {
        return Err(RuleViolation::new(
            "NOT-02",
            "violation.changed",
            "the record changed meanwhile; reload and try again",
        )
        .into());
    }
    let name = match v.state.as_str() {
        _ if event.is_some() => event.unwrap_or_default(),
        s if s == from.as_str() => "changed",
        s => s,
    };
    violations::add_event(tx, v.id, name, actor.user_id, &actor.name, &detail, now).await?;
    Ok(v)
}

/// NOT-01/NOT-02: the owner is notified now; the 30 days start.
#[allow(clippy::too_many_arguments)]
pub async fn mark_notified(
    state: &AppState,
    tx: &mut Tx,
    v: &mut Violation,
    to: ViolationState,
    country: Country,
    tz: chrono_tz::Tz,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let cal = super::calendar(state, tx, country).await?;
    v.state = to.as_str().to_owned();
    v.notified_at = Some(now);
    v.handle_by =
        Some(notice::handle_by(now, state.settings.notices.handle_days, &cal, tz).last_day);
    // NOT-02c: the overdue job looks at the record when the owner's 30 days are up, and at the
    // vehicle's other records that waited for a fifth one.
    let today = now.with_timezone(&tz).date_naive();
    v.next_step_at = (v.outcome == "violation" && to == ViolationState::Notified).then(|| {
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
        currency: if v.currency == "VND" {
            Currency::Vnd
        } else {
            Currency::Cny
        },
    }
}

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
    pub objection_open: bool,
    /// APL-02: the owner's objections to this record with the office's answer.
    pub objections: Vec<PublicObjection>,
}

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
    state: &AppState,
    meta: &RequestMeta,
    plate: &str,
    vin_tail: &str,
    lang: &str,
) -> AppResult<Vec<PublicRecord>> {
    let vehicle = prove_owner(state, meta, plate, vin_tail, Purpose::Lookup).await?;
    let key = query_key(plate)?;
    let now = state.clock.now();
    let mut tx = state.store.begin_read().await?;
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
        out.push(public_record(
            &v,
            unit.map(|u| u.name).unwrap_or_default(),
            &objections,
            lang,
            now.with_timezone(&tz).date_naive(),
        ));
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
    let fee = match (v.state.as_str(), v.payment_due) {
        ("decided", Some(due)) => late_fee(fine, due, today),
        _ => Money { minor: 0, ..fine },
    };
    PublicRecord {
        id: v.id,
        plate: v.plate.clone(),
        plate_colour: v.plate_colour.clone(),
        violation_code: v.violation_code.clone(),
        violation: roadwarden_domain::device::violations::lookup(&v.violation_code)
            .map(|t| t.name(lang).to_owned())
            .unwrap_or_default(),
        occurred_at: v.occurred_at,
        place: v.place.clone(),
        outcome: v.outcome.clone(),
        state: v.state.clone(),
        fine: fine.display(lang),
        points: v.points,
        handle_by: v.handle_by,
        extended_until: v.extended_until,
        late_fee: fee.display(lang),
        handling_unit,
        objection_open: objections.iter().any(|o| o.state == "received"),
        objections: objections
            .iter()
            .map(|o| PublicObjection {
                received_at: o.received_at,
                state: o.state.clone(),
                decided_at: o.decided_at,
                reply: o.reply.clone(),
            })
            .collect(),
    }
}

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

/// The country whose rules govern a record (`CN` unless `VN`).
pub fn country_of(v: &Violation) -> Country {
    if v.country == "VN" {
        Country::Vietnam
    } else {
        Country::China
    }
}

fn blocks(v: &Violation, now: DateTime<Utc>) -> bool {
    ViolationState::parse(&v.state).is_ok_and(|s| {
        blocks_inspection(country_of(v), s, v.outcome == "warning", v.notified_at, now)
    })
}

fn reason_of(v: &Violation) -> BlockReason {
    BlockReason {
        violation_id: v.id,
        violation_code: v.violation_code.clone(),
        occurred_at: v.occurred_at,
        state: v.state.clone(),
        rule: "NOT-03",
    }
}

/// NOT-03: "is this vehicle blocked, and why". Asked by an inspection station's account
/// (interface client at an inspection station or inspection centre); every question audited.
pub async fn inspection_query(
    state: &AppState,
    p: &Principal,
    meta: &RequestMeta,
    plate: &str,
) -> AppResult<InspectionAnswer> {
    let key = query_key(plate)?;
    let now = state.clock.now();
    let mut tx = state.store.begin().await?;
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
    state: &AppState,
    p: &Principal,
    meta: &RequestMeta,
    after: i64,
    limit: i64,
) -> AppResult<BlockedPage> {
    let now = state.clock.now();
    let limit = limit.clamp(1, 1000);
    let mut tx = state.store.begin().await?;
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
            plate_colour: v.plate_colour.clone(),
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
async fn check_inspector(tx: &mut Tx, p: &Principal) -> AppResult<&'static str> {
    let station = units::get(tx, p.user.unit_id)
        .await?
        .filter(|u| u.kind == roadwarden_domain::org::UnitKind::InspectionStation);
    match station {
        Some(unit) if p.has(Role::InterfaceClient) => Ok(unit.country.code()),
        _ => Err(AppError::forbidden(
            "role.missing",
            "the inspection interface is for inspection stations' interface accounts",
        )),
    }
}

/// Records the overdue pass reads per transaction.
pub const OVERDUE_BATCH: i64 = 500;

/// NOT-02c: once a day, the steps that came due for vehicles leaving records unhandled, and
/// service by announcement for owners a notice cannot reach. Each step is recorded on the
/// record's timeline and in the audit chain; an announcement shows the plate masked and nothing
/// about the owner. Only records whose `next_step_at` has come are read, in batches, until none
/// is left: each one read gets its next date (or none), so the ones behind come next.
pub async fn overdue_pass(state: &AppState) -> AppResult<usize> {
    overdue_pass_in_batches(state, OVERDUE_BATCH).await
}

pub async fn overdue_pass_in_batches(state: &AppState, batch: i64) -> AppResult<usize> {
    let now = state.clock.now();
    let mut steps = 0;
    let mut uncovered = std::collections::BTreeSet::new();
    loop {
        let mut tx = state.store.begin().await?;
        let due = violations::overdue_step_due(&mut tx, now, batch.max(1)).await?;
        if due.is_empty() {
            break;
        }
        for v in due {
            steps += overdue_step(state, &mut tx, v, now, &mut uncovered).await?;
        }
        tx.commit().await?;
    }
    Ok(steps)
}

/// One record of the overdue pass: the step that came due, if any, and when to look next.
async fn overdue_step(
    state: &AppState,
    tx: &mut Tx,
    mut v: Violation,
    now: DateTime<Utc>,
    uncovered: &mut std::collections::BTreeSet<(&'static str, i32)>,
) -> AppResult<usize> {
    use roadwarden_domain::capture::notice::{
        announced_plate, due_overdue_step, overdue_step_date, served_by_announcement_on,
        OverdueFacts, OverdueStep, OVERDUE_MIN_RECORDS,
    };
    let unit = units::get(tx, UnitId(v.unit_id))
        .await?
        .ok_or(AppError::NotFound("unit"))?;
    let tz = unit.tz();
    let today = now.with_timezone(&tz).date_naive();
    let country = country_of(&v);
    let cal = super::calendar(state, tx, country).await?;
    // A date to look again: never today or earlier, so the pass always moves on.
    let at = |day: chrono::NaiveDate| {
        let t = start_of_local_day(day, tz);
        if t > now {
            t
        } else {
            start_of_local_day(today + Duration::days(1), tz)
        }
    };
    let from = v.state.clone();
    let current = ViolationState::parse(&from)?;
    let mut step: Option<(&str, String)> = None;
    match current {
        ViolationState::Entered if v.outcome == "violation" => {
            if now < v.notice_due_at {
                v.next_step_at = Some(v.notice_due_at);
            } else if owner_reachable(tx, &v).await? {
                // A notice is still on its way (or a letter waits to be posted): look tomorrow.
                v.next_step_at = Some(at(today));
            } else if let Some(announced) = v.service_announced_on {
                let served = served_by_announcement_on(announced, &cal);
                super::deadlines::warn_if_uncovered(uncovered, &cal, country, served);
                if today >= served {
                    // The 60 days ran: the notice counts as served, the owner's 30 days start.
                    let to = apply(current, Step::Notify, false)?;
                    mark_notified(state, tx, &mut v, to, country, tz, now).await?;
                    step = Some(("served_by_announcement", String::new()));
                } else {
                    v.next_step_at = Some(at(served));
                }
            } else {
                v.service_announced_on = Some(today);
                let served = served_by_announcement_on(today, &cal);
                super::deadlines::warn_if_uncovered(uncovered, &cal, country, served);
                v.next_step_at = Some(at(served));
                step = Some(("service_announced", announced_plate(&v.plate)));
            }
        }
        ViolationState::Notified if v.outcome == "violation" => {
            let Some(notified) = v.notified_at else {
                v.next_step_at = None;
                return save_overdue(tx, &v, &from, None, now).await;
            };
            let mut facts = OverdueFacts {
                unhandled_records: usize::try_from(
                    violations::unhandled_for_plate(tx, &v.plate_key).await?,
                )
                .unwrap_or(0),
                notified_on: notified.with_timezone(&tz).date_naive(),
                extended: v.extended_until.is_some_and(|u| u >= today),
                intended_notice_on: v.intended_notice_on,
                responded: v.responded,
                announced_on: v.announced_on,
            };
            let due = due_overdue_step(&facts, today, &cal);
            match due {
                Some(OverdueStep::IntendedDecisionNotice) => {
                    v.intended_notice_on = Some(today);
                    facts.intended_notice_on = Some(today);
                    step = Some(("intended_decision_notice", String::new()));
                }
                Some(OverdueStep::PublicAnnouncement) => {
                    v.announced_on = Some(today);
                    facts.announced_on = Some(today);
                    step = Some(("announced", announced_plate(&v.plate)));
                }
                Some(OverdueStep::DecisionMayIssue) => {
                    let done = violations::events(tx, v.id)
                        .await?
                        .iter()
                        .any(|e| e.action == "decision_may_issue");
                    if !done {
                        step = Some(("decision_may_issue", String::new()));
                    }
                }
                None => {}
            }
            v.next_step_at = match (due, overdue_step_date(&facts, &cal)) {
                (Some(OverdueStep::DecisionMayIssue), _) | (_, None) => None,
                (_, Some(day)) if day > today => {
                    super::deadlines::warn_if_uncovered(uncovered, &cal, country, day);
                    Some(at(day))
                }
                // The time has come but a running extension holds the step: look after it.
                (_, Some(_)) if facts.extended => {
                    v.extended_until.map(|until| at(until + Duration::days(1)))
                }
                // Fewer than 5 unhandled records: a newly notified one wakes the vehicle's
                // records (`mark_notified`).
                (_, Some(_)) if facts.unhandled_records < OVERDUE_MIN_RECORDS => None,
                (_, Some(_)) => Some(at(today)),
            };
        }
        // Handled, closed, eliminated, or a warning: nothing is left for this pass.
        _ => v.next_step_at = None,
    }
    save_overdue(tx, &v, &from, step, now).await
}

/// NOT-02c: may a notice still reach the owner? A registered owner with a notice queued, or a
/// letter made and waiting to be posted.
async fn owner_reachable(tx: &mut Tx, v: &Violation) -> AppResult<bool> {
    if v.vehicle_id.is_none() {
        return Ok(false);
    }
    Ok(violations::notices_of(tx, v.id)
        .await?
        .iter()
        .any(|n| n.state == "queued" || n.state == "sent"))
}

async fn save_overdue(
    tx: &mut Tx,
    v: &Violation,
    expected_state: &str,
    step: Option<(&str, String)>,
    now: DateTime<Utc>,
) -> AppResult<usize> {
    let mut v = v.clone();
    if step.is_some() {
        v.updated_at = now;
    }
    violations::save(tx, &v, expected_state).await?;
    let Some((action, detail)) = step else {
        return Ok(0);
    };
    violations::add_event(tx, v.id, action, None, "system", &detail, now).await?;
    record(
        tx,
        &Actor::system(),
        Event {
            action: &format!("violation.{action}"),
            object_type: "violation",
            object_id: v.id.to_string(),
            unit_id: Some(UnitId(v.unit_id)),
            detail: json!({ "rule": "NOT-02c" }),
        },
        now,
    )
    .await?;
    Ok(1)
}
