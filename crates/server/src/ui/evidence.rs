//! Pages for recorder evidence: the library (by day, case, unit and officer, BWC-11), one file
//! with its player and retention, the request and approval inboxes with exports (BWC-08..10),
//! the recorder ledger (BWC-01/04/12), the retention calendar (BWC-06) and supervision
//! (BWC-03/13/14). Every form goes through the same services as the API.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use minijinja::{context, Value};
use roadwarden_domain::calendar::start_of_local_day;
use roadwarden_domain::evidence::access::Requester;
use roadwarden_domain::evidence::footage::Activity;
use roadwarden_domain::evidence::non_recording::Reason;
use roadwarden_domain::evidence::retention::LongTermTrigger;
use roadwarden_domain::FieldError;
use serde::Deserialize;

use super::views::render;
use super::{flash, page_context, FormBody};
use crate::auth::{CurrentUser, Require};
use crate::context::RequestMeta;
use crate::edge::{record_id, Path, RecordId};
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::policy::{
    FootageBrowsers, FootageKeepers, RecorderAdmins, RecorderReaders, RequestReaders, UnitHeads,
};
use crate::services::evidence::access::{self, Decision, RequestInput};
use crate::services::evidence::recorders::LedgerStep;
use crate::services::evidence::retention::ReasonPath;
use crate::services::evidence::{library, recorders, retention, supervision, time_zone};
use crate::state::AppState;

#[derive(Debug, Deserialize, Default)]
pub struct OkQuery {
    ok: Option<String>,
}

// ---- one file (the library itself is `ui::footage`) ------------------------------------------

pub async fn item_page(
    State(state): State<AppState>,
    lang: Lang,
    user: Require<FootageBrowsers>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    Query(q): Query<OkQuery>,
) -> AppResult<Response> {
    let page = library::show(&state, &user, &meta, id).await?;
    let now = state.clock.now();
    let watermark = format!(
        "{} · {} · {}",
        user.user.full_name,
        user.user.username,
        roadwarden_domain::calendar::format_local(now, time_zone(&user.user.unit_time_zone))
    );
    let seconds = (page.evidence.ended_at - page.evidence.started_at).num_seconds();
    let ctx = page_context(
        lang,
        Some(&user),
        "/evidence",
        context! {
            flash => flash(lang, q.ok.as_deref()),
            p => Value::from_serialize(&page),
            e => Value::from_serialize(&page.evidence),
            duration => format!("{}:{:02}:{:02}", seconds / 3600, seconds / 60 % 60, seconds % 60),
            watermark => watermark,
            triggers => LongTermTrigger::ALL.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
            requesters => Requester::ALL.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
            is_head => user.may::<UnitHeads>(),
            may_keep => user.may::<FootageKeepers>(),
        },
    );
    Ok(render("evidence_item.html", ctx)?.into_response())
}

#[derive(Debug, Deserialize)]
pub struct ReasonForm {
    kind: String,
    #[serde(default)]
    trigger: String,
    #[serde(default)]
    note: String,
}

pub async fn add_reason(
    State(state): State<AppState>,
    user: Require<FootageKeepers>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    FormBody(f): FormBody<ReasonForm>,
) -> AppResult<Response> {
    retention::add_reason(&state, &user, &meta, id, &f.kind, &f.trigger, &f.note).await?;
    Ok(Redirect::to(&format!("/evidence/{id}?ok=evidence_kept")).into_response())
}

pub async fn release_reason(
    State(state): State<AppState>,
    user: Require<UnitHeads>,
    meta: RequestMeta,
    Path(ReasonPath {
        id: RecordId(id),
        reason: RecordId(reason),
    }): Path<ReasonPath>,
) -> AppResult<Response> {
    retention::release_reason(&state, &user, &meta, id, reason).await?;
    Ok(Redirect::to(&format!("/evidence/{id}?ok=evidence_released")).into_response())
}

#[derive(Debug, Deserialize)]
pub struct NoteForm {
    #[serde(default)]
    reason: String,
}

pub async fn request_deletion(
    State(state): State<AppState>,
    user: Require<FootageKeepers>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    FormBody(f): FormBody<NoteForm>,
) -> AppResult<Response> {
    retention::request_deletion(&state, &user, &meta, id, &f.reason).await?;
    Ok(Redirect::to(&format!("/evidence/{id}?ok=evidence_deletion_asked")).into_response())
}

