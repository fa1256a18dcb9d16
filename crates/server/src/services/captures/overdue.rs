//! NOT-02c: the daily pass over vehicles leaving records unhandled: notice of the intended
//! decision, announcement, and service by announcement.

use chrono::{DateTime, Duration, Utc};
use roadwarden_domain::calendar::start_of_local_day;
use roadwarden_domain::capture::notice::{apply, Step, ViolationState};
use roadwarden_domain::capture::review::Outcome;
use roadwarden_domain::UnitId;
use roadwarden_store::violations::{self, Violation};
use roadwarden_store::{units, Tx};
use serde_json::json;

use super::violations::mark_notified;
use crate::error::{AppError, AppResult};
use crate::services::audit::{record, Actor, Event};
use crate::services::context::ServiceContext;

/// Records the overdue pass reads per transaction.
pub const OVERDUE_BATCH: i64 = 500;

/// NOT-02c: once a day, the steps that came due for vehicles leaving records unhandled, and
/// service by announcement for owners a notice cannot reach. Each step is recorded on the
/// record's timeline and in the audit chain; an announcement shows the plate masked and nothing
/// about the owner. Only records whose `next_step_at` has come are read, in batches, until none
/// is left: each one read gets its next date (or none), so the ones behind come next.
pub async fn overdue_pass(ctx: &ServiceContext) -> AppResult<usize> {
    overdue_pass_in_batches(ctx, OVERDUE_BATCH).await
}

pub async fn overdue_pass_in_batches(ctx: &ServiceContext, batch: i64) -> AppResult<usize> {
    let now = ctx.clock.now();
    let mut steps = 0;
    let mut uncovered = std::collections::BTreeSet::new();
    loop {
        let mut tx = ctx.store.begin().await?;
        let due = violations::overdue_step_due(&mut tx, now, batch.max(1)).await?;
        if due.is_empty() {
            break;
        }
        for v in due {
            steps += overdue_step(ctx, &mut tx, v, now, &mut uncovered).await?;
        }
        tx.commit().await?;
    }
    Ok(steps)
}

/// One record of the overdue pass: the step that came due, if any, and when to look next.
async fn overdue_step(
    ctx: &ServiceContext,
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
    let country = v.country;
    let cal = super::calendar(ctx, tx, country).await?;
    // A date to look again: never today or earlier, so the pass always moves on.
    let at = |day: chrono::NaiveDate| {
        let t = start_of_local_day(day, tz);
        if t > now {
            t
        } else {
            start_of_local_day(today + Duration::days(1), tz)
        }
    };
    let from = v.state;
    let mut step: Option<(&str, String)> = None;
    match from {
        ViolationState::Entered if v.outcome == Outcome::Violation => {
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
                    let to = apply(from, Step::Notify, false)?;
                    mark_notified(ctx, tx, &mut v, to, country, tz, now).await?;
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
        ViolationState::Notified if v.outcome == Outcome::Violation => {
            let Some(notified) = v.notified_at else {
                v.next_step_at = None;
                return save_overdue(tx, &v, from, None, now).await;
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
    save_overdue(tx, &v, from, step, now).await
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
    expected_state: ViolationState,
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
