//! RID-12: a proven rider's own record: their confirmed events (date, place, violation; their
//! own photos), their tier and why in words (Table 1's rolling windows), their open tasks and
//! measures, what happens next, and when the record clears if nothing new happens. Each read is
//! audited with the rider, by proof, as the actor.

use chrono::{DateTime, Utc};
use roadwarden_domain::rider::{tier_from_history, Disposition, MatchState, RiderTier, TaskState};
use roadwarden_store::list::Window;
use roadwarden_store::riders::{dispositions, events, tasks};
use roadwarden_store::units;
use serde::Serialize;
use serde_json::json;

use super::{audit_rider, proven, words};
use crate::context::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::i18n::{self, Lang};
use crate::services::context::ServiceContext;
use crate::services::riders::persons::PhotoKind;
use crate::services::riders::tier_config;

/// One of the rider's confirmed events.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OwnEvent {
    pub id: i64,
    pub occurred_at: DateTime<Utc>,
    pub place: String,
    /// no_helmet, wrong_way or red_light.
    pub violation: String,
    pub violation_name: String,
    /// False for an event from a point in trial (a warning only, never counted).
    pub counts: bool,
    pub face_photo: bool,
    pub scene_photo: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OwnTask {
    /// education, public_notice or grid_visit.
    pub kind: String,
    pub kind_name: String,
    pub state: String,
    pub state_name: String,
    pub due_at: DateTime<Utc>,
    /// employer or village.
    pub addressee: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OwnMeasure {
    pub disposition: String,
    pub name: String,
    pub state: String,
    pub state_name: String,
    pub created_at: DateTime<Utc>,
}

/// The windows and the counts in them now.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OwnCounts {
    pub short_window_days: u32,
    pub short: u32,
    pub long_window_days: u32,
    pub long: u32,
}

/// What a proven rider sees of their own file.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RiderRecord {
    pub name: String,
    pub village: String,
    /// clear, occasional, frequent or incorrigible.
    pub tier: String,
    pub tier_name: String,
    pub tier_since: DateTime<Utc>,
    pub counts: OwnCounts,
    pub last_education_at: Option<DateTime<Utc>>,
    /// Why this tier, in the reader's language.
    pub reasons: Vec<String>,
    /// When, with no new violation, the record is clear again.
    pub clear_after: Option<DateTime<Utc>>,
    /// What happens next, in the reader's language.
    pub next_steps: Vec<String>,
    pub events: Vec<OwnEvent>,
    pub open_tasks: Vec<OwnTask>,
    pub measures: Vec<OwnMeasure>,
    /// An open self-study measure a passed quiz closes.
    pub self_study_open: bool,
    pub session_expires_at: DateTime<Utc>,
}

fn open_self_study(m: &dispositions::RiderDisposition) -> bool {
    m.disposition == Disposition::SelfStudy
        && !matches!(
            m.state,
            roadwarden_domain::rider::MeasureState::Confirmed
                | roadwarden_domain::rider::MeasureState::Failed
        )
}

