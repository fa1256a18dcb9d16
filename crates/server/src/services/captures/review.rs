//! REV-00..03: the review queue of the police of the place, and the decision.

use chrono::{DateTime, Duration, Utc};
use roadwarden_domain::account::PersonKind;
use roadwarden_domain::capture::review::{
    check_reviewer, decide as next_state, drawn_for_second_review, CaptureState, Decision,
    RejectReason, Reviewer, UnderReview,
};
use roadwarden_domain::codes::Code;
use roadwarden_domain::device::lifecycle::capture_use_for;
use roadwarden_domain::device::{text, CaptureUse};
use roadwarden_domain::org::UnitPath;
use roadwarden_domain::{DeviceId, FieldError, RuleViolation, UnitId, UserId};
use roadwarden_store::captures::{self, Capture, ReviewerStats};
use roadwarden_store::{devices, public_reports, violations, Tx};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::auth::Principal;
use crate::context::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::policy::{ReviewOverseers, Reviewers, RoleSet, ViolationReaders};
use crate::services::audit::{record, Actor, Event};
use crate::services::captures::skips;
use crate::services::context::ServiceContext;
use crate::views::captures::{
    flag_views, views, CaptureImageView, CaptureRecordView, FlagView, QueueItemView,
};

/// A capture with what a reviewer needs beside it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CaptureView {
    #[serde(flatten)]
    pub capture: CaptureRecordView,
    pub images: Vec<CaptureImageView>,
    pub flag_list: Vec<FlagView>,
    pub device_number: String,
    pub device_name: String,
    pub device_state: String,
    pub device_kind: String,
    /// REV-05: a report from the public (no device took it), with its reporter as a reviewer
    /// may see them.
    pub public_report: Option<ReporterView>,
    pub violation_id: Option<i64>,
    /// Whether this person may decide it now (REV-00, REV-02).
    pub can_decide: bool,
    /// Why not, when not.
    pub cannot_decide: Option<String>,
}

/// The reporter of a public report as a reviewer sees them: the phone masked (personal data,
/// enough to tell reports of one reporter apart, not to call them), when and in which language.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReporterView {
    pub phone_masked: String,
    pub reported_at: DateTime<Utc>,
    pub lang: String,
}

fn reviewer_of<'a>(p: &Principal, scopes: &'a [UnitPath]) -> Reviewer<'a> {
    Reviewer {
        user: p.user.id,
        is_police: p.user.person_kind == PersonKind::PoliceOfficer,
        holds_review_role: p.may::<Reviewers>(),
        scopes,
    }
}

fn under_review<'a>(c: &Capture, place: &'a UnitPath) -> UnderReview<'a> {
    UnderReview {
        state: c.state,
        place_unit: place,
        collected_by: c.collected_by.map(UserId),
        first_reviewer: c.first_reviewer.map(UserId),
    }
}

/// A capture the person may see (ORG-02): reviewers and supervisors of the place and above.
async fn readable(tx: &mut Tx, p: &Principal, id: i64) -> AppResult<Capture> {
    // Evidence is for the people who work the chain, not for everyone in the subtree.
    if !p.has_any(ViolationReaders::ROLES) {
        return Err(AppError::forbidden(
            Code::RoleMissing,
            "captures are for reviewers, clerks, objection handlers, supervisors and unit heads",
        ));
    }
    let c = captures::get(tx, id)
        .await?
        .ok_or(AppError::NotFound("capture"))?;
    if !p.covers(&UnitPath::from_stored(c.unit_path.clone())) {
        return Err(AppError::NotFound("capture"));
    }
    Ok(c)
}

