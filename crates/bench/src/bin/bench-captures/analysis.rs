//! Part 6: the monthly device analysis (SUP-01, SUP-02, issue 16) over a simulated year.
//!
//! `--analysis-devices` devices in use (1,000) under part 2's counties and squads, each with a
//! year (2025) of traffic from the domain's simulation (`supervision::analysis::simulated`,
//! the model the planted-fault tests analyse in memory), scaled by `--analysis-scale` to about
//! 45 million captures (1.75: 50 million). Seven of every fifty devices carry a planted fault
//! from 1 October (a 79% volume drop, a drift in rejections, a clock ten minutes fast, two
//! silent days, a spike after a signal retiming, a rise in upheld objections, a clock an hour
//! behind); the rest are clean. The simulated days become rows: captures with their review
//! outcome, second looks, unreadable plates and late-upload and clock-drift flags; a record
//! and an objection for each objected capture; a silence for each heartbeat gap. They are
//! bulk-inserted from a staging table of device-hours (the hour counts come from Rust, the
//! rows from one `INSERT … SELECT` per month). Then the monthly run for October
//! (`services::supervision::analysis::run`, the job's call, over the whole province) is
//! timed, and its check items are compared with the planted faults.
//!
//! Targets: the run under 60 s on PostgreSQL and 120 s on SQLite; every planted fault found
//! on a device busy enough to show it (the classes of `simulated::EXPECTED`); at most 1% of
//! clean devices flagged. Complaints are not simulated (the model gives about one a
//! device-year).

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use chrono::{NaiveDate, NaiveTime};
use roadwarden_domain::roles::Role;
use roadwarden_domain::supervision::analysis::simulated::{
    self, Device, Fault, Rng, CLASSES, EXPECTED,
};
use roadwarden_domain::supervision::analysis::{DayFigures, Period};
use roadwarden_server::services::audit::Actor;
use roadwarden_server::services::supervision::analysis;
use roadwarden_server::AppState;

use crate::raw::Raw;
use crate::world::{import_devices, open_part, start_state, Accounts, PartWorld};
use crate::Args;

/// The devices' local time (the imported ledger's units are in Zhejiang): UTC+8, no DST.
const UTC_OFFSET_SECONDS: i64 = 8 * 3600;
/// Staging rows per `INSERT` statement.
const STAGE_BATCH: usize = 2_000;
/// A capture flagged by the ingest's clock check (`captures.clock_drift_secs`).
const DRIFT_FLAGGED: i64 = 60;

pub(crate) struct AnalysisResult {
    pub(crate) devices: usize,
    pub(crate) captures: i64,
    pub(crate) run: Duration,
    pub(crate) faulty: usize,
    pub(crate) found: usize,
    pub(crate) busy_faulty: usize,
    pub(crate) busy_found: usize,
    pub(crate) clean: usize,
    pub(crate) clean_flagged: usize,
}

/// One simulated device: its place in the ledger, class and fault.
struct Simulated {
    id: i64,
    class: usize,
    fault: Fault,
}

fn plan(k: usize) -> (usize, Fault) {
    let class = (k / 50) % CLASSES.len();
    let fault = Fault::PLANTED.get(k % 50).copied().unwrap_or(Fault::None);
    (class, fault)
}

pub(crate) async fn run_analysis(
    args: &Args,
    url: String,
    backend: &'static str,
) -> anyhow::Result<AnalysisResult> {
    let PartWorld {
        data,
        state,
        raw,
        now,
        tree,
    } = open_part("monthly analysis over a year", &url, backend, args.counties).await?;
    let squads: Vec<_> = tree.squads.iter().collect();
    let per_squad = args.analysis_devices.div_ceil(squads.len().max(1));
    let ids = import_devices(&state, &raw, &squads, per_squad).await?;
    let devices = simulated(&ids);
    // The one reviewer who decided the simulated year (the figures do not look at who).
    Accounts::new(&state.store, now)
        .await?
        .make(&tree.city, Role::Reviewer, "rev.year", 1)
        .await?;
    let reviewer = raw.scalar("SELECT MAX(id) FROM users").await?;

    let started = Instant::now();
    let captures = seed_year(args, &raw, &devices, reviewer).await?;
    println!(
        "seeded {} devices, {captures} captures in {:.0} s",
        devices.len(),
        started.elapsed().as_secs_f64()
    );
    crate::review::analyze(&raw, args.sqlite_analyze).await?;

    let result = time_and_score(args, &state, &raw, &devices, captures).await?;
    raw.close().await;
    state.store.close().await;
    drop(data);
    Ok(result)
}

