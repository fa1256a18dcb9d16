//! The violations list (NOT-01..03) as clerks, reviewers, objection handlers and supervisors
//! search it: by plate, day range, state and unit, sorted, a page at a time, and exported as
//! a workbook. Unit scope holds through every filter (ORG-02): a unit outside the reader's
//! scope is "not found". Every read and every export is recorded with what was asked (SEC-05).

use roadwarden_domain::capture::notice::ViolationState;
use roadwarden_domain::capture::plate::plate_key;
use roadwarden_domain::device::violations as codes;
use roadwarden_domain::locale;
use roadwarden_domain::UnitId;
use roadwarden_store::list::{Direction, Window};
use roadwarden_store::violations::{
    self as store_violations, Violation, ViolationFilter, ViolationSort,
};
use roadwarden_store::Tx;
use serde::Deserialize;
use serde_json::json;

use super::records::check_violation_reader;
use super::violations::money_of;
use crate::auth::Principal;
use crate::context::RequestMeta;
use crate::edge::{ListParams, ListQuery, SortSpec};
use crate::error::AppResult;
use crate::i18n::{self, Lang};
use crate::services::audit::record_list_read;
use crate::services::context::ServiceContext;
use crate::services::export::{self, Cell};
use crate::services::lists::{reader_time_zone, unit_in_scope};

/// The violations list's sort keys: newest first unless asked.
pub const SORT: SortSpec<ViolationSort> = SortSpec {
    keys: ViolationSort::KEYS,
    default: ViolationSort::Time,
    direction: Direction::Desc,
};

/// The violations list's query as the page and the API take it: the shared list query
/// (`search` is part of a plate) and the list's own filters.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct ViolationListQuery {
    #[serde(flatten)]
    pub list: ListQuery,
    pub state: Option<String>,
    pub unit_id: Option<String>,
}

/// The parsed query.
#[derive(Debug, Clone)]
pub struct ViolationList {
    pub params: ListParams<ViolationSort>,
    pub state: Option<ViolationState>,
    pub unit_id: Option<UnitId>,
}

fn nonempty(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl ViolationListQuery {
    pub fn parse(&self) -> AppResult<ViolationList> {
        Ok(ViolationList {
            params: self.list.parse(&SORT)?,
            state: nonempty(&self.state)
                .map(ViolationState::parse)
                .transpose()?,
            unit_id: nonempty(&self.unit_id).map(UnitId::parse).transpose()?,
        })
    }
}

/// A page of the list and how many records match (up to one past `MAX_ROWS`).
#[derive(Debug)]
pub struct ViolationPage {
    pub rows: Vec<Violation>,
    pub total: i64,
}

/// The store's filter for `q`, with the unit checked against the reader's scope (ORG-02).
async fn filter_of(tx: &mut Tx, p: &Principal, q: &ViolationList) -> AppResult<ViolationFilter> {
    let unit = unit_in_scope(tx, p, q.unit_id).await?;
    let (from, until) = q.params.instants(reader_time_zone(p));
    Ok(ViolationFilter {
        state: q.state,
        plate: q
            .params
            .search
            .as_deref()
            .map(plate_key)
            .filter(|k| !k.is_empty()),
        from,
        until,
        unit,
    })
}

/// What was asked, for the audit entry.
fn asked(q: &ViolationList) -> serde_json::Value {
    json!({
        "state": q.state.map(|s| s.as_str()),
        "search": q.params.search,
        "from": q.params.from,
        "to": q.params.to,
        "unit_id": q.unit_id,
        "sort": SORT.name(q.params.sort),
        "dir": q.params.direction.as_str(),
    })
}

/// A page of the records under the reader's scope that match `q`.
pub async fn list_in_scope(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    q: &ViolationList,
) -> AppResult<ViolationPage> {
    check_violation_reader(p)?;
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let filter = filter_of(&mut tx, p, q).await?;
    let (rows, total) = store_violations::page(
        &mut tx,
        p.scope(),
        &filter,
        q.params.sort,
        q.params.direction,
        q.params.window(),
    )
    .await?;
    let mut detail = asked(q);
    detail["page"] = json!(q.params.page);
    detail["count"] = json!(rows.len());
    // SEC-05: a list of plates is personal data.
    record_list_read(&mut tx, p, meta, "violation.list", "violation", detail, now).await?;
    tx.commit().await?;
    Ok(ViolationPage { rows, total })
}

/// The records that match `q` (the first `MAX_ROWS`, in the list's order) as an XLSX
/// workbook in `lang`, recorded as an export with the filter and the row count (SEC-05).
pub async fn export(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    q: &ViolationList,
    lang: Lang,
) -> AppResult<Vec<u8>> {
    check_violation_reader(p)?;
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let filter = filter_of(&mut tx, p, q).await?;
    let (rows, _) = store_violations::page(
        &mut tx,
        p.scope(),
        &filter,
        q.params.sort,
        q.params.direction,
        Window::export(),
    )
    .await?;
    let mut detail = asked(q);
    detail["rows"] = json!(rows.len());
    record_list_read(
        &mut tx,
        p,
        meta,
        "violation.export",
        "violation",
        detail,
        now,
    )
    .await?;
    tx.commit().await?;
    let tz = reader_time_zone(p);
    let t = |k: &str| i18n::t(lang, k);
    let headings: Vec<String> = [
        "export.number",
        "violations.plate",
        "violations.colour",
        "violations.violation",
        "violations.code",
        "violations.time",
        "violations.place",
        "violations.fine",
        "violations.points",
        "violations.state",
        "violations.handle_by",
    ]
    .iter()
    .map(|k| t(k))
    .collect();
    let cells: Vec<Vec<Cell>> = rows
        .iter()
        .map(|v| {
            vec![
                Cell::Number(v.id as f64),
                Cell::from(v.plate.as_str()),
                Cell::from(super::outbox::colour_name(
                    v.plate_colour.as_str(),
                    lang.code(),
                )),
                Cell::from(codes::lookup(&v.violation_code).map_or_else(
                    || v.violation_code.clone(),
                    |c| c.name(lang.code()).to_owned(),
                )),
                Cell::from(v.violation_code.as_str()),
                Cell::from(locale::local_time(v.occurred_at, tz, lang.code())),
                Cell::from(v.place.as_str()),
                Cell::from(money_of(v).display(lang.code())),
                Cell::Number(f64::from(v.points)),
                Cell::from(t(&format!("violation_state.{}", v.state.as_str()))),
                Cell::from(
                    v.extended_until
                        .or(v.handle_by)
                        .map(|d| locale::date(d, lang.code()))
                        .unwrap_or_default(),
                ),
            ]
        })
        .collect();
    let bytes = export::workbook(&t("violations.title"), &headings, &cells)?;
    // SEC-07: a bulk export needs an approved export application.
    let export = export::Export {
        what: "violations",
        rows: cells.len(),
        personal: true,
        application: q.params.application,
    };
    export::deliver(ctx, p, meta, &export, bytes).await
}