/// RID-12: the rider's own record, read by the rider (audited).
pub async fn own_record(
    ctx: &ServiceContext,
    meta: &RequestMeta,
    token: Option<&str>,
    lang: Lang,
) -> AppResult<RiderRecord> {
    let now = ctx.clock.now();
    let config = tier_config(ctx);
    let mut tx = ctx.store.begin().await?;
    let proven = proven(&mut tx, token, now).await?;
    let p = &proven.person;
    let tz = units::get(&mut tx, p.unit_id)
        .await?
        .map_or(chrono_tz::Asia::Shanghai, |u| u.tz());
    let day = |t: DateTime<Utc>| t.with_timezone(&tz).format("%Y-%m-%d").to_string();
    // Only confirmed events: an unconfirmed match may be someone else (RID-06).
    let own: Vec<_> = events::list_for_person(&mut tx, p.id, Window::new(200, 0))
        .await?
        .into_iter()
        .filter(|e| e.match_state == MatchState::Matched)
        .collect();
    let times: Vec<DateTime<Utc>> =
        events::tier_event_times(&mut tx, p.id, config.history_start(now))
            .await?
            .into_iter()
            .map(|(_, at)| at)
            .collect();
    let decision = tier_from_history(&times, p.last_education_at, now, &config);
    let all_tasks = tasks::list_for_person(&mut tx, p.id).await?;
    let measures = dispositions::list_for_person(&mut tx, p.id).await?;

    let mut reasons = vec![words(
        lang,
        "rider_public.reason.counts",
        &[
            ("short_n", decision.counts.short.to_string()),
            ("short", config.short_window_days.to_string()),
            ("long_n", decision.counts.long.to_string()),
            ("long", config.long_window_days.to_string()),
        ],
    )];
    let band = |key: &str| {
        words(
            lang,
            key,
            &[
                ("short", config.short_window_days.to_string()),
                ("long", config.long_window_days.to_string()),
                ("os_min", config.occasional_short.min.to_string()),
                ("os_max", config.occasional_short.max.to_string()),
                ("ol_min", config.occasional_long.min.to_string()),
                ("ol_max", config.occasional_long.max.to_string()),
                ("fs_min", config.frequent_short.min.to_string()),
                ("fl_min", config.frequent_long.min.to_string()),
                ("days", config.incorrigible_window_days.to_string()),
                ("educated", p.last_education_at.map(day).unwrap_or_default()),
            ],
        )
    };
    reasons.push(band(&format!("rider_public.reason.{}", p.tier.as_str())));
    // The record is clear once the newest counted violation leaves the long window, and (for
    // an incorrigible rider) the window after the education has run out.
    let clear_after = (p.tier != RiderTier::Clear)
        .then(|| times.last().map(|t| *t + config.long_window()))
        .flatten()
        .map(|t| match (p.tier, p.last_education_at) {
            (RiderTier::Incorrigible, Some(e)) => t.max(e + config.incorrigible_window()),
            _ => t,
        });
    if let Some(t) = clear_after {
        reasons.push(words(
            lang,
            "rider_public.reason.falls",
            &[("date", day(t))],
        ));
    }
    let open_tasks: Vec<OwnTask> = all_tasks
        .iter()
        .filter(|t| t.state != TaskState::Passed)
        .map(|t| OwnTask {
            kind: t.kind.as_str().to_owned(),
            kind_name: i18n::t(lang, &format!("rider_task_kind.{}", t.kind.as_str())),
            state: t.state.as_str().to_owned(),
            state_name: i18n::t(lang, &format!("rider_task_state.{}", t.state.as_str())),
            due_at: t.due_at,
            addressee: t.addressee.as_str().to_owned(),
        })
        .collect();
    let self_study_open = measures.iter().any(open_self_study);
    let mut next_steps = vec![i18n::t(
        lang,
        &format!("rider_public.next.{}", p.tier.as_str()),
    )];
    if self_study_open {
        next_steps.push(i18n::t(lang, "rider_public.next.self_study"));
    }
    for t in &open_tasks {
        next_steps.push(words(
            lang,
            &format!("rider_public.next.task.{}", t.kind),
            &[("due", day(t.due_at))],
        ));
    }
    let view = RiderRecord {
        name: p.name.clone(),
        village: p.village.clone(),
        tier: p.tier.as_str().to_owned(),
        tier_name: i18n::t(lang, &format!("rider_tier.{}", p.tier.as_str())),
        tier_since: p.tier_since,
        counts: OwnCounts {
            short_window_days: config.short_window_days,
            short: decision.counts.short,
            long_window_days: config.long_window_days,
            long: decision.counts.long,
        },
        last_education_at: p.last_education_at,
        reasons,
        clear_after,
        next_steps,
        events: own
            .iter()
            .map(|e| OwnEvent {
                id: e.id.0,
                occurred_at: e.occurred_at,
                place: e.place.clone(),
                violation: e.violation.as_str().to_owned(),
                violation_name: i18n::t(lang, &format!("rider_violation.{}", e.violation.as_str())),
                counts: e.usage == roadwarden_domain::device::CaptureUse::Enforce,
                face_photo: e.face_blob.is_some(),
                scene_photo: e.scene_blob.is_some(),
            })
            .collect(),
        open_tasks,
        measures: measures
            .iter()
            .map(|m| OwnMeasure {
                disposition: m.disposition.as_str().to_owned(),
                name: i18n::t(
                    lang,
                    &format!("rider_disposition.{}", m.disposition.as_str()),
                ),
                state: m.state.as_str().to_owned(),
                state_name: i18n::t(lang, &format!("rider_measure_state.{}", m.state.as_str())),
                created_at: m.created_at,
            })
            .collect(),
        self_study_open,
        session_expires_at: proven.expires_at,
    };
    audit_rider(
        &mut tx,
        p,
        meta,
        "rider_public.read",
        json!({ "events": view.events.len(), "tasks": view.open_tasks.len() }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(view)
}

/// RID-12, SEC-10: a photo of one of the rider's own confirmed events, to that rider only
/// (anyone else's event is "not found"); audited.
pub async fn own_photo(
    ctx: &ServiceContext,
    meta: &RequestMeta,
    token: Option<&str>,
    event: i64,
    kind: PhotoKind,
) -> AppResult<Vec<u8>> {
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let proven = proven(&mut tx, token, now).await?;
    let e = events::get(&mut tx, roadwarden_domain::RiderEventId(event))
        .await?
        .filter(|e| e.person() == Some(proven.person.id) && e.match_state == MatchState::Matched)
        .ok_or(AppError::NotFound("event"))?;
    let blob = match kind {
        PhotoKind::Face => e.face_blob.clone(),
        PhotoKind::Scene => e.scene_blob.clone(),
    }
    .ok_or(AppError::NotFound("photo"))?;
    audit_rider(
        &mut tx,
        &proven.person,
        meta,
        "rider_public.photo",
        json!({ "event": event, "kind": match kind { PhotoKind::Face => "face", PhotoKind::Scene => "scene" } }),
        now,
    )
    .await?;
    tx.commit().await?;
    crate::services::captures::read_blob(ctx, &blob).await
}
