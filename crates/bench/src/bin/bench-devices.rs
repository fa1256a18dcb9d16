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

struct Tree {
    province: Unit,
    counties: Vec<Unit>,
    squads: Vec<Unit>,
    units: usize,
}

/// 1 province, `--cities`, `--counties` and `--squads`, all police units.
async fn seed_units(store: &Store, args: &Args, now: DateTime<Utc>) -> anyhow::Result<Tree> {
    let started = Instant::now();
    let country = Country::China;
    let tz = country.default_time_zone();
    let mut tx = store.begin().await?;
    let province = units::insert(
        &mut tx,
        &NewUnit {
            parent: None,
            code: UnitCode::parse("330000")?,
            name: UnitName::parse("Provincial Traffic Police Corps")?,
            level: Level::Province,
            kind: UnitKind::Police,
            country,
            time_zone: tz,
        },
        now,
    )
    .await?;
    let mut cities = Vec::new();
    for c in 1..=args.cities.max(1) {
        let city = units::insert(
            &mut tx,
            &NewUnit {
                parent: Some(&province),
                code: UnitCode::parse(&format!("33{c:02}00"))?,
                name: UnitName::parse(&format!("City {c:02} Traffic Police Detachment"))?,
                level: Level::City,
                kind: UnitKind::Police,
                country,
                time_zone: tz,
            },
            now,
        )
        .await?;
        cities.push(city);
    }
    let mut counties = Vec::new();
    for k in 0..args.counties.max(1) {
        let city = &cities[(k as usize) % cities.len()];
        let nth = k / u32::try_from(cities.len())? + 1;
        let county = units::insert(
            &mut tx,
            &NewUnit {
                parent: Some(city),
                code: UnitCode::parse(&format!("{}-{nth:03}", city.code))?,
                name: UnitName::parse(&format!("County {k:03} Traffic Police Brigade"))?,
                level: Level::County,
                kind: UnitKind::Police,
                country,
                time_zone: tz,
            },
            now,
        )
        .await?;
        counties.push(county);
    }
    let mut squads = Vec::new();
    for s in 0..args.squads.max(1) {
        let county = &counties[(s as usize) % counties.len()];
        let nth = s / u32::try_from(counties.len())? + 1;
        let squad = units::insert(
            &mut tx,
            &NewUnit {
                parent: Some(county),
                code: UnitCode::parse(&format!("{}-{nth:02}", county.code))?,
                name: UnitName::parse(&format!("Squad {s:04}"))?,
                level: Level::Squad,
                kind: UnitKind::Police,
                country,
                time_zone: tz,
            },
            now,
        )
        .await?;
        squads.push(squad);
    }
    tx.commit().await?;
    let units = 1 + cities.len() + counties.len() + squads.len();
    println!(
        "seeded {units} units in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(Tree {
        province,
        counties,
        squads,
        units,
    })
}

/// A deterministic spread of 0..100 for device `i` (and a salt), so neighbouring devices
/// differ.
fn spread(i: u32, salt: u32) -> u32 {
    (i.wrapping_mul(2_654_435_761)
        .wrapping_add(salt.wrapping_mul(40_503))
        >> 7)
        % 100
}

/// Kinds in roughly the proportions of a traffic police registry.
fn kind_of(i: u32) -> DeviceKind {
    match spread(i, 1) {
        0..=39 => DeviceKind::FixedEnforcement,
        40..=49 => DeviceKind::Speed,
        50..=59 => DeviceKind::PlateRecognition,
        60..=69 => DeviceKind::Surveillance,
        70..=77 => DeviceKind::MobileEnforcement,
        78..=84 => DeviceKind::EbikeCapture,
        85..=89 => DeviceKind::TrafficCounting,
        90..=94 => DeviceKind::BodyWornRecorder,
        _ => DeviceKind::SupportTerminal,
    }
}

