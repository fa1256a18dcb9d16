//! What each job does.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveTime};
use roadwarden_domain::org::UnitPath;
use roadwarden_store::audit::{self, AuditFilter};
use roadwarden_store::{sessions, users};
use serde_json::json;

use super::Job;
use crate::error::AppResult;
use crate::services::audit::{record, Actor, Event};
use crate::services::checkpoints;
use crate::services::devices::deadlines;
use crate::state::AppState;

pub async fn run(state: &AppState, job: &Job) -> AppResult<()> {
    match job {
        Job::AuditDailyReview { day } => audit_daily_review(state, *day).await,
        Job::AuditVerify => audit_verify(state).await,
        Job::AuditCheckpoint => {
            if let Some(c) = checkpoints::write(state).await? {
                tracing::info!(seq = c.checkpoint.seq, "audit checkpoint signed");
            }
            Ok(())
        }
        Job::SessionPurge => {
            let mut tx = state.store.begin().await?;
            let n = sessions::purge_ended(&mut tx, state.clock.now()).await?;
            tx.commit().await?;
            tracing::info!(sessions = n, "purged ended sessions");
            Ok(())
        }
        Job::PasswordExpiryNotice => password_expiry_notice(state).await,
        Job::DeviceDeadlines => {
            let moved = deadlines::move_deadlines(state).await?;
            tracing::info!(?moved, "device deadlines moved");
            Ok(())
        }
        Job::DeviceCalibrationCheck => {
            let (suspended, warned) = deadlines::check_calibrations(state).await?;
            tracing::info!(suspended, warned, "calibration check");
            Ok(())
        }
        Job::CaptureEscalation => {
            let n = crate::services::captures::review::escalate_overdue(state).await?;
            tracing::info!(captures = n, "overdue reviews escalated");
            Ok(())
        }
        Job::NoticeOutbox => {
            let report = crate::services::captures::outbox::drain(state).await?;
            if report.sent + report.retried + report.failed > 0 {
                tracing::info!(?report, "notice outbox drained");
            }
            Ok(())
        }
        Job::ViolationOverdue => {
            let steps = crate::services::captures::overdue::overdue_pass(state).await?;
            tracing::info!(steps, "overdue steps recorded");
            Ok(())
        }
        Job::DeadlineEscalation => {
            let report = crate::services::captures::deadlines::escalate_late(state).await?;
            if report != Default::default() {
                tracing::info!(?report, "late deadlines escalated to unit heads");
            }
            Ok(())
        }
        Job::RecorderOverdue => {
            let (held, repair) =
                crate::services::evidence::recorders::report_overdue(state).await?;
            if held + repair > 0 {
                tracing::info!(held, repair, "overdue recorders reported");
            }
            Ok(())
        }
        Job::SupervisionMonthly { month_of } => {
            let report = crate::services::supervision::analysis::monthly(state, *month_of).await?;
            tracing::info!(?report, "monthly device analysis");
            // Then the month's reports are ready: their readers are told.
            let told = crate::services::reports::announce::announce(state, *month_of).await?;
            tracing::info!(messages = told, "monthly reports announced");
            Ok(())
        }
        Job::RiderTierRebuild => {
            let report = crate::services::riders::tiers::rebuild(state).await?;
            tracing::info!(?report, "rider tiers rebuilt");
            Ok(())
        }
        Job::OutsideOutbox => {
            // Boxed: the sender's future is large, and every caller of `run` would carry it.
            let report = Box::pin(crate::services::outside::drain(state)).await?;
            if report != Default::default() {
                tracing::info!(?report, "outside requests sent and read back");
            }
            Ok(())
        }
        Job::GrassrootsLists => {
            let n = Box::pin(crate::services::outside::queue_lists(state)).await?;
            if n > 0 {
                tracing::info!(
                    lists = n,
                    "riders' lists queued for the grassroots platform"
                );
            }
            Ok(())
        }
        Job::RiderTaskDeadlines => {
            let report = crate::services::riders::deadlines::run(state).await?;
            if report != Default::default() {
                tracing::info!(?report, "rider task deadlines");
            }
            Ok(())
        }
        Job::RiderReminders => {
            let report = crate::services::riders::reminders::run(state).await?;
            if report != Default::default() {
                tracing::info!(?report, "rider reminders sent");
            }
            Ok(())
        }
        Job::RiderFaceRetention => {
            let report = crate::services::riders::retention::run(state).await?;
            tracing::info!(?report, "rider face data past retention purged");
            Ok(())
        }
        Job::SupervisionEscalation => {
            let report = crate::services::supervision::escalation::run(state).await?;
            if report != Default::default() {
                tracing::info!(?report, "supervision escalation");
            }
            Ok(())
        }
        Job::EvidencePurge => {
            let report = crate::services::evidence::retention::purge(state).await?;
            tracing::info!(?report, "evidence purge");
            Ok(())
        }
        Job::EvidenceVerify => {
            let n = crate::services::evidence::upload::verify_pending(state).await?;
            if n > 0 {
                tracing::info!(files = n, "stored footage verified");
            }
            Ok(())
        }
        Job::EvidenceUploadCleanup => {
            let n = crate::services::evidence::upload::discard_expired(state).await?;
            if n > 0 {
                tracing::info!(uploads = n, "abandoned uploads discarded");
            }
            Ok(())
        }
        Job::DeviceCleanup => {
            let added = deadlines::build_cleanup_list(state).await?;
            tracing::info!(added, "device clean-up list built");
            Ok(())
        }
    }
}

