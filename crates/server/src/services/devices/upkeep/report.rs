//! DEV-11: the month's ratings per device, maintaining unit and month, and their trend.

use crate::auth::Principal;
use crate::error::AppResult;
use crate::services::context::ServiceContext;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use roadwarden_domain::device::upkeep::{downtime_secs, Rating};
use roadwarden_domain::device::DeviceState;
use roadwarden_domain::FieldError;
use roadwarden_store::device_records::{self};
use roadwarden_store::devices::{self, Device};
use roadwarden_store::Tx;
use serde::Serialize;
use std::collections::BTreeMap;

/// DEV-11: one row of the report.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RatingRow {
    pub label: String,
    pub devices: u32,
    pub patrols: u32,
    pub registration_completeness: Option<f64>,
    pub patrol_coverage: Option<f64>,
    pub conformity_rate: Option<f64>,
    pub intact_rate: Option<f64>,
}

fn row(label: String, r: &Rating) -> RatingRow {
    RatingRow {
        label,
        devices: r.devices,
        patrols: r.patrols,
        registration_completeness: r.registration_completeness(),
        patrol_coverage: r.patrol_coverage(),
        conformity_rate: r.conformity_rate(),
        intact_rate: r.intact_rate(),
    }
}

/// DEV-11: the month's ratings (named `DeviceReport` in the OpenAPI document).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = DeviceReport)]
pub struct Report {
    pub month: String,
    pub total: RatingRow,
    pub by_maintainer: Vec<RatingRow>,
    pub by_device: Vec<RatingRow>,
    /// The same totals for each of the last six months, oldest first.
    pub trend: Vec<RatingRow>,
}

/// DEV-11: ratings for `month` (YYYY-MM) over the devices in the person's scope.
pub async fn report(
    ctx: &ServiceContext,
    p: &Principal,
    month: Option<&str>,
    maintainer: Option<&str>,
) -> AppResult<Report> {
    let tz: chrono_tz::Tz = p
        .user
        .unit_time_zone
        .parse()
        .unwrap_or(chrono_tz::Asia::Shanghai);
    let today = ctx.clock.now().with_timezone(&tz).date_naive();
    let first = match month.map(str::trim).filter(|m| !m.is_empty()) {
        Some(m) => NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d")
            .map_err(|_| FieldError::new("month", "must look like 2026-10"))?,
        None => today.with_day(1).unwrap_or(today),
    };
    let mut tx = ctx.store.begin_read().await?;
    let all = devices::all_in_scope(&mut tx, p.scope()).await?;
    let all: Vec<Device> = all
        .into_iter()
        .filter(|d| maintainer.is_none_or(|m| m.is_empty() || d.maintainer == m))
        .collect();
    let mut trend = Vec::new();
    let mut latest = None;
    for back in (0..6).rev() {
        let from_day = first
            .checked_sub_months(chrono::Months::new(back))
            .unwrap_or(first);
        let to_day = from_day
            .checked_add_months(chrono::Months::new(1))
            .unwrap_or(from_day);
        let from = roadwarden_domain::calendar::start_of_local_day(from_day, tz);
        let to = roadwarden_domain::calendar::start_of_local_day(to_day, tz);
        let ratings = month_ratings(&mut tx, p, &all, from, to).await?;
        let mut total = Rating::default();
        for (_, r) in &ratings {
            total.add(r);
        }
        trend.push(row(from_day.format("%Y-%m").to_string(), &total));
        if back == 0 {
            latest = Some((ratings, total));
        }
    }
    let (ratings, total) = latest.unwrap_or_default();
    let mut by_maintainer: BTreeMap<String, Rating> = BTreeMap::new();
    let mut by_device = Vec::new();
    for (d, r) in &ratings {
        by_maintainer
            .entry(d.maintainer.clone())
            .or_default()
            .add(r);
        by_device.push(row(format!("{} {}", d.number, d.name), r));
    }
    Ok(Report {
        month: first.format("%Y-%m").to_string(),
        total: row("total".into(), &total),
        by_maintainer: by_maintainer
            .iter()
            .map(|(m, r)| row(m.clone(), r))
            .collect(),
        by_device,
        trend,
    })
}

/// A fault's opening and (if fixed) closing time.
type FaultSpan = (DateTime<Utc>, Option<DateTime<Utc>>);

/// Each device's rating over `[from, to)`, counting only the time it was in service.
async fn month_ratings<'a>(
    tx: &mut Tx,
    p: &Principal,
    all: &'a [Device],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> AppResult<Vec<(&'a Device, Rating)>> {
    let patrols = device_records::patrols_between(tx, p.scope(), from, to).await?;
    let faults = device_records::faults_overlapping(tx, p.scope(), from, to).await?;
    let mut patrols_by: BTreeMap<i64, (u32, u32)> = BTreeMap::new();
    for (device, conforming) in patrols {
        let e = patrols_by.entry(device).or_default();
        e.0 += 1;
        e.1 += u32::from(conforming);
    }
    let mut faults_by: BTreeMap<i64, Vec<FaultSpan>> = BTreeMap::new();
    for (device, opened, fixed) in faults {
        faults_by.entry(device).or_default().push((opened, fixed));
    }
    let mut out = Vec::new();
    for d in all {
        // In service during the period: formal use began before its end and it is still in
        // service, or left service after the period began.
        let Some(since) = d.in_use_since else {
            continue;
        };
        let in_service_now = matches!(
            d.state,
            DeviceState::InUse | DeviceState::EvaluationDue | DeviceState::Suspended
        );
        if since >= to || (!in_service_now && d.state_since <= from) {
            continue;
        }
        let start = since.max(from);
        let end = if in_service_now {
            to
        } else {
            d.state_since.min(to)
        };
        if end <= start {
            continue;
        }
        let (n, ok) = patrols_by.get(&d.id.0).copied().unwrap_or_default();
        let fixed = d.kind.is_fixed();
        let r = Rating {
            devices: 1,
            fixed_devices: u32::from(fixed),
            registered_fixed: u32::from(fixed && d.registered_at.is_some_and(|t| t < end)),
            patrolled: u32::from(n > 0),
            patrols: n,
            conforming_patrols: ok,
            service_secs: (end - start).num_seconds(),
            downtime_secs: faults_by
                .get(&d.id.0)
                .map_or(0, |f| downtime_secs(f, start, end)),
        };
        out.push((d, r));
    }
    Ok(out)
}
