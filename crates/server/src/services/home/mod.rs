//! The start page's overview: who I am, my unit, what needs my attention, in one read.

mod work;

pub use work::WorkItem;

use chrono::Duration;
use roadwarden_domain::calendar::SpecialDay;
use roadwarden_store::audit::{AuditFilter, AuditListItem};
use roadwarden_store::messages::Message;
use roadwarden_store::sessions::Session;
use roadwarden_store::units::Unit;
use roadwarden_store::{calendar, captures, sessions, units, users};

use super::audit;
use crate::auth::Principal;
use crate::error::AppResult;
use crate::policy::{AuditReaders, ReviewOverseers};
use crate::services::context::ServiceContext;

/// What the start page shows a person.
#[derive(Debug)]
pub struct Overview {
    pub unit: Option<Unit>,
    pub unit_count: i64,
    pub user_count: i64,
    pub sessions: Vec<Session>,
    /// The next holidays and make-up days of the unit's country.
    pub upcoming: Vec<SpecialDay>,
    /// REV-01: captures past their review deadline, for those who oversee the review.
    pub overdue_reviews: Option<i64>,
    /// NOT-01, NOT-02f, REV-04, APL-02: what the deadline jobs escalated to this person.
    pub messages: Vec<Message>,
    /// SEC-02: days until the password expires, when passwords expire.
    pub password_days_left: Option<i64>,
    /// The latest audit entries, for those who read the trail.
    pub recent: Vec<AuditListItem>,
    /// The work waiting for this person, by role.
    pub work: Vec<WorkItem>,
}

pub async fn overview(ctx: &ServiceContext, user: &Principal) -> AppResult<Overview> {
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin_read().await?;
    let unit = units::get(&mut tx, user.user.unit_id).await?;
    let (_, unit_count) =
        units::list_in_scope(&mut tx, user.scope(), &Default::default(), 1, 0).await?;
    let (_, user_count) =
        users::list_in_scope(&mut tx, user.scope(), &Default::default(), 1, 0).await?;
    let my_sessions = sessions::list_live(&mut tx, user.user.id, now).await?;
    let country = unit.as_ref().map(|u| u.country);
    let upcoming: Vec<_> = match country {
        Some(c) => calendar::list(&mut tx, c)
            .await?
            .into_iter()
            .filter(|d| d.date >= now.date_naive())
            .take(6)
            .collect(),
        None => Vec::new(),
    };
    // REV-01: the escalation reaches the unit head (and supervisors and reviewers) here.
    let overdue_reviews = if user.may::<ReviewOverseers>() {
        Some(captures::overdue_in_scope(&mut tx, user.scope(), now).await?)
    } else {
        None
    };
    let messages = super::messages::unread(&mut tx, user, 50).await?;
    drop(tx);
    let max_age = ctx.settings.security.password_max_age_days;
    let password_days_left = (max_age > 0)
        .then(|| (user.user.password_changed_at + Duration::days(max_age) - now).num_days());
    let recent = if user.may::<AuditReaders>() {
        audit::list(ctx, user, &AuditFilter::default(), 8).await?
    } else {
        Vec::new()
    };
    let work = work::waiting(ctx, user).await?;
    Ok(Overview {
        work,
        unit,
        unit_count,
        user_count,
        sessions: my_sessions,
        upcoming,
        overdue_reviews,
        messages,
        password_days_left,
        recent,
    })
}
