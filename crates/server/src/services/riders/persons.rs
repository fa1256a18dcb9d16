//! RID-06, SEC-08: reading rider files. Every read names its purpose and writes an audit
//! entry in the same transaction; a file outside the reader's units is "not found"; phone
//! numbers and face photos reach only the roles that need them.

use roadwarden_domain::org::UnitPath;
use roadwarden_domain::rider::{tier_from_history, MatchState, RiderTier};
use roadwarden_domain::{RiderEventId, RiderPersonId};
use roadwarden_store::list::Window;
use roadwarden_store::riders::events::{self as event_rows, RiderEvent};
use roadwarden_store::riders::persons::{self as person_rows, PersonFilter};
use roadwarden_store::riders::{dispositions, event_reads, tasks as task_rows};
use roadwarden_store::units;
use roadwarden_store::Tx;
use serde_json::json;

use super::{audience, audit, need, person_in_scope, tier_config, Purpose};
use crate::auth::Principal;
use crate::context::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::policy::{RiderFaceReaders, RiderOfficers, RiderReaders};
use crate::services::context::ServiceContext;
use crate::views::riders::{
    DispositionView, MatchItem, MatchQueue, RiderEventView, RiderFile, RiderList, RiderView,
    TierCount, TierReason, TimelineEntry,
};

const READERS: &str =
    "rider files are for e-bike officers, grid workers, unit heads and supervisors";

