//! The two performance targets of the devices issue:
//!
//! 1. `GET /api/v1/devices` with 50,000 devices and five years of history, filtered by unit
//!    and state: p99 under 50 ms. The unit tree (1 province, 10 cities, 100 counties, 1,000
//!    squads), the devices and their history (lifecycle events, patrols, faults) are written
//!    straight through the store, one transaction per 2,000 devices. The real server then
//!    starts on 127.0.0.1:0 with background jobs off, two `device_manager` accounts (one at a
//!    county, one at the province) sign in over the API for bearer tokens, and an open-loop
//!    generator sends requests at a fixed rate (default 100/s for 20 s) from its own thread
//!    and runtime, timing each from its scheduled send time (no coordinated omission), for
//!    three query shapes:
//!    (a) county user, `?state=in_use`;
//!    (b) province user, `?state=in_use&unit_id=<a county>`;
//!    (c) province user, no filter (the first page, with the total).
//! 2. Ledger import of 10,000 rows in under 10 s, validation included: a CSV made in memory
//!    with the importer's columns is passed to `services::devices::ledger::import` on a fresh
//!    database that holds only the unit tree; the report must say every row was imported.

mod import;
mod seed;

use import::*;
use seed::*;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{DateTime, Utc};
use clap::Parser;
use roadwarden_bench::load::{open_loop, sign_in, warm_up, OpenLoopReport};
use roadwarden_bench::{cn_id_number, cpu_since, ms, with_database, CpuSnapshot, CpuUsage};
use roadwarden_domain::account::{AccountStatus, PersonKind};
use roadwarden_domain::device::{DeviceKind, DeviceState, RoadClass, SuspensionReason};
use roadwarden_domain::org::{Country, Level, UnitCode, UnitKind, UnitName};
use roadwarden_domain::roles::Role;
use roadwarden_server::config::Secret;
use roadwarden_server::context::RequestMeta;
use roadwarden_server::services::devices::ledger::{self, ImportOptions, COLUMNS};
use roadwarden_server::services::Authority;
use roadwarden_server::{open_state, serve, AppState, Clock, Settings};
use roadwarden_store::device_records::{self, NewEvent};
use roadwarden_store::devices::{self, DeviceFields, NewDevice};
use roadwarden_store::units::{self, NewUnit, Unit};
use roadwarden_store::users::{self, NewUser};
use roadwarden_store::{Backend, Store};

const PASSWORD: &str = "Bench-Passw0rd!";
/// Target 1: p99 of the device list under this at the fixed rate.
const LIST_P99_TARGET: Duration = Duration::from_millis(50);
/// Target 2: the whole ledger import (reading, validation, writing) under this.
const IMPORT_TARGET: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Part {
    /// The device list under load only.
    List,
    /// The ledger import only.
    Import,
}

#[derive(Debug, Parser)]
#[command(
    name = "bench-devices",
    about = "GET /api/v1/devices latency with 50,000 devices and 5 years of history; ledger import of 10,000 rows"
)]
struct Args {
    /// Database to benchmark on: empty for a fresh SQLite file in a temporary directory; a
    /// `postgres://` server URL for a fresh database on that server (dropped afterwards).
    /// Each part gets its own fresh database.
    #[arg(long, env = "ROADWARDEN_BENCH_DATABASE_URL")]
    database_url: Option<String>,
    /// Leave the databases (and a SQLite file's directory) in place afterwards.
    #[arg(long)]
    keep_database: bool,
    /// Run one part only.
    #[arg(long, value_enum)]
    only: Option<Part>,
    #[arg(long, default_value_t = 10)]
    cities: u32,
    #[arg(long, default_value_t = 100)]
    counties: u32,
    /// Squads, spread over the counties; the devices are managed by the squads.
    #[arg(long, default_value_t = 1_000)]
    squads: u32,
    /// Devices in the registry (part 1).
    #[arg(long, default_value_t = 50_000)]
    devices: u32,
    /// Years of history: devices were installed over this many years before now.
    #[arg(long, default_value_t = 5)]
    years: u32,
    /// Lifecycle events (`device_events`) per device.
    #[arg(long, default_value_t = 10)]
    events: u32,
    /// Patrol records per device.
    #[arg(long, default_value_t = 4)]
    patrols: u32,
    /// Fault records per device.
    #[arg(long, default_value_t = 1)]
    faults: u32,
    /// Devices per seeding transaction.
    #[arg(long, default_value_t = 2_000)]
    batch: u32,
    /// Requests per second of the open-loop generator.
    #[arg(long, default_value_t = 100)]
    rate: u32,
    /// Seconds of each open-loop measurement.
    #[arg(long, default_value_t = 20)]
    duration: u64,
    /// Requests sent one after another before each measurement.
    #[arg(long, default_value_t = 100)]
    warm_up: u32,
    /// The `limit` query parameter of the requests.
    #[arg(long, default_value_t = 50)]
    limit: u32,
    /// On PostgreSQL, do not ANALYZE after seeding (measures the planner without statistics).
    #[arg(long)]
    no_analyze: bool,
    /// On PostgreSQL, `VACUUM (ANALYZE)` after seeding instead of `ANALYZE`: sets the
    /// visibility map, as autovacuum's insert-triggered run would eventually, so counts can
    /// use index-only scans.
    #[arg(long)]
    vacuum: bool,
    /// Part 2 on PostgreSQL: `ANALYZE` every table before the import, `devices` (still
    /// empty) included, instead of `units` only. The planner then believes `devices` is
    /// tiny; see BENCHMARKS.md for what that does to the import.
    #[arg(long)]
    analyze_empty_devices: bool,
    /// Diagnostic, PostgreSQL only: set `plan_cache_mode = force_custom_plan` on the bench
    /// databases, so prepared statements are planned for their actual parameters.
    #[arg(long)]
    pg_force_custom_plan: bool,
    /// Rows in the ledger of part 2.
    #[arg(long, default_value_t = 10_000)]
    ledger_rows: u32,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let url = args.database_url.clone();
    let mut list = None;
    let mut import = None;
    let mut backend = "sqlite";
    let a = &args;
    if args.only != Some(Part::Import) {
        let (b, r) = with_database(
            url.as_deref(),
            args.keep_database,
            |url, _dir, b| async move { Ok((b, Box::pin(run_list(a, url, b)).await?)) },
        )
        .await?;
        backend = b;
        list = Some(r);
    }
    if args.only != Some(Part::List) {
        let (b, r) = with_database(
            url.as_deref(),
            args.keep_database,
            |url, _dir, b| async move { Ok((b, Box::pin(run_import(a, url, b)).await?)) },
        )
        .await?;
        backend = b;
        import = Some(r);
    }
    print_summary(backend, &args, list.as_ref(), import.as_ref());
    Ok(())
}

