//! `GET /api/v1/units` under load, with a realistic organisation: 10,000 units (1 province,
//! 20 cities, 400 counties, the rest squads) and 100,000 accounts.
//!
//! Seeds the database through the store (one precomputed Argon2id hash shared by every
//! account, so seeding is fast), starts the real server on 127.0.0.1:0 with background jobs
//! off, signs in over the API for bearer tokens, then for a province-level user (the whole
//! tree in scope) and a county-level user (a few dozen units):
//! * an open-loop load generator sends requests at a fixed rate (default 200/s for 30 s)
//!   from its own thread and runtime, timing each from its scheduled send time, so a slow
//!   server is not hidden by the client waiting (no coordinated omission): p50/p99/max;
//! * `wrk -t1 -c2 --latency` for the same time (closed loop: the most the server does with
//!   two connections), when `wrk` is installed.

use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use roadwarden_bench::load::{open_loop, sign_in, warm_up, OpenLoopReport};
use roadwarden_bench::{cn_id_number, cpu_since, ms, with_database, CpuSnapshot};
use roadwarden_domain::account::{AccountStatus, AgreementKind, PersonKind};
use roadwarden_domain::org::{Country, Level, UnitCode, UnitKind, UnitName};
use roadwarden_domain::roles::Role;
use roadwarden_server::config::Secret;
use roadwarden_server::{open_state, serve, Clock, Settings};
use roadwarden_store::units::{self, NewUnit, Unit};
use roadwarden_store::users::{self, NewUser};
use roadwarden_store::{Backend, Store};

const PASSWORD: &str = "Bench-Passw0rd!";
/// The target: p99 under this at the fixed rate.
const P99_TARGET: Duration = Duration::from_millis(20);

#[derive(Debug, Parser)]
#[command(
    name = "bench-units",
    about = "GET /api/v1/units latency with 10,000 units and 100,000 users"
)]
struct Args {
    /// Database to benchmark on: empty for a fresh SQLite file in a temporary directory; a
    /// `postgres://` server URL for a fresh database on that server (dropped afterwards).
    #[arg(long, env = "ROADWARDEN_BENCH_DATABASE_URL")]
    database_url: Option<String>,
    /// Leave the database (and a SQLite file's directory) in place afterwards.
    #[arg(long)]
    keep_database: bool,
    /// Units in the tree (1 province, `--cities`, `--counties`, the rest squads).
    #[arg(long, default_value_t = 10_000)]
    units: u32,
    #[arg(long, default_value_t = 20)]
    cities: u32,
    #[arg(long, default_value_t = 400)]
    counties: u32,
    /// Accounts, spread over all units.
    #[arg(long, default_value_t = 100_000)]
    users: u32,
    /// Requests per second of the open-loop generator.
    #[arg(long, default_value_t = 200)]
    rate: u32,
    /// Seconds of each measurement (open loop and wrk, for each user).
    #[arg(long, default_value_t = 30)]
    duration: u64,
    /// The `limit` query parameter of the requests.
    #[arg(long, default_value_t = 50)]
    limit: u32,
    /// On PostgreSQL, do not ANALYZE after seeding (measures the planner without statistics).
    #[arg(long)]
    no_analyze: bool,
    /// Diagnostic, PostgreSQL only: set `plan_cache_mode = force_custom_plan` on the bench
    /// database, so prepared statements are planned for their actual parameters.
    #[arg(long)]
    pg_force_custom_plan: bool,
    /// Skip the wrk runs.
    #[arg(long)]
    no_wrk: bool,
    /// The wrk program.
    #[arg(long, default_value = "wrk")]
    wrk: String,
}

/// One scope's results.
struct ScopeResult {
    who: &'static str,
    units_in_scope: i64,
    open_loop: OpenLoopReport,
    wrk: Option<WrkReport>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let url = args.database_url.clone();
    with_database(url.as_deref(), args.keep_database, |url, _dir, backend| {
        run(args, url, backend)
    })
    .await
}