/// Mostly in formal use, as in a registry five years old.
fn state_of(i: u32) -> DeviceState {
    match spread(i, 2) {
        0..=77 => DeviceState::InUse,
        78..=81 => DeviceState::Trial,
        82..=84 => DeviceState::EvaluationDue,
        85..=87 => DeviceState::Suspended,
        88..=90 => DeviceState::Stopped,
        91..=94 => DeviceState::Retired,
        95 => DeviceState::Draft,
        96 => DeviceState::UnderReview,
        97 => DeviceState::PublicNotice,
        98 => DeviceState::CircuitBroken,
        _ => DeviceState::Returned,
    }
}

const MAINTAINERS: [&str; 5] = [
    "Zhejiang Uniview Maintenance Co.",
    "Hangzhou Hikvision Service Co.",
    "Dahua Field Services",
    "Huzhou Traffic Engineering Co.",
    "Provincial Police IT Centre",
];
const ROADS: [(&str, RoadClass); 6] = [
    ("G60 Shanghai-Kunming Expressway", RoadClass::Expressway),
    ("G104 National Road", RoadClass::National),
    ("S13 Provincial Road", RoadClass::Provincial),
    ("X201 County Road", RoadClass::County),
    ("Y005 Township Road", RoadClass::Township),
    ("Renmin Road", RoadClass::Urban),
];

/// The descriptive fields of device `i`, valid for its kind (DEV-01, DEV-09, DEV-10).
fn fields_of(i: u32, kind: DeviceKind) -> DeviceFields {
    let (road, class) = ROADS[(i as usize) % ROADS.len()];
    let site = kind.has_site();
    let lon = 119.5 + f64::from(spread(i, 3)) / 100.0 + f64::from(i % 97) / 10_000.0;
    let lat = 30.5 + f64::from(spread(i, 4)) * 0.007 + f64::from(i % 89) / 10_000.0;
    DeviceFields {
        name: format!("{} {i:06}", kind.as_str().replace('_', " ")),
        maintainer: MAINTAINERS[(i as usize) % MAINTAINERS.len()].to_owned(),
        leader: "Chen Jing".into(),
        department: "Technology Section".into(),
        violation_types: if kind.enforces() {
            vec!["1625".into(), "1208".into()]
        } else {
            Vec::new()
        },
        make: "Hikvision".into(),
        model: "DS-TCG227".into(),
        serial: format!("SN{i:08}"),
        mac: format!(
            "00:1A:2B:{:02X}:{:02X}:{:02X}",
            i >> 16 & 0xff,
            i >> 8 & 0xff,
            i & 0xff
        ),
        channel: "1".into(),
        road: if site { road.into() } else { String::new() },
        road_class: site.then_some(class),
        km_marker: if site && class != RoadClass::Urban {
            format!("K{}+{:03}", i % 300, (i * 37) % 1000)
        } else {
            String::new()
        },
        place: if site {
            format!("Crossing {}", i % 500)
        } else {
            String::new()
        },
        nearest_village: if site {
            format!("Village {}", i % 700)
        } else {
            String::new()
        },
        direction: if site {
            ["eastbound", "westbound", "northbound", "southbound"][(i % 4) as usize].into()
        } else {
            String::new()
        },
        longitude: site.then_some(lon),
        latitude: site.then_some(lat),
        measuring: kind.measures_by_default(),
    }
}

/// DEV-08: division code, kind code, a serial unique in the run.
fn number_of(i: u32, kind: DeviceKind) -> String {
    format!("330522{}{i:06}", kind.code())
}

struct SeededDevices {
    devices: u64,
    events: u64,
    patrols: u64,
    faults: u64,
    seconds: f64,
    units: usize,
}

const EVENT_STEPS: [(&str, Option<&str>, Option<&str>); 10] = [
    ("create", None, Some("draft")),
    ("assessment_filed", Some("draft"), Some("under_review")),
    ("review_passed", Some("under_review"), Some("public_notice")),
    ("notice_ended", Some("public_notice"), Some("trial")),
    ("formal_use", Some("trial"), Some("in_use")),
    ("registration", None, None),
    ("update", None, None),
    ("evaluation", Some("in_use"), Some("in_use")),
    ("calibration", None, None),
    ("operation", None, None),
];

