//! Background work: typed jobs on the durable queue, the workers that run them, and the
//! scheduler that enqueues them from cron strings in the configuration.

pub mod scheduler;
pub mod tasks;
pub mod worker;

use chrono::{DateTime, Utc};
use roadwarden_store::jobs::{self, NewJob};
use serde::{Deserialize, Serialize};

use crate::error::AppResult;
use crate::state::AppState;

/// Every kind of job, with its payload. The kind is stored in its own column; the payload as
/// JSON, so a job survives restarts and upgrades that keep the kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "payload", rename_all = "snake_case")]
pub enum Job {
    /// SEC-05: analyse one day of the audit trail and archive what looks suspicious.
    AuditDailyReview { day: chrono::NaiveDate },
    /// SEC-05: recompute the chain and record the result.
    AuditVerify,
    /// SEC-05: sign a checkpoint of the chain and keep it outside the database.
    AuditCheckpoint,
    /// Remove ended sessions.
    SessionPurge,
    /// SEC-02: record the accounts whose password expires within a week.
    PasswordExpiryNotice,
    /// DEV-04..06: move notices into trials, mark evaluations due, announce trials that may end.
    DeviceDeadlines,
    /// DEV-13 / SUP-05: suspend measuring devices without a valid certificate; warn before expiry.
    DeviceCalibrationCheck,
    /// DEV-12: the yearly clean-up list.
    DeviceCleanup,
    /// REV-01: captures past their review deadline go to the unit head.
    CaptureEscalation,
    /// NOT-01: send the notices that are due.
    NoticeOutbox,
    /// NOT-02c: the steps for vehicles that leave records unhandled.
    ViolationOverdue,
    /// NOT-01, NOT-02f, REV-04, APL-02: late notices, eliminations and objection decisions are
    /// flagged once and go to the unit head.
    DeadlineEscalation,
    /// BWC-06: purge due footage and approved early deletions; destroy what left the restore
    /// window.
    EvidencePurge,
    /// BWC-05: re-read newly stored footage, check its hash, release the recorder's copy.
    EvidenceVerify,
    /// Discard resumable uploads abandoned past their expiry.
    EvidenceUploadCleanup,
    /// BWC-01, BWC-12: report recorders held over 24 hours, or damaged and not sent for repair.
    RecorderOverdue,
    /// SUP-02: the monthly analysis of every device in use, for the month before `month_of`.
    SupervisionMonthly { month_of: chrono::NaiveDate },
    /// SUP-03, AUD-09: overdue check-list items escalate; overdue complaints are flagged.
    SupervisionEscalation,
    /// RID-08: every rider's tier recomputed as the windows roll (tiers fall without events).
    RiderTierRebuild,
    /// RID-10, SHR-04: requests to outside systems sent, retried and read back.
    OutsideOutbox,
    /// SHR-04: today's lists of riders by tier to the grassroots-governance platform.
    GrassrootsLists,
    /// RID-10, RID-11: open rider tasks: reminded before they are due, flagged once overdue,
    /// escalated to the township later.
    RiderTaskDeadlines,
    /// RID-09, RID-10: pending SMS and voice reminders sent through the gateways.
    RiderReminders,
    /// SEC-10: face photos and descriptors past the configured retention are purged.
    RiderFaceRetention,
}