async fn run(args: Args, url: String, backend: &'static str) -> anyhow::Result<()> {
    println!(
        "bench-units on {backend} ({})",
        roadwarden_store::redact_url(&url)
    );
    let data = tempfile::Builder::new()
        .prefix("rw-bench-data-")
        .tempdir()?;
    let mut settings = Settings {
        data_dir: data.path().to_path_buf(),
        ..Settings::default()
    };
    if args.pg_force_custom_plan && backend == "postgres" {
        let name = url::Url::parse(&url)?
            .path()
            .trim_start_matches('/')
            .to_owned();
        let store = Store::connect(&url, &Default::default()).await?;
        store
            .raw_execute(&format!(
                "ALTER DATABASE \"{name}\" SET plan_cache_mode = force_custom_plan"
            ))
            .await?;
        store.close().await;
        println!("plan_cache_mode = force_custom_plan on {name}");
    }
    settings.database.url = Secret::new(url);
    settings.jobs.enabled = false;
    let clock = Clock::System;
    let state = open_state(settings, clock.clone()).await?;

    let seeded = seed(&state.store, &clock, &args).await?;
    if state.store.backend() == Backend::Postgres && !args.no_analyze {
        // A bulk load leaves PostgreSQL without statistics until autovacuum's next round
        // (up to a minute later), and the planner then picks a bitmap scan plus sort of the
        // whole subtree. Analyze now, as autovacuum would, so the run measures the steady state.
        let started = Instant::now();
        state.store.raw_execute("ANALYZE").await?;
        println!("ANALYZE in {:.1} s", started.elapsed().as_secs_f64());
    }

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let running = serve(listener, state.clone()).await?;
    let base = format!("http://{}", running.addr);
    println!("server on {base}");
    let client = reqwest::Client::new();
    let target = format!("{base}/api/v1/units?limit={}", args.limit);

    let mut results = Vec::new();
    for (who, username) in [
        ("province", seeded.province_user.as_str()),
        ("county", seeded.county_user.as_str()),
    ] {
        let token = sign_in(&client, &base, username, PASSWORD).await?;
        let units_in_scope = scope_size(&client, &target, &token).await?;
        println!("\n-- {who} user {username}: {units_in_scope} units in scope --");
        // Warm up: connections, prepared statements, the database's page cache.
        warm_up(&client, &target, &token, 200).await?;
        let duration = Duration::from_secs(args.duration);
        let cpu = CpuSnapshot::take();
        let mut open_loop = {
            let (target, token, rate) = (target.clone(), token.clone(), args.rate);
            // Its own thread and runtime, so the generator never waits for the server's
            // worker threads (nor blocks them).
            tokio::task::spawn_blocking(move || open_loop(&target, &token, rate, duration))
                .await??
        };
        open_loop.cpu = cpu_since(cpu.as_ref());
        open_loop.print();
        let wrk = if args.no_wrk {
            None
        } else {
            let cpu = CpuSnapshot::take();
            let wrk = run_wrk(&args.wrk, &target, &token, args.duration).await?;
            if let Some(usage) = cpu_since(cpu.as_ref()) {
                println!("  {usage} (wrk is in 'other')");
            }
            wrk
        };
        results.push(ScopeResult {
            who,
            units_in_scope,
            open_loop,
            wrk,
        });
    }
    running.shutdown().await?;
    state.store.close().await;
    drop(data);

    print_summary(backend, &args, &seeded, &results);
    Ok(())
}

struct Seeded {
    province_user: String,
    county_user: String,
    units: i64,
    users: i64,
    seconds: f64,
}

