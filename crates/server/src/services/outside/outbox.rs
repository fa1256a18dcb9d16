//! RID-10, SHR-04: the outbox as the county's e-bike officers see it: every request to an
//! outside system about their units, counted by system and state, newest first, so a failed
//! deduction or a task the platform never answered is found without opening each rider's file.
//! The list names the rider's file, never the payload sent (the ID number and name in it are
//! read on the file, for a purpose). Each read is audited.

use std::collections::HashMap;

use roadwarden_domain::outside::{OutsideState, OutsideSystem};
use roadwarden_domain::{FieldError, UnitId};
use roadwarden_store::list::Window;
use roadwarden_store::outside::{self as rows, OutboxFilter};
use roadwarden_store::units;
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::auth::Principal;
use crate::context::RequestMeta;
use crate::error::AppResult;
use crate::policy::RiderOfficers;
use crate::services::context::ServiceContext;
use crate::services::riders::{audit, need};
use crate::views::outside::OutsideRequestView;

/// Requests on one page of the outbox.
pub const PAGE_SIZE: i64 = 50;

/// The outbox of the officer's units.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Outbox {
    /// Per system, how many requests are in each state (all pages, not only this one).
    pub counts: Vec<OutboxCount>,
    /// The requests of this page, newest first.
    pub requests: Vec<OutboxRow>,
    /// The page, from 1.
    pub page: i64,
    /// Whether a further page holds more.
    pub more: bool,
}

/// How many requests to one system are in each state.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct OutboxCount {
    /// civility_credit, party_index or grassroots.
    pub system: String,
    pub queued: i64,
    pub sent: i64,
    pub acknowledged: i64,
    pub failed: i64,
}

/// One request, with the unit it is about.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OutboxRow {
    #[serde(flatten)]
    pub request: OutsideRequestView,
    /// The rider's file it is about (none for a village's daily list).
    pub person_id: Option<i64>,
    /// The village or unit it is about.
    pub unit_name: String,
}

/// The filter a request asks for: a state and a system by their words, empty for all. An
/// unknown word is refused (422) rather than read as "all".
pub fn filter(state: Option<&str>, system: Option<&str>) -> Result<OutboxFilter, FieldError> {
    let word = |raw: Option<&str>| {
        raw.map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    Ok(OutboxFilter {
        state: word(state).map(|s| OutsideState::parse(&s)).transpose()?,
        system: word(system).map(|s| OutsideSystem::parse(&s)).transpose()?,
    })
}

/// RID-10, SHR-04: the outbox of the officer's units, narrowed by `filter`, page `page`.
pub async fn outbox(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    filter: OutboxFilter,
    page: i64,
) -> AppResult<Outbox> {
    need::<RiderOfficers>(p, "the outbox is for e-bike officers")?;
    let now = ctx.clock.now();
    let page = page.clamp(1, 200);
    let mut tx = ctx.store.begin().await?;
    let counted = rows::count_in_scope(&mut tx, p.scope()).await?;
    let window = Window::new(PAGE_SIZE + 1, (page - 1) * PAGE_SIZE);
    let mut listed = rows::list_in_scope(&mut tx, p.scope(), filter, window).await?;
    let more = listed.len() as i64 > PAGE_SIZE;
    listed.truncate(PAGE_SIZE as usize);
    let mut names: HashMap<i64, String> = HashMap::new();
    let mut requests = Vec::with_capacity(listed.len());
    for r in listed {
        let unit_name = match r.unit_id {
            Some(u) => match names.get(&u) {
                Some(n) => n.clone(),
                None => {
                    let n = units::get(&mut tx, UnitId(u))
                        .await?
                        .map(|x| x.name)
                        .unwrap_or_default();
                    names.insert(u, n.clone());
                    n
                }
            },
            None => String::new(),
        };
        requests.push(OutboxRow {
            person_id: r.person_id,
            unit_name,
            request: OutsideRequestView::from(r),
        });
    }
    audit(
        &mut tx,
        p,
        meta,
        "outside.outbox_read",
        "outside_request",
        0,
        None,
        json!({ "rule": "RID-10", "state": filter.state.map(OutsideState::as_str),
            "system": filter.system.map(OutsideSystem::as_str), "page": page,
            "count": requests.len() }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Outbox {
        counts: tally(&counted),
        requests,
        page,
        more,
    })
}

/// One line per system that has requests, in the systems' order.
fn tally(counted: &[rows::OutboxCount]) -> Vec<OutboxCount> {
    OutsideSystem::ALL
        .into_iter()
        .filter_map(|system| {
            let mine: Vec<&rows::OutboxCount> =
                counted.iter().filter(|c| c.system == system).collect();
            if mine.is_empty() {
                return None;
            }
            let mut line = OutboxCount {
                system: system.as_str().to_owned(),
                ..OutboxCount::default()
            };
            for c in mine {
                match c.state {
                    OutsideState::Queued => line.queued += c.n,
                    OutsideState::Sent => line.sent += c.n,
                    OutsideState::Acknowledged => line.acknowledged += c.n,
                    OutsideState::Failed => line.failed += c.n,
                }
            }
            Some(line)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_reads_words_and_refuses_unknown_ones() {
        assert_eq!(filter(None, Some(" ")).unwrap(), OutboxFilter::default());
        let f = filter(Some("failed"), Some("party_index")).unwrap();
        assert_eq!(f.state, Some(OutsideState::Failed));
        assert_eq!(f.system, Some(OutsideSystem::PartyIndex));
        assert_eq!(filter(Some("lost"), None).unwrap_err().field, "state");
        assert_eq!(filter(None, Some("bank")).unwrap_err().field, "system");
    }

    #[test]
    fn tally_keeps_the_systems_order_and_skips_the_silent_ones() {
        let counted = vec![
            rows::OutboxCount {
                system: OutsideSystem::Grassroots,
                state: OutsideState::Failed,
                n: 2,
            },
            rows::OutboxCount {
                system: OutsideSystem::CivilityCredit,
                state: OutsideState::Sent,
                n: 3,
            },
            rows::OutboxCount {
                system: OutsideSystem::CivilityCredit,
                state: OutsideState::Acknowledged,
                n: 4,
            },
        ];
        let t = tally(&counted);
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].system, "civility_credit");
        assert_eq!((t[0].sent, t[0].acknowledged, t[0].failed), (3, 4, 0));
        assert_eq!((t[1].system.as_str(), t[1].failed), ("grassroots", 2));
    }
}