/// Opens the application state on `url` with background jobs off.
async fn start_state(
    url: &str,
    data: &std::path::Path,
    force_custom_plan: bool,
) -> anyhow::Result<AppState> {
    if force_custom_plan && url.starts_with("postgres") {
        let name = url::Url::parse(url)?
            .path()
            .trim_start_matches('/')
            .to_owned();
        let store = Store::connect(url, &Default::default()).await?;
        store
            .raw_execute(&format!(
                "ALTER DATABASE \"{name}\" SET plan_cache_mode = force_custom_plan"
            ))
            .await?;
        store.close().await;
        println!("plan_cache_mode = force_custom_plan on {name}");
    }
    let mut settings = Settings {
        data_dir: data.to_path_buf(),
        ..Settings::default()
    };
    settings.database.url = Secret::new(url.to_owned());
    settings.jobs.enabled = false;
    open_state(settings, Clock::System).await
}

// ---- part 1: the device list ---------------------------------------------------------------

struct ShapeResult {
    label: &'static str,
    total: i64,
    items: usize,
    open_loop: OpenLoopReport,
}

struct ListResults {
    seeded: SeededDevices,
    shapes: Vec<ShapeResult>,
}

async fn run_list(args: &Args, url: String, backend: &'static str) -> anyhow::Result<ListResults> {
    println!(
        "bench-devices (device list) on {backend} ({})",
        roadwarden_store::redact_url(&url)
    );
    let data = tempfile::Builder::new()
        .prefix("rw-bench-data-")
        .tempdir()?;
    let state = start_state(&url, data.path(), args.pg_force_custom_plan).await?;
    let now = state.clock.now();
    let tree = seed_units(&state.store, args, now).await?;
    let seeded = seed_devices(&state.store, &tree, args, now).await?;
    let (county_user, province_user) = seed_users(&state.store, &tree, now).await?;
    if state.store.backend() == Backend::Postgres && (args.vacuum || !args.no_analyze) {
        // As autovacuum would within a minute of the bulk load; see bench-units.
        let sql = if args.vacuum {
            "VACUUM (ANALYZE)"
        } else {
            "ANALYZE"
        };
        let started = Instant::now();
        state.store.raw_execute(sql).await?;
        println!("{sql} in {:.1} s", started.elapsed().as_secs_f64());
    }

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let running = serve(listener, state.clone()).await?;
    let base = format!("http://{}", running.addr);
    println!("server on {base}");
    let client = reqwest::Client::new();
    let county_token = sign_in(&client, &base, &county_user, PASSWORD).await?;
    let province_token = sign_in(&client, &base, &province_user, PASSWORD).await?;
    // (b) filters on another county than the county user's own.
    let other_county = tree.counties.get(1).unwrap_or(&tree.counties[0]);
    let shapes: [(&'static str, &str, String); 3] = [
        (
            "(a) county user, state=in_use",
            county_token.as_str(),
            "state=in_use".to_owned(),
        ),
        (
            "(b) province user, state=in_use&unit_id=<county>",
            province_token.as_str(),
            format!("state=in_use&unit_id={}", other_county.id),
        ),
        (
            "(c) province user, no filter (page 1 + total)",
            province_token.as_str(),
            String::new(),
        ),
    ];
    let mut results = Vec::new();
    for (label, token, query) in shapes {
        let target = if query.is_empty() {
            format!("{base}/api/v1/devices?limit={}", args.limit)
        } else {
            format!("{base}/api/v1/devices?limit={}&{query}", args.limit)
        };
        let (total, items) = probe(&client, &target, token).await?;
        println!("\n-- {label}: GET {target} -> total {total}, {items} items on the page --");
        warm_up(&client, &target, token, args.warm_up).await?;
        let duration = Duration::from_secs(args.duration);
        let cpu = CpuSnapshot::take();
        let mut open_loop = {
            let (target, token, rate) = (target.clone(), token.to_owned(), args.rate);
            tokio::task::spawn_blocking(move || open_loop(&target, &token, rate, duration))
                .await??
        };
        open_loop.cpu = cpu_since(cpu.as_ref());
        open_loop.print();
        results.push(ShapeResult {
            label,
            total,
            items,
            open_loop,
        });
    }
    running.shutdown().await?;
    state.store.close().await;
    drop(data);
    Ok(ListResults {
        seeded,
        shapes: results,
    })
}

/// The `total` and the number of items of one page.
async fn probe(
    client: &reqwest::Client,
    target: &str,
    token: &str,
) -> anyhow::Result<(i64, usize)> {
    let resp = client.get(target).bearer_auth(token).send().await?;
    let status = resp.status();
    let body: serde_json::Value = resp.json().await?;
    anyhow::ensure!(status.is_success(), "GET {target}: {status} {body}");
    let total = body["total"].as_i64().context("no total in the page")?;
    let items = body["items"].as_array().map_or(0, Vec::len);
    anyhow::ensure!(items > 0, "GET {target}: an empty page");
    Ok((total, items))
}

/// Target 1 for one shape: no errors and p99 under the target.
fn list_met(report: &OpenLoopReport) -> bool {
    report.errors == 0 && report.latency.is_some_and(|l| l.p99 < LIST_P99_TARGET)
}

fn verdict(met: bool) -> &'static str {
    if met {
        "MET"
    } else {
        "MISSED"
    }
}