/// The analysis timed (`--analysis-runs` times), then its check items scored against the
/// planted faults.
async fn time_and_score(
    args: &Args,
    state: &AppState,
    raw: &Raw,
    devices: &[Simulated],
    captures: i64,
) -> anyhow::Result<AnalysisResult> {
    let run = time_runs(args, state).await?;
    let raised = raised_findings(raw).await?;
    Ok(score(devices, &raised, captures, run))
}

/// Times `analysis::run` for October 2025 over the province, `--analysis-runs` times: the
/// slowest run.
async fn time_runs(args: &Args, state: &AppState) -> anyhow::Result<Duration> {
    let period = Period::month(2025, 10)?;
    let mut run = Duration::ZERO;
    for k in 1..=args.analysis_runs.max(1) {
        let started = Instant::now();
        let report = analysis::run(state, "/", period, &Actor::system()).await?;
        let took = started.elapsed();
        run = run.max(took);
        println!(
            "analysis of October 2025 over {} devices (run {k}): {:.1} s, {} abnormal, {} check \
             items raised",
            report.devices,
            took.as_secs_f64(),
            report.abnormal,
            report.raised.len()
        );
    }

    Ok(run)
}

/// `--analysis-reuse`: the analysis timed again on a year an earlier run kept
/// (`--keep-database`), without loading it again; scored the same way.
pub(crate) async fn rerun_analysis(args: &Args, url: &str) -> anyhow::Result<AnalysisResult> {
    println!(
        "\n== bench-captures (monthly analysis over a kept year) on {} ==",
        roadwarden_store::redact_url(url)
    );
    let data = tempfile::Builder::new()
        .prefix("rw-bench-data-")
        .tempdir()?;
    let state = start_state(url, data.path(), |_| {}).await?;
    let raw = Raw::open(url).await?;
    let ids = raw.ids("SELECT id FROM devices ORDER BY id").await?;
    let devices = simulated(&ids);
    let captures = raw.scalar("SELECT COUNT(*) FROM captures").await?;
    println!("{} devices, {captures} captures", devices.len());
    let result = time_and_score(args, &state, &raw, &devices, captures).await?;
    raw.close().await;
    state.store.close().await;
    drop(data);
    Ok(result)
}

/// The simulated devices, in the order they were imported (the plan deals classes and faults
/// by that order).
fn simulated(ids: &[i64]) -> Vec<Simulated> {
    ids.iter()
        .enumerate()
        .map(|(k, &id)| {
            let (class, fault) = plan(k);
            Simulated { id, class, fault }
        })
        .collect()
}

/// The finding kinds of each device's check items.
async fn raised_findings(raw: &Raw) -> anyhow::Result<HashMap<i64, Vec<String>>> {
    let mut out: HashMap<i64, Vec<String>> = HashMap::new();
    for (findings, device) in raw
        .counts("SELECT findings, device_id FROM check_items")
        .await?
    {
        let kinds: Vec<serde_json::Value> = serde_json::from_str(&findings)?;
        out.entry(device).or_default().extend(
            kinds
                .iter()
                .filter_map(|f| f["kind"].as_str().map(str::to_owned)),
        );
    }
    Ok(out)
}

