//! The captures list (issue 14 item 5) as reviewers, unit heads and supervisors search it: by
//! plate, day range, device, unit and state, sorted, a page at a time, and exported as a
//! workbook. Unit scope holds through every filter (ORG-02): a unit outside the reader's scope
//! is "not found". Every read and every export is recorded with what was asked (SEC-05).

use roadwarden_domain::capture::plate::plate_key;
use roadwarden_domain::capture::review::CaptureState;
use roadwarden_domain::codes::Code;
use roadwarden_domain::device::violations as codes;
use roadwarden_domain::locale;
use roadwarden_domain::{FieldError, UnitId};
use roadwarden_store::capture_list::{self as store, CaptureFilter, CaptureRow, CaptureSort};
use roadwarden_store::list::{Direction, Window};
use roadwarden_store::Tx;
use serde::Deserialize;
use serde_json::json;

use crate::auth::Principal;
use crate::context::RequestMeta;
use crate::edge::{ListParams, ListQuery, SortSpec};
use crate::error::{AppError, AppResult};
use crate::i18n::{self, Lang};
use crate::policy::ReviewOverseers;
use crate::services::audit::record_list_read;
use crate::services::context::ServiceContext;
use crate::services::export::{self, Cell};
use crate::services::lists::{reader_time_zone, unit_in_scope};

/// The captures list's sort keys: newest first unless asked.
pub const SORT: SortSpec<CaptureSort> = SortSpec {
    keys: CaptureSort::KEYS,
    default: CaptureSort::Time,
    direction: Direction::Desc,
};

/// The longest device number a filter takes.
const MAX_DEVICE: usize = 40;

/// The captures list's query as the page and the API take it: the shared list query
/// (`search` is part of a plate) and the list's own filters.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct CaptureListQuery {
    #[serde(flatten)]
    pub list: ListQuery,
    pub state: Option<String>,
    pub unit_id: Option<String>,
    pub device: Option<String>,
}

/// The parsed query.
#[derive(Debug, Clone)]
pub struct CaptureList {
    pub params: ListParams<CaptureSort>,
    pub state: Option<CaptureState>,
    pub unit_id: Option<UnitId>,
    pub device: Option<String>,
}