/// The organisation, written straight through the store.
async fn seed(store: &Store, clock: &Clock, args: &Args) -> anyhow::Result<Seeded> {
    let started = Instant::now();
    let now = clock.now();
    let country = Country::China;
    let tz = country.default_time_zone();
    let mut all: Vec<Unit> = Vec::with_capacity(args.units as usize);

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
    all.push(province.clone());
    let mut cities = Vec::new();
    for c in 1..=args.cities {
        let code = UnitCode::parse(&format!("33{c:02}00"))?;
        let name = UnitName::parse(&format!("City {c:02} Traffic Police Detachment"))?;
        let city = units::insert(
            &mut tx,
            &NewUnit {
                parent: Some(&province),
                code,
                name,
                level: Level::City,
                kind: UnitKind::Police,
                country,
                time_zone: tz,
            },
            now,
        )
        .await?;
        all.push(city.clone());
        cities.push(city);
    }
    let mut counties = Vec::new();
    for k in 0..args.counties {
        let city = &cities[(k % args.cities.max(1)) as usize];
        let code = UnitCode::parse(&format!("{}-{:03}", city.code, k / args.cities.max(1) + 1))?;
        let name = UnitName::parse(&format!("County {k:03} Traffic Police Brigade"))?;
        let county = units::insert(
            &mut tx,
            &NewUnit {
                parent: Some(city),
                code,
                name,
                level: Level::County,
                kind: UnitKind::Police,
                country,
                time_zone: tz,
            },
            now,
        )
        .await?;
        all.push(county.clone());
        counties.push(county);
    }
    tx.commit().await?;
    let squads = args.units.saturating_sub(1 + args.cities + args.counties);
    let mut tx = store.begin().await?;
    for s in 0..squads {
        let county = &counties[(s % args.counties.max(1)) as usize];
        let nth = s / args.counties.max(1) + 1;
        // Most squads are police; some are the outside bodies of ORG-05.
        let kind = match s % 10 {
            7 => UnitKind::Village,
            9 => UnitKind::Township,
            _ => UnitKind::Police,
        };
        let code = UnitCode::parse(&format!("{}-{nth:02}", county.code))?;
        let name = UnitName::parse(&format!("Squad {s:04}"))?;
        let squad = units::insert(
            &mut tx,
            &NewUnit {
                parent: Some(county),
                code,
                name,
                level: Level::Squad,
                kind,
                country,
                time_zone: tz,
            },
            now,
        )
        .await?;
        all.push(squad);
        if (s + 1) % 2_000 == 0 {
            tx.commit().await?;
            tx = store.begin().await?;
        }
    }
    tx.commit().await?;
    println!(
        "seeded {} units in {:.1} s",
        all.len(),
        started.elapsed().as_secs_f64()
    );

    // One Argon2id hash (the server's own parameters) for every account.
    let hash = roadwarden_server::auth::password::hash(PASSWORD.to_owned())
        .await
        .map_err(|e| anyhow::anyhow!("hashing: {e}"))?;
    let users_started = Instant::now();
    let names = [
        "Li Wei",
        "Wang Fang",
        "Zhang Min",
        "Liu Yang",
        "Chen Jing",
        "Zhao Lei",
    ];
    let mut tx = store.begin().await?;
    for i in 0..args.users {
        let unit = &all[(i as usize) % all.len()];
        let new = NewUser {
            unit_id: unit.id,
            username: format!("officer{i:06}"),
            full_name: names[i as usize % names.len()].to_owned(),
            id_number: cn_id_number(i),
            phone: Some(format!("138{:08}", i)),
            person_kind: if i % 3 == 0 {
                PersonKind::Staff
            } else {
                PersonKind::PoliceOfficer
            },
            badge_number: Some(format!("B{i:06}")),
            status: AccountStatus::Active,
            password_hash: hash.clone(),
            must_change_password: false,
            language: "zh-CN".into(),
        };
        users::insert(&mut tx, &new, now).await?;
        if (i + 1) % 5_000 == 0 {
            tx.commit().await?;
            tx = store.begin().await?;
        }
    }
    tx.commit().await?;
    println!(
        "seeded {} users in {:.1} s",
        args.users,
        users_started.elapsed().as_secs_f64()
    );

    // The two operators who sign in: one at the province (the whole tree), one at a county.
    let county = counties.first().context("no counties")?;
    let mut tx = store.begin().await?;
    let province_user =
        operator(&mut tx, &province, "bench.province", args.users, &hash, now).await?;
    let county_user = operator(&mut tx, county, "bench.county", args.users + 1, &hash, now).await?;
    let units_total = units::count(&mut tx).await?;
    let users_total = users::count(&mut tx).await?;
    tx.commit().await?;
    Ok(Seeded {
        province_user,
        county_user,
        units: units_total,
        users: users_total,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// An active account with the `admin` role and the confidentiality agreement it needs.
async fn operator(
    tx: &mut roadwarden_store::Tx,
    unit: &Unit,
    username: &str,
    n: u32,
    hash: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<String> {
    let id = users::insert(
        tx,
        &NewUser {
            unit_id: unit.id,
            username: username.to_owned(),
            full_name: "Bench Operator".into(),
            id_number: cn_id_number(n),
            phone: None,
            person_kind: PersonKind::PoliceOfficer,
            badge_number: Some(format!("OP{n}")),
            status: AccountStatus::Active,
            password_hash: hash.to_owned(),
            must_change_password: false,
            language: "en".into(),
        },
        now,
    )
    .await?;
    users::grant_role(tx, id, Role::Admin, None, now).await?;
    let signed_on = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).context("date")?;
    users::file_agreement(
        tx,
        id,
        AgreementKind::Confidentiality,
        &format!("BM-{n}"),
        signed_on,
        None,
        now,
    )
    .await?;
    users::set_status(tx, id, AccountStatus::Active, now).await?;
    Ok(username.to_owned())
}

/// The `total` of the first page: how many units the user sees.
async fn scope_size(client: &reqwest::Client, target: &str, token: &str) -> anyhow::Result<i64> {
    let resp = client.get(target).bearer_auth(token).send().await?;
    let status = resp.status();
    let body: serde_json::Value = resp.json().await?;
    anyhow::ensure!(status.is_success(), "GET {target}: {status} {body}");
    body["total"].as_i64().context("no total in the units page")
}

struct WrkReport {
    requests_per_sec: String,
    p50: String,
    p99: String,
    command: String,
}

/// `wrk -t1 -c2 --latency` with the bearer token; `None` when wrk is not installed.
async fn run_wrk(
    wrk: &str,
    target: &str,
    token: &str,
    secs: u64,
) -> anyhow::Result<Option<WrkReport>> {
    let duration = format!("{secs}s");
    let header = format!("Authorization: Bearer {token}");
    let output = match tokio::process::Command::new(wrk)
        .args([
            "-t1",
            "-c2",
            "-d",
            &duration,
            "--latency",
            "-H",
            &header,
            target,
        ])
        .output()
        .await
    {
        Ok(o) => o,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            println!("wrk: not installed (apt-get install -y wrk); skipped");
            return Ok(None);
        }
        Err(e) => return Err(e.into()),
    };
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    anyhow::ensure!(
        output.status.success(),
        "wrk failed: {}{}",
        text,
        String::from_utf8_lossy(&output.stderr)
    );
    println!("wrk -t1 -c2 -d {duration} --latency -H 'Authorization: Bearer …' {target}");
    for line in text.lines() {
        println!("  | {line}");
    }
    let field = |prefix: &str| {
        text.lines()
            .map(str::trim)
            .find_map(|l| l.strip_prefix(prefix))
            .map(|rest| rest.trim().to_owned())
            .unwrap_or_else(|| "?".into())
    };
    Ok(Some(WrkReport {
        requests_per_sec: field("Requests/sec:"),
        p50: field("50%"),
        p99: field("99%"),
        command: format!(
            "wrk -t1 -c2 -d{duration} --latency -H 'Authorization: Bearer <token>' {target}"
        ),
    }))
}

fn print_summary(backend: &str, args: &Args, seeded: &Seeded, results: &[ScopeResult]) {
    println!();
    println!("== bench-units summary: {backend} ==");
    println!(
        "data: {} units, {} users (seeded in {:.1} s); GET /api/v1/units?limit={}",
        seeded.units, seeded.users, seeded.seconds, args.limit
    );
    println!(
        "{:<10} {:>8} {:>22} {:>10} {:>10} {:>10} {:>7}  result",
        "user", "scope", "open loop", "p50", "p99", "max", "errors"
    );
    for r in results {
        let ol = &r.open_loop;
        let (p50, p99, max, pass) = match ol.latency {
            Some(l) => (
                ms(l.p50),
                ms(l.p99),
                ms(l.max),
                l.p99 < P99_TARGET && ol.errors == 0,
            ),
            None => ("-".into(), "-".into(), "-".into(), false),
        };
        println!(
            "{:<10} {:>8} {:>22} {:>10} {:>10} {:>10} {:>7}  {} (target p99 < {})",
            r.who,
            r.units_in_scope,
            format!(
                "{}/s x {} s ({:.1}/s)",
                ol.rate, args.duration, ol.achieved_rate
            ),
            p50,
            p99,
            max,
            ol.errors,
            if pass { "PASS" } else { "FAIL" },
            ms(P99_TARGET)
        );
    }
    for r in results {
        if let Some(w) = &r.wrk {
            println!(
                "wrk {:<8} closed loop, 2 connections: {} req/s, p50 {}, p99 {}  [{}]",
                r.who, w.requests_per_sec, w.p50, w.p99, w.command
            );
        }
    }
}