/// Failed sign-ins for one username in a day that make it worth a look.
const FAILURES_PER_NAME: usize = 3;
/// Failed sign-ins from one address in a day that look like guessing.
const FAILURES_PER_ADDRESS: usize = 10;

/// SEC-05: logs are collected daily, analysed, and suspicious entries archived. The review is
/// itself an audit entry that lists the sequence numbers it flags, with the reason.
async fn audit_daily_review(state: &AppState, day: chrono::NaiveDate) -> AppResult<()> {
    let from = day.and_time(NaiveTime::MIN).and_utc();
    let filter = AuditFilter {
        from: Some(from),
        to: Some(from + Duration::days(1) - Duration::microseconds(1)),
        ..AuditFilter::default()
    };
    let everything = UnitPath::from_stored("/".into());
    let mut tx = state.store.begin_read().await?;
    let entries = audit::list(&mut tx, &everything, true, &filter, 1_000_000).await?;
    drop(tx);

    let mut by_name: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    let mut by_ip: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    let mut flagged = Vec::new();
    for item in &entries {
        let e = &item.entry;
        match e.action.as_str() {
            "session.sign_in_failed" => {
                let detail: serde_json::Value = serde_json::from_str(&e.detail).unwrap_or_default();
                let name = detail["username"].as_str().unwrap_or_default().to_owned();
                by_name.entry(name).or_default().push(e.seq);
                by_ip.entry(e.ip.clone()).or_default().push(e.seq);
            }
            "user.locked_out" => flagged.push(json!({ "seq": e.seq, "reason": "lock-out" })),
            "role.grant" if e.detail.contains("\"admin\"") => {
                flagged.push(json!({ "seq": e.seq, "reason": "operator role granted" }));
            }
            "user.password_reset" => {
                flagged.push(json!({ "seq": e.seq, "reason": "password reset" }));
            }
            _ => {}
        }
    }
    for (name, seqs) in by_name.iter().filter(|(_, s)| s.len() >= FAILURES_PER_NAME) {
        flagged.push(json!({ "seqs": seqs, "reason": format!("{} failed sign-ins for '{name}'", seqs.len()) }));
    }
    for (ip, seqs) in by_ip
        .iter()
        .filter(|(_, s)| s.len() >= FAILURES_PER_ADDRESS)
    {
        flagged.push(
            json!({ "seqs": seqs, "reason": format!("{} failed sign-ins from {ip}", seqs.len()) }),
        );
    }
    let now = state.clock.now();
    let mut tx = state.store.begin().await?;
    record(
        &mut tx,
        &Actor::system(),
        Event {
            action: "audit.daily_review",
            object_type: "audit",
            object_id: day.to_string(),
            unit_id: None,
            detail: json!({ "day": day, "entries": entries.len(), "flagged": flagged }),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// SEC-05: the nightly recomputation of the chain, against the signed checkpoints (the
/// blob store's and the local witness file's). A broken chain is logged as an error and
/// recorded; it is not "fixed".
async fn audit_verify(state: &AppState) -> AppResult<()> {
    let witness = state.settings.witness_file();
    let witness = witness.exists().then_some(witness.as_path());
    let anchored = checkpoints::verify(state, witness, |_| {}).await?;
    let report = &anchored.chain;
    if !report.is_intact() {
        tracing::error!(?report, "the audit chain is broken");
    }
    if !anchored.bad_checkpoints.is_empty() {
        tracing::error!(bad = ?anchored.bad_checkpoints, "audit checkpoints are not valid");
    }
    let now = state.clock.now();
    let mut tx = state.store.begin().await?;
    record(
        &mut tx,
        &Actor::system(),
        Event {
            action: "audit.verify",
            object_type: "audit",
            object_id: String::new(),
            unit_id: None,
            detail: json!({
                "checked": report.checked,
                "intact": anchored.is_intact(),
                "first_break": report.first_break,
                "head_mismatch": report.head_mismatch,
                "checkpoints_checked": report.checkpoints_checked,
                "checkpoint_mismatch": report.checkpoint_mismatch,
                "ends_before_checkpoint": report.ends_before_checkpoint,
                "bad_checkpoints": anchored.bad_checkpoints,
            }),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// SEC-02: who must change their password within the next week.
async fn password_expiry_notice(state: &AppState) -> AppResult<()> {
    let days = state.settings.security.password_max_age_days;
    if days <= 0 {
        return Ok(());
    }
    let now = state.clock.now();
    let before = now - Duration::days(days) + Duration::days(7);
    let mut tx = state.store.begin().await?;
    let expiring = users::passwords_changed_before(&mut tx, before).await?;
    for (id, username, unit) in &expiring {
        record(
            &mut tx,
            &Actor::system(),
            Event {
                action: "user.password_expiring",
                object_type: "user",
                object_id: id.to_string(),
                unit_id: Some(*unit),
                detail: json!({ "username": username }),
            },
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