pub async fn approve_deletion(
    State(state): State<AppState>,
    user: Require<UnitHeads>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
) -> AppResult<Response> {
    retention::approve_deletion(&state, &user, &meta, id).await?;
    Ok(Redirect::to("/evidence/retention?ok=evidence_deletion_approved").into_response())
}

pub async fn restore(
    State(state): State<AppState>,
    user: Require<UnitHeads>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    FormBody(f): FormBody<NoteForm>,
) -> AppResult<Response> {
    retention::restore(&state, &user, &meta, id, &f.reason).await?;
    Ok(Redirect::to(&format!("/evidence/{id}?ok=evidence_restored")).into_response())
}

// ---- requests, approvals and exports ------------------------------------------------------------------

#[derive(Debug, Deserialize)]
pub struct RequestForm {
    #[serde(default)]
    evidence_ids: Vec<i64>,
    #[serde(default)]
    requester: String,
    #[serde(default)]
    purpose: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    register: String,
    #[serde(default)]
    committee_approval: String,
}

pub async fn file_request(
    State(state): State<AppState>,
    user: Require<FootageBrowsers>,
    meta: RequestMeta,
    axum_extra::extract::Form(f): axum_extra::extract::Form<RequestForm>,
) -> AppResult<Response> {
    let input = RequestInput {
        evidence_ids: f.evidence_ids,
        requester_kind: if f.requester.is_empty() {
            "officer".into()
        } else {
            f.requester
        },
        purpose: f.purpose,
        reason: f.reason,
        register: f.register,
        committee_approval: f.committee_approval,
    };
    let r = access::file(&state, &user, &meta, input).await?;
    Ok(Redirect::to(&format!(
        "/evidence/requests?ok=access_requested#request-{}",
        r.request.id
    ))
    .into_response())
}

pub async fn requests_page(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    meta: RequestMeta,
    Query(q): Query<OkQuery>,
) -> AppResult<Response> {
    let decides = user.may::<UnitHeads>();
    let inbox = if user.may::<RequestReaders>() {
        let mut rows = access::list(&state, &user, &meta, true, "pending").await?;
        rows.extend(access::list(&state, &user, &meta, true, "approved").await?);
        rows
    } else {
        Vec::new()
    };
    let mine = access::list(&state, &user, &meta, false, "").await?;
    let now = state.clock.now();
    let ctx = page_context(
        lang,
        Some(&user),
        "/evidence/requests",
        context! {
            flash => flash(lang, q.ok.as_deref()),
            inbox => Value::from_serialize(&inbox),
            mine => Value::from_serialize(&mine),
            decides => decides,
            provides => user.may::<RecorderAdmins>(),
            me_id => user.user.id.0,
            me_unit_path => user.user.unit_path.as_str(),
            now => now.to_rfc3339(),
        },
    );
    Ok(render("evidence_requests.html", ctx)?.into_response())
}

#[derive(Debug, Deserialize)]
pub struct DecisionForm {
    decision: String,
    #[serde(default)]
    reason: String,
}

pub async fn decide_request(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    FormBody(f): FormBody<DecisionForm>,
) -> AppResult<Response> {
    let decision = match f.decision.as_str() {
        "approve" => Decision::Approve,
        "refuse" => Decision::Refuse { reason: f.reason },
        "revoke" => Decision::Revoke,
        _ => return Err(FieldError::new("decision", "must be approve, refuse or revoke").into()),
    };
    let r = access::decide(&state, &user, &meta, id, decision).await?;
    Ok(Redirect::to(&format!(
        "/evidence/requests?ok=access_{}#request-{id}",
        r.request.state
    ))
    .into_response())
}

pub async fn export(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
) -> AppResult<Response> {
    access::export(&state, &user, &meta, id).await?;
    Ok(Redirect::to(&format!("/evidence/requests?ok=export_made#request-{id}")).into_response())
}

// ---- the recorder ledger ---------------------------------------------------------------------------------

pub async fn recorders_page(
    State(state): State<AppState>,
    lang: Lang,
    user: Require<RecorderReaders>,
    Query(q): Query<OkQuery>,
) -> AppResult<Response> {
    let rows = recorders::list(&state, &user).await?;
    let ctx = page_context(
        lang,
        Some(&user),
        "/recorders",
        context! {
            flash => flash(lang, q.ok.as_deref()),
            rows => Value::from_serialize(&rows),
            may_register => user.may::<RecorderAdmins>(),
        },
    );
    Ok(render("recorders.html", ctx)?.into_response())
}