fn score(
    devices: &[Simulated],
    raised: &HashMap<i64, Vec<String>>,
    captures: i64,
    run: Duration,
) -> AnalysisResult {
    let mut r = AnalysisResult {
        devices: devices.len(),
        captures,
        run,
        faulty: 0,
        found: 0,
        busy_faulty: 0,
        busy_found: 0,
        clean: 0,
        clean_flagged: 0,
    };
    let mut missed: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for d in devices {
        let kinds = raised.get(&d.id);
        let Some((_, kind, from_class)) = EXPECTED.iter().find(|(f, ..)| *f == d.fault) else {
            r.clean += 1;
            if kinds.is_some() {
                r.clean_flagged += 1;
                println!(
                    "clean device {} (class {}) flagged: {kinds:?}",
                    d.id, d.class
                );
            }
            continue;
        };
        let found = kinds.is_some_and(|k| k.iter().any(|k| k == kind.as_str()));
        let busy = d.class >= *from_class;
        r.faulty += 1;
        r.found += usize::from(found);
        r.busy_faulty += usize::from(busy);
        r.busy_found += usize::from(busy && found);
        if !found {
            missed
                .entry(format!("{:?}", d.fault))
                .or_default()
                .push(d.class);
            if busy {
                println!(
                    "device {} (class {}, {:?}) raised {kinds:?}, not {}",
                    d.id,
                    d.class,
                    d.fault,
                    kind.as_str()
                );
            }
        }
    }
    for (fault, classes) in missed {
        println!("missed {fault} on devices of class {classes:?}");
    }
    r
}

/// Counts of one device-hour, as the staging table holds them.
#[derive(Default, Clone, Copy)]
struct Hour {
    n: u32,
    /// Rejected (the first `rejected` rows of the hour).
    rejected: u32,
    /// Rejected after a second look (of the rejected).
    disagreed: u32,
    /// Approved after a second look (of the approved).
    agreed: u32,
    /// Objected, and of those upheld (of the approved).
    objected: u32,
    upheld: u32,
    /// No plate read (the last rows of the hour).
    unreadable: u32,
    /// Uploaded late (the last rows of the hour).
    late: u32,
    /// Clock-drift seconds carried by the hour's first capture, 0 for none.
    drift: i64,
}

/// `count` of `total` spread evenly: whether item `i` is one of them.
fn picked(i: u32, count: u32, total: u32) -> bool {
    if total == 0 {
        return false;
    }
    let (i, c, t) = (u64::from(i), u64::from(count), u64::from(total));
    (i + 1) * c / t > i * c / t
}

/// The hours of one simulated local day: every capture given its outcome and flags, then
/// counted per hour.
fn hours_of(day: &DayFigures) -> [Hour; 24] {
    let mut out = [Hour::default(); 24];
    let Some(by_hour) = day.captures_by_hour else {
        return out;
    };
    let rejected = day.captures - day.approved;
    let disagreed = day.second_review_disagreements.min(rejected);
    let agreed = day
        .second_reviews
        .saturating_sub(disagreed)
        .min(day.approved);
    let (mut i, mut ri, mut ai, mut oi) = (0u32, 0u32, 0u32, 0u32);
    let mut drift_placed = day.clock_drift_seconds.abs() < DRIFT_FLAGGED;
    for (h, &n) in by_hour.iter().enumerate() {
        let hour = &mut out[h];
        hour.n = n;
        for _ in 0..n {
            if picked(i, rejected, day.captures) {
                hour.rejected += 1;
                hour.disagreed += u32::from(picked(ri, disagreed, rejected));
                ri += 1;
            } else {
                hour.agreed += u32::from(picked(ai, agreed, day.approved));
                if picked(ai, day.objections_filed, day.approved) {
                    hour.objected += 1;
                    hour.upheld +=
                        u32::from(picked(oi, day.objections_upheld, day.objections_filed));
                    oi += 1;
                }
                ai += 1;
            }
            let j = (i + day.captures / 2) % day.captures.max(1);
            hour.unreadable += u32::from(picked(j, day.unidentifiable, day.captures));
            let j = (i + day.captures / 3) % day.captures.max(1);
            hour.late += u32::from(picked(j, day.late_uploads, day.captures));
            i += 1;
        }
        if !drift_placed && n > 0 {
            hour.drift = day.clock_drift_seconds;
            drift_placed = true;
        }
    }
    out
}

