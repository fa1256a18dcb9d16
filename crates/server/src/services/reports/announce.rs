//! Issue 16 item 6: the monthly reports are announced, not only read on demand. After the
//! monthly analysis (SUP-01) the job tells the supervisors and unit heads of every unit that
//! last month's reports are ready: one inbox message per unit and role, linking the month's
//! device report (the other three are a tab away). The message carries the month only: each
//! reader's report covers their own units, built when they open it, so no figure in the
//! message can disagree with the page.

use chrono::{Datelike, Months, NaiveDate};
use roadwarden_domain::roles::Role;
use roadwarden_store::users;
use serde_json::json;

use crate::error::AppResult;
use crate::services::audit::{record, Actor, Event};
use crate::services::context::ServiceContext;
use crate::services::messages::{to_role, Note};

/// Who is told: the readers of the monthly reports who answer for units (an auditor or a
/// device manager opens them when they need them).
const TOLD: [Role; 2] = [Role::Supervisor, Role::UnitHead];

/// The month the job of `month_of` reports on: the one before it, as `YYYY-MM`.
pub fn reported_month(month_of: NaiveDate) -> String {
    month_of
        .with_day(1)
        .and_then(|d| d.checked_sub_months(Months::new(1)))
        .unwrap_or(month_of)
        .format("%Y-%m")
        .to_string()
}

/// Announces last month's reports to every unit with a supervisor or a unit head, once per
/// month (a re-run adds nothing). Returns the messages written.
pub async fn announce(ctx: &ServiceContext, month_of: NaiveDate) -> AppResult<usize> {
    let month = reported_month(month_of);
    let detail = json!({ "month": month }).to_string();
    let note = Note {
        kind: "monthly_reports",
        rule: "SUP-01",
        subject: ("report_month", &month),
        event_key: &month,
        detail: &detail,
    };
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let mut written = 0;
    for role in TOLD {
        for unit in users::units_with_active_holders(&mut tx, role).await? {
            if to_role(&mut tx, &note, unit, role, now).await? {
                written += 1;
            }
        }
    }
    if written > 0 {
        record(
            &mut tx,
            &Actor::system(),
            Event {
                action: "reports.announced",
                object_type: "report_month",
                object_id: month.clone(),
                unit_id: None,
                detail: json!({ "month": month, "messages": written }),
            },
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_job_of_a_month_reports_on_the_month_before() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(reported_month(d(2026, 12, 1)), "2026-11");
        assert_eq!(reported_month(d(2026, 12, 17)), "2026-11");
        assert_eq!(reported_month(d(2027, 1, 1)), "2026-12");
    }
}
