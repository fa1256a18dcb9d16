//! BWC-01, BWC-04, BWC-12: the recorder ledger. The recorder administrator registers recorders,
//! records each pre-use check, hands them out and takes them back; damage goes to logistics.
//! Every step is a ledger entry and an audit entry in one transaction.

use chrono::{DateTime, Utc};
use roadwarden_domain::account::AccountStatus;
use roadwarden_domain::codes::Code;
use roadwarden_domain::device::text;
use roadwarden_domain::evidence::ledger::{
    self, check_issue, check_report_damage, check_return, check_send_for_repair,
    may_carry_recorder, LedgerFacts, LedgerFlag, PreUseCheck, RecorderState, RepairDestination,
};
use roadwarden_domain::FieldError;
use roadwarden_domain::{UnitId, UserId};
use roadwarden_store::recorders::{self as store, NewLedgerEntry, Recorder, StateChange};
use roadwarden_store::{units, users, Tx};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::in_scope;
use crate::auth::Principal;
use crate::context::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::services::audit::{record, Actor, Event};
use crate::services::context::ServiceContext;
use crate::views::evidence::{LedgerEntryView, RecorderRecord};

/// A recorder with the flags it carries now.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RecorderView {
    pub recorder: RecorderRecord,
    pub holder_name: Option<String>,
    pub flags: Vec<&'static str>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RecorderPage {
    #[serde(flatten)]
    pub view: RecorderView,
    pub ledger: Vec<LedgerEntryView>,
}

pub struct NewRecorderInput {
    pub number: String,
    pub unit_id: Option<i64>,
    pub brand: String,
    pub model: String,
}

pub async fn register(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    input: NewRecorderInput,
) -> AppResult<RecorderView> {
    let number = ledger::parse_number(&input.number)?;
    let brand = text("brand", &input.brand, 60, true)?;
    let model = text("model", &input.model, 60, true)?;
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let unit_id = UnitId(input.unit_id.unwrap_or(p.user.unit_id.0));
    let unit = units::get(&mut tx, unit_id)
        .await?
        .ok_or(AppError::NotFound("unit"))?;
    in_scope(p, unit.path.as_str(), "unit")?;
    let id = store::insert(
        &mut tx,
        &store::NewRecorder {
            number: &number,
            unit_id,
            unit_path: &unit.path,
            brand: &brand,
            model: &model,
        },
        now,
    )
    .await?;
    store::add_entry(
        &mut tx,
        &NewLedgerEntry {
            recorder_id: id,
            kind: "registered",
            from_user: None,
            to_user: None,
            recorded_by: Some(p.user.id),
            condition: String::new(),
            passed: None,
            detail: json!({"brand": brand, "model": model}),
        },
        now,
    )
    .await?;
    audit(
        &mut tx,
        p,
        meta,
        "recorder.register",
        id,
        unit_id,
        json!({"number": number}),
        now,
    )
    .await?;
    let rec = store::get(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound("recorder"))?;
    tx.commit().await?;
    Ok(RecorderView {
        recorder: rec.into(),
        holder_name: None,
        flags: vec![],
    })
}

pub async fn list(ctx: &ServiceContext, p: &Principal) -> AppResult<Vec<RecorderView>> {
    let mut tx = ctx.store.begin_read().await?;
    let rows = store::list(&mut tx, p.scope(), 1000).await?;
    let now = ctx.clock.now();
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(view(&mut tx, r, now).await?);
    }
    Ok(out)
}

/// An officer a recorder may be issued to.
#[derive(Debug, Clone, Serialize)]
pub struct OfficerChoice {
    pub id: i64,
    /// "Full Name (username)".
    pub name: String,
}

/// The recorder's page: the recorder with its ledger, and the officers of the person's units
/// it may be issued to (up to 500).
pub async fn show_with_officers(
    ctx: &ServiceContext,
    p: &Principal,
    id: i64,
) -> AppResult<(RecorderPage, Vec<OfficerChoice>)> {
    let page = show(ctx, p, id).await?;
    let mut tx = ctx.store.begin_read().await?;
    let (officers, _) =
        users::list_in_scope(&mut tx, p.scope(), &users::UserFilter::default(), 500, 0).await?;
    // BWC-01: only those who may carry a recorder are offered (`officer_in_scope` refuses
    // the rest on every path).
    let mut choices = Vec::new();
    for u in officers
        .iter()
        .filter(|u| u.status == AccountStatus::Active)
    {
        let roles = users::roles_of(&mut tx, u.id).await?;
        if may_carry_recorder(u.person_kind, u.status, &roles) {
            choices.push(OfficerChoice {
                id: u.id.0,
                name: format!("{} ({})", u.full_name, u.username),
            });
        }
    }
    Ok((page, choices))
}