impl Job {
    pub fn kind(&self) -> &'static str {
        match self {
            Job::AuditDailyReview { .. } => "audit_daily_review",
            Job::AuditVerify => "audit_verify",
            Job::AuditCheckpoint => "audit_checkpoint",
            Job::SessionPurge => "session_purge",
            Job::PasswordExpiryNotice => "password_expiry_notice",
            Job::DeviceDeadlines => "device_deadlines",
            Job::DeviceCalibrationCheck => "device_calibration_check",
            Job::DeviceCleanup => "device_cleanup",
            Job::CaptureEscalation => "capture_escalation",
            Job::NoticeOutbox => "notice_outbox",
            Job::ViolationOverdue => "violation_overdue",
            Job::DeadlineEscalation => "deadline_escalation",
            Job::EvidencePurge => "evidence_purge",
            Job::EvidenceVerify => "evidence_verify",
            Job::EvidenceUploadCleanup => "evidence_upload_cleanup",
            Job::RecorderOverdue => "recorder_overdue",
            Job::SupervisionMonthly { .. } => "supervision_monthly",
            Job::SupervisionEscalation => "supervision_escalation",
            Job::RiderTierRebuild => "rider_tier_rebuild",
            Job::OutsideOutbox => "outside_outbox",
            Job::GrassrootsLists => "grassroots_lists",
            Job::RiderTaskDeadlines => "rider_task_deadlines",
            Job::RiderReminders => "rider_reminders",
            Job::RiderFaceRetention => "rider_face_retention",
        }
    }

    /// Rebuilds a job from its stored kind and payload.
    pub fn from_stored(kind: &str, payload: &str) -> Result<Self, serde_json::Error> {
        let payload: serde_json::Value = serde_json::from_str(payload)?;
        let mut tagged = serde_json::json!({ "kind": kind });
        if !payload.is_null() {
            tagged["payload"] = payload;
        }
        serde_json::from_value(tagged)
    }

    fn payload(&self) -> String {
        let v = serde_json::to_value(self).unwrap_or_default();
        v.get("payload")
            .cloned()
            .unwrap_or(serde_json::Value::Null)
            .to_string()
    }

    /// The job a schedule fires at `fire_time`.
    pub fn for_schedule(name: &str, fire_time: DateTime<Utc>) -> Option<Self> {
        match name {
            "audit_daily_review" => Some(Job::AuditDailyReview {
                day: (fire_time - chrono::Duration::days(1)).date_naive(),
            }),
            "audit_verify" => Some(Job::AuditVerify),
            "audit_checkpoint" => Some(Job::AuditCheckpoint),
            "session_purge" => Some(Job::SessionPurge),
            "password_expiry_notice" => Some(Job::PasswordExpiryNotice),
            "device_deadlines" => Some(Job::DeviceDeadlines),
            "device_calibration_check" => Some(Job::DeviceCalibrationCheck),
            "device_cleanup" => Some(Job::DeviceCleanup),
            "capture_escalation" => Some(Job::CaptureEscalation),
            "notice_outbox" => Some(Job::NoticeOutbox),
            "violation_overdue" => Some(Job::ViolationOverdue),
            "deadline_escalation" => Some(Job::DeadlineEscalation),
            "evidence_purge" => Some(Job::EvidencePurge),
            "evidence_verify" => Some(Job::EvidenceVerify),
            "evidence_upload_cleanup" => Some(Job::EvidenceUploadCleanup),
            "recorder_overdue" => Some(Job::RecorderOverdue),
            "supervision_monthly" => Some(Job::SupervisionMonthly {
                month_of: fire_time.date_naive(),
            }),
            "supervision_escalation" => Some(Job::SupervisionEscalation),
            "rider_tier_rebuild" => Some(Job::RiderTierRebuild),
            "outside_outbox" => Some(Job::OutsideOutbox),
            "grassroots_lists" => Some(Job::GrassrootsLists),
            "rider_task_deadlines" => Some(Job::RiderTaskDeadlines),
            "rider_reminders" => Some(Job::RiderReminders),
            "rider_face_retention" => Some(Job::RiderFaceRetention),
            _ => None,
        }
    }
}

/// Enqueues a job; with a unique key, at most once ever. Returns the id if it was added.
pub async fn enqueue(
    state: &AppState,
    job: &Job,
    unique_key: Option<String>,
    run_at: DateTime<Utc>,
) -> AppResult<Option<i64>> {
    let mut tx = state.store.begin().await?;
    let id = jobs::enqueue(
        &mut tx,
        &NewJob {
            kind: job.kind(),
            payload: job.payload(),
            unique_key,
            run_at,
            max_attempts: 5,
        },
        state.clock.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Sets the jobs-by-status gauges from the queue, just before a scrape reads them.
pub async fn gauge_counts(state: &AppState) {
    if let Ok(mut tx) = state.store.begin_read().await {
        if let Ok(counts) = jobs::counts(&mut tx).await {
            for (status, n) in counts {
                state
                    .metrics
                    .jobs_by_status
                    .with_label_values(&[&status])
                    .set(n);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_round_trip_through_their_stored_form() {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        for job in [
            Job::AuditDailyReview { day },
            Job::AuditVerify,
            Job::SessionPurge,
            Job::DeviceDeadlines,
            Job::DeviceCalibrationCheck,
            Job::DeviceCleanup,
            Job::RiderTierRebuild,
            Job::OutsideOutbox,
            Job::GrassrootsLists,
            Job::RiderTaskDeadlines,
            Job::RiderReminders,
            Job::RiderFaceRetention,
        ] {
            assert_eq!(Job::from_stored(job.kind(), &job.payload()).unwrap(), job);
        }
        assert!(Job::from_stored("launch_rockets", "null").is_err());
    }
}