/// Unix seconds of a local hour.
fn utc_seconds(date: NaiveDate, hour: usize) -> i64 {
    let t = NaiveTime::from_hms_opt(u32::try_from(hour).unwrap_or(0), 0, 0).unwrap_or_default();
    date.and_time(t).and_utc().timestamp() - UTC_OFFSET_SECONDS
}

/// Writes the simulated year: the captures (and their records, objections) and silences.
async fn seed_year(
    args: &Args,
    raw: &Raw,
    devices: &[Simulated],
    reviewer: i64,
) -> anyhow::Result<i64> {
    raw.exec("DROP TABLE IF EXISTS bench_hours").await?;
    raw.exec(
        "CREATE TABLE bench_hours (id BIGINT PRIMARY KEY, device_id BIGINT NOT NULL, \
         at BIGINT NOT NULL, n BIGINT NOT NULL, r BIGINT NOT NULL, d BIGINT NOT NULL, \
         s BIGINT NOT NULL, o BIGINT NOT NULL, u BIGINT NOT NULL, x BIGINT NOT NULL, \
         l BIGINT NOT NULL, drift BIGINT NOT NULL)",
    )
    .await?;
    let first = NaiveDate::from_ymd_opt(2025, 1, 1).ok_or_else(|| anyhow::anyhow!("date"))?;
    let october = NaiveDate::from_ymd_opt(2025, 10, 1).ok_or_else(|| anyhow::anyhow!("date"))?;
    let started = Instant::now();
    let (mut rows, mut silences) = (Vec::new(), Vec::new());
    let (mut id, mut most, mut total) = (0u64, 0u32, 0u64);
    for (k, d) in devices.iter().enumerate() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (k as u64 + 1).wrapping_mul(0x2545_F491));
        let device = Device {
            weekday_captures: CLASSES[d.class] * args.analysis_scale,
            fault: d.fault,
            fault_from: october,
        };
        for day in simulated::year(&mut rng, device, first, 365) {
            if day.heartbeat_gap_hours > 0 {
                // A silence that ended at noon of the day.
                let ended = utc_seconds(day.date, 12);
                let began = ended - i64::from(day.heartbeat_gap_hours) * 3600;
                silences.push(format!(
                    "({}, (SELECT unit_path FROM devices WHERE id = {}), {}, {}, {})",
                    d.id,
                    d.id,
                    raw.ts(&began.to_string()),
                    raw.ts(&ended.to_string()),
                    day.heartbeat_gap_hours
                ));
            }
            for (h, hour) in hours_of(&day).iter().enumerate() {
                if hour.n == 0 {
                    continue;
                }
                id += 1;
                most = most.max(hour.n);
                total += u64::from(hour.n);
                rows.push(format!(
                    "({id}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {})",
                    d.id,
                    utc_seconds(day.date, h),
                    hour.n,
                    hour.rejected,
                    hour.disagreed,
                    hour.agreed,
                    hour.objected,
                    hour.upheld,
                    hour.unreadable,
                    hour.late,
                    hour.drift
                ));
                if rows.len() == STAGE_BATCH {
                    stage(raw, &mut rows).await?;
                }
            }
        }
    }
    stage(raw, &mut rows).await?;
    for chunk in silences.chunks(STAGE_BATCH) {
        raw.exec(&format!(
            "INSERT INTO device_silences (device_id, unit_path, began_at, ended_at, hours) \
             VALUES {}",
            chunk.join(", ")
        ))
        .await?;
    }
    println!(
        "staged {id} device-hours ({total} captures, at most {most} in an hour), {} silences in \
         {:.0} s",
        silences.len(),
        started.elapsed().as_secs_f64()
    );

    raw.exec("DROP TABLE IF EXISTS bench_seq").await?;
    raw.exec("CREATE TABLE bench_seq (n BIGINT PRIMARY KEY)")
        .await?;
    raw.exec(&raw.series_insert(
        u64::from(most),
        "INSERT INTO bench_seq (n)",
        "SELECT seq.n FROM {seq}",
    ))
    .await?;
    // The capture hour groups (migration 0035) are kept by per-row triggers; PostgreSQL runs
    // them as PL/pgSQL calls, which would more than double this load. Bulk-loading a year is
    // not what is measured, so on PostgreSQL they are switched off and the groups rebuilt
    // once after (SQLite's triggers are cheap enough to leave on).
    if raw.is_postgres() {
        raw.exec("ALTER TABLE captures DISABLE TRIGGER USER")
            .await?;
    }
    // Month by month: the upheld objected captures, the other objected ones, then the rest.
    for month in 1..=12u32 {
        let from = utc_seconds(
            NaiveDate::from_ymd_opt(2025, month, 1).ok_or_else(|| anyhow::anyhow!("date"))?,
            0,
        );
        let to = if month == 12 {
            utc_seconds(
                NaiveDate::from_ymd_opt(2026, 1, 1).ok_or_else(|| anyhow::anyhow!("date"))?,
                0,
            )
        } else {
            utc_seconds(
                NaiveDate::from_ymd_opt(2025, month + 1, 1)
                    .ok_or_else(|| anyhow::anyhow!("date"))?,
                0,
            )
        };
        let hours = format!("h.at >= {from} AND h.at < {to}");
        let t = Instant::now();
        objected(
            raw,
            &hours,
            "s.n >= h.r AND s.n < h.r + h.u",
            "upheld",
            reviewer,
        )
        .await?;
        objected(
            raw,
            &hours,
            "s.n >= h.r + h.u AND s.n < h.r + h.o",
            "not_upheld",
            reviewer,
        )
        .await?;
        raw.exec(&insert_captures(
            raw,
            &hours,
            "(s.n < h.r OR s.n >= h.r + h.o)",
            reviewer,
        ))
        .await?;
        println!(
            "  2025-{month:02}: {} captures so far ({:.0} s for the month)",
            raw.scalar("SELECT COUNT(*) FROM captures").await?,
            t.elapsed().as_secs_f64()
        );
    }
    if raw.is_postgres() {
        raw.exec("ALTER TABLE captures ENABLE TRIGGER USER").await?;
        raw.exec(
            "DELETE FROM capture_hour_groups; \
             INSERT INTO capture_hour_groups \
               (device_id, hour, state, reason, n, unidentified, second) \
             SELECT device_id, utc_hour(captured_at), state, COALESCE(reject_reason, ''), \
               COUNT(*), SUM(CASE WHEN plate = '' THEN 1 ELSE 0 END), \
               SUM(CASE WHEN first_reviewer IS NOT NULL THEN 1 ELSE 0 END) \
             FROM captures WHERE device_id IS NOT NULL GROUP BY 1, 2, 3, 4",
        )
        .await?;
    }
    raw.exec("DROP TABLE bench_seq").await?;
    raw.exec("DROP TABLE bench_hours").await?;
    raw.scalar("SELECT COUNT(*) FROM captures").await
}

