//! DEV-02 assessments and DEV-03 reviews: each round and every department's decision on it.

use chrono::{DateTime, Utc};
use roadwarden_domain::device::lifecycle::AssessmentPurpose;
use roadwarden_domain::device::review::{Decision, Department, RoundOutcome};
use roadwarden_domain::org::UnitPath;
use roadwarden_domain::{DeviceId, UnitId, UserId};
use serde::Serialize;

use crate::{on, path_range, Result, Tx};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Assessment {
    pub id: i64,
    pub device_id: i64,
    #[sqlx(try_from = "String")]
    pub purpose: AssessmentPurpose,
    pub necessity: String,
    pub conditions: String,
    pub facilities_ok: bool,
    pub goal: String,
    pub filed_by: Option<i64>,
    pub filed_unit_id: Option<i64>,
    pub filed_at: DateTime<Utc>,
    #[sqlx(try_from = "String")]
    pub outcome: RoundOutcome,
    pub decided_at: Option<DateTime<Utc>>,
}

pub struct NewAssessment<'a> {
    pub device_id: DeviceId,
    pub purpose: AssessmentPurpose,
    pub necessity: &'a str,
    pub conditions: &'a str,
    pub facilities_ok: bool,
    pub goal: &'a str,
    pub filed_by: Option<UserId>,
    pub filed_unit: Option<UnitId>,
}

pub async fn add_assessment(tx: &mut Tx, a: &NewAssessment<'_>, now: DateTime<Utc>) -> Result<i64> {
    let sql = "INSERT INTO device_assessments (device_id, purpose, necessity, conditions, \
        facilities_ok, goal, filed_by, filed_unit_id, filed_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING id";
    Ok(on!(tx, c => sqlx::query_scalar(sql)
        .bind(a.device_id.0).bind(a.purpose.as_str()).bind(a.necessity).bind(a.conditions)
        .bind(a.facilities_ok).bind(a.goal).bind(a.filed_by.map(|u| u.0))
        .bind(a.filed_unit.map(|u| u.0)).bind(now)
        .fetch_one(c).await?))
}

const ASSESSMENT_COLUMNS: &str =
    "id, device_id, purpose, necessity, conditions, facilities_ok, goal, \
    filed_by, filed_unit_id, filed_at, outcome, decided_at";

pub async fn assessments(tx: &mut Tx, device: DeviceId) -> Result<Vec<Assessment>> {
    let sql = format!(
        "SELECT {ASSESSMENT_COLUMNS} FROM device_assessments WHERE device_id = $1 ORDER BY id"
    );
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(device.0).fetch_all(c).await?))
}

/// The round under review, if any.
pub async fn pending_assessment(tx: &mut Tx, device: DeviceId) -> Result<Option<Assessment>> {
    let sql = format!(
        "SELECT {ASSESSMENT_COLUMNS} FROM device_assessments WHERE device_id = $1 AND outcome = 'pending' ORDER BY id DESC LIMIT 1"
    );
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(device.0).fetch_optional(c).await?))
}

pub async fn decide_assessment(
    tx: &mut Tx,
    id: i64,
    outcome: RoundOutcome,
    now: DateTime<Utc>,
) -> Result<()> {
    on!(tx, c => sqlx::query("UPDATE device_assessments SET outcome = $1, decided_at = $2 WHERE id = $3")
        .bind(outcome.as_str()).bind(now).bind(id).execute(c).await?.rows_affected());
    Ok(())
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Review {
    pub id: i64,
    pub assessment_id: i64,
    pub device_id: i64,
    #[sqlx(try_from = "String")]
    pub department: Department,
    #[sqlx(try_from = "String")]
    pub decision: Decision,
    pub reason: String,
    pub reviewer_user_id: i64,
    pub reviewer_name: String,
    pub reviewer_unit_id: i64,
    pub at: DateTime<Utc>,
}

pub struct NewReview<'a> {
    pub assessment_id: i64,
    pub device_id: DeviceId,
    pub department: Department,
    pub decision: Decision,
    pub reason: &'a str,
    pub reviewer: UserId,
    pub reviewer_unit: UnitId,
}

pub async fn add_review(tx: &mut Tx, r: &NewReview<'_>, now: DateTime<Utc>) -> Result<()> {
    let sql =
        "INSERT INTO device_reviews (assessment_id, device_id, department, decision, reason, \
        reviewer_user_id, reviewer_unit_id, at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)";
    on!(tx, c => sqlx::query(sql)
        .bind(r.assessment_id).bind(r.device_id.0).bind(r.department.as_str()).bind(r.decision.as_str())
        .bind(r.reason).bind(r.reviewer.0).bind(r.reviewer_unit.0).bind(now)
        .execute(c).await?.rows_affected());
    Ok(())
}

pub async fn reviews(tx: &mut Tx, device: DeviceId) -> Result<Vec<Review>> {
    let sql = "SELECT r.id, r.assessment_id, r.device_id, r.department, r.decision, r.reason, \
        r.reviewer_user_id, u.full_name AS reviewer_name, r.reviewer_unit_id, r.at \
        FROM device_reviews r JOIN users u ON u.id = r.reviewer_user_id \
        WHERE r.device_id = $1 ORDER BY r.id";
    Ok(on!(tx, c => sqlx::query_as(sql).bind(device.0).fetch_all(c).await?))
}

/// DEV-03 inbox: devices under review in `scope` whose pending round the department has not
/// decided yet, oldest first.
pub async fn review_inbox(
    tx: &mut Tx,
    scope: &UnitPath,
    department: Department,
    limit: i64,
) -> Result<Vec<(i64, i64, DateTime<Utc>)>> {
    let (low, high) = path_range(scope.as_str());
    let sql = "SELECT d.id, a.id, a.filed_at FROM devices d \
        JOIN device_assessments a ON a.device_id = d.id AND a.outcome = 'pending' \
        WHERE d.state = 'under_review' AND d.unit_path >= $1 AND d.unit_path < $2 \
        AND NOT EXISTS (SELECT 1 FROM device_reviews r WHERE r.assessment_id = a.id AND r.department = $3) \
        ORDER BY a.filed_at, d.id LIMIT $4";
    Ok(
        on!(tx, c => sqlx::query_as(sql).bind(&low).bind(&high).bind(department.as_str()).bind(limit).fetch_all(c).await?),
    )
}