fn print_summary(
    backend: &str,
    args: &Args,
    list: Option<&ListResults>,
    import: Option<&ImportResult>,
) {
    println!();
    println!("== bench-devices summary: {backend} ==");
    if let Some(list) = list {
        let s = &list.seeded;
        println!(
            "data: {} units, {} devices, {} events, {} patrols, {} faults over {} years (seeded in {:.1} s)",
            s.units, s.devices, s.events, s.patrols, s.faults, args.years, s.seconds
        );
        println!(
            "target 1: GET /api/v1/devices?limit={} p99 < {} at {}/s x {} s (open loop, from scheduled send)",
            args.limit,
            ms(LIST_P99_TARGET),
            args.rate,
            args.duration
        );
        println!(
            "{:<50} {:>7} {:>5} {:>10} {:>10} {:>10} {:>7} {:>10}  result",
            "shape", "total", "page", "p50", "p99", "max", "errors", "achieved"
        );
        for r in &list.shapes {
            let ol = &r.open_loop;
            let (p50, p99, max) = ol
                .latency
                .map_or(("-".into(), "-".into(), "-".into()), |l| {
                    (ms(l.p50), ms(l.p99), ms(l.max))
                });
            println!(
                "{:<50} {:>7} {:>5} {:>10} {:>10} {:>10} {:>7} {:>8.1}/s  {}",
                r.label,
                r.total,
                r.items,
                p50,
                p99,
                max,
                ol.errors,
                ol.achieved_rate,
                verdict(list_met(ol))
            );
        }
        for r in &list.shapes {
            if let Some(cpu) = r.open_loop.cpu {
                println!("  {:<50} {cpu}", r.label);
            }
        }
        let all = list.shapes.iter().all(|r| list_met(&r.open_loop));
        println!("target 1 overall: {}", verdict(all));
    }
    if let Some(r) = import {
        println!(
            "target 2: ledger import of {} rows ({} bytes CSV) < {:.0} s including validation: {:.2} s, {:.0} rows/s{}  {}",
            r.rows,
            r.bytes,
            IMPORT_TARGET.as_secs_f64(),
            r.elapsed.as_secs_f64(),
            r.rows_per_sec(),
            r.validation.map_or(String::new(), |v| format!(
                " (checking {:.2} s, writing {:.2} s)",
                v.as_secs_f64(),
                r.elapsed.saturating_sub(v).as_secs_f64()
            )),
            verdict(r.met())
        );
        if !r.write_pace.is_empty() {
            println!(
                "  writing pace by quarter of the rows: {} rows/s",
                pace_text(&r.write_pace)
            );
        }
        if let Some(cpu) = r.cpu {
            println!("  {cpu}");
        }
    }
}