#[derive(Debug, Deserialize)]
pub struct RecorderForm {
    number: String,
    brand: String,
    model: String,
}

pub async fn register_recorder(
    State(state): State<AppState>,
    user: Require<RecorderAdmins>,
    meta: RequestMeta,
    FormBody(f): FormBody<RecorderForm>,
) -> AppResult<Response> {
    let input = recorders::NewRecorderInput {
        number: f.number,
        unit_id: None,
        brand: f.brand,
        model: f.model,
    };
    let r = recorders::register(&state, &user, &meta, input).await?;
    Ok(Redirect::to(&format!(
        "/recorders/{}?ok=recorder_registered",
        r.recorder.id
    ))
    .into_response())
}

pub async fn recorder_page(
    State(state): State<AppState>,
    lang: Lang,
    user: Require<RecorderReaders>,
    Path(RecordId(id)): Path<RecordId>,
    Query(q): Query<OkQuery>,
) -> AppResult<Response> {
    let (page, officers) = recorders::show_with_officers(&state, &user, id).await?;
    let ctx = page_context(
        lang,
        Some(&user),
        "/recorders",
        context! {
            flash => flash(lang, q.ok.as_deref()),
            p => Value::from_serialize(&page),
            r => Value::from_serialize(&page.view.recorder),
            officers => Value::from_serialize(&officers),
            may_act => user.may::<RecorderAdmins>(),
        },
    );
    Ok(render("recorder.html", ctx)?.into_response())
}

#[derive(Debug, Deserialize)]
pub struct StepForm {
    step: String,
    #[serde(default)]
    officer_id: String,
    #[serde(default)]
    condition: String,
    #[serde(default)]
    destination: Option<String>,
    #[serde(default)]
    fault_free: Option<String>,
    #[serde(default)]
    main_battery_charged: Option<String>,
    #[serde(default)]
    spare_battery_charged: Option<String>,
    #[serde(default)]
    storage_sufficient: Option<String>,
    #[serde(default)]
    time_and_place_stamp_correct: Option<String>,
}

pub async fn ledger_step(
    State(state): State<AppState>,
    user: Require<RecorderAdmins>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    FormBody(f): FormBody<StepForm>,
) -> AppResult<Response> {
    // A checkbox that is not ticked is not sent: on a check form, absent means "no".
    let is_check = f.step == "check";
    let tick = |v: Option<String>| if is_check { Some(v.is_some()) } else { None };
    let officer_id = match f.officer_id.trim() {
        "" => None,
        s => Some(record_id("officer_id", s)?),
    };
    let step = LedgerStep {
        step: f.step.clone(),
        officer_id,
        condition: f.condition,
        destination: f.destination,
        fault_free: tick(f.fault_free),
        main_battery_charged: tick(f.main_battery_charged),
        spare_battery_charged: tick(f.spare_battery_charged),
        storage_sufficient: tick(f.storage_sufficient),
        time_and_place_stamp_correct: tick(f.time_and_place_stamp_correct),
    }
    .into_step()?;
    recorders::step(&state, &user, &meta, id, step).await?;
    Ok(Redirect::to(&format!("/recorders/{id}?ok=ledger_{}", f.step)).into_response())
}

// ---- retention calendar and supervision ---------------------------------------------------------------------

pub async fn retention_page(
    State(state): State<AppState>,
    lang: Lang,
    user: Require<RecorderReaders>,
    Query(q): Query<OkQuery>,
) -> AppResult<Response> {
    let cal = retention::calendar(&state, &user, 30).await?;
    let tz = time_zone(&user.user.unit_time_zone);
    let mut by_day: Vec<(String, bool, Vec<Value>)> = Vec::new();
    for e in &cal.upcoming {
        let Some(from) = e.purge_from else { continue };
        let day = from.with_timezone(&tz).format("%Y-%m-%d").to_string();
        let warn = from <= cal.warning_until;
        match by_day.last_mut() {
            Some((d, _, list)) if *d == day => list.push(Value::from_serialize(e)),
            _ => by_day.push((day, warn, vec![Value::from_serialize(e)])),
        }
    }
    let ctx = page_context(
        lang,
        Some(&user),
        "/evidence/retention",
        context! {
            flash => flash(lang, q.ok.as_deref()),
            days => by_day.into_iter().map(|(day, warn, files)| context! { day => day, warn => warn, files => files }).collect::<Vec<_>>(),
            restorable => Value::from_serialize(&cal.restorable),
            deletions => Value::from_serialize(&cal.pending_deletions),
            is_head => user.may::<UnitHeads>(),
            general_months => state.settings.evidence.retention_policy().effective_general_months(),
            restore_days => state.settings.evidence.restore_days,
        },
    );
    Ok(render("evidence_retention.html", ctx)?.into_response())
}