/// The devices and their history over `--years`, one transaction per `--batch` devices.
async fn seed_devices(
    store: &Store,
    tree: &Tree,
    args: &Args,
    now: DateTime<Utc>,
) -> anyhow::Result<SeededDevices> {
    let started = Instant::now();
    let history_days = i64::from(args.years.max(1)) * 365;
    let first = now - chrono::Duration::days(history_days);
    let mut counts = SeededDevices {
        devices: 0,
        events: 0,
        patrols: 0,
        faults: 0,
        seconds: 0.0,
        units: tree.units,
    };
    let mut tx = store.begin().await?;
    for i in 0..args.devices {
        let squad = &tree.squads[(i as usize) % tree.squads.len()];
        let kind = kind_of(i);
        let state = state_of(i);
        // Installed any day over the years, leaving at least 60 days before now.
        let installed =
            first + chrono::Duration::days(i64::from(i.wrapping_mul(7_919)) % (history_days - 60));
        let in_use_since = installed + chrono::Duration::days(45);
        let formal = matches!(
            state,
            DeviceState::InUse
                | DeviceState::EvaluationDue
                | DeviceState::Suspended
                | DeviceState::Stopped
                | DeviceState::Retired
                | DeviceState::CircuitBroken
        );
        let new = NewDevice {
            number: number_of(i, kind),
            kind,
            unit_id: squad.id,
            unit_path: squad.path.clone(),
            fields: fields_of(i, kind),
            state,
            state_since: if formal { in_use_since } else { installed },
            in_use_since: formal.then_some(in_use_since),
            evaluation_due_at: formal.then(|| in_use_since + chrono::Duration::days(365)),
            trial_min_end_at: None,
            notice_ends_at: None,
            registered_at: (formal && kind.is_fixed()).then_some(in_use_since),
            platform_ref: if formal && kind.is_fixed() {
                format!("ZJ-REG-{i:06}")
            } else {
                String::new()
            },
            last_valid_capture_at: (state == DeviceState::InUse)
                .then(|| now - chrono::Duration::hours(i64::from(i % 72))),
            installed_at: installed,
            resume_to: (state == DeviceState::Suspended).then_some(DeviceState::InUse),
            suspension_reason: (state == DeviceState::Suspended)
                .then_some(SuspensionReason::ImageBelowStandard),
        };
        let id = devices::insert(&mut tx, &new, installed).await?;
        counts.devices += 1;
        let span = (now - installed).num_seconds().max(1);
        let at = |k: u32, of: u32, shift: f64| {
            let frac = (f64::from(k) + shift) / f64::from(of.max(1));
            installed + chrono::Duration::seconds((span as f64 * frac) as i64)
        };
        for k in 0..args.events {
            let (action, from, to) = EVENT_STEPS[(k as usize) % EVENT_STEPS.len()];
            device_records::add_event(
                &mut tx,
                &NewEvent {
                    device_id: id,
                    action,
                    from_state: from,
                    to_state: to,
                    actor_user_id: None,
                    actor: "bench",
                    actor_unit_id: Some(squad.id),
                    reason: "",
                    detail: serde_json::json!({ "step": k }),
                },
                at(k, args.events, 0.0),
            )
            .await?;
            counts.events += 1;
        }
        for k in 0..args.patrols {
            let conforming = spread(i, 10 + k) >= 8;
            let when = at(k, args.patrols, 0.5);
            device_records::add_patrol(
                &mut tx,
                id,
                when,
                "Officer Wang",
                conforming,
                if conforming { "normal" } else { "abnormal" },
                if conforming { "" } else { "lens dirty" },
                None,
                when,
            )
            .await?;
            counts.patrols += 1;
        }
        for k in 0..args.faults {
            device_records::add_fault(
                &mut tx,
                id,
                at(k, args.faults, 0.3),
                "no captures uploaded for 24 hours",
                None,
            )
            .await?;
            counts.faults += 1;
        }
        if (i + 1) % args.batch.max(1) == 0 {
            tx.commit().await?;
            tx = store.begin().await?;
            if (i + 1) % (args.batch.max(1) * 5) == 0 {
                println!(
                    "  {} devices in {:.1} s",
                    i + 1,
                    started.elapsed().as_secs_f64()
                );
            }
        }
    }
    tx.commit().await?;
    counts.seconds = started.elapsed().as_secs_f64();
    println!(
        "seeded {} devices, {} events, {} patrols, {} faults in {:.1} s",
        counts.devices, counts.events, counts.patrols, counts.faults, counts.seconds
    );
    Ok(counts)
}