async fn stage(raw: &Raw, rows: &mut Vec<String>) -> anyhow::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    raw.exec(&format!(
        "INSERT INTO bench_hours (id, device_id, at, n, r, d, s, o, u, x, l, drift) VALUES {}",
        rows.join(", ")
    ))
    .await?;
    rows.clear();
    Ok(())
}

/// Objected captures of the `hours` (rows `which`), their records, and an objection in
/// `outcome` on each, lodged when the capture was taken (the analysis counts objections on
/// the day they are lodged, as the simulation gives them).
async fn objected(
    raw: &Raw,
    hours: &str,
    which: &str,
    outcome: &str,
    reviewer: i64,
) -> anyhow::Result<()> {
    let captures = raw
        .scalar("SELECT COALESCE(MAX(id), 0) FROM captures")
        .await?;
    let records = raw
        .scalar("SELECT COALESCE(MAX(id), 0) FROM violations")
        .await?;
    raw.exec(&insert_captures(raw, hours, which, reviewer))
        .await?;
    raw.exec(&format!(
        "INSERT INTO violations (capture_id, unit_id, unit_path, country, outcome, plate, plate_key, \
         plate_colour, violation_code, occurred_at, place, fine_minor, currency, points, procedure, \
         state, entered_at, notice_due_at, updated_at) \
         SELECT c.id, c.unit_id, c.unit_path, 'CN', 'violation', c.plate, c.plate_key, c.plate_colour, \
         c.violation_code, c.captured_at, c.place, 20000, 'CNY', 6, 'general', 'entered', \
         c.received_at, c.received_at, c.received_at FROM captures c WHERE c.id > {captures}"
    ))
    .await?;
    raw.exec(&format!(
        "INSERT INTO objections (violation_id, unit_id, unit_path, channel, text, state, \
         received_at, due_at) \
         SELECT v.id, v.unit_id, v.unit_path, 'website', 'Not my car', '{outcome}', \
         c.captured_at, c.captured_at FROM violations v JOIN captures c ON c.id = v.capture_id WHERE v.id > {records}"
    ))
    .await?;
    Ok(())
}