#[derive(Debug, Deserialize, Default)]
pub struct SupervisionQuery {
    from: Option<String>,
    to: Option<String>,
    ok: Option<String>,
}

pub async fn supervision_page(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    meta: RequestMeta,
    Query(q): Query<SupervisionQuery>,
) -> AppResult<Response> {
    let tz = time_zone(&user.user.unit_time_zone);
    let today = state.clock.now().with_timezone(&tz).date_naive();
    let day =
        |raw: Option<&str>, default: NaiveDate, field: &'static str| -> AppResult<NaiveDate> {
            match raw.map(str::trim).filter(|s| !s.is_empty()) {
                None => Ok(default),
                Some(s) => Ok(NaiveDate::parse_from_str(s, "%Y-%m-%d")
                    .map_err(|_| FieldError::new(field, "must be YYYY-MM-DD"))?),
            }
        };
    let from_day = day(q.from.as_deref(), today - Duration::days(30), "from")?;
    let to_day = day(q.to.as_deref(), today, "to")?;
    let from: DateTime<Utc> = start_of_local_day(from_day, tz);
    let to: DateTime<Utc> = start_of_local_day(to_day.succ_opt().unwrap_or(to_day), tz);
    let report = if user.may::<RecorderReaders>() {
        Some(supervision::report(&state, &user, &meta, from, to).await?)
    } else {
        None
    };
    let records = supervision::work_records(&state, &user, None).await?;
    let ctx = page_context(
        lang,
        Some(&user),
        "/evidence/supervision",
        context! {
            flash => flash(lang, q.ok.as_deref()),
            from => from_day.to_string(),
            to => to_day.to_string(),
            report => report.as_ref().map(Value::from_serialize),
            records => Value::from_serialize(&records),
            reasons => Reason::ALL.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
            activities => Activity::ALL.iter().map(|a| a.as_str()).collect::<Vec<_>>(),
            is_head => user.may::<UnitHeads>(),
            me_id => user.user.id.0,
        },
    );
    Ok(render("evidence_supervision.html", ctx)?.into_response())
}

#[derive(Debug, Deserialize)]
pub struct WorkRecordForm {
    reason: String,
    basis: String,
    stopped_at: String,
    #[serde(default)]
    resumed_at: String,
}

/// `datetime-local` values are the unit's local time.
fn local_time(user: &CurrentUser, field: &'static str, raw: &str) -> AppResult<DateTime<Utc>> {
    let naive = chrono::NaiveDateTime::parse_from_str(raw.trim(), "%Y-%m-%dT%H:%M")
        .map_err(|_| FieldError::new(field, "must be a date and time"))?;
    Ok(roadwarden_domain::calendar::local_to_utc(
        naive,
        time_zone(&user.user.unit_time_zone),
    ))
}

pub async fn file_work_record(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    FormBody(f): FormBody<WorkRecordForm>,
) -> AppResult<Response> {
    let input = supervision::WorkRecordInput {
        reason: f.reason,
        basis: f.basis,
        stopped_at: local_time(&user, "stopped_at", &f.stopped_at)?,
        resumed_at: match f.resumed_at.trim() {
            "" => None,
            s => Some(local_time(&user, "resumed_at", s)?),
        },
    };
    supervision::file_work_record(&state, &user, &meta, input).await?;
    Ok(Redirect::to("/evidence/supervision?ok=work_record_filed").into_response())
}

#[derive(Debug, Deserialize)]
pub struct WorkDecisionForm {
    approve: String,
}

pub async fn decide_work_record(
    State(state): State<AppState>,
    user: Require<UnitHeads>,
    meta: RequestMeta,
    Path(RecordId(id)): Path<RecordId>,
    FormBody(f): FormBody<WorkDecisionForm>,
) -> AppResult<Response> {
    supervision::decide_work_record(&state, &user, &meta, id, f.approve == "true").await?;
    Ok(Redirect::to("/evidence/supervision?ok=work_record_decided").into_response())
}
