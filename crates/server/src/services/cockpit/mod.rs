//! RID-13: the cockpit's figures for a unit subtree, in one call. Every figure is one count
//! on an indexed range (devices by state, the check list's and complaints' scope indexes, open
//! alerts, the week's footage) or a sum of hour counts kept by triggers (today's captures by
//! device, the review queue by unit and deadline), read in one read transaction; nothing here
//! reads a person's data, so a refresh writes no audit entry. The page draws it; the event
//! stream sends it every few seconds.

mod figures;
pub mod shared;

use std::sync::Arc;

use chrono::Duration;
use chrono_tz::Tz;
use roadwarden_domain::org::UnitPath;
use roadwarden_store::cockpit as store;

use crate::auth::Principal;
use crate::error::AppResult;
use crate::services::context::ServiceContext;
use crate::services::lists::reader_time_zone;

pub use figures::{Count, FootageCompliance, Snapshot, Waiting};

/// Whose figures: a unit subtree, and the time zone its "today" is read in.
#[derive(Debug, Clone)]
pub struct Scope {
    pub path: UnitPath,
    pub tz: Tz,
}

impl Scope {
    /// The viewer's units (ORG-02), in their unit's time zone.
    pub fn of(p: &Principal) -> Scope {
        Scope {
            path: p.scope().clone(),
            tz: reader_time_zone(p),
        }
    }
}

fn counts(rows: Vec<store::Named>) -> Vec<Count> {
    rows.into_iter()
        .map(|r| Count {
            name: r.name,
            n: r.n,
        })
        .collect()
}

/// RID-13: the cockpit's figures for `scope` now.
pub async fn snapshot(ctx: &ServiceContext, scope: &Scope) -> AppResult<Snapshot> {
    let now = ctx.clock.now();
    let local = now.with_timezone(&scope.tz);
    let today = local.date_naive();
    let midnight = roadwarden_domain::calendar::start_of_local_day(today, scope.tz);
    let path = scope.path.as_str();
    let mut tx = ctx.store.begin_read().await?;
    let devices = counts(store::devices_by_state(&mut tx, path).await?);
    let captures_today = store::captures_since(&mut tx, path, midnight).await?;
    let backlog = store::review_backlog(&mut tx, path, now).await?;
    let checks = counts(store::open_check_items(&mut tx, path, today).await?);
    let complaints = store::open_complaints(&mut tx, path, now).await?;
    let alerts = counts(store::open_alerts(&mut tx, path).await?);
    let footage = store::footage_since(&mut tx, path, now - Duration::days(7)).await?;
    let riders = counts(store::rider_figures(&mut tx, path, midnight).await?);
    drop(tx);
    let sum = |c: &[Count]| c.iter().map(|c| c.n).sum::<i64>();
    let checks_overdue = checks
        .iter()
        .filter(|c| c.name == "overdue")
        .map(|c| c.n)
        .sum::<i64>();
    let review = Waiting {
        waiting: backlog.waiting,
        overdue: backlog.overdue,
    };
    let complaints = Waiting {
        waiting: complaints.waiting,
        overdue: complaints.overdue,
    };
    Ok(Snapshot {
        at: now,
        devices_total: sum(&devices),
        devices_in_use: devices
            .iter()
            .filter(|c| c.name == "in_use")
            .map(|c| c.n)
            .sum(),
        devices,
        captures_today,
        review,
        checks_open: sum(&checks),
        checks_overdue,
        checks,
        complaints,
        alerts_total: sum(&alerts),
        alerts,
        overdue_total: review.overdue + checks_overdue + complaints.overdue,
        footage: FootageCompliance {
            files: footage.files,
            in_time: footage.in_time,
            percent: super::reports::percent(footage.in_time, footage.files),
        },
        ebikes: riders.iter().any(|c| c.n > 0).then_some(riders),
    })
}

/// RID-13: the figures for `scope` as the event stream sends them: computed at most once per
/// scope every [`shared::SHARED_FOR`], whatever the number of screens watching it.
pub async fn shared_snapshot(ctx: &ServiceContext, scope: &Scope) -> AppResult<Arc<Snapshot>> {
    let key = format!("{}|{}", scope.path.as_str(), scope.tz.name());
    ctx.cockpit
        .get_or_compute(&key, || snapshot(ctx, scope))
        .await
}

/// Whether the viewer's session is still live: the event stream stops when it is not
/// (signed out, revoked, timed out).
pub async fn session_live(ctx: &ServiceContext, p: &Principal) -> AppResult<bool> {
    let mut tx = ctx.store.begin_read().await?;
    Ok(store::session_live(&mut tx, p.session_id, ctx.clock.now()).await?)
}
