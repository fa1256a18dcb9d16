//! SUP-01, SUP-02: the analysis of the devices in use under a unit for a period, monthly by the
//! job and on demand by a supervisor. The figures come from the store per kind (the capture
//! hour groups kept by triggers, late-upload and clock-drift flags, the silences between a
//! device's pushes, read a few devices at a time; objections and complaints, read once), are
//! put on each device's local days, analysed by
//! the domain, and every abnormal device joins its managing unit's check list once per period.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, Days, Duration, Months, NaiveDate, Timelike};
use chrono_tz::Tz;
use futures::{stream, StreamExt, TryStreamExt};
use roadwarden_domain::calendar::{start_of_local_day, Calendar};
use roadwarden_domain::capture::review::RejectReason;
use roadwarden_domain::org::Country;
use roadwarden_domain::supervision::analysis::{analyse, DayFigures, Period, MAX_HISTORY_DAYS};
use roadwarden_domain::supervision::checklist::{raise_from_analysis, Moment, Origin, StepKind};
use roadwarden_domain::{DeviceId, UnitId};
use roadwarden_store::supervision::{self as store, parse_hour, AnalysedDevice, NewCheckItem};
use roadwarden_store::{calendar, Store, Tx};
use serde::Deserialize;
use serde_json::json;

use super::require;
use super::views::RunReport;
use crate::auth::Principal;
use crate::context::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::policy::{RoleSet, Supervisors};
use crate::services::audit::{record, Actor, Event};
use crate::services::calendar::parse_date;
use crate::services::context::ServiceContext;

/// The most devices one run looks at, and the most grouped rows one query returns.
const MAX_DEVICES: i64 = 5_000;
const MAX_ROWS: i64 = 2_000_000;
/// Devices whose figures are read together. A busy device has about 24 × 2 capture groups a
/// day, so 25 devices over the longest history (400 days) stay under `MAX_ROWS`; a province of
/// a thousand devices is read in forty steps instead of one result of ten million rows, which
/// `MAX_ROWS` would have cut short.
const DEVICES_PER_READ: usize = 25;
/// Windows read at once, each in its own read transaction. Reading a province's year is a
/// CPU-bound scan of tens of millions of captures; two readers use both cores of a small
/// server (the snapshots may differ by the moments between them, which a closed month's
/// figures do not feel).
const READS_AT_ONCE: usize = 2;

/// An on-demand run: the period's first and last day.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RunInput {
    pub first: String,
    pub last: String,
}

/// SUP-02: a supervisor runs the analysis for the devices under their unit.
pub async fn run_on_demand(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    input: &RunInput,
) -> AppResult<RunReport> {
    require(p, Supervisors::ROLES, "running the device analysis")?;
    let period = Period::new(
        parse_date(&input.first, "first")?,
        parse_date(&input.last, "last")?,
    )?;
    run(ctx, p.scope().as_str(), period, &Actor::user(p, meta)).await
}

/// SUP-02: the monthly run, for the calendar month before `month_of`, over every unit.
pub async fn monthly(ctx: &ServiceContext, month_of: NaiveDate) -> AppResult<RunReport> {
    let prev = month_of
        .with_day(1)
        .and_then(|d| d.checked_sub_months(Months::new(1)))
        .unwrap_or(month_of);
    let period = Period::month(prev.year(), prev.month())?;
    run(ctx, "/", period, &Actor::system()).await
}

