//! DAT-02, DAT-03, SEC-07, SEC-08: an outside body's query or statistics application, or an
//! export application, is filed with the body, the purpose, the data and the span; the head of
//! the providing unit signs it off (never their own); the technology department runs a query
//! into a result file kept with its SHA-256; the file leaves only after the head consents,
//! recorded with what, to whom and why. An approved export is used once by the export itself
//! (`export`), which records the file's hash. Every step is audited; an application outside
//! the person's units is "not found".

use chrono::{DateTime, Utc};
use roadwarden_domain::codes::Code;
use roadwarden_domain::org::UnitPath;
use roadwarden_domain::sharing::application::{self as rule};
use roadwarden_domain::sharing::catalogue;
use roadwarden_domain::sharing::{AppKind, AppState, Dataset, Purpose};
use roadwarden_domain::{RuleViolation, UnitId, UserId};
use roadwarden_store::device_records;
use roadwarden_store::sharing::applications::{self, Application, NewApplication};
use roadwarden_store::sharing::records;
use roadwarden_store::Tx;
use serde::Deserialize;
use serde_json::json;

use super::{need, results, sha256_hex};
use crate::auth::Principal;
use crate::context::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::policy::{SharingApplicants, SharingApprovers, SharingOperators, SharingReaders};
use crate::services::audit::{record, record_list_read, Actor, Event};
use crate::services::context::ServiceContext;

/// An application as the form sends it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicationInput {
    /// query, statistics (an outside body's, DAT-02) or export (SEC-07).
    pub kind: String,
    /// violations or device_registrations.
    pub dataset: String,
    /// The outside body that asks (may be empty for an export).
    #[serde(default)]
    pub requesting_body: String,
    /// SEC-08: traffic_order, enforcement, traffic_management or public_security.
    pub purpose: String,
    /// Why, in words.
    pub purpose_text: String,
    pub span_from: DateTime<Utc>,
    pub span_to: DateTime<Utc>,
}

/// The head's refusal, with its reason.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppRefusal {
    pub reason: String,
}

/// DAT-03: the head's consent to hand a result over: to whom and a note of why.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseInput {
    pub recipient: String,
    #[serde(default)]
    pub note: String,
}

async fn in_scope(tx: &mut Tx, p: &Principal, id: i64) -> AppResult<Application> {
    applications::get(tx, id)
        .await?
        .filter(|a| p.covers(&UnitPath::from_stored(a.unit_path.clone())))
        .ok_or(AppError::NotFound("application"))
}

async fn audit(
    tx: &mut Tx,
    p: &Principal,
    meta: &RequestMeta,
    action: &str,
    a: &Application,
    mut detail: serde_json::Value,
    now: DateTime<Utc>,
) -> AppResult<()> {
    detail["kind"] = json!(a.kind.as_str());
    detail["dataset"] = json!(a.dataset.as_str());
    detail["purpose"] = json!(a.purpose.as_str());
    record(
        tx,
        &Actor::user(p, meta),
        Event {
            action,
            object_type: "data_application",
            object_id: a.id.to_string(),
            unit_id: Some(UnitId(a.unit_id)),
            detail,
        },
        now,
    )
    .await?;
    Ok(())
}

async fn reload(tx: &mut Tx, id: i64) -> AppResult<Application> {
    applications::get(tx, id)
        .await?
        .ok_or(AppError::NotFound("application"))
}

/// DAT-02 / SEC-07: files an application for the person's unit.
pub async fn file(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    input: &ApplicationInput,
) -> AppResult<Application> {
    need::<SharingApplicants>(p, "applications are filed by the business and its heads")?;
    let kind = AppKind::parse(&input.kind)?;
    let dataset = Dataset::parse(&input.dataset)?;
    let purpose = Purpose::parse(&input.purpose)?;
    let now = ctx.clock.now();
    let checked = rule::check_application(
        kind,
        &input.requesting_body,
        &input.purpose_text,
        input.span_from,
        input.span_to,
        now,
    )?;
    let mut tx = ctx.store.begin().await?;
    let id = applications::insert(
        &mut tx,
        &NewApplication {
            kind,
            dataset,
            unit_id: p.user.unit_id.0,
            unit_path: p.scope().as_str(),
            requesting_body: &checked.requesting_body,
            purpose,
            purpose_text: &checked.purpose_text,
            span: checked.span,
            requested_by: p.user.id,
            requested_at: now,
        },
    )
    .await?;
    let a = reload(&mut tx, id).await?;
    let detail = json!({ "requesting_body": a.requesting_body, "why": a.purpose_text,
        "span": [a.span_from, a.span_to] });
    audit(&mut tx, p, meta, "sharing.apply", &a, detail, now).await?;
    tx.commit().await?;
    Ok(a)
}

