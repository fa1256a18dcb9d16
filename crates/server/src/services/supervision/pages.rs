//! SUP-03, SUP-07: what the supervision pages need beyond the API's reads: the check list
//! filtered, sorted and paged (at most `MAX_ITEMS` items are in play, so in memory), its XLSX
//! export, a device's history of decisions (the lifecycle timeline and every check step, each
//! with the person who took it) and the unread count of the header's inbox badge.

use chrono::{DateTime, NaiveDate, Utc};
use roadwarden_domain::org::UnitPath;
use roadwarden_domain::supervision::checklist::ItemState;
use roadwarden_domain::{DeviceId, UnitId};
use roadwarden_store::device_records;
use roadwarden_store::list::Direction;
use roadwarden_store::supervision as store;
use serde::Serialize;
use serde_json::json;

use super::require;
use super::views::{ItemView, StepView};
use crate::auth::Principal;
use crate::context::RequestMeta;
use crate::edge::{ListParams, SortSpec};
use crate::error::AppResult;
use crate::i18n::{self, Lang};
use crate::policy::{CheckListReaders, RoleSet};
use crate::services::audit::record_list_read;
use crate::services::context::ServiceContext;
use crate::services::devices::registry;
use crate::services::export::{workbook, Cell};
use crate::services::lists::unit_in_scope;

const MAX_ITEMS: i64 = 1000;
const MAX_STEPS: i64 = 500;

/// How the check list can be sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemSort {
    Deadline,
    RaisedOn,
    Device,
    State,
}

pub const SORT: SortSpec<ItemSort> = SortSpec {
    keys: &[
        ("deadline", ItemSort::Deadline),
        ("raised_on", ItemSort::RaisedOn),
        ("device", ItemSort::Device),
        ("state", ItemSort::State),
    ],
    default: ItemSort::Deadline,
    direction: Direction::Asc,
};

/// The list's own filters, parsed.
#[derive(Debug, Clone, Default)]
pub struct ItemFilter {
    pub state: Option<ItemState>,
    pub unit: Option<UnitId>,
    /// Leave accepted items out.
    pub open: bool,
    /// Only items past their deadline.
    pub overdue: bool,
}

/// The items of the list in scope that pass `filter`, in `params`' order, and how many match.
pub async fn list_page(
    ctx: &ServiceContext,
    p: &Principal,
    filter: &ItemFilter,
    params: &ListParams<ItemSort>,
) -> AppResult<(Vec<ItemView>, i64)> {
    let all = filtered(ctx, p, filter, params).await?;
    let total = i64::try_from(all.len()).unwrap_or(i64::MAX);
    let w = params.window();
    let rows = all
        .into_iter()
        .skip(usize::try_from(w.offset).unwrap_or(0))
        .take(usize::try_from(w.limit).unwrap_or(0))
        .collect();
    Ok((rows, total))
}

async fn filtered(
    ctx: &ServiceContext,
    p: &Principal,
    filter: &ItemFilter,
    params: &ListParams<ItemSort>,
) -> AppResult<Vec<ItemView>> {
    require(p, CheckListReaders::ROLES, "the check list")?;
    let mut tx = ctx.store.begin_read().await?;
    let unit = unit_in_scope(&mut tx, p, filter.unit).await?;
    let rows =
        store::items_in_scope(&mut tx, p.scope().as_str(), filter.open, None, MAX_ITEMS).await?;
    drop(tx);
    let today = ctx
        .clock
        .now()
        .with_timezone(&crate::services::lists::reader_time_zone(p))
        .date_naive();
    let cfg = &ctx.settings.supervision.list;
    let search = params.search.as_deref().map(str::to_lowercase);
    let mut out = Vec::new();
    for r in &rows {
        if filter.state.is_some_and(|s| s != r.state) {
            continue;
        }
        if let Some(u) = &unit {
            if !u.covers(&UnitPath::from_stored(r.device_unit_path.clone())) {
                continue;
            }
        }
        if let Some(s) = &search {
            if !r.device_number.to_lowercase().contains(s.as_str()) {
                continue;
            }
        }
        if params.from.is_some_and(|d| r.raised_on < d)
            || params.to.is_some_and(|d| r.raised_on > d)
        {
            continue;
        }
        let v = ItemView::of(r, today, cfg)?;
        if filter.overdue && !is_overdue(&v, today) {
            continue;
        }
        out.push(v);
    }
    out.sort_by(|a, b| {
        let o = match params.sort {
            ItemSort::Deadline => a.deadline.cmp(&b.deadline),
            ItemSort::RaisedOn => a.raised_on.cmp(&b.raised_on),
            ItemSort::Device => a.device_number.cmp(&b.device_number),
            ItemSort::State => a.state.cmp(&b.state),
        }
        .then(a.id.cmp(&b.id));
        match params.direction {
            Direction::Asc => o,
            Direction::Desc => o.reverse(),
        }
    });
    Ok(out)
}

/// An open item whose last day has passed.
pub fn is_overdue(v: &ItemView, today: NaiveDate) -> bool {
    v.state != ItemState::Accepted.as_str() && v.deadline < today
}