/// Analyses every device in use under `scope` and raises items for the abnormal ones.
pub async fn run(
    ctx: &ServiceContext,
    scope: &str,
    period: Period,
    actor: &Actor,
) -> AppResult<RunReport> {
    let t = &ctx.settings.supervision.thresholds;
    let cfg = &ctx.settings.supervision.list;
    let now = ctx.clock.now();
    let history = (t.baseline_weeks * 7)
        .max(t.rate_history_days)
        .min(t.max_history_days)
        .min(MAX_HISTORY_DAYS);
    let from = start_of_local_day(
        period
            .first()
            .checked_sub_days(Days::new(u64::from(history) + 1))
            .unwrap_or(period.first()),
        chrono_tz::UTC,
    );
    let to = (start_of_local_day(period.last(), chrono_tz::UTC) + Duration::days(2)).min(now);

    let mut tx = ctx.store.begin_read().await?;
    let devices = store::devices_in_use(&mut tx, scope, MAX_DEVICES).await?;
    let days = figures(&ctx.store, scope, &devices, from, to).await?;
    let mut calendars: HashMap<Country, Calendar> = HashMap::new();
    for d in &devices {
        if let std::collections::hash_map::Entry::Vacant(e) = calendars.entry(d.country) {
            e.insert(calendar::load(&mut tx, d.country).await?);
        }
    }
    drop(tx);

    let mut report = RunReport {
        period_first: Some(period.first()),
        period_last: Some(period.last()),
        devices: devices.len(),
        ..RunReport::default()
    };
    let mut tx = ctx.store.begin().await?;
    for d in &devices {
        let tz = tz_of(d);
        let today = now.with_timezone(&tz).date_naive();
        let rows = days
            .get(&d.id)
            .map(|m| m.values().cloned().collect::<Vec<_>>());
        let cal = calendars.get(&d.country).cloned().unwrap_or_default();
        let a = analyse(rows.as_deref().unwrap_or(&[]), period, today, &cal, t);
        if !a.is_abnormal() {
            continue;
        }
        report.abnormal += 1;
        let unit = roadwarden_domain::org::UnitPath::from_stored(d.unit_path.clone());
        let tr = raise_from_analysis(unit, Moment::new(now, tz), cfg);
        let findings = serde_json::to_string(&a.findings).unwrap_or_else(|_| "[]".into());
        let new = NewCheckItem {
            device_id: DeviceId(d.id),
            device_unit_id: UnitId(d.unit_id),
            device_unit_path: &d.unit_path,
            raised_unit_id: UnitId(d.unit_id),
            raised_unit_path: &d.unit_path,
            raised_by: None,
            origin: Origin::Analysis,
            period: Some((period.first(), period.last())),
            raised_on: tr.item.raised_on,
            deadline: tr.item.deadline,
            findings: &findings,
        };
        let Some(id) = store::insert_item(&mut tx, &new, now).await? else {
            continue;
        };
        store::add_step(
            &mut tx,
            &store::NewCheckStep {
                item_id: id,
                kind: StepKind::Raise,
                actor_user_id: actor.user_id,
                actor: &actor.name,
                unit_id: UnitId(d.unit_id),
                note: None,
            },
            now,
        )
        .await?;
        record(
            &mut tx,
            actor,
            Event {
                action: "supervision.raise",
                object_type: "check_item",
                object_id: id.to_string(),
                unit_id: Some(UnitId(d.unit_id)),
                detail: json!({
                    "device_id": d.id, "device_number": d.number,
                    "period": [period.first(), period.last()],
                    "findings": a.findings.iter().map(|f| f.kind.as_str()).collect::<Vec<_>>(),
                    "serious": a.is_serious(),
                }),
            },
            now,
        )
        .await?;
        report.raised.push(id);
    }
    record(
        &mut tx,
        actor,
        Event {
            action: "supervision.analysis_run",
            object_type: "analysis",
            object_id: format!("{}..{}", period.first(), period.last()),
            unit_id: None,
            detail: json!({
                "scope": scope, "devices": report.devices, "abnormal": report.abnormal,
                "raised": report.raised,
            }),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(report)
}

fn tz_of(d: &AnalysedDevice) -> Tz {
    d.time_zone
        .parse()
        .unwrap_or_else(|_| d.country.default_time_zone())
}

type DeviceDays = HashMap<i64, BTreeMap<NaiveDate, DayFigures>>;

/// The figures of the devices under `scope` in `[from, to)`, per device and local day, read
/// [`DEVICES_PER_READ`] devices at a time, [`READS_AT_ONCE`] windows at once.
async fn figures(
    db: &Store,
    scope: &str,
    devices: &[AnalysedDevice],
    from: chrono::DateTime<chrono::Utc>,
    to: chrono::DateTime<chrono::Utc>,
) -> AppResult<DeviceDays> {
    let zones: HashMap<i64, Tz> = devices.iter().map(|d| (d.id, tz_of(d))).collect();
    let mut ids: Vec<i64> = devices.iter().map(|d| d.id).collect();
    ids.sort_unstable();
    let windows: Vec<(i64, i64)> = ids
        .chunks(DEVICES_PER_READ)
        .filter_map(|c| Some((*c.first()?, *c.last()?)))
        .collect();
    let zones = &zones;
    let mut reads = stream::iter(windows)
        .map(|devices| async move {
            let mut tx = db.begin_read().await?;
            let w = store::Window {
                scope,
                devices,
                from,
                to,
                limit: MAX_ROWS,
            };
            let mut part = DeviceDays::new();
            read_figures(&mut tx, w, zones, &mut part).await?;
            AppResult::Ok(part)
        })
        .buffer_unordered(READS_AT_ONCE);
    // The windows hold disjoint devices, so their parts never overlap.
    let mut out = DeviceDays::new();
    while let Some(part) = reads.try_next().await? {
        out.extend(part);
    }
    if let (Some(&first), Some(&last)) = (ids.first(), ids.last()) {
        let mut tx = db.begin_read().await?;
        let all = store::Window {
            scope,
            devices: (first, last),
            from,
            to,
            limit: MAX_ROWS,
        };
        read_objections_and_complaints(&mut tx, all, zones, &mut out).await?;
    }
    // A device silent right now has a gap that has not ended: it counts up to `to`, on the
    // last day the analysis looks at (the day before `to`).
    for d in devices {
        let Some(seen) = d.last_seen_at.filter(|s| *s < to) else {
            continue;
        };
        let hours = (to - seen).num_hours();
        if hours < 1 {
            continue;
        }
        let tz = tz_of(d);
        let date = (to - Duration::seconds(1)).with_timezone(&tz).date_naive();
        let last_looked_at = date.pred_opt().unwrap_or(date);
        let f = out
            .entry(d.id)
            .or_default()
            .entry(last_looked_at)
            .or_insert_with(|| DayFigures::empty(last_looked_at));
        f.heartbeat_gap_hours = f.heartbeat_gap_hours.max(count(hours));
    }
    Ok(out)
}

/// The objections and complaints of every device in `w`, added to `out`. Both are read once
/// for all the devices rather than per window: finding a device's objections goes through
/// every objection in the period (objection → record → capture), which per window cost about
/// a second each at a province's scale; they are few enough to come back in one result.
async fn read_objections_and_complaints(
    tx: &mut Tx,
    w: store::Window<'_>,
    zones: &HashMap<i64, Tz>,
    out: &mut DeviceDays,
) -> AppResult<()> {
    let objections = store::objection_hours(tx, w).await?;
    whole(objections.len(), w.limit, "objection")?;
    for o in objections {
        if let Some((f, _)) = day(out, zones, o.device_id, &o.hour) {
            f.objections_filed = f.objections_filed.saturating_add(count(o.filed));
            f.objections_upheld = f.objections_upheld.saturating_add(count(o.upheld));
        }
    }
    let complaints = store::complaint_hours(tx, w).await?;
    whole(complaints.len(), w.limit, "complaint")?;
    for k in complaints {
        if let Some((f, _)) = day(out, zones, k.device_id, &k.hour) {
            f.complaints = f.complaints.saturating_add(count(k.n));
        }
    }
    Ok(())
}

/// A read that filled its row limit may have been cut short: the analysis stops rather than
/// judge devices on part of their history.
fn whole(rows: usize, limit: i64, what: &str) -> AppResult<()> {
    if i64::try_from(rows).unwrap_or(i64::MAX) >= limit {
        return Err(AppError::internal(anyhow::anyhow!(
            "the {what} figures reached {limit} rows: too many to analyse at once"
        )));
    }
    Ok(())
}

/// The captures, flags and silences of the devices in window `w`, added to `out`.
async fn read_figures(
    tx: &mut Tx,
    w: store::Window<'_>,
    zones: &HashMap<i64, Tz>,
    out: &mut DeviceDays,
) -> AppResult<()> {
    let captures = store::capture_hours(tx, w).await?;
    whole(captures.len(), w.limit, "capture")?;
    for c in captures {
        let Some((f, h)) = day(out, zones, c.device_id, &c.hour) else {
            continue;
        };
        let n = count(c.n);
        f.captures = f.captures.saturating_add(n);
        let hours = f.captures_by_hour.get_or_insert([0; 24]);
        hours[h.min(23)] = hours[h.min(23)].saturating_add(n);
        f.unidentifiable = f.unidentifiable.saturating_add(count(c.unidentified));
        match c.state.as_str() {
            "approved" => {
                f.approved = f.approved.saturating_add(n);
                f.second_reviews = f.second_reviews.saturating_add(count(c.second));
            }
            "rejected" => {
                if let Ok(r) = RejectReason::parse(&c.reason) {
                    f.rejected.add(r, n);
                }
                f.second_reviews = f.second_reviews.saturating_add(count(c.second));
                f.second_review_disagreements = f
                    .second_review_disagreements
                    .saturating_add(count(c.second));
            }
            _ => {}
        }
    }
    let flags = store::flag_hours(tx, w).await?;
    whole(flags.len(), w.limit, "flag")?;
    for g in flags {
        if let Some((f, _)) = day(out, zones, g.device_id, &g.hour) {
            f.late_uploads = f.late_uploads.saturating_add(count(g.late));
            for drift in [g.drift_max, g.drift_min].into_iter().flatten() {
                if drift.unsigned_abs() > f.clock_drift_seconds.unsigned_abs() {
                    f.clock_drift_seconds = drift;
                }
            }
        }
    }
    let silences = store::silence_hours(tx, w).await?;
    whole(silences.len(), w.limit, "silence")?;
    for s in silences {
        if let Some((f, _)) = day(out, zones, s.device_id, &s.hour) {
            f.heartbeat_gap_hours = f.heartbeat_gap_hours.max(count(s.hours));
        }
    }
    Ok(())
}

/// The device's local day (and hour of the day) a UTC hour falls on.
fn day<'a>(
    out: &'a mut DeviceDays,
    zones: &HashMap<i64, Tz>,
    device: i64,
    hour: &str,
) -> Option<(&'a mut DayFigures, usize)> {
    let tz = zones.get(&device)?;
    let local = parse_hour(hour)?.with_timezone(tz);
    let date = local.date_naive();
    let f = out
        .entry(device)
        .or_default()
        .entry(date)
        .or_insert_with(|| DayFigures::empty(date));
    Some((f, local.hour() as usize))
}

fn count(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}