pub async fn show(ctx: &ServiceContext, p: &Principal, id: i64) -> AppResult<RecorderPage> {
    let mut tx = ctx.store.begin_read().await?;
    let r = load(&mut tx, p, id).await?;
    let ledger = store::ledger(&mut tx, id, 200).await?;
    let view = view(&mut tx, r, ctx.clock.now()).await?;
    Ok(RecorderPage {
        view,
        ledger: ledger.into_iter().map(Into::into).collect(),
    })
}

async fn view(tx: &mut Tx, r: Recorder, now: DateTime<Utc>) -> AppResult<RecorderView> {
    let facts = LedgerFacts {
        state: r.state,
        issued_at: r.issued_at,
        check_before_issue: match r.issued_at {
            Some(at) => store::last_passed_check(tx, r.id, at).await?,
            None => None,
        },
        damaged_at: r.damaged_at,
        sent_for_repair_at: r.sent_for_repair_at,
    };
    let holder_name = match r.holder_id {
        Some(h) => users::get(tx, UserId(h)).await?.map(|u| u.full_name),
        None => None,
    };
    Ok(RecorderView {
        flags: ledger::flags(facts, now)
            .into_iter()
            .map(LedgerFlag::as_str)
            .collect(),
        recorder: r.into(),
        holder_name,
    })
}

async fn load(tx: &mut Tx, p: &Principal, id: i64) -> AppResult<Recorder> {
    let r = store::get(tx, id)
        .await?
        .ok_or(AppError::NotFound("recorder"))?;
    in_scope(p, &r.unit_path, "recorder")?;
    Ok(r)
}

/// A step on the ledger, as the API and the pages send it.
pub enum Step {
    /// BWC-04: the pre-use check, by the officer who will carry it (or the administrator).
    Check {
        officer_id: Option<i64>,
        check: PreUseCheck,
    },
    /// BWC-01: hand-over to an officer.
    Issue { officer_id: i64, condition: String },
    /// BWC-01: hand-back to the store.
    Return { condition: String },
    /// BWC-12: damage reported.
    Damage { condition: String },
    /// BWC-12: sent for repair.
    SendForRepair { destination: RepairDestination },
    /// Back from logistics, working.
    Repaired { condition: String },
}