/// `INSERT … SELECT` of the captures of the staged `hours`, one per row `s.n` below the hour's
/// count that satisfies `which`.
fn insert_captures(raw: &Raw, hours: &str, which: &str, reviewer: i64) -> String {
    let taken = "h.at + s.n * 3600 / h.n";
    let plate = raw.plate("((h.id * 7 + s.n) % 1000000)");
    let late = r#"{"flag":"late_upload","minutes":90}"#;
    let drift = |d: &str| format!(r#"'{{"flag":"clock_drift","seconds":' || {d} || '}}'"#);
    let flags = format!(
        "CASE WHEN s.n >= h.n - h.l THEN \
           CASE WHEN s.n = 0 AND h.drift <> 0 THEN '[{late},' || {} || ']' ELSE '[{late}]' END \
         WHEN s.n = 0 AND h.drift <> 0 THEN '[' || {} || ']' ELSE '[]' END",
        drift("h.drift"),
        drift("h.drift")
    );
    format!(
        "INSERT INTO captures (device_id, unit_id, unit_path, event_key, source, via, plate, \
         plate_key, plate_colour, vehicle_type, violation_code, place, captured_at, received_at, \
         usage, flags, state, review_due_at, reject_reason, first_reviewer, reviewed_by, \
         reviewed_at) \
         SELECT h.device_id, d.unit_id, d.unit_path, 'y' || h.id || '-' || s.n, 'red_light', \
         'multipart', \
         CASE WHEN s.n >= h.n - h.x THEN '' ELSE {plate} END, \
         CASE WHEN s.n >= h.n - h.x THEN '' ELSE {plate} END, \
         'blue', 'small_car', '1625', 'Mingzhu Road crossing', {taken_ts}, {received_ts}, \
         'enforce', {flags}, \
         CASE WHEN s.n < h.r THEN 'rejected' ELSE 'approved' END, {due_ts}, \
         CASE WHEN s.n < h.r THEN 'evidence_insufficient' ELSE NULL END, \
         CASE WHEN s.n < h.d OR (s.n >= h.r AND s.n < h.r + h.s) THEN {reviewer} ELSE NULL END, \
         {reviewer}, {reviewed_ts} \
         FROM bench_hours h JOIN bench_seq s ON s.n < h.n JOIN devices d ON d.id = h.device_id \
         WHERE {hours} AND {which}",
        taken_ts = raw.ts(taken),
        received_ts = raw.ts(&format!("{taken} + 30")),
        due_ts = raw.ts(&format!("{taken} + 432000")),
        reviewed_ts = raw.ts(&format!("{taken} + 3600")),
    )
}