fn nonempty(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl CaptureListQuery {
    pub fn parse(&self) -> AppResult<CaptureList> {
        let device = nonempty(&self.device)
            .map(|d| {
                if d.chars().count() > MAX_DEVICE
                    || !d.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                {
                    Err(FieldError::new(
                        "device",
                        format!("must be a device number: letters, digits and '-', at most {MAX_DEVICE}"),
                    ))
                } else {
                    Ok(d.to_owned())
                }
            })
            .transpose()?;
        Ok(CaptureList {
            params: self.list.parse(&SORT)?,
            state: nonempty(&self.state).map(CaptureState::parse).transpose()?,
            unit_id: nonempty(&self.unit_id).map(UnitId::parse).transpose()?,
            device,
        })
    }
}

/// A page of the list and how many captures match (up to one past `MAX_ROWS`).
#[derive(Debug)]
pub struct CapturePage {
    pub rows: Vec<CaptureRow>,
    pub total: i64,
}

fn check_reader(p: &Principal) -> AppResult<()> {
    if p.may::<ReviewOverseers>() {
        Ok(())
    } else {
        Err(AppError::forbidden(
            Code::RoleMissing,
            "the captures list is for reviewers, unit heads and supervisors",
        ))
    }
}

/// The store's filter for `q`, with the unit checked against the reader's scope (ORG-02).
async fn filter_of(tx: &mut Tx, p: &Principal, q: &CaptureList) -> AppResult<CaptureFilter> {
    let unit = unit_in_scope(tx, p, q.unit_id).await?;
    let (from, until) = q.params.instants(reader_time_zone(p));
    Ok(CaptureFilter {
        state: q.state,
        plate: q
            .params
            .search
            .as_deref()
            .map(plate_key)
            .filter(|k| !k.is_empty()),
        device: q.device.clone(),
        from,
        until,
        unit,
    })
}

/// What was asked, for the audit entry.
fn asked(q: &CaptureList) -> serde_json::Value {
    json!({
        "state": q.state.map(CaptureState::as_str),
        "search": q.params.search,
        "from": q.params.from,
        "to": q.params.to,
        "unit_id": q.unit_id,
        "device": q.device,
        "sort": SORT.name(q.params.sort),
        "dir": q.params.direction.as_str(),
    })
}

async fn rows(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    q: &CaptureList,
    window: Window,
    action: &str,
) -> AppResult<CapturePage> {
    check_reader(p)?;
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let filter = filter_of(&mut tx, p, q).await?;
    let (rows, total) = store::page(
        &mut tx,
        p.scope(),
        &filter,
        q.params.sort,
        q.params.direction,
        window,
    )
    .await?;
    let mut detail = asked(q);
    if action == "capture.list" {
        detail["page"] = json!(q.params.page);
        detail["count"] = json!(rows.len());
    } else {
        detail["rows"] = json!(rows.len());
    }
    // SEC-05: a list of plates is personal data; an export is recorded as one (SEC-07).
    record_list_read(&mut tx, p, meta, action, "capture", detail, now).await?;
    tx.commit().await?;
    Ok(CapturePage { rows, total })
}

/// A page of the captures under the reader's scope that match `q`.
pub async fn list_in_scope(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    q: &CaptureList,
) -> AppResult<CapturePage> {
    rows(ctx, p, meta, q, q.params.window(), "capture.list").await
}

/// The captures that match `q` (the first `MAX_ROWS`, in the list's order) as an XLSX
/// workbook in `lang`, recorded as an export with the filter and the row count (SEC-05).
pub async fn export(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    q: &CaptureList,
    lang: Lang,
) -> AppResult<Vec<u8>> {
    let found = rows(ctx, p, meta, q, Window::export(), "capture.export").await?;
    let tz = reader_time_zone(p);
    let t = |k: &str| i18n::t(lang, k);
    let headings: Vec<String> = [
        "export.number",
        "violations.plate",
        "violations.colour",
        "violations.violation",
        "violations.code",
        "captures.time",
        "violations.place",
        "captures.device",
        "captures.unit",
        "captures.state",
        "captures.due",
        "captures.reviewed_at",
    ]
    .iter()
    .map(|k| t(k))
    .collect();
    let when = |d: Option<chrono::DateTime<chrono::Utc>>| {
        d.map(|d| locale::local_time(d, tz, lang.code()))
            .unwrap_or_default()
    };
    let cells: Vec<Vec<Cell>> = found
        .rows
        .iter()
        .map(|c| {
            vec![
                Cell::Number(c.id as f64),
                Cell::from(c.plate.as_str()),
                Cell::from(super::outbox::colour_name(
                    c.plate_colour.as_str(),
                    lang.code(),
                )),
                Cell::from(codes::lookup(&c.violation_code).map_or_else(
                    || c.violation_code.clone(),
                    |v| v.name(lang.code()).to_owned(),
                )),
                Cell::from(c.violation_code.as_str()),
                Cell::from(locale::local_time(c.captured_at, tz, lang.code())),
                Cell::from(c.place.as_str()),
                Cell::from(c.device_number.clone().unwrap_or_default()),
                Cell::from(c.unit_name.as_str()),
                Cell::from(t(&format!("capture_state.{}", c.state.as_str()))),
                Cell::from(when(c.review_due_at)),
                Cell::from(when(c.reviewed_at)),
            ]
        })
        .collect();
    let bytes = export::workbook(&t("captures.title"), &headings, &cells)?;
    // SEC-07: a bulk export needs an approved export application.
    let export = export::Export {
        what: "captures",
        rows: cells.len(),
        personal: true,
        application: q.params.application,
    };
    export::deliver(ctx, p, meta, &export, bytes).await
}