pub async fn step(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    id: i64,
    step: Step,
) -> AppResult<RecorderPage> {
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let r = load(&mut tx, p, id).await?;
    let current = r.state;
    let keep = |state: RecorderState| StateChange {
        state,
        holder_id: r.holder_id.map(UserId),
        issued_at: r.issued_at,
        damaged_at: r.damaged_at,
        sent_for_repair_at: r.sent_for_repair_at,
    };
    let (kind, entry, change, detail) = match step {
        Step::Check { officer_id, check } => {
            let officer = match officer_id {
                Some(o) => Some(officer_in_scope(&mut tx, p, o).await?),
                None => r.holder_id.map(UserId),
            };
            let failures = check.failures();
            let entry = NewLedgerEntry {
                recorder_id: id,
                kind: "check",
                from_user: None,
                to_user: officer,
                recorded_by: Some(p.user.id),
                condition: String::new(),
                passed: Some(failures.is_empty()),
                detail: serde_json::to_value(check).unwrap_or_default(),
            };
            (
                "check",
                entry,
                None,
                json!({"passed": failures.is_empty(), "failures": failures}),
            )
        }
        Step::Issue {
            officer_id,
            condition,
        } => {
            let officer = officer_in_scope(&mut tx, p, officer_id).await?;
            let last = store::last_check(&mut tx, id, now).await?;
            let last = match last {
                Some(e) => Some((
                    e.at,
                    serde_json::from_str::<PreUseCheck>(&e.detail)
                        .map_err(|e| AppError::Internal(e.into()))?,
                )),
                None => None,
            };
            check_issue(current, last, now)?;
            let condition = text("condition", &condition, 200, false)?;
            let change = StateChange {
                state: RecorderState::Issued,
                holder_id: Some(officer),
                issued_at: Some(now),
                damaged_at: None,
                sent_for_repair_at: None,
            };
            let entry = NewLedgerEntry {
                recorder_id: id,
                kind: "issue",
                from_user: Some(p.user.id),
                to_user: Some(officer),
                recorded_by: Some(p.user.id),
                condition: String::new(),
                passed: None,
                detail: json!({}),
            };
            (
                "issue",
                NewLedgerEntry { condition, ..entry },
                Some(change),
                json!({"to": officer.0}),
            )
        }
        Step::Return { condition } => {
            check_return(current)?;
            let condition = text("condition", &condition, 200, true)?;
            let change = StateChange {
                state: RecorderState::InStore,
                holder_id: None,
                issued_at: None,
                damaged_at: None,
                sent_for_repair_at: None,
            };
            let entry = NewLedgerEntry {
                recorder_id: id,
                kind: "return",
                from_user: r.holder_id.map(UserId),
                to_user: Some(p.user.id),
                recorded_by: Some(p.user.id),
                condition,
                passed: None,
                detail: json!({}),
            };
            ("return", entry, Some(change), json!({"from": r.holder_id}))
        }
        Step::Damage { condition } => {
            check_report_damage(current)?;
            let condition = text("condition", &condition, 200, true)?;
            let change = StateChange {
                state: RecorderState::Damaged,
                holder_id: None,
                issued_at: None,
                damaged_at: Some(now),
                sent_for_repair_at: None,
            };
            let entry = NewLedgerEntry {
                recorder_id: id,
                kind: "damage",
                from_user: r.holder_id.map(UserId),
                to_user: None,
                recorded_by: Some(p.user.id),
                condition,
                passed: None,
                detail: json!({}),
            };
            (
                "damage",
                entry,
                Some(change),
                json!({"holder": r.holder_id}),
            )
        }
        Step::SendForRepair { destination } => {
            check_send_for_repair(current, destination)?;
            let overdue = ledger::repair_overdue(r.damaged_at.unwrap_or(now), Some(now), now);
            let change = StateChange {
                sent_for_repair_at: Some(now),
                ..keep(RecorderState::InRepair)
            };
            let entry = NewLedgerEntry {
                recorder_id: id,
                kind: "repair_sent",
                from_user: None,
                to_user: None,
                recorded_by: Some(p.user.id),
                condition: String::new(),
                passed: None,
                detail: json!({"destination": "logistics_department", "late": overdue}),
            };
            ("repair_sent", entry, Some(change), json!({"late": overdue}))
        }
        Step::Repaired { condition } => {
            if current != RecorderState::InRepair {
                return Err(roadwarden_domain::RuleViolation::new(
                    "BWC-12",
                    Code::RecorderNotInRepair,
                    "the recorder is not at the logistics department",
                )
                .into());
            }
            let condition = text("condition", &condition, 200, true)?;
            let change = StateChange {
                state: RecorderState::InStore,
                holder_id: None,
                issued_at: None,
                damaged_at: None,
                sent_for_repair_at: None,
            };
            let entry = NewLedgerEntry {
                recorder_id: id,
                kind: "repair_returned",
                from_user: None,
                to_user: None,
                recorded_by: Some(p.user.id),
                condition,
                passed: None,
                detail: json!({}),
            };
            ("repair_returned", entry, Some(change), json!({}))
        }
    };
    if let Some(change) = change {
        if !store::change_state(&mut tx, id, r.state, &change).await? {
            return Err(AppError::Conflict {
                field: "recorder changed meanwhile; reload".into(),
            });
        }
    }
    store::add_entry(&mut tx, &entry, now).await?;
    audit(
        &mut tx,
        p,
        meta,
        &format!("recorder.{kind}"),
        id,
        UnitId(r.unit_id),
        detail,
        now,
    )
    .await?;
    tx.commit().await?;
    show(ctx, p, id).await
}

async fn officer_in_scope(tx: &mut Tx, p: &Principal, id: i64) -> AppResult<UserId> {
    let u = users::get(tx, UserId(id))
        .await?
        .ok_or(AppError::NotFound("officer"))?;
    if !p.covers(&u.unit_path) {
        return Err(AppError::NotFound("officer"));
    }
    let roles = users::roles_of(tx, u.id).await?;
    if !may_carry_recorder(u.person_kind, u.status, &roles) {
        return Err(FieldError::new(
            "officer_id",
            "a recorder goes only to an active police officer or auxiliary (BWC-01)",
        )
        .into());
    }
    Ok(u.id)
}