/// The applications under the person's units, newest first; the read is audited.
pub async fn list(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    state: Option<AppState>,
) -> AppResult<Vec<Application>> {
    need::<SharingReaders>(
        p,
        "applications are read by those who file, decide or run them",
    )?;
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let rows = applications::in_scope(&mut tx, p.scope(), state, 200).await?;
    let detail = json!({ "state": state.map(AppState::as_str), "count": rows.len() });
    record_list_read(
        &mut tx,
        p,
        meta,
        "sharing.list",
        "data_application",
        detail,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(rows)
}

pub async fn get(ctx: &ServiceContext, p: &Principal, id: i64) -> AppResult<Application> {
    need::<SharingReaders>(
        p,
        "applications are read by those who file, decide or run them",
    )?;
    let mut tx = ctx.store.begin_read().await?;
    in_scope(&mut tx, p, id).await
}

/// DAT-02: the head signs off (never their own) or refuses with a reason.
pub async fn decide(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    id: i64,
    refusal: Option<&str>,
) -> AppResult<Application> {
    need::<SharingApprovers>(p, "applications are signed off by the unit head")?;
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let a = in_scope(&mut tx, p, id).await?;
    let (to, reason, action) = match refusal {
        None => (
            rule::approve(a.state, UserId(a.requested_by), p.user.id)?,
            String::new(),
            "sharing.approve",
        ),
        Some(r) => (
            rule::refuse_application(a.state, r)?,
            roadwarden_domain::device::text("reason", r, 1000, true)?,
            "sharing.refuse",
        ),
    };
    if !applications::decide(&mut tx, id, to, p.user.id, &reason, now).await? {
        return Err(RuleViolation::new(
            "DAT-02",
            Code::SharingNotPending,
            "this application was decided meanwhile",
        )
        .into());
    }
    audit(
        &mut tx,
        p,
        meta,
        action,
        &a,
        json!({ "reason": reason }),
        now,
    )
    .await?;
    let a = reload(&mut tx, id).await?;
    tx.commit().await?;
    Ok(a)
}

/// DAT-02: the technology department runs an approved query or statistics application over the
/// application unit's records in its span; the file is kept with its SHA-256.
pub async fn run(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    id: i64,
) -> AppResult<Application> {
    need::<SharingOperators>(p, "applications are run by the technology department")?;
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let a = in_scope(&mut tx, p, id).await?;
    let to = rule::run(a.kind, a.state)?;
    let (bytes, rows) = match a.dataset {
        Dataset::Violations => {
            let found = records::violations(&mut tx, &a.unit_path, a.span_from, a.span_to).await?;
            results::csv(a.kind, catalogue::VIOLATION_FIELDS, &too_many(found)?)?
        }
        Dataset::Riders => {
            let found = records::riders(&mut tx, &a.unit_path, a.span_from, a.span_to).await?;
            results::csv(a.kind, catalogue::RIDER_FIELDS, &too_many(found)?)?
        }
        // What partners submit, and the lists' exports, are not run as a query.
        Dataset::CorrectionRequests | Dataset::Lists | Dataset::ScreenedOffenders => {
            return Err(not_approved())
        }
        Dataset::DeviceRegistrations => {
            let scope = UnitPath::from_stored(a.unit_path.clone());
            let found = device_records::registrations(&mut tx, &scope, 0, None, 10_000).await?;
            let rows = i64::try_from(found.len()).unwrap_or(i64::MAX);
            (
                crate::services::devices::reads::registrations_csv(&found)?,
                rows,
            )
        }
    };
    let sha = sha256_hex(&bytes);
    let name = format!("application-{id}-{}.csv", a.dataset.as_str());
    if !applications::record_result(&mut tx, id, a.state, to, p.user.id, &name, &sha, rows, now)
        .await?
    {
        return Err(not_approved());
    }
    applications::put_result(&mut tx, id, &bytes).await?;
    let detail = json!({ "file": name, "sha256": sha, "rows": rows });
    audit(&mut tx, p, meta, "sharing.run", &a, detail, now).await?;
    let a = reload(&mut tx, id).await?;
    tx.commit().await?;
    Ok(a)
}

/// DAT-02: a span with more records than one result file carries is refused, never cut off
/// (a cut-off file, or statistics over part of the span, would be wrong without saying so).
fn too_many<T>(found: Option<Vec<T>>) -> AppResult<Vec<T>> {
    found.ok_or_else(|| {
        RuleViolation::new(
            "DAT-02",
            Code::SharingTooMany,
            format!(
                "the span holds more than {} records, more than one result file carries; \
                 file applications over shorter spans",
                records::MAX_READ
            ),
        )
        .into()
    })
}

fn not_approved() -> AppError {
    RuleViolation::new(
        "DAT-02",
        Code::SharingNotApproved,
        "this application is no longer approved",
    )
    .into()
}

/// DAT-02 / DAT-03: the head of the providing unit consents to hand the result over; the
/// record says what (file and hash), to whom and why.
pub async fn release(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    id: i64,
    input: &ReleaseInput,
) -> AppResult<Application> {
    need::<SharingApprovers>(p, "results are handed over with the unit head's consent")?;
    let now = ctx.clock.now();
    let recipient = roadwarden_domain::device::text("recipient", &input.recipient, 200, false)
        .unwrap_or_default();
    let note = roadwarden_domain::device::text("note", &input.note, 1000, false)?;
    let mut tx = ctx.store.begin().await?;
    let a = in_scope(&mut tx, p, id).await?;
    rule::release(a.state, a.run_by.map(UserId), p.user.id, &recipient)?;
    if !applications::release(&mut tx, id, p.user.id, &recipient, &note, now).await? {
        return Err(RuleViolation::new(
            "DAT-03",
            Code::SharingNotRun,
            "this result was handed over meanwhile",
        )
        .into());
    }
    let detail = json!({ "file": a.result_name, "sha256": a.result_sha256, "rows": a.result_rows,
        "to": recipient, "requesting_body": a.requesting_body, "why": a.purpose_text, "note": note });
    audit(&mut tx, p, meta, "sharing.release", &a, detail, now).await?;
    let a = reload(&mut tx, id).await?;
    tx.commit().await?;
    Ok(a)
}

/// The released result file (name and bytes); each download is audited with the hash.
pub async fn result(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    id: i64,
) -> AppResult<(String, Vec<u8>)> {
    need::<SharingReaders>(
        p,
        "applications are read by those who file, decide or run them",
    )?;
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let a = in_scope(&mut tx, p, id).await?;
    if a.state != AppState::Released {
        return Err(RuleViolation::new(
            "DAT-03",
            Code::SharingNotRun,
            "the result leaves only after the head's consent",
        )
        .into());
    }
    let bytes = applications::result(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound("result"))?;
    let detail = json!({ "file": a.result_name, "sha256": a.result_sha256, "to": a.recipient });
    audit(&mut tx, p, meta, "sharing.download", &a, detail, now).await?;
    tx.commit().await?;
    Ok((a.result_name, bytes))
}

/// SEC-07: a bulk export goes through an approved export application of the same data, filed
/// by the person exporting, used once; the file's name, row count and SHA-256 are recorded on
/// the application and in the audit chain. Without it the export is refused with a code (the
/// refusal is audited too).
pub async fn export(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    application: Option<i64>,
    dataset: Dataset,
    file: (&str, &[u8], i64),
) -> AppResult<()> {
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let found = match application {
        Some(id) => applications::get(&mut tx, id)
            .await?
            .filter(|a| p.covers(&UnitPath::from_stored(a.unit_path.clone())))
            .filter(|a| a.requested_by == p.user.id.0),
        None => None,
    };
    let checked = match &found {
        Some(a) => rule::export(a.kind, a.dataset, a.state, dataset),
        None => Err(RuleViolation::new(
            "SEC-07",
            Code::SharingExportNeedsApproval,
            "copying or exporting data needs an approved export application (application=<id>)",
        )),
    };
    let (name, bytes, rows) = file;
    let sha = sha256_hex(bytes);
    match (checked, found) {
        (Ok(to), Some(a)) => {
            if !applications::record_result(
                &mut tx, a.id, a.state, to, p.user.id, name, &sha, rows, now,
            )
            .await?
            {
                return Err(not_approved());
            }
            let detail =
                json!({ "file": name, "sha256": sha, "rows": rows, "why": a.purpose_text });
            audit(&mut tx, p, meta, "sharing.export", &a, detail, now).await?;
            tx.commit().await?;
            Ok(())
        }
        (Err(e), _) => {
            let detail = json!({ "dataset": dataset.as_str(), "application": application,
                "refused": e.code.as_str() });
            record(
                &mut tx,
                &Actor::user(p, meta),
                Event {
                    action: "sharing.export_refused",
                    object_type: "data_application",
                    object_id: application.map(|i| i.to_string()).unwrap_or_default(),
                    unit_id: Some(p.user.unit_id),
                    detail,
                },
                now,
            )
            .await?;
            tx.commit().await?;
            Err(e.into())
        }
        (Ok(_), None) => Err(AppError::NotFound("application")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dat_02_a_span_too_large_for_one_file_is_refused_not_cut_off() {
        assert_eq!(too_many(Some(vec![1, 2])).unwrap(), vec![1, 2]);
        let refused = too_many::<i64>(None).unwrap_err();
        assert_eq!(refused.code(), Code::SharingTooMany);
        assert!(refused.to_string().contains("10000"), "{refused}");
    }
}
