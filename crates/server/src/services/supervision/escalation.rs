//! SUP-03, AUD-09: the daily pass over what is overdue. An open check-list item past its
//! deadline climbs one escalation level per configured number of days; each new level is an
//! audit entry and a message to the managing unit's device managers (and, from level 2, to the
//! supervisors of the unit above). Unanswered complaints past due are flagged once and go to
//! the handling unit's head.

use roadwarden_domain::supervision::checklist::escalation_level;
use roadwarden_domain::UnitId;
use roadwarden_store::messages::{self, NewMessage};
use roadwarden_store::supervision as store;
use roadwarden_store::units;
use serde::Serialize;
use serde_json::json;

use super::domain_item;
use super::items::audit;
use crate::error::AppResult;
use crate::services::audit::{record, Actor, Event};
use crate::services::context::ServiceContext;

const BATCH: i64 = 5_000;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EscalationReport {
    pub items_escalated: usize,
    pub complaints_overdue: usize,
}

pub async fn run(ctx: &ServiceContext) -> AppResult<EscalationReport> {
    let now = ctx.clock.now();
    let cfg = &ctx.settings.supervision.list;
    let mut report = EscalationReport::default();
    let mut tx = ctx.store.begin().await?;
    // Deadlines are local dates; the earliest "today" on Earth bounds the query, and each
    // item's level is taken on its own unit's date.
    let earliest = (now - chrono::Duration::hours(14)).date_naive();
    for row in store::overdue_items(&mut tx, earliest, BATCH).await? {
        let unit = units::get(&mut tx, UnitId(row.device_unit_id)).await?;
        let Some(unit) = unit else { continue };
        let today = now.with_timezone(&unit.tz()).date_naive();
        let level = escalation_level(&domain_item(&row)?, today, cfg);
        if level == 0 || !store::escalate(&mut tx, row.id, i32::from(level), now).await? {
            continue;
        }
        report.items_escalated += 1;
        let detail = json!({ "device_id": row.device_id, "device_number": row.device_number, "level": level, "deadline": row.deadline }).to_string();
        let kind = format!("supervision_escalation_{level}");
        let mut to = vec![(unit.id, "device_manager")];
        if level >= 2 {
            if let Some(parent) = unit.parent_id {
                to.push((parent, "supervisor"));
            }
        }
        for (unit_id, role) in to {
            messages::add(
                &mut tx,
                &NewMessage {
                    unit_id,
                    role,
                    kind: &kind,
                    rule: "SUP-03",
                    subject_type: "check_item",
                    subject_id: &row.id.to_string(),
                    detail: &detail,
                },
                now,
            )
            .await?;
        }
        audit(
            &mut tx,
            &Actor::system(),
            "supervision.escalate",
            row.id,
            unit.id,
            json!({ "level": level, "deadline": row.deadline }),
            now,
        )
        .await?;
    }
    for c in store::overdue_complaints(&mut tx, now, BATCH).await? {
        if !store::flag_complaint_overdue(&mut tx, c.id, now).await? {
            continue;
        }
        report.complaints_overdue += 1;
        let detail = json!({ "due_at": c.due_at, "channel": c.channel.as_str() }).to_string();
        messages::add(
            &mut tx,
            &NewMessage {
                unit_id: UnitId(c.handling_unit_id),
                role: "unit_head",
                kind: "complaint_overdue",
                rule: "AUD-09",
                subject_type: "complaint",
                subject_id: &c.id.to_string(),
                detail: &detail,
            },
            now,
        )
        .await?;
        record(
            &mut tx,
            &Actor::system(),
            Event {
                action: "complaint.overdue",
                object_type: "complaint",
                object_id: c.id.to_string(),
                unit_id: Some(UnitId(c.handling_unit_id)),
                detail: json!({ "due_at": c.due_at }),
            },
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(report)
}