async fn view(tx: &mut Tx, p: &Principal, c: Capture) -> AppResult<CaptureView> {
    let images = captures::images(tx, c.id).await?;
    let device = match c.device_id {
        Some(d) => Some(
            devices::get(tx, DeviceId(d))
                .await?
                .ok_or(AppError::NotFound("device"))?,
        ),
        None => None,
    };
    let public_report = public_reports::reporter(tx, c.id)
        .await?
        .map(|r| ReporterView {
            phone_masked: super::public_reports::mask_phone(&r.phone),
            reported_at: r.created_at,
            lang: r.lang,
        });
    let violation_id = violations::by_capture(tx, c.id).await?.map(|v| v.id);
    let scopes = [p.scope().clone()];
    let place = UnitPath::from_stored(c.unit_path.clone());
    let verdict = check_reviewer(&reviewer_of(p, &scopes), &under_review(&c, &place));
    Ok(CaptureView {
        flag_list: flag_views(c.flags.0.clone()),
        images: views(images),
        device_number: device
            .as_ref()
            .map(|d| d.number.clone())
            .unwrap_or_default(),
        device_name: device.as_ref().map(|d| d.name.clone()).unwrap_or_default(),
        device_state: device
            .as_ref()
            .map(|d| d.state.as_str().to_owned())
            .unwrap_or_default(),
        device_kind: device
            .as_ref()
            .map(|d| d.kind.as_str().to_owned())
            .unwrap_or_default(),
        public_report,
        violation_id,
        can_decide: verdict.is_ok(),
        cannot_decide: verdict.err().map(|v| v.message),
        capture: c.into(),
    })
}

/// SEC-05: looking at evidence is recorded.
async fn record_read(
    tx: &mut Tx,
    p: &Principal,
    meta: &RequestMeta,
    c: &Capture,
    what: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    record(
        tx,
        &Actor::user(p, meta),
        Event {
            action: what,
            object_type: "capture",
            object_id: c.id.to_string(),
            unit_id: Some(UnitId(c.unit_id)),
            // REV-05: a public report's capture holds its reporter's (masked) phone too.
            detail: json!({ "plate": c.plate, "public_report": c.device_id.is_none() }),
        },
        now,
    )
    .await?;
    Ok(())
}

pub async fn show(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    id: i64,
) -> AppResult<CaptureView> {
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let c = readable(&mut tx, p, id).await?;
    record_read(&mut tx, p, meta, &c, "capture.view", now).await?;
    let v = view(&mut tx, p, c).await?;
    tx.commit().await?;
    Ok(v)
}

/// The next capture for this reviewer, by deadline, held for them for a few minutes. `after`
/// skips past the capture they passed over.
pub async fn next(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    after: Option<i64>,
    holding: Option<i64>,
) -> AppResult<Option<CaptureView>> {
    check_role(p)?;
    let now = ctx.clock.now();
    let hold = now + Duration::minutes(ctx.settings.captures.claim_minutes.max(1));
    let mut tx = ctx.store.begin().await?;
    let after = match after {
        Some(id) => {
            // A skip sticks (issue 14): the capture is let go for others and does not come
            // straight back to this reviewer after their next decision.
            skips::add(&mut tx, p.user.id.0, id, now).await?;
            captures::release_claim(&mut tx, id, p.user.id).await?;
            captures::get(&mut tx, id)
                .await?
                .and_then(|c| c.review_due_at.map(|d| (d, c.id)))
        }
        None => None,
    };
    // A decision the desk still holds for undo (a few seconds, in the browser) keeps its
    // claim and is stepped over for this one hand-out, without becoming a skip.
    let mut skipped = skips::sticking(&mut tx, p.user.id.0, now).await?;
    skipped.extend(holding);
    let Some(id) =
        captures::claim_next(&mut tx, p.scope(), p.user.id, now, hold, after, &skipped).await?
    else {
        tx.commit().await?;
        return Ok(None);
    };
    if holding == Some(id) {
        // Only the held capture is left: the desk shows the queue as empty until it lands.
        tx.commit().await?;
        return Ok(None);
    }
    let c = readable(&mut tx, p, id).await?;
    record_read(&mut tx, p, meta, &c, "capture.view", now).await?;
    let v = view(&mut tx, p, c).await?;
    tx.commit().await?;
    Ok(Some(v))
}

