//! What the registry's readers see: the filtered list's parameters, one device with its
//! records, the DEV-03 review inbox, alerts, the list page's counts, and the DEV-07
//! registration export. The API and the pages both call these.

use chrono::{DateTime, Utc};
use roadwarden_domain::codes::Code;
use roadwarden_domain::device::review::Department;
use roadwarden_domain::device::{DeviceKind, DeviceState};
use roadwarden_domain::{DeviceId, UnitId};
use roadwarden_store::device_records::{
    self, Alert, Assessment, Calibration, Credential, DeviceEvent, Fault, Operation, Patrol,
    Registration, Review,
};
use roadwarden_store::devices::{self, Device, DeviceFilter};
use roadwarden_store::units;
use serde::Deserialize;

use super::{lifecycle, registry};
use crate::auth::Principal;
use crate::edge::search_text;
use crate::error::{AppError, AppResult};
use crate::services::context::ServiceContext;
use crate::views::registration::RegistrationView;

pub use roadwarden_store::devices::{MapPoint, TOTAL_CAP};

/// The device list's filter as the query string gives it (the API and the list page).
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct DeviceQuery {
    /// One state or several separated by commas, e.g. `trial,in_use`.
    pub state: Option<String>,
    pub kind: Option<String>,
    /// Only devices managed at or below this unit.
    pub unit_id: Option<String>,
    /// Matches number, name or road.
    pub search: Option<String>,
    pub maintainer: Option<String>,
    pub limit: Option<String>,
    pub offset: Option<String>,
    /// `false` skips counting the total (faster on large registries).
    pub total: Option<String>,
}

impl DeviceQuery {
    /// The filter, with `unit_id` checked against the reader's scope: a unit outside it is
    /// "not found", as on every other list (ORG-02), never silently ignored.
    pub async fn filter(
        &self,
        ctx: &ServiceContext,
        reader: &Principal,
    ) -> AppResult<DeviceFilter> {
        let nonempty = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let states = match nonempty(&self.state) {
            Some(s) => s
                .split(',')
                .map(DeviceState::parse)
                .collect::<Result<Vec<_>, _>>()?,
            None => Vec::new(),
        };
        let unit = match nonempty(&self.unit_id) {
            Some(id) => {
                let mut tx = ctx.store.begin_read().await?;
                let unit = units::get(&mut tx, UnitId::parse(&id)?)
                    .await?
                    .filter(|u| reader.covers(&u.path))
                    .ok_or(AppError::NotFound("unit"))?;
                Some(unit.path)
            }
            None => None,
        };
        Ok(DeviceFilter {
            states,
            kind: nonempty(&self.kind)
                .map(|k| DeviceKind::parse(&k))
                .transpose()?,
            unit,
            search: search_text(self.search.as_deref())?,
            maintainer: search_text(self.maintainer.as_deref())?,
        })
    }
}

/// One device with its timeline and records, and the steps the reader may take now.
pub struct Detail {
    pub device: Device,
    pub timeline: Vec<DeviceEvent>,
    pub assessments: Vec<Assessment>,
    pub reviews: Vec<Review>,
    pub calibrations: Vec<Calibration>,
    pub patrols: Vec<Patrol>,
    pub faults: Vec<Fault>,
    pub operations: Vec<Operation>,
    pub credentials: Vec<Credential>,
    pub alerts: Vec<Alert>,
    pub actions: Vec<&'static str>,
}

pub async fn detail(ctx: &ServiceContext, p: &Principal, id: DeviceId) -> AppResult<Detail> {
    let device = registry::get_device(ctx, p, id).await?;
    let actions = lifecycle::available_actions(ctx, p, &device).await?;
    let mut tx = ctx.store.begin_read().await?;
    let scope = device.unit_path.clone();
    Ok(Detail {
        timeline: device_records::events(&mut tx, id).await?,
        assessments: device_records::assessments(&mut tx, id).await?,
        reviews: device_records::reviews(&mut tx, id).await?,
        calibrations: device_records::calibrations(&mut tx, id).await?,
        patrols: device_records::patrols(&mut tx, id, 100).await?,
        faults: device_records::faults(&mut tx, id, 100).await?,
        operations: device_records::operations(&mut tx, id, 100).await?,
        credentials: device_records::credentials(&mut tx, id).await?,
        alerts: device_records::alerts(&mut tx, &scope, Some(id), 50).await?,
        actions,
        device,
    })
}

/// DEV-03: an assessment waiting for a department.
pub struct InboxEntry {
    pub department: Department,
    pub assessment_id: i64,
    pub filed_at: DateTime<Utc>,
    pub device: Device,
}