#[allow(clippy::too_many_arguments)]
async fn audit(
    tx: &mut Tx,
    p: &Principal,
    meta: &RequestMeta,
    action: &str,
    id: i64,
    unit: UnitId,
    detail: serde_json::Value,
    now: DateTime<Utc>,
) -> AppResult<()> {
    record(
        tx,
        &Actor::user(p, meta),
        Event {
            action,
            object_type: "recorder",
            object_id: id.to_string(),
            unit_id: Some(unit),
            detail,
        },
        now,
    )
    .await?;
    Ok(())
}

/// One ledger step: `check` (BWC-04 items), `issue` (to an officer), `return`, `damage`,
/// `send_for_repair` (destination), `repaired`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LedgerStep {
    pub step: String,
    pub officer_id: Option<i64>,
    #[serde(default)]
    pub condition: String,
    pub destination: Option<String>,
    pub fault_free: Option<bool>,
    pub main_battery_charged: Option<bool>,
    pub spare_battery_charged: Option<bool>,
    pub storage_sufficient: Option<bool>,
    pub time_and_place_stamp_correct: Option<bool>,
}

impl LedgerStep {
    pub fn into_step(self) -> Result<Step, FieldError> {
        let item = |v: Option<bool>, f: &'static str| {
            v.ok_or_else(|| FieldError::new(f, "answer every item of the check (true or false)"))
        };
        Ok(match self.step.as_str() {
            "check" => Step::Check {
                officer_id: self.officer_id,
                check: PreUseCheck {
                    fault_free: item(self.fault_free, "fault_free")?,
                    main_battery_charged: item(self.main_battery_charged, "main_battery_charged")?,
                    spare_battery_charged: item(
                        self.spare_battery_charged,
                        "spare_battery_charged",
                    )?,
                    storage_sufficient: item(self.storage_sufficient, "storage_sufficient")?,
                    time_and_place_stamp_correct: item(
                        self.time_and_place_stamp_correct,
                        "time_and_place_stamp_correct",
                    )?,
                },
            },
            "issue" => Step::Issue {
                officer_id: self
                    .officer_id
                    .ok_or_else(|| FieldError::new("officer_id", "name the officer"))?,
                condition: self.condition,
            },
            "return" => Step::Return {
                condition: self.condition,
            },
            "damage" => Step::Damage {
                condition: self.condition,
            },
            "send_for_repair" => Step::SendForRepair {
                destination: RepairDestination::parse(self.destination.as_deref().unwrap_or(""))?,
            },
            "repaired" => Step::Repaired {
                condition: self.condition,
            },
            _ => {
                return Err(FieldError::new(
                    "step",
                    "must be check, issue, return, damage, send_for_repair or repaired",
                ))
            }
        })
    }
}

/// BWC-01, BWC-12: the `recorder_overdue` job. A recorder held past 24 hours without being
/// handed back, or damaged and not sent to logistics within 24 hours, is reported once (per
/// hand-out, per damage) in the audit trail against its unit, where the unit head and the
/// discipline office read it. Returns (held, repair) counts.
pub async fn report_overdue(ctx: &ServiceContext) -> AppResult<(usize, usize)> {
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let (held, damaged) =
        store::overdue_unreported(&mut tx, now - chrono::Duration::hours(24), 500).await?;
    for (rows, repair, action) in [
        (&held, false, "recorder.not_handed_back"),
        (&damaged, true, "recorder.repair_not_sent"),
    ] {
        for r in rows {
            let since = if repair { r.damaged_at } else { r.issued_at };
            record(
                &mut tx,
                &Actor::system(),
                Event {
                    action,
                    object_type: "recorder",
                    object_id: r.id.to_string(),
                    unit_id: Some(UnitId(r.unit_id)),
                    detail: json!({ "number": r.number, "holder": r.holder_id, "since": since }),
                },
                now,
            )
            .await?;
            store::mark_reported(&mut tx, r.id, repair, now).await?;
        }
    }
    tx.commit().await?;
    Ok((held.len(), damaged.len()))
}