fn check_role(p: &Principal) -> AppResult<()> {
    if p.may::<Reviewers>() {
        Ok(())
    } else {
        Err(AppError::forbidden(
            Code::RoleMissing,
            "reviewing captures needs the role reviewer",
        ))
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionInput {
    /// approve or reject.
    pub decision: String,
    /// For a rejection: the REV-03 code.
    pub reason: Option<String>,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DecisionOutcome {
    pub capture_id: i64,
    pub state: String,
    /// The record the approval entered (NOT-02a: queryable at once).
    pub violation_id: Option<i64>,
}

/// REV-00..03: approve or reject. The collector can never decide their own capture: the
/// domain refuses it here and the database refuses it again (a CHECK constraint).
/// CAP-04 / SUP-06: entry stops at once. A capture taken while its device was in formal use
/// is still not approved into a fine once the device is suspended, circuit-broken or back in
/// trial: the gate is checked at decision time as well as at capture time.
async fn check_device_still_enforces(
    tx: &mut Tx,
    device_id: i64,
    usage: CaptureUse,
) -> AppResult<()> {
    let device = devices::get(tx, DeviceId(device_id))
        .await?
        .ok_or(AppError::NotFound("device"))?;
    let gate = capture_use_for(device.kind, device.state);
    // A trial capture (a warning only) stays a warning while the device is still in trial.
    let allowed = match gate {
        CaptureUse::Enforce => true,
        CaptureUse::WarnOnly => usage != CaptureUse::Enforce,
        CaptureUse::Refuse => false,
    };
    if !allowed {
        return Err(RuleViolation::new(
            "CAP-04",
            Code::ReviewDeviceNotInService,
            format!(
                "the device is now '{}': its captures are not entered for enforcement; reject \
                 this capture or wait until the device is back in formal use",
                device.state.as_str()
            ),
        )
        .into());
    }
    Ok(())
}

pub async fn decide(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    id: i64,
    input: &DecisionInput,
) -> AppResult<DecisionOutcome> {
    let decision = match input.decision.trim() {
        "approve" => Decision::Approve,
        "reject" => {
            Decision::Reject(RejectReason::parse(input.reason.as_deref().ok_or_else(
                || FieldError::new("reason", "a rejection needs its REV-03 reason"),
            )?)?)
        }
        _ => return Err(FieldError::new("decision", "must be approve or reject").into()),
    };
    let note = text("note", &input.note, 500, false)?;
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let c = readable(&mut tx, p, id).await?;
    let scopes = [p.scope().clone()];
    let place = UnitPath::from_stored(c.unit_path.clone());
    let from = c.state;
    check_reviewer(&reviewer_of(p, &scopes), &under_review(&c, &place))?;
    // A public report (REV-05) has no device whose service could have stopped.
    if let (Decision::Approve, Some(device)) = (decision, c.device_id) {
        check_device_still_enforces(&mut tx, device, c.usage).await?;
    }
    if decision == Decision::Approve && c.plate.is_empty() {
        return Err(RuleViolation::new(
            "REV-03",
            Code::ReviewPlateUnidentified,
            "a vehicle that cannot be identified cannot be approved; reject it (REV-03 item 3)",
        )
        .into());
    }
    let draw = drawn_for_second_review(c.id, ctx.settings.captures.second_review_percent);
    let to = next_state(from, decision, draw);
    let reason = match decision {
        Decision::Reject(r) => Some(r.as_str()),
        Decision::Approve => None,
    };
    if !captures::decide(&mut tx, c.id, from, to, p.user.id, reason, &note, now).await? {
        return Err(RuleViolation::new(
            "REV-01",
            Code::ReviewAlreadyDecided,
            "another reviewer decided this capture meanwhile",
        )
        .into());
    }
    let actor = Actor::user(p, meta);
    let violation_id = if to == CaptureState::Approved {
        let c = captures::get(&mut tx, c.id)
            .await?
            .ok_or(AppError::NotFound("capture"))?;
        Some(super::violations::enter(ctx, &mut tx, &c, &actor, now).await?)
    } else {
        None
    };
    record(
        &mut tx,
        &actor,
        Event {
            action: match to {
                CaptureState::SecondReview => "capture.approve_first",
                CaptureState::Approved => "capture.approve",
                _ => "capture.reject",
            },
            object_type: "capture",
            object_id: c.id.to_string(),
            unit_id: Some(UnitId(c.unit_id)),
            detail: json!({ "from": from.as_str(), "to": to.as_str(), "reason": reason,
                            "note": note, "violation": violation_id }),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(DecisionOutcome {
        capture_id: c.id,
        state: to.as_str().to_owned(),
        violation_id,
    })
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct QueuePage {
    pub items: Vec<QueueItemView>,
    /// Awaiting review in scope (capped at 10,000: then `total_is_exact` is false).
    pub total: i64,
    pub total_is_exact: bool,
    /// Past their REV-01 deadline, capped at 10,000 like `total` (`overdue_is_exact`).
    pub overdue: i64,
    pub overdue_is_exact: bool,
}

pub async fn queue(ctx: &ServiceContext, p: &Principal, limit: i64) -> AppResult<QueuePage> {
    check_role(p)?;
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin_read().await?;
    let (items, total) =
        captures::queue(&mut tx, p.scope(), p.user.id, now, limit.clamp(1, 200)).await?;
    let overdue = captures::overdue_in_scope(&mut tx, p.scope(), now).await?;
    Ok(QueuePage {
        items: views(items),
        total: total.min(10_000),
        total_is_exact: total <= 10_000,
        overdue: overdue.min(10_000),
        overdue_is_exact: overdue <= 10_000,
    })
}

/// SUP-07a: accuracy and timeliness per reviewer over the last 30 days — never fine counts.
pub async fn stats(ctx: &ServiceContext, p: &Principal) -> AppResult<Vec<ReviewerStats>> {
    if !p.has_any(ReviewOverseers::ROLES) {
        return Err(AppError::forbidden(
            Code::RoleMissing,
            "reviewer statistics are for unit heads, supervisors and reviewers",
        ));
    }
    let since = ctx.clock.now() - Duration::days(30);
    let mut tx = ctx.store.begin_read().await?;
    Ok(captures::reviewer_stats(&mut tx, p.scope(), since).await?)
}

/// An image of a capture, for a person who may see the capture; the read is recorded.
pub async fn image(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    id: i64,
    position: i32,
) -> AppResult<Vec<u8>> {
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let c = readable(&mut tx, p, id).await?;
    let img = captures::images(&mut tx, c.id)
        .await?
        .into_iter()
        .find(|i| i.position == position)
        .ok_or(AppError::NotFound("image"))?;
    record_read(&mut tx, p, meta, &c, "capture.image", now).await?;
    tx.commit().await?;
    super::read_blob(ctx, &img.blob_id).await
}

/// REV-01: captures past their review deadline go to the unit head's attention once.
pub async fn escalate_overdue(ctx: &ServiceContext) -> AppResult<usize> {
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let overdue = captures::overdue_unescalated(&mut tx, now, 1000).await?;
    if overdue.is_empty() {
        return Ok(0);
    }
    let ids: Vec<i64> = overdue.iter().map(|c| c.id).collect();
    captures::mark_escalated(&mut tx, &ids, now).await?;
    let mut by_unit: std::collections::BTreeMap<i64, Vec<i64>> = Default::default();
    for c in &overdue {
        by_unit.entry(c.unit_id).or_default().push(c.id);
    }
    for (unit, ids) in by_unit {
        record(
            &mut tx,
            &Actor::system(),
            Event {
                action: "capture.review_overdue",
                object_type: "unit",
                object_id: unit.to_string(),
                unit_id: Some(UnitId(unit)),
                detail: json!({ "captures": ids, "rule": "REV-01" }),
            },
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(ids.len())
}
