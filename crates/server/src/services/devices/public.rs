//! DEV-04: the published list of fixed devices (place, violation types, start date), for
//! anyone, in the unit's language, without internal fields. The JSON feed and the public page
//! both call [`published`].

use chrono::NaiveDate;
use roadwarden_domain::device::lifecycle::after_days;
use roadwarden_domain::device::violations;
use roadwarden_domain::org::{Country, UnitPath};
use roadwarden_store::{devices, units};
use serde::{Deserialize, Serialize};

use crate::error::{AppError, AppResult};
use crate::i18n::{self, Lang};
use crate::services::context::ServiceContext;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct PublicQuery {
    /// A unit code, e.g. 330522; every published device when omitted.
    pub unit: Option<String>,
    /// zh-CN, en or vi; the unit's country's language when omitted.
    pub lang: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PublicViolation {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PublicDevice {
    pub kind: String,
    pub road: String,
    pub km_marker: String,
    pub place: String,
    pub direction: String,
    pub nearest_village: String,
    pub longitude: Option<f64>,
    pub latitude: Option<f64>,
    pub violation_types: Vec<PublicViolation>,
    /// notice, trial or in_use.
    pub stage: String,
    /// The last day of the public notice, when it is running.
    pub notice_until: Option<NaiveDate>,
    /// The day enforcement (fines) begins or began; during the notice and the trial, the
    /// earliest possible day.
    pub enforcement_from: Option<NaiveDate>,
    pub managing_unit: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PublicList {
    pub lang: String,
    pub unit: Option<String>,
    pub devices: Vec<PublicDevice>,
}

/// DEV-04: the published list of `q.unit` (or every unit), in the asked or the unit's language.
pub async fn published(ctx: &ServiceContext, q: &PublicQuery) -> AppResult<PublicList> {
    let mut tx = ctx.store.begin_read().await?;
    let (scope, country, unit_name) =
        match q.unit.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
            Some(code) => {
                let unit = units::get_by_code(&mut tx, code)
                    .await?
                    .ok_or(AppError::NotFound("unit"))?;
                (unit.path.clone(), Some(unit.country), Some(unit.name))
            }
            None => (UnitPath::from_stored("/".into()), None, None),
        };
    let lang = match q.lang.as_deref().and_then(Lang::parse) {
        Some(l) => l,
        None => match country {
            Some(Country::Vietnam) => Lang::Vi,
            _ => Lang::ZhCn,
        },
    };
    let periods = ctx.settings.devices.periods();
    let list = devices::published(&mut tx, &scope).await?;
    let devices = list
        .iter()
        .map(|d| {
            let tz = d.tz();
            let day = |t: chrono::DateTime<chrono::Utc>| t.with_timezone(&tz).date_naive();
            let (stage, notice_until, enforcement_from) = match d.state {
                roadwarden_domain::device::DeviceState::PublicNotice => {
                    let ends = d.notice_ends_at;
                    (
                        "notice",
                        ends.map(|e| day(e - chrono::Duration::seconds(1))),
                        ends.map(|e| day(after_days(e, periods.trial_days, tz))),
                    )
                }
                roadwarden_domain::device::DeviceState::Trial => {
                    ("trial", None, d.trial_min_end_at.map(day))
                }
                _ => ("in_use", None, d.in_use_since.map(day)),
            };
            PublicDevice {
                kind: i18n::t(lang, &format!("device.kind.{}", d.kind.as_str())),
                road: d.road.clone(),
                km_marker: d.km_marker.clone(),
                place: d.place.clone(),
                direction: d.direction.clone(),
                nearest_village: d.nearest_village.clone(),
                longitude: d.longitude,
                latitude: d.latitude,
                violation_types: d
                    .violation_types
                    .iter()
                    .map(|c| PublicViolation {
                        code: c.clone(),
                        name: violations::lookup(c)
                            .map_or_else(|| c.clone(), |v| v.name(lang.code()).to_owned()),
                    })
                    .collect(),
                stage: stage.into(),
                notice_until,
                enforcement_from,
                managing_unit: d.unit_name.clone(),
            }
        })
        .collect();
    Ok(PublicList {
        lang: lang.code().into(),
        unit: unit_name,
        devices,
    })
}