/// DEV-03: the assessments waiting for `department`, or for each of the reader's departments.
pub async fn review_inbox(
    ctx: &ServiceContext,
    p: &Principal,
    department: Option<&str>,
) -> AppResult<Vec<InboxEntry>> {
    let departments: Vec<Department> = match department.filter(|d| !d.is_empty()) {
        Some(d) => vec![Department::parse(d)?],
        None => Department::ALL
            .into_iter()
            .filter(|d| p.has(d.role()))
            .collect(),
    };
    let scopes = registry::scopes_for(ctx, p).await?;
    let mut items: Vec<InboxEntry> = Vec::new();
    let mut tx = ctx.store.begin_read().await?;
    for dept in departments {
        if !p.has(dept.role()) {
            return Err(AppError::forbidden(
                Code::RoleMissing,
                format!(
                    "the {} inbox needs the role {}",
                    dept.as_str(),
                    dept.role().as_str()
                ),
            ));
        }
        for scope in &scopes {
            for (device_id, assessment_id, filed_at) in
                device_records::review_inbox(&mut tx, scope, dept, 500).await?
            {
                if items
                    .iter()
                    .any(|i| i.assessment_id == assessment_id && i.department == dept)
                {
                    continue;
                }
                if let Some(device) = devices::get(&mut tx, DeviceId(device_id)).await? {
                    // A unit never reviews its own proposal (DEV-03): not in its inbox either.
                    if device.unit_id == p.user.unit_id {
                        continue;
                    }
                    items.push(InboxEntry {
                        department: dept,
                        assessment_id,
                        filed_at,
                        device,
                    });
                }
            }
        }
    }
    items.sort_by_key(|i| i.filed_at);
    Ok(items)
}

/// Open alerts for the devices in the reader's scope, newest first, at most `limit`.
pub async fn alerts(ctx: &ServiceContext, p: &Principal, limit: i64) -> AppResult<Vec<Alert>> {
    let mut tx = ctx.store.begin_read().await?;
    Ok(device_records::alerts(&mut tx, p.scope(), None, limit).await?)
}

/// The list page's head: devices in scope per state, and the latest open alerts.
pub async fn overview(
    ctx: &ServiceContext,
    p: &Principal,
    alert_limit: i64,
) -> AppResult<(Vec<(String, i64)>, Vec<Alert>)> {
    let mut tx = ctx.store.begin_read().await?;
    let counts = devices::count_by_state(&mut tx, p.scope()).await?;
    let alerts = device_records::alerts(&mut tx, p.scope(), None, alert_limit).await?;
    Ok((counts, alerts))
}

/// The maintaining units named on devices in scope (the DEV-11 report's filter).
pub async fn maintainers(ctx: &ServiceContext, p: &Principal) -> AppResult<Vec<String>> {
    let mut tx = ctx.store.begin_read().await?;
    Ok(devices::maintainers(&mut tx, p.scope()).await?)
}

/// DEV-07: registration records in the reader's scope after the cursor `after`, in order.
pub async fn registrations(
    ctx: &ServiceContext,
    p: &Principal,
    after: i64,
    limit: i64,
) -> AppResult<Vec<Registration>> {
    let mut tx = ctx.store.begin_read().await?;
    Ok(device_records::registrations(&mut tx, p.scope(), after, None, limit).await?)
}

/// DEV-07: the records as the documented JSON, each with its sequence number.
pub fn registration_views(records: &[Registration]) -> AppResult<Vec<RegistrationView>> {
    records
        .iter()
        .map(|r| {
            let mut view: RegistrationView =
                serde_json::from_str(&r.record).map_err(AppError::internal)?;
            view.seq = r.id;
            Ok(view)
        })
        .collect()
}

/// DEV-07: the records as the documented CSV (one line per record, lists joined by `;`).
pub fn registrations_csv(records: &[Registration]) -> AppResult<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "seq",
        "at",
        "change",
        "by",
        "number",
        "kind",
        "name",
        "managing_unit_code",
        "road",
        "km_marker",
        "longitude",
        "latitude",
        "violation_types",
        "state",
    ])
    .map_err(AppError::internal)?;
    for r in records {
        let rec: serde_json::Value = serde_json::from_str(&r.record).unwrap_or_default();
        let d = &rec["device"];
        let s = |v: &serde_json::Value| match v {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Null => String::new(),
            serde_json::Value::Array(a) => a
                .iter()
                .filter_map(|x| x.as_str())
                .collect::<Vec<_>>()
                .join(";"),
            other => other.to_string(),
        };
        w.write_record([
            r.id.to_string(),
            r.at.to_rfc3339(),
            r.change.clone(),
            r.actor.clone(),
            s(&d["number"]),
            s(&d["kind"]),
            s(&d["name"]),
            s(&d["managing_unit_code"]),
            s(&d["road"]),
            s(&d["km_marker"]),
            s(&d["longitude"]),
            s(&d["latitude"]),
            s(&d["violation_types"]),
            s(&d["state"]),
        ])
        .map_err(AppError::internal)?;
    }
    w.into_inner().map_err(AppError::internal)
}
