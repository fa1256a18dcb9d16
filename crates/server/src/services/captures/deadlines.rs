//! Deadlines that are jobs: NOT-01 (notice within 5 working days of entry), NOT-02f (Vietnam:
//! within 10 days of detection), REV-04 (elimination within 3 working days of verification) and
//! APL-02 (objection decided within 5 working days). What is late is flagged once: an entry on
//! the record's timeline, one in the audit chain, and a message the unit head sees on the
//! overview. Running the job twice flags nothing twice.

use chrono::{DateTime, Datelike, Utc};
use roadwarden_domain::calendar::Calendar;
use roadwarden_domain::org::Country;
use roadwarden_domain::UnitId;
use roadwarden_store::violations;
use roadwarden_store::Tx;
use serde_json::json;

use crate::error::AppResult;
use crate::services::audit::{record, Actor, Event};
use crate::services::context::ServiceContext;
use crate::services::messages;

/// Rows read per transaction; the job reads again until nothing late is left.
const BATCH: i64 = 500;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct LateReport {
    pub notices: usize,
    pub eliminations: usize,
    pub objections: usize,
}

pub async fn escalate_late(ctx: &ServiceContext) -> AppResult<LateReport> {
    let now = ctx.clock.now();
    let mut report = LateReport::default();
    loop {
        let mut tx = ctx.store.begin().await?;
        let late = violations::late_notices(&mut tx, now, BATCH).await?;
        if late.is_empty() {
            break;
        }
        for v in &late {
            if !violations::flag_notice_late(&mut tx, v.id, now).await? {
                continue;
            }
            // NOT-02f: Vietnam's 10 days from detection; NOT-01: China's 5 working days.
            let rule = match v.country {
                Country::Vietnam => "NOT-02f",
                Country::China => "NOT-01",
            };
            flag(
                &mut tx,
                v.id,
                v.unit_id,
                "notice_late",
                rule,
                v.notice_due_at,
                now,
            )
            .await?;
            report.notices += 1;
        }
        tx.commit().await?;
    }
    loop {
        let mut tx = ctx.store.begin().await?;
        let late = violations::late_eliminations(&mut tx, now, BATCH).await?;
        if late.is_empty() {
            break;
        }
        for v in &late {
            if !violations::flag_elimination_late(&mut tx, v.id, now).await? {
                continue;
            }
            let due = v.elimination_due_at.unwrap_or(now);
            flag(
                &mut tx,
                v.id,
                v.unit_id,
                "elimination_late",
                "REV-04",
                due,
                now,
            )
            .await?;
            report.eliminations += 1;
        }
        tx.commit().await?;
    }
    loop {
        let mut tx = ctx.store.begin().await?;
        let late = violations::late_objections(&mut tx, now, BATCH).await?;
        if late.is_empty() {
            break;
        }
        for o in &late {
            if !violations::flag_objection_late(&mut tx, o.id, now).await? {
                continue;
            }
            violations::add_event(
                &mut tx,
                o.violation_id,
                "objection_late",
                None,
                "system",
                "APL-02",
                now,
            )
            .await?;
            record(
                &mut tx,
                &Actor::system(),
                Event {
                    action: "objection.decision_late",
                    object_type: "objection",
                    object_id: o.id.to_string(),
                    unit_id: Some(UnitId(o.unit_id)),
                    detail: json!({ "rule": "APL-02", "violation": o.violation_id, "due_at": o.due_at }),
                },
                now,
            )
            .await?;
            messages::to_unit_head(
                &mut tx,
                UnitId(o.unit_id),
                "objection_late",
                "APL-02",
                ("objection", &o.id.to_string()),
                &o.violation_id.to_string(),
                now,
            )
            .await?;
            report.objections += 1;
        }
        tx.commit().await?;
    }
    Ok(report)
}

/// One late record: its timeline, the audit chain, the unit head's message.
async fn flag(
    tx: &mut Tx,
    violation: i64,
    unit: i64,
    kind: &str,
    rule: &str,
    due: DateTime<Utc>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    violations::add_event(tx, violation, kind, None, "system", rule, now).await?;
    record(
        tx,
        &Actor::system(),
        Event {
            action: &format!("violation.{kind}"),
            object_type: "violation",
            object_id: violation.to_string(),
            unit_id: Some(UnitId(unit)),
            detail: json!({ "rule": rule, "due_at": due }),
        },
        now,
    )
    .await?;
    messages::to_unit_head(
        tx,
        UnitId(unit),
        kind,
        rule,
        ("violation", &violation.to_string()),
        "",
        now,
    )
    .await?;
    Ok(())
}

/// TIME-01: a deadline in a year the country's table does not cover counts every weekday as a
/// working day; the job log says so (once per run, country and year).
pub fn warn_if_uncovered(
    seen: &mut std::collections::BTreeSet<(&'static str, i32)>,
    calendar: &Calendar,
    country: Country,
    day: chrono::NaiveDate,
) {
    let year = day.year();
    if !calendar.covers_year(year) && seen.insert((country.code(), year)) {
        tracing::warn!(
            country = country.code(),
            year,
            "a deadline falls in a year with no holiday table: weekdays count as working days; \
             add the year on the calendar page"
        );
    }
}
