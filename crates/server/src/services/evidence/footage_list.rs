//! The footage list (BWC-11, issue 14 item 5): the evidence library searched by officer or
//! recorder, day range, unit, retention category, case and state, sorted, a page at a time,
//! and exported as a workbook (all matches, or the rows ticked on the page). Unit scope holds
//! through every filter (ORG-02). Every read and every export is recorded with what was asked
//! (SEC-05). A photo shows as a thumbnail only to a viewer holding an approved request for it
//! (BWC-08): the picture loads through the footage read path, which records each viewing.

use roadwarden_domain::evidence::access::Purpose;
use roadwarden_domain::evidence::retention::{Category, LifeState};
use roadwarden_domain::locale;
use roadwarden_domain::{FieldError, UnitId};
use roadwarden_store::footage_list::{self as store, FootageFilter, FootageRow, FootageSort};
use roadwarden_store::list::{Direction, Window};
use roadwarden_store::Tx;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::library::live_grant;
use super::require;
use crate::auth::Principal;
use crate::context::RequestMeta;
use crate::edge::{record_id, ListParams, ListQuery, SortSpec};
use crate::error::AppResult;
use crate::i18n::{self, Lang};
use crate::policy::{FootageBrowsers, RoleSet};
use crate::services::audit::record_list_read;
use crate::services::context::ServiceContext;
use crate::services::export::{self, Cell};
use crate::services::lists::{reader_time_zone, unit_in_scope};

/// The footage list's sort keys: newest first unless asked.
pub const SORT: SortSpec<FootageSort> = SortSpec {
    keys: FootageSort::KEYS,
    default: FootageSort::Time,
    direction: Direction::Desc,
};

/// The retention categories a filter may name.
pub const CATEGORIES: [Category; 4] = [
    Category::General,
    Category::CaseEvidence,
    Category::LongTerm,
    Category::LegalHold,
];

/// The most files one selection may tick (a page's worth).
pub const MAX_SELECTED: usize = 200;

/// The longest case reference a filter takes.
const MAX_CASE: usize = 60;

/// The footage list's query as the page takes it: the shared list query (`search` is part of
/// an officer's name or account, or of a recorder's number) and the list's own filters.
/// `day` is the library's older one-day filter, kept for its links.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct FootageListQuery {
    #[serde(flatten)]
    pub list: ListQuery,
    pub unit_id: Option<String>,
    pub officer_id: Option<String>,
    pub case_ref: Option<String>,
    pub category: Option<String>,
    pub state: Option<String>,
    pub day: Option<String>,
}

/// The parsed query.
#[derive(Debug, Clone)]
pub struct FootageList {
    pub params: ListParams<FootageSort>,
    pub unit_id: Option<UnitId>,
    pub officer_id: Option<i64>,
    pub case_ref: Option<String>,
    pub category: Option<Category>,
    pub state: Option<LifeState>,
}

fn nonempty(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl FootageListQuery {
    pub fn parse(&self) -> AppResult<FootageList> {
        let mut list = self.list.clone();
        // The one-day filter is a range of one day.
        if let Some(day) = nonempty(&self.day) {
            if nonempty(&list.from).is_none() && nonempty(&list.to).is_none() {
                list.from = Some(day.to_owned());
                list.to = Some(day.to_owned());
            }
        }
        let case_ref = nonempty(&self.case_ref)
            .map(|c| {
                if c.chars().count() > MAX_CASE {
                    Err(FieldError::new(
                        "case_ref",
                        format!("must be at most {MAX_CASE} characters"),
                    ))
                } else {
                    Ok(c.to_owned())
                }
            })
            .transpose()?;
        let category = nonempty(&self.category)
            .map(|c| {
                CATEGORIES
                    .into_iter()
                    .find(|k| k.as_str() == c)
                    .ok_or_else(|| FieldError::new("category", "is not a retention category"))
            })
            .transpose()?;
        Ok(FootageList {
            params: list.parse(&SORT)?,
            unit_id: nonempty(&self.unit_id).map(UnitId::parse).transpose()?,
            officer_id: nonempty(&self.officer_id)
                .map(|s| record_id("officer_id", s))
                .transpose()?,
            case_ref,
            category,
            state: nonempty(&self.state).map(LifeState::parse).transpose()?,
        })
    }
}

/// One row of the page: the file, and where its thumbnail loads from when the viewer may
/// see it.
#[derive(Debug, Serialize)]
pub struct FootageItem {
    #[serde(flatten)]
    pub row: FootageRow,
    /// A photo under the viewer's live approval: its address on the footage read path.
    pub thumbnail: Option<String>,
}

/// A page of the list and how many files match (up to one past `MAX_ROWS`).
#[derive(Debug)]
pub struct FootagePage {
    pub rows: Vec<FootageItem>,
    pub total: i64,
}

/// The store's filter for `q`, with the unit checked against the reader's scope (ORG-02).
async fn filter_of(
    tx: &mut Tx,
    p: &Principal,
    q: &FootageList,
    ids: Vec<i64>,
) -> AppResult<FootageFilter> {
    let unit = unit_in_scope(tx, p, q.unit_id).await?;
    let (from, until) = q.params.instants(reader_time_zone(p));
    Ok(FootageFilter {
        search: q.params.search.clone(),
        officer_id: q.officer_id,
        case_ref: q.case_ref.clone(),
        category: q.category.map(|c| c.as_str().to_owned()),
        life_state: q.state.map(|s| s.as_str().to_owned()),
        from,
        until,
        unit,
        ids,
    })
}

/// What was asked, for the audit entry.
fn asked(q: &FootageList) -> serde_json::Value {
    json!({
        "search": q.params.search,
        "from": q.params.from,
        "to": q.params.to,
        "unit_id": q.unit_id,
        "officer_id": q.officer_id,
        "case_ref": q.case_ref,
        "category": q.category.map(Category::as_str),
        "state": q.state.map(LifeState::as_str),
        "sort": SORT.name(q.params.sort),
        "dir": q.params.direction.as_str(),
    })
}

/// A page of the footage under the reader's scope that matches `q`.
pub async fn list_in_scope(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    q: &FootageList,
) -> AppResult<FootagePage> {
    require(p, FootageBrowsers::ROLES, "the evidence library")?;
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let filter = filter_of(&mut tx, p, q, Vec::new()).await?;
    let (rows, total) = store::page(
        &mut tx,
        p.scope(),
        &filter,
        q.params.sort,
        q.params.direction,
        q.params.window(),
    )
    .await?;
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        // BWC-08: a thumbnail is a viewing; it shows only under an approval to view.
        let thumbnail = if row.media_kind == "image" && row.life_state == "kept" {
            live_grant(&mut tx, p.user.id, row.id, Purpose::View, now)
                .await?
                .map(|_| format!("/api/v1/evidence/{}/thumbnail", row.id))
        } else {
            None
        };
        items.push(FootageItem { row, thumbnail });
    }
    let mut detail = asked(q);
    detail["page"] = json!(q.params.page);
    detail["count"] = json!(items.len());
    record_list_read(&mut tx, p, meta, "evidence.list", "evidence", detail, now).await?;
    tx.commit().await?;
    Ok(FootagePage { rows: items, total })
}