/// Which files a list shows.
#[derive(Debug, Clone, Default)]
pub struct RiderQuery {
    pub tier: Option<RiderTier>,
    pub provisional: Option<bool>,
    pub search: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

/// RID-06, SEC-08: the files of the reader's units by tier, newest tier change first, with
/// the count of each tier. Audited with the purpose and what was asked.
pub async fn list(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    purpose: Purpose,
    q: &RiderQuery,
) -> AppResult<RiderList> {
    need::<RiderReaders>(p, READERS)?;
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let filter = PersonFilter {
        tier: q.tier,
        provisional: q.provisional,
        search: q.search.clone(),
    };
    let window = Window::new(q.limit, q.offset);
    let (rows, total) = person_rows::list(&mut tx, p.scope(), &filter, window).await?;
    let counts = person_rows::count_by_tier(&mut tx, p.scope()).await?;
    let a = audience(p);
    let items: Vec<RiderView> = rows.into_iter().map(|r| RiderView::new(r, a)).collect();
    audit(
        &mut tx,
        p,
        meta,
        "rider.list",
        "rider",
        0,
        None,
        json!({ "purpose": purpose.as_str(), "tier": q.tier.map(RiderTier::as_str),
                "search": q.search.is_some(), "count": items.len() }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(RiderList {
        items,
        total,
        limit: window.limit,
        offset: window.offset,
        purpose: purpose.as_str().to_owned(),
        tiers: RiderTier::ALL
            .iter()
            .map(|t| TierCount {
                tier: t.as_str().to_owned(),
                count: counts.iter().find(|(c, _)| c == t).map_or(0, |(_, n)| *n),
            })
            .collect(),
    })
}

/// RID-06, RID-08, SEC-08: one file with its tier and why, its events, tasks, measures and
/// timeline. Audited with the purpose.
pub async fn file(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    id: i64,
    purpose: Purpose,
) -> AppResult<RiderFile> {
    need::<RiderReaders>(p, READERS)?;
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let person = person_in_scope(&mut tx, p, RiderPersonId(id)).await?;
    let a = audience(p);
    let unit_name = units::get(&mut tx, person.unit_id)
        .await?
        .map(|u| u.name)
        .unwrap_or_default();
    let config = tier_config(ctx);
    let times: Vec<_> = event_rows::tier_event_times(&mut tx, person.id, config.history_start(now))
        .await?
        .into_iter()
        .map(|(_, at)| at)
        .collect();
    let decision = tier_from_history(&times, person.last_education_at, now, &config);
    let unconfirmed = event_reads::unconfirmed_of_person(&mut tx, person.id)
        .await?
        .len() as i64;
    let (events_total, _) = event_reads::counts_for_person(&mut tx, person.id).await?;
    let events = event_rows::list_for_person(&mut tx, person.id, Window::new(200, 0)).await?;
    let tasks = task_rows::list_for_person(&mut tx, person.id).await?;
    let tasks = super::tasks::task_views(&mut tx, tasks, now).await?;
    let measures: Vec<DispositionView> = dispositions::list_for_person(&mut tx, person.id)
        .await?
        .into_iter()
        .map(|d| {
            // RID-09: a reminder waiting for a gateway says so.
            let waiting = super::reminders::waiting_reason(&ctx.settings, d.disposition, d.state);
            let mut view = DispositionView::from(d);
            if let Some(why) = waiting {
                view.reason = why.to_owned();
            }
            view
        })
        .collect();
    let outside =
        crate::services::outside::on_file(&mut tx, &ctx.settings.outside, person.id).await?;
    let screened = roadwarden_store::riders::screened::of_person(&mut tx, person.id.0)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    let mut timeline = vec![TimelineEntry {
        at: person.tier_since,
        kind: "tier".into(),
        what: person.tier.as_str().into(),
        id: person.id.0,
    }];
    for e in &events {
        timeline.push(TimelineEntry {
            at: e.occurred_at,
            kind: "event".into(),
            what: e.violation.as_str().into(),
            id: e.id.0,
        });
    }
    for t in &tasks {
        let mut push = |at, kind: &str| {
            timeline.push(TimelineEntry {
                at,
                kind: kind.into(),
                what: t.kind.clone(),
                id: t.id,
            });
        };
        push(t.created_at, "task_dispatched");
        if let Some(at) = t.reported_at {
            push(at, "task_reported");
        }
        if let Some(at) = t.passed_at {
            push(at, "task_passed");
        }
    }
    for m in &measures {
        timeline.push(TimelineEntry {
            at: m.created_at,
            kind: "measure".into(),
            what: m.disposition.clone(),
            id: m.id,
        });
    }
    timeline.sort_by(|a, b| b.at.cmp(&a.at).then(b.id.cmp(&a.id)));
    audit(
        &mut tx,
        p,
        meta,
        "rider.read",
        "rider",
        person.id.0,
        Some(person.unit_id),
        json!({ "purpose": purpose.as_str() }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(RiderFile {
        reason: TierReason {
            tier: person.tier.as_str().into(),
            short: decision.counts.short,
            short_days: config.short_window_days,
            long: decision.counts.long,
            long_days: config.long_window_days,
            incorrigible: decision.tier == RiderTier::Incorrigible,
            incorrigible_days: config.incorrigible_window_days,
            unconfirmed,
        },
        person: RiderView::new(person, a),
        unit_name,
        events: events
            .into_iter()
            .map(|e| RiderEventView::new(e, a))
            .collect(),
        events_total,
        tasks,
        measures,
        outside,
        screened,
        timeline,
        purpose: purpose.as_str().into(),
    })
}

/// An event the reader may act on or look at: from a point in their units, or in a file of
/// their units (ORG-02); otherwise "not found".
pub(crate) async fn event_in_scope(tx: &mut Tx, p: &Principal, id: i64) -> AppResult<RiderEvent> {
    let e = event_rows::get(tx, RiderEventId(id))
        .await?
        .ok_or(AppError::NotFound("event"))?;
    let point_unit = units::get(tx, e.unit_id).await?;
    if point_unit.is_some_and(|u| p.covers(&u.path)) {
        return Ok(e);
    }
    if let Some(person) = e.person() {
        if let Some(r) = person_rows::get(tx, person).await? {
            if p.covers(&UnitPath::from_stored(r.unit_path)) {
                return Ok(e);
            }
        }
    }
    Err(AppError::NotFound("event"))
}

/// Which photo of an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoKind {
    Face,
    Scene,
}

impl PhotoKind {
    pub fn parse(raw: &str) -> AppResult<Self> {
        match raw {
            "face" => Ok(PhotoKind::Face),
            "scene" => Ok(PhotoKind::Scene),
            _ => Err(roadwarden_domain::FieldError::new("kind", "must be face or scene").into()),
        }
    }
}

/// SEC-08, SEC-10: an event's photo, for a purpose and audited; the face only for officers.
pub async fn photo(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    id: i64,
    kind: PhotoKind,
    purpose: Purpose,
) -> AppResult<Vec<u8>> {
    need::<RiderReaders>(p, READERS)?;
    if kind == PhotoKind::Face {
        need::<RiderFaceReaders>(p, "face photos are for e-bike officers (SEC-08)")?;
    }
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let e = event_in_scope(&mut tx, p, id).await?;
    let blob = match kind {
        PhotoKind::Face => e.face_blob.clone(),
        PhotoKind::Scene => e.scene_blob.clone(),
    }
    .ok_or(AppError::NotFound("photo"))?;
    audit(
        &mut tx,
        p,
        meta,
        "rider_event.photo",
        "rider_event",
        id,
        Some(e.unit_id),
        json!({ "purpose": purpose.as_str(),
                "photo": if kind == PhotoKind::Face { "face" } else { "scene" } }),
        now,
    )
    .await?;
    tx.commit().await?;
    crate::services::captures::read_blob(ctx, &blob).await
}

/// RID-05, RID-06: the events from the officer's units whose identity waits for a decision,
/// oldest first, each with the file it probably belongs to. Audited with the purpose.
pub async fn queue(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    purpose: Purpose,
    limit: i64,
) -> AppResult<MatchQueue> {
    need::<RiderOfficers>(p, "identities are confirmed by e-bike officers")?;
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let rows = event_rows::list_by_match_state(
        &mut tx,
        p.scope(),
        MatchState::Unconfirmed,
        Window::new(limit, 0),
    )
    .await?;
    let total =
        event_reads::count_by_match_state(&mut tx, p.scope(), MatchState::Unconfirmed).await?;
    let a = audience(p);
    let mut items = Vec::with_capacity(rows.len());
    for e in rows {
        let person = match e.person() {
            Some(id) => person_rows::get(&mut tx, id)
                .await?
                .map(|r| RiderView::new(r, a)),
            None => None,
        };
        items.push(MatchItem {
            event: RiderEventView::new(e, a),
            person,
        });
    }
    audit(
        &mut tx,
        p,
        meta,
        "rider.match_queue",
        "rider_event",
        0,
        None,
        json!({ "purpose": purpose.as_str(), "count": items.len() }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(MatchQueue {
        items,
        total,
        purpose: purpose.as_str().into(),
    })
}
