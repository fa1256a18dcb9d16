//! Each person's waiting work (issue 14): what their roles make theirs to do, counted, with the
//! page where they do it. A reviewer sees their queue and its deadlines, a head the requests to
//! approve, the clerk the notices to send, the supervisor the devices gone wrong.

use chrono::Duration;
use roadwarden_store::{devices, work};
use serde::Serialize;

use crate::auth::Principal;
use crate::error::AppResult;
use crate::policy::{
    DeviceManagers, DeviceReviewers, NoticeClerks, ObjectionHandlers, RecorderAdmins, Reviewers,
    Supervisors, UnitHeads,
};
use crate::services::context::ServiceContext;
use crate::services::devices::reads;

/// How long a recorder may stay handed out before its return is overdue: one duty day (BWC-01,
/// BWC-05's 24 hours to hand the footage in).
const RECORDER_OUT_HOURS: i64 = 24;

/// One kind of waiting work: a count, how much of it is late, and where to do it.
#[derive(Debug, Clone, Serialize)]
pub struct WorkItem {
    /// The strings key of its label (`home.work.<name>`).
    pub label: &'static str,
    pub count: i64,
    /// Of `count`, the items past their deadline; none where the work has no deadline.
    pub late: Option<i64>,
    pub href: &'static str,
}

impl WorkItem {
    fn new(label: &'static str, count: i64, href: &'static str) -> Self {
        Self {
            label,
            count,
            late: None,
            href,
        }
    }

    fn with_late(mut self, late: i64) -> Self {
        self.late = Some(late);
        self
    }
}

/// The work waiting for `p`, in the order of their roles' importance to the day: decisions
/// others wait on first.
pub async fn waiting(ctx: &ServiceContext, p: &Principal) -> AppResult<Vec<WorkItem>> {
    let now = ctx.clock.now();
    let scope = p.scope();
    let mut items = Vec::new();
    let mut tx = ctx.store.begin_read().await?;
    if p.may::<Reviewers>() {
        let queue = work::captures_to_review(&mut tx, scope).await?;
        let late = roadwarden_store::captures::overdue_in_scope(&mut tx, scope, now).await?;
        items.push(WorkItem::new("home.work.review", queue, "/review").with_late(late));
    }
    if p.may::<UnitHeads>() {
        let unit = p.user.unit_id.0;
        let requests = work::footage_requests_to_decide(&mut tx, unit, p.user.id.0).await?;
        items.push(WorkItem::new(
            "home.work.footage_requests",
            requests,
            "/evidence/requests",
        ));
        let records = work::work_records_to_decide(&mut tx, unit, p.user.id.0).await?;
        items.push(WorkItem::new(
            "home.work.work_records",
            records,
            "/evidence/supervision",
        ));
    }
    if p.may::<ObjectionHandlers>() {
        let (open, late) = work::objections_open(&mut tx, scope, now).await?;
        items.push(WorkItem::new("home.work.objections", open, "/objections").with_late(late));
    }
    if p.may::<NoticeClerks>() {
        let (to_send, late) = work::notices_to_send(&mut tx, scope, now).await?;
        items.push(
            WorkItem::new("home.work.notices", to_send, "/violations?state=entered")
                .with_late(late),
        );
        let failed = work::notices_failed(&mut tx, scope).await?;
        items.push(WorkItem::new(
            "home.work.notices_failed",
            failed,
            "/violations",
        ));
    }
    if p.may::<Supervisors>() || p.may::<DeviceManagers>() {
        let by_state = devices::count_by_state(&mut tx, scope).await?;
        let count = |state: &str| {
            by_state
                .iter()
                .find(|(s, _)| s == state)
                .map_or(0, |(_, n)| *n)
        };
        items.push(WorkItem::new(
            "home.work.devices_suspended",
            count("suspended"),
            "/devices?state=suspended",
        ));
        items.push(WorkItem::new(
            "home.work.devices_circuit_broken",
            count("circuit_broken"),
            "/devices?state=circuit_broken",
        ));
        let alerts = work::device_alerts_open(&mut tx, scope).await?;
        items.push(WorkItem::new("home.work.device_alerts", alerts, "/devices"));
    }
    if p.may::<DeviceManagers>() {
        let returned = work::devices_returned(&mut tx, scope).await?;
        items.push(WorkItem::new(
            "home.work.devices_returned",
            returned,
            "/devices?state=returned",
        ));
    }
    if p.may::<RecorderAdmins>() {
        let since = now - Duration::hours(RECORDER_OUT_HOURS);
        let (out, damaged) = work::recorders_overdue(&mut tx, scope, since).await?;
        items.push(WorkItem::new("home.work.recorders_out", out, "/recorders"));
        items.push(WorkItem::new(
            "home.work.recorders_damaged",
            damaged,
            "/recorders",
        ));
    }
    drop(tx);
    if p.may::<DeviceReviewers>() {
        let inbox = reads::review_inbox(ctx, p, None).await?;
        items.push(WorkItem::new(
            "home.work.device_reviews",
            i64::try_from(inbox.len()).unwrap_or(i64::MAX),
            "/device-reviews",
        ));
    }
    Ok(items)
}