/// The footage that matches `q` (the first `MAX_ROWS`, in the list's order), or only the
/// files of `selected` among them, as an XLSX workbook in `lang`; recorded as an export with
/// the filter, the selection and the row count (SEC-05).
pub async fn export(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    q: &FootageList,
    selected: &[i64],
    lang: Lang,
) -> AppResult<Vec<u8>> {
    require(p, FootageBrowsers::ROLES, "the evidence library")?;
    if selected.len() > MAX_SELECTED {
        return Err(FieldError::new(
            "evidence_ids",
            format!("at most {MAX_SELECTED} files at once"),
        )
        .into());
    }
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let filter = filter_of(&mut tx, p, q, selected.to_vec()).await?;
    let (rows, _) = store::page(
        &mut tx,
        p.scope(),
        &filter,
        q.params.sort,
        q.params.direction,
        Window::export(),
    )
    .await?;
    let mut detail = asked(q);
    detail["selected"] = json!(selected);
    detail["rows"] = json!(rows.len());
    record_list_read(
        &mut tx,
        p,
        meta,
        "evidence.export_list",
        "evidence",
        detail,
        now,
    )
    .await?;
    tx.commit().await?;
    let tz = reader_time_zone(p);
    let t = |k: &str| i18n::t(lang, k);
    let headings: Vec<String> = [
        "export.number",
        "footage.kind",
        "evidence.time",
        "footage.ended",
        "evidence.officer",
        "evidence.recorder",
        "evidence.unit",
        "evidence.activity",
        "evidence.place",
        "evidence.case",
        "evidence.retention",
        "evidence.purge_from",
        "evidence.state",
    ]
    .iter()
    .map(|k| t(k))
    .collect();
    let cells: Vec<Vec<Cell>> = rows
        .iter()
        .map(|e| {
            vec![
                Cell::Number(e.id as f64),
                Cell::from(t(&format!("footage.kind_{}", e.media_kind))),
                Cell::from(locale::local_time(e.started_at, tz, lang.code())),
                Cell::from(locale::local_time(e.ended_at, tz, lang.code())),
                Cell::from(e.officer_name.as_str()),
                Cell::from(e.recorder_number.clone().unwrap_or_default()),
                Cell::from(e.unit_name.as_str()),
                Cell::from(t(&format!("activity.{}", e.activity))),
                Cell::from(e.place.as_str()),
                Cell::from(e.case_ref.as_str()),
                Cell::from(t(&format!("retention.{}", e.retention_category))),
                Cell::from(
                    e.purge_from
                        .map(|d| locale::local_time(d, tz, lang.code()))
                        .unwrap_or_default(),
                ),
                Cell::from(t(&format!("life_state.{}", e.life_state))),
            ]
        })
        .collect();
    let bytes = export::workbook(&t("evidence.title"), &headings, &cells)?;
    // SEC-07: a bulk export needs an approved export application.
    let export = export::Export {
        what: "footage",
        rows: cells.len(),
        personal: true,
        application: q.params.application,
    };
    export::deliver(ctx, p, meta, &export, bytes).await
}