/// The list as a workbook in the reader's language; the export is an audit entry (SEC-05).
pub async fn export(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    filter: &ItemFilter,
    params: &ListParams<ItemSort>,
    lang: Lang,
) -> AppResult<Vec<u8>> {
    let rows = filtered(ctx, p, filter, params).await?;
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let detail = json!({
        "state": filter.state.map(ItemState::as_str),
        "unit": filter.unit.map(|u| u.0),
        "open": filter.open,
        "overdue": filter.overdue,
        "search": params.search,
        "rows": rows.len(),
    });
    record_list_read(
        &mut tx,
        p,
        meta,
        "supervision.export",
        "check_item",
        detail,
        now,
    )
    .await?;
    tx.commit().await?;
    let t = |k: &str| i18n::t(lang, k);
    let headings: Vec<String> = [
        "supervision.item",
        "supervision.device",
        "supervision.origin",
        "supervision.state",
        "supervision.raised_on",
        "supervision.deadline",
        "supervision.progress",
        "supervision.escalation",
    ]
    .iter()
    .map(|k| t(k))
    .collect();
    let cells: Vec<Vec<Cell>> = rows
        .iter()
        .map(|v| {
            vec![
                Cell::Number(v.id as f64),
                v.device_number.clone().into(),
                t(&format!("supervision.origin.{}", v.origin)).into(),
                t(&format!("supervision.state.{}", v.state)).into(),
                v.raised_on.to_string().into(),
                v.deadline.to_string().into(),
                Cell::Number(f64::from(v.progress_percent)),
                Cell::Number(f64::from(v.escalation_level)),
            ]
        })
        .collect();
    let bytes = workbook(&t("supervision.title"), &headings, &cells)?;
    // SEC-07: a bulk export needs an approved export application.
    let export = crate::services::export::Export {
        what: "check-list",
        rows: cells.len(),
        personal: false,
        application: params.application,
    };
    crate::services::export::deliver(ctx, p, meta, &export, bytes).await
}

/// SUP-07: one decision on a device, from its lifecycle timeline or a check-list step.
#[derive(Debug, Clone, Serialize)]
pub struct Decision {
    pub at: DateTime<Utc>,
    /// `event` (the device timeline) or `step` (a check-list step).
    pub source: &'static str,
    /// The event's action or the step's kind.
    pub kind: String,
    pub by: String,
    pub by_user_id: Option<i64>,
    pub unit_name: Option<String>,
    pub note: Option<String>,
    /// The check-list item a step belongs to.
    pub item_id: Option<i64>,
}

/// A device's history of decisions, oldest first, with its check-list items.
#[derive(Debug, Clone, Serialize)]
pub struct Decisions {
    pub device_id: i64,
    pub device_number: String,
    pub device_name: String,
    pub device_state: String,
    pub unit_name: String,
    pub items: Vec<ItemView>,
    pub decisions: Vec<Decision>,
}

/// Lifecycle events that are only bookkeeping, not anyone's decision about the device.
const NOT_DECISIONS: [&str; 3] = ["operation", "patrol", "calibration_recorded"];

pub async fn decisions(
    ctx: &ServiceContext,
    p: &Principal,
    device: DeviceId,
) -> AppResult<Decisions> {
    require(
        p,
        CheckListReaders::ROLES,
        "a device's history of decisions",
    )?;
    let d = registry::get_device(ctx, p, device).await?;
    let mut tx = ctx.store.begin_read().await?;
    let events = device_records::events(&mut tx, device).await?;
    let rows = store::items_in_scope(&mut tx, "/", false, Some(device), MAX_ITEMS).await?;
    let mut decisions: Vec<Decision> = events
        .into_iter()
        .filter(|e| !NOT_DECISIONS.contains(&e.action.as_str()))
        .map(|e| Decision {
            at: e.at,
            source: "event",
            kind: e.action,
            by: e.actor,
            by_user_id: e.actor_user_id,
            unit_name: None,
            note: Some(e.reason).filter(|r| !r.trim().is_empty()),
            item_id: None,
        })
        .collect();
    for r in &rows {
        for s in store::steps(&mut tx, r.id, MAX_STEPS).await? {
            let s = StepView::from(s);
            decisions.push(Decision {
                at: s.at,
                source: "step",
                kind: s.kind,
                by: s.by,
                by_user_id: s.by_user_id,
                unit_name: Some(s.unit_name),
                note: s.note,
                item_id: Some(r.id),
            });
        }
    }
    let today = ctx.clock.now().with_timezone(&d.tz()).date_naive();
    let cfg = &ctx.settings.supervision.list;
    let items = rows
        .iter()
        .map(|r| ItemView::of(r, today, cfg))
        .collect::<AppResult<Vec<_>>>()?;
    decisions.sort_by_key(|x| x.at);
    Ok(Decisions {
        device_id: d.id.0,
        device_number: d.number.clone(),
        device_name: d.name.clone(),
        device_state: d.state.as_str().to_owned(),
        unit_name: d.unit_name.clone(),
        items,
        decisions,
    })
}

/// How many unread messages wait for this person (the header's inbox badge), counted up to
/// `cap` so that the query stays cheap on every page.
pub async fn unread_count(ctx: &ServiceContext, p: &Principal, cap: i64) -> AppResult<usize> {
    let mut tx = ctx.store.begin_read().await?;
    Ok(crate::services::messages::unread(&mut tx, p, cap)
        .await?
        .len())
}
