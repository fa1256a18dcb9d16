//! RID-07, RID-08: a rider's tier, from their confirmed events in Table 1's windows
//! (`riders.tiers`), recomputed on each event and rebuilt every night, so tiers fall as the
//! windows roll even when no new event comes.
//!
//! Only confirmed events count (`MatchState::Matched`, from an enforcing point): an
//! unconfirmed match never moves a person to a higher tier (RID-06, issue 15 §3), and on an
//! event that is not confirmed the recompute is held to the tier the person already has.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use roadwarden_domain::rider::{tier_from_history, RiderTier, TierConfig, TierDecision};
use roadwarden_domain::RiderPersonId;
use roadwarden_store::riders::persons::{self, RiderPerson};
use roadwarden_store::riders::{events, stats};
use roadwarden_store::Tx;
use serde::Serialize;

use crate::error::AppResult;
use crate::services::audit::write::{record, Actor, Event};
use crate::services::context::ServiceContext;

/// What may move a tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// A new event whose identity is not confirmed: the tier may fall (windows rolled), never
    /// rise.
    UnconfirmedEvent,
    /// An officer confirmed an identity (or merged, split, recorded an education): the
    /// confirmed events decide, up or down.
    Confirmed,
    /// The nightly rebuild.
    Nightly,
}

impl Cause {
    fn as_str(self) -> &'static str {
        match self {
            Cause::UnconfirmedEvent => "unconfirmed_event",
            Cause::Confirmed => "confirmed",
            Cause::Nightly => "nightly",
        }
    }
}

/// A tier that moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TierChange {
    pub person: i64,
    pub from: RiderTier,
    pub to: RiderTier,
}

/// The tier `decision` allows, given what caused the recompute.
pub fn allowed(current: RiderTier, decision: TierDecision, cause: Cause) -> RiderTier {
    match cause {
        Cause::UnconfirmedEvent => decision.tier.min(current),
        Cause::Confirmed | Cause::Nightly => decision.tier,
    }
}

/// Recomputes one person's tier at `now` in the caller's transaction, recording a change in
/// the audit chain. `None` when nothing moved (or the file was merged away).
pub async fn recompute(
    tx: &mut Tx,
    config: &TierConfig,
    person: RiderPersonId,
    now: DateTime<Utc>,
    cause: Cause,
    actor: &Actor,
) -> AppResult<Option<TierChange>> {
    let Some(p) = persons::get(tx, person).await? else {
        return Ok(None);
    };
    if p.merged_into.is_some() {
        return Ok(None);
    }
    let times: Vec<DateTime<Utc>> = events::tier_event_times(tx, person, config.history_start(now))
        .await?
        .into_iter()
        .map(|(_, at)| at)
        .collect();
    let decision = tier_from_history(&times, p.last_education_at, now, config);
    apply(tx, &p, decision, now, cause, actor).await
}

async fn apply(
    tx: &mut Tx,
    p: &RiderPerson,
    decision: TierDecision,
    now: DateTime<Utc>,
    cause: Cause,
    actor: &Actor,
) -> AppResult<Option<TierChange>> {
    let to = allowed(p.tier, decision, cause);
    if to == p.tier || !persons::set_tier(tx, p.id, to, now).await? {
        return Ok(None);
    }
    record(
        tx,
        actor,
        Event {
            action: "rider_person.tier_changed",
            object_type: "rider_person",
            object_id: p.id.0.to_string(),
            unit_id: Some(p.unit_id),
            detail: serde_json::json!({
                "from": p.tier.as_str(), "to": to.as_str(), "cause": cause.as_str(),
                "short": decision.counts.short, "long": decision.counts.long,
            }),
        },
        now,
    )
    .await?;
    Ok(Some(TierChange {
        person: p.id.0,
        from: p.tier,
        to,
    }))
}

/// What the nightly rebuild did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RebuildReport {
    pub persons: u64,
    pub fell: u64,
    pub rose: u64,
}

/// RID-08, nightly: every person above clear, a page at a time (one transaction and two
/// queries per page), recomputed at the clock's now. Without new events a tier can only fall,
/// so persons at clear are not read.
pub async fn rebuild(ctx: &ServiceContext) -> AppResult<RebuildReport> {
    let config = &ctx.settings.riders.tiers;
    let now = ctx.clock.now();
    let actor = Actor::system();
    let mut report = RebuildReport::default();
    let mut after = 0;
    loop {
        let mut tx = ctx.store.begin().await?;
        let page = stats::tiered_page(&mut tx, after, stats::MAX_REBUILD_PAGE).await?;
        let Some(last) = page.last().map(|r| r.id.0) else {
            break;
        };
        let mut times: HashMap<RiderPersonId, Vec<DateTime<Utc>>> = HashMap::new();
        for (person, at) in
            stats::tier_times_between(&mut tx, after, last, config.history_start(now)).await?
        {
            times.entry(person).or_default().push(at);
        }
        for row in &page {
            report.persons += 1;
            let history = times.remove(&row.id).unwrap_or_default();
            let decision = tier_from_history(&history, row.last_education_at, now, config);
            if decision.tier == row.tier {
                continue;
            }
            let Some(p) = persons::get(&mut tx, row.id).await? else {
                continue;
            };
            if let Some(change) = apply(&mut tx, &p, decision, now, Cause::Nightly, &actor).await? {
                if change.to < change.from {
                    report.fell += 1;
                } else {
                    report.rose += 1;
                }
            }
        }
        tx.commit().await?;
        after = last;
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use roadwarden_domain::rider::WindowCounts;

    #[test]
    fn rid_05_an_unconfirmed_event_never_raises_a_tier_but_lets_it_fall() {
        let up = TierDecision {
            tier: RiderTier::Frequent,
            counts: WindowCounts { short: 5, long: 5 },
        };
        assert_eq!(
            allowed(RiderTier::Clear, up, Cause::UnconfirmedEvent),
            RiderTier::Clear
        );
        assert_eq!(
            allowed(RiderTier::Clear, up, Cause::Confirmed),
            RiderTier::Frequent
        );
        let down = TierDecision {
            tier: RiderTier::Occasional,
            counts: WindowCounts { short: 0, long: 3 },
        };
        assert_eq!(
            allowed(RiderTier::Frequent, down, Cause::UnconfirmedEvent),
            RiderTier::Occasional
        );
    }
}
