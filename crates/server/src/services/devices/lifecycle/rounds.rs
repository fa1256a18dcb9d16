//! DEV-02, DEV-03: filing an assessment and each department's review of the round.

use roadwarden_domain::codes::Code;
use roadwarden_domain::device::lifecycle::{check_oversight, AssessmentPurpose, Oversight, Step};
use roadwarden_domain::device::review::{
    check_review, round_outcome, Decision, Department, ReviewAttempt, RoundOutcome,
};
use roadwarden_domain::device::{text, DeviceState};
use roadwarden_domain::{DeviceId, RuleViolation};
use roadwarden_store::device_records::{self, NewAssessment, NewReview};
use roadwarden_store::devices::Device;
use roadwarden_store::units;
use serde::Deserialize;
use serde_json::json;

use crate::auth::Principal;
use crate::context::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::services::audit::Actor;
use crate::services::context::ServiceContext;
use crate::services::devices::{log_change, Change};

use super::{get, locked, run_step};

/// DEV-02: what an assessment states.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct AssessmentInput {
    /// Necessity: traffic volume, disorder, accident history at the place.
    pub necessity: String,
    /// Rationality and conformity: signals, signs, markings and lighting.
    pub conditions: String,
    /// The signals, signs, markings and lighting are in order.
    #[serde(default)]
    pub facilities_ok: bool,
    /// The purpose the device serves.
    pub goal: String,
}

pub async fn file_assessment(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    id: DeviceId,
    input: &AssessmentInput,
) -> AppResult<Device> {
    let necessity = text("necessity", &input.necessity, 2000, true)?;
    let conditions = text("conditions", &input.conditions, 2000, true)?;
    let goal = text("goal", &input.goal, 1000, true)?;
    if !input.facilities_ok {
        return Err(RuleViolation::new(
            "DEV-02",
            Code::DeviceFacilitiesNotInOrder,
            "signals, signs, markings and lighting must be in order before a device is set, moved or re-enabled",
        )
        .into());
    }
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let device = locked(ctx, &mut tx, p, id).await?;
    check_oversight(
        p.scope(),
        &device.unit_path,
        Oversight::ManagingOrAbove,
        "file an assessment",
    )?;
    let actor = Actor::user(p, meta);
    let t = run_step(
        ctx,
        &mut tx,
        &actor,
        &device,
        Step::FileAssessment,
        "",
        json!({}),
        now,
    )
    .await?;
    let purpose = t.purpose.unwrap_or(AssessmentPurpose::Add);
    device_records::add_assessment(
        &mut tx,
        &NewAssessment {
            device_id: id,
            purpose,
            necessity: &necessity,
            conditions: &conditions,
            facilities_ok: true,
            goal: &goal,
            filed_by: Some(p.user.id),
            filed_unit: Some(p.user.unit_id),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    get(ctx, id).await
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ReviewInput {
    /// technology, legal or public_opinion
    pub department: String,
    /// approve or return
    pub decision: String,
    /// Required when returning.
    #[serde(default)]
    pub reason: String,
}

/// DEV-03: one department's decision on the round under review.
pub async fn review(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    id: DeviceId,
    input: &ReviewInput,
) -> AppResult<Device> {
    let department = Department::parse(&input.department)?;
    let decision = Decision::parse(&input.decision)?;
    let reason = text("reason", &input.reason, 1000, false)?;
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let device = locked(ctx, &mut tx, p, id).await?;
    if device.state != DeviceState::UnderReview {
        return Err(RuleViolation::new(
            "DEV-03",
            Code::DeviceTransitionOutOfOrder,
            format!(
                "only an assessment under review is reviewed; this device is '{}'",
                device.state.as_str()
            ),
        )
        .into());
    }
    let assessment = device_records::pending_assessment(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound("assessment"))?;
    let all = device_records::reviews(&mut tx, id).await?;
    let this_round: Vec<_> = all
        .iter()
        .filter(|r| r.assessment_id == assessment.id)
        .collect();
    let unit = units::get(&mut tx, p.user.unit_id)
        .await?
        .ok_or(AppError::NotFound("unit"))?;
    let filing_unit = match assessment.filed_unit_id {
        Some(id) => units::get(&mut tx, roadwarden_domain::UnitId(id)).await?,
        None => None,
    };
    check_review(&ReviewAttempt {
        department,
        reviewer: p.user.id,
        reviewer_roles: &p.roles,
        reviewer_unit: &unit.path,
        reviewer_unit_kind: unit.kind,
        filed_by: assessment.filed_by.map(roadwarden_domain::UserId),
        filing_unit: filing_unit.as_ref().map(|u| &u.path),
        decided_other_department: this_round
            .iter()
            .any(|r| r.reviewer_user_id == p.user.id.0 && r.department != department),
        managing_unit: &device.unit_path,
        already_decided: this_round.iter().any(|r| r.department == department),
        reason: &reason,
        decision,
    })?;
    device_records::add_review(
        &mut tx,
        &NewReview {
            assessment_id: assessment.id,
            device_id: id,
            department,
            decision,
            reason: &reason,
            reviewer: p.user.id,
            reviewer_unit: unit.id,
        },
        now,
    )
    .await?;
    let actor = Actor::user(p, meta);
    log_change(
        &mut tx,
        &actor,
        &device,
        Change {
            action: if decision == Decision::Approve {
                "review_approved"
            } else {
                "review_returned_by"
            },
            from_state: None,
            to_state: None,
            reason: &reason,
            detail: json!({ "department": department.as_str(), "assessment": assessment.id }),
            registration: None,
        },
        now,
    )
    .await?;
    let mut decisions: Vec<(Department, Decision)> = this_round
        .iter()
        .map(|r| (r.department, r.decision))
        .collect();
    decisions.push((department, decision));
    match round_outcome(&decisions) {
        RoundOutcome::Approved => {
            device_records::decide_assessment(&mut tx, assessment.id, RoundOutcome::Approved, now)
                .await?;
            run_step(
                ctx,
                &mut tx,
                &Actor::system(),
                &device,
                Step::ReviewsApproved,
                "",
                json!({ "assessment": assessment.id }),
                now,
            )
            .await?;
        }
        RoundOutcome::Returned => {
            device_records::decide_assessment(&mut tx, assessment.id, RoundOutcome::Returned, now)
                .await?;
            run_step(
                ctx,
                &mut tx,
                &actor,
                &device,
                Step::ReviewReturned,
                &reason,
                json!({ "department": department.as_str() }),
                now,
            )
            .await?;
        }
        RoundOutcome::Pending => {}
    }
    tx.commit().await?;
    get(ctx, id).await
}