/// A `device_manager` at the first county and one at the province. Returns their usernames.
async fn seed_users(
    store: &Store,
    tree: &Tree,
    now: DateTime<Utc>,
) -> anyhow::Result<(String, String)> {
    let hash = roadwarden_server::auth::password::hash(PASSWORD.to_owned())
        .await
        .map_err(|e| anyhow::anyhow!("hashing: {e}"))?;
    let mut tx = store.begin().await?;
    let mut names = Vec::new();
    for (n, unit, username) in [
        (900_001, &tree.counties[0], "bench.county"),
        (900_002, &tree.province, "bench.province"),
    ] {
        let id = users::insert(
            &mut tx,
            &NewUser {
                unit_id: unit.id,
                username: username.to_owned(),
                full_name: "Bench Device Manager".into(),
                id_number: cn_id_number(n),
                phone: None,
                person_kind: PersonKind::PoliceOfficer,
                badge_number: Some(format!("DM{n}")),
                status: AccountStatus::Active,
                password_hash: hash.clone(),
                must_change_password: false,
                language: "en".into(),
            },
            now,
        )
        .await?;
        users::grant_role(&mut tx, id, Role::DeviceManager, None, now).await?;
        users::set_status(&mut tx, id, AccountStatus::Active, now).await?;
        names.push(username.to_owned());
    }
    tx.commit().await?;
    Ok((names[0].clone(), names[1].clone()))
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

// ---- part 2: the ledger import -------------------------------------------------------------

struct ImportResult {
    rows: usize,
    bytes: usize,
    elapsed: Duration,
    /// Reading and checking every row, up to the first write.
    validation: Option<Duration>,
    /// Rows written per second in each quarter of the writing.
    write_pace: Vec<f64>,
    cpu: Option<CpuUsage>,
}

impl ImportResult {
    fn rows_per_sec(&self) -> f64 {
        self.rows as f64 / self.elapsed.as_secs_f64()
    }

    fn met(&self) -> bool {
        self.elapsed < IMPORT_TARGET
    }
}

async fn run_import(
    args: &Args,
    url: String,
    backend: &'static str,
) -> anyhow::Result<ImportResult> {
    println!(
        "\nbench-devices (ledger import) on {backend} ({})",
        roadwarden_store::redact_url(&url)
    );
    let data = tempfile::Builder::new()
        .prefix("rw-bench-data-")
        .tempdir()?;
    let state = start_state(&url, data.path(), args.pg_force_custom_plan).await?;
    let now = state.clock.now();
    let tree = seed_units(&state.store, args, now).await?;
    if state.store.backend() == Backend::Postgres && !args.no_analyze {
        // Autovacuum analyzes `units` after the bulk load but never the still empty `devices`
        // (nothing changed there). `--analyze-empty-devices` analyzes everything instead, which
        // is what a registry that already held a few devices looks like to the planner.
        let sql = if args.analyze_empty_devices {
            "ANALYZE"
        } else {
            "ANALYZE units"
        };
        state.store.raw_execute(sql).await?;
        println!("{sql} before the import");
    }
    let csv = ledger_csv(&tree, args.ledger_rows, now)?;
    println!(
        "ledger: {} rows, {} columns, {} bytes",
        args.ledger_rows,
        COLUMNS.len(),
        csv.len()
    );
    // Every progress call with its time: the first half of the progress is checking, the
    // second writing, so the calls show when writing began and how its pace changed.
    let marks: Mutex<Vec<(usize, usize, Instant)>> = Mutex::new(Vec::new());
    let progress = |done: usize, total: usize| {
        if let Ok(mut m) = marks.lock() {
            m.push((done, total, Instant::now()));
        }
    };
    let cpu = CpuSnapshot::take();
    let started = Instant::now();
    let report = Box::pin(ledger::import(
        &state,
        Authority::Operator,
        &RequestMeta::default(),
        "bench.csv",
        &csv,
        ImportOptions::default(),
        &progress,
    ))
    .await
    .map_err(|e| anyhow::anyhow!("import failed: {e} ({e:?})"))?;
    let elapsed = started.elapsed();
    let cpu = cpu_since(cpu.as_ref());
    let marks = marks.into_inner().unwrap_or_default();
    let writes: Vec<(usize, Instant)> = marks
        .iter()
        .filter(|(done, total, _)| done > &(total / 2) && done < total)
        .map(|(done, total, at)| (done - total / 2, *at))
        .collect();
    let validation = writes
        .first()
        .map(|(_, at)| at.saturating_duration_since(started));
    let write_pace = write_pace(&writes);
    if !report.committed {
        for e in report.errors.iter().take(10) {
            println!("  line {}: {}: {}", e.line, e.field, e.reason);
        }
    }
    anyhow::ensure!(
        report.committed,
        "the import was not committed: {} bad rows",
        report.errors.len()
    );
    anyhow::ensure!(
        report.imported == args.ledger_rows as usize,
        "imported {} of {} rows",
        report.imported,
        args.ledger_rows
    );
    let mut tx = state.store.begin_read().await?;
    let (_, stored) = devices::list(
        &mut tx,
        &tree.province.path,
        &devices::DeviceFilter::default(),
        1,
        0,
        true,
    )
    .await?;
    tx.commit().await?;
    anyhow::ensure!(
        stored == Some(i64::from(args.ledger_rows)),
        "{stored:?} devices stored after the import"
    );
    let result = ImportResult {
        rows: report.imported,
        bytes: csv.len(),
        elapsed,
        validation,
        write_pace,
        cpu,
    };
    println!(
        "imported {} rows (encoding {}) in {:.2} s ({:.0} rows/s){}",
        report.imported,
        report.encoding,
        elapsed.as_secs_f64(),
        result.rows_per_sec(),
        validation.map_or(String::new(), |v| format!(
            "; checking took {:.2} s, writing {:.2} s",
            v.as_secs_f64(),
            elapsed.saturating_sub(v).as_secs_f64()
        ))
    );
    if !result.write_pace.is_empty() {
        println!(
            "  writing pace by quarter of the rows: {} rows/s",
            pace_text(&result.write_pace)
        );
    }
    if let Some(cpu) = cpu {
        println!("  {cpu}");
    }
    state.store.close().await;
    drop(data);
    Ok(result)
}

/// Rows written per second in each quarter of the writing, from (rows written, time) marks.
fn write_pace(writes: &[(usize, Instant)]) -> Vec<f64> {
    let Some(&(last_rows, _)) = writes.last() else {
        return Vec::new();
    };
    let mut pace = Vec::new();
    let mut from = writes[0];
    for q in 1..=4 {
        let goal = last_rows * q / 4;
        let Some(&to) = writes.iter().find(|(n, _)| *n >= goal) else {
            break;
        };
        let secs = to.1.saturating_duration_since(from.1).as_secs_f64();
        if to.0 > from.0 && secs > 0.0 {
            pace.push((to.0 - from.0) as f64 / secs);
        }
        from = to;
    }
    pace
}

fn pace_text(pace: &[f64]) -> String {
    pace.iter()
        .map(|p| format!("{p:.0}"))
        .collect::<Vec<_>>()
        .join(" / ")
}

/// A ledger of `rows` devices already in service, with the importer's English headings, every
/// row valid: mostly in formal use, some in trial, stopped or retired; speed cameras with a
/// calibration certificate valid today.
fn ledger_csv(tree: &Tree, rows: u32, now: DateTime<Utc>) -> anyhow::Result<Vec<u8>> {
    let today = now.date_naive();
    let day = |days_ago: i64| (today - chrono::Duration::days(days_ago)).format("%Y-%m-%d");
    let mut out = String::with_capacity(rows as usize * 420);
    let header: Vec<&str> = COLUMNS.iter().map(|(en, _)| *en).collect();
    out.push_str(&header.join(","));
    out.push('\n');
    for i in 0..rows {
        let kind = kind_of(i);
        let squad = &tree.squads[(i as usize) % tree.squads.len()];
        let f = fields_of(i, kind);
        let state = match spread(i, 2) {
            0..=84 => "in_use",
            85..=92 => "trial",
            93..=97 => "stopped",
            _ => "retired",
        };
        let installed_ago = 120 + i64::from(i.wrapping_mul(7_919) % 1_700);
        let in_use_ago = installed_ago - 60;
        let formal = state != "trial";
        let cell = |k: &str| -> String {
            match k {
                "number" => number_of(i, kind),
                "kind" => kind.as_str().into(),
                "unit_code" => squad.code.clone(),
                "name" => f.name.clone(),
                "maintainer" => f.maintainer.clone(),
                "leader" => f.leader.clone(),
                "department" => f.department.clone(),
                "violation_types" => f.violation_types.join(";"),
                "make" => f.make.clone(),
                "model" => f.model.clone(),
                "serial" => f.serial.clone(),
                "mac" => f.mac.clone(),
                "channel" => f.channel.clone(),
                "road" => f.road.clone(),
                "road_class" => f.road_class.map_or("", RoadClass::as_str).into(),
                "km_marker" => f.km_marker.clone(),
                "place" => f.place.clone(),
                "nearest_village" => f.nearest_village.clone(),
                "direction" => f.direction.clone(),
                "longitude" => f.longitude.map_or(String::new(), |v| format!("{v:.6}")),
                "latitude" => f.latitude.map_or(String::new(), |v| format!("{v:.6}")),
                "state" => state.into(),
                "installed_on" => day(installed_ago).to_string(),
                "in_use_since" if formal => day(in_use_ago).to_string(),
                "trial_started" if !formal => day(30).to_string(),
                // Evaluated devices in use: most of them, once their first year is over.
                "evaluated_on" if state == "in_use" && in_use_ago > 400 && i % 5 != 0 => {
                    day(in_use_ago - 365).to_string()
                }
                "last_valid_capture_on" if state == "in_use" => day(1).to_string(),
                "registered_on" if formal && kind.is_fixed() => day(in_use_ago).to_string(),
                "platform_ref" if formal && kind.is_fixed() => format!("ZJ-REG-{i:06}"),
                "calibration_issuer" if f.measuring => "Zhejiang Institute of Metrology".into(),
                "calibration_no" if f.measuring => format!("ZJM-{i:06}"),
                "calibration_valid_from" if f.measuring => day(200).to_string(),
                "calibration_valid_until" if f.measuring => day(-165).to_string(),
                _ => String::new(),
            }
        };
        let cells: Vec<String> = header
            .iter()
            .map(|k| {
                let v = cell(k);
                if v.contains([',', '"', '\n']) {
                    format!("\"{}\"", v.replace('"', "\"\""))
                } else {
                    v
                }
            })
            .collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    anyhow::ensure!(!out.is_empty(), "empty ledger");
    Ok(out.into_bytes())
}

// ---- the summary ---------------------------------------------------------------------------

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
