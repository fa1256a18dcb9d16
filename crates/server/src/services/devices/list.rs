//! The device list as the page shows it: the registry's filter, sorted, a page at a time, and
//! its export as a workbook in the reader's language, recorded with the filter and the row
//! count (SEC-05: every export is on the record).

use roadwarden_store::devices::{self, Device, DeviceFilter, DeviceSort};
use serde_json::json;

use crate::auth::Principal;
use crate::context::RequestMeta;
use crate::edge::{Direction, ListParams, SortSpec, Window};
use crate::error::AppResult;
use crate::i18n::{self, Lang};
use crate::services::audit::record_list_read;
use crate::services::context::ServiceContext;
use crate::services::export::{self, Cell};

/// The device list's sort keys: by unit and number unless asked.
pub const SORT: SortSpec<DeviceSort> = SortSpec {
    keys: DeviceSort::KEYS,
    default: DeviceSort::Unit,
    direction: Direction::Asc,
};

/// A page of the devices in the reader's scope that match `filter`, and how many match (up
/// to one past `devices::TOTAL_CAP`).
pub async fn page(
    ctx: &ServiceContext,
    p: &Principal,
    filter: &DeviceFilter,
    params: &ListParams<DeviceSort>,
) -> AppResult<(Vec<Device>, i64)> {
    let mut tx = ctx.store.begin_read().await?;
    Ok(devices::page(
        &mut tx,
        p.scope(),
        filter,
        params.sort,
        params.direction,
        params.window(),
    )
    .await?)
}

/// The first `MAX_ROWS` devices that match, in the list's order, as a workbook in `lang`.
pub async fn export(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    filter: &DeviceFilter,
    params: &ListParams<DeviceSort>,
    lang: Lang,
) -> AppResult<Vec<u8>> {
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let (rows, _) = devices::page(
        &mut tx,
        p.scope(),
        filter,
        params.sort,
        params.direction,
        Window::export(),
    )
    .await?;
    let detail = json!({
        "state": filter.states.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        "kind": filter.kind.map(|k| k.as_str()),
        "unit": filter.unit.as_ref().map(|u| u.as_str().to_owned()),
        "search": filter.search,
        "sort": SORT.name(params.sort),
        "dir": params.direction.as_str(),
        "rows": rows.len(),
    });
    record_list_read(&mut tx, p, meta, "device.export", "device", detail, now).await?;
    tx.commit().await?;
    let t = |k: &str| i18n::t(lang, k);
    let headings: Vec<String> = [
        "device.number",
        "device.name",
        "device.kind",
        "device.state",
        "device.unit",
        "device.road",
        "device.km_marker",
        "device.place",
        "device.maintainer",
        "device.longitude",
        "device.latitude",
    ]
    .iter()
    .map(|k| t(k))
    .collect();
    let cells: Vec<Vec<Cell>> = rows
        .iter()
        .map(|d| {
            vec![
                Cell::from(d.number.as_str()),
                Cell::from(d.name.as_str()),
                Cell::from(t(&format!("device.kind.{}", d.kind.as_str()))),
                Cell::from(t(&format!("state.{}", d.state.as_str()))),
                Cell::from(d.unit_name.as_str()),
                Cell::from(d.road.as_str()),
                Cell::from(d.km_marker.as_str()),
                Cell::from(d.place.as_str()),
                Cell::from(d.maintainer.as_str()),
                d.longitude.map_or(Cell::from(""), Cell::Number),
                d.latitude.map_or(Cell::from(""), Cell::Number),
            ]
        })
        .collect();
    let bytes = export::workbook(&t("devices.title"), &headings, &cells)?;
    // SEC-07: a bulk export needs an approved export application.
    let export = export::Export {
        what: "devices",
        rows: cells.len(),
        personal: false,
        application: params.application,
    };
    export::deliver(ctx, p, meta, &export, bytes).await
}
