//! The three performance targets of the captures issue, each on a fresh database:
//!
//! 1. **Ingest**: captures with one ~100 kB JPEG each, durable when acknowledged, at least
//!    2,000 captures/s on SQLite, with the image bytes written at no less than half the
//!    disk's sequential write speed as `dd` measures it (with a flush) on the same filesystem in
//!    the same run. The real server runs in this process; `--clients` concurrent device
//!    clients (their own runtime) push multipart forms (`capture` JSON part + a `scene` JPEG
//!    part, every image different) to `POST /api/v1/captures/push` with HTTP Basic device
//!    credentials issued through the API, as fast as the acknowledgements come back.
//! 2. **Review queue**: with 1,000,000 pending captures (bulk-inserted with one SQL
//!    statement), `GET /api/v1/review/next` p99 under 50 ms. Driven by the shared open-loop
//!    generator (`load.rs`); every request comes from a different reviewer, so every call
//!    claims a fresh capture, as a busy unit's reviewers would. `GET /api/v1/review/queue`
//!    and `next?after=<id>` (a reviewer who passed over captures) are measured as well, and
//!    the query plans of the store's queue statements are printed.
//! 3. **Notices**: 100,000 queued SMS notices drained through the outbox
//!    (`services::captures::outbox::drain`) to a local HTTP sink in under 60 s.
//!
//! Figures and commands are recorded in BENCHMARKS.md ("Captures (issue 4)").

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{DateTime, Utc};
use clap::Parser;
use roadwarden_bench::load::{open_loop_with, OpenLoopReport};
use roadwarden_bench::{cn_id_number, cpu_since, ms, with_database, CpuSnapshot, CpuUsage};
use roadwarden_bench::{FsyncFigure, LatencyStats};
use roadwarden_domain::account::{AccountStatus, PersonKind};
use roadwarden_domain::org::{Country, Level, UnitCode, UnitKind, UnitName};
use roadwarden_domain::roles::Role;
use roadwarden_domain::UserId;
use roadwarden_server::auth::token;
use roadwarden_server::config::Secret;
use roadwarden_server::context::RequestMeta;
use roadwarden_server::services::captures::committer::Item;
use roadwarden_server::services::captures::ingest::{
    self, CaptureInput, DeviceCredential, RawImage, Submission, Via,
};
use roadwarden_server::services::captures::outbox;
use roadwarden_server::services::devices::ledger::{self, ImportOptions};
use roadwarden_server::services::Authority;
use roadwarden_server::{open_state, serve, AppState, Clock, Running, Settings};
use roadwarden_store::captures::{NewCapture, NewImage};
use roadwarden_store::sessions::{self, NewSession, SessionKind};
use roadwarden_store::units::{self, NewUnit, Unit};
use roadwarden_store::users::{self, NewUser};
use roadwarden_store::Store;

/// Target 1: captures acknowledged per second (SQLite).
const INGEST_TARGET: f64 = 2_000.0;
/// Target 1: image bytes per second at least this share of `dd`'s sequential write speed.
const DISK_SHARE_TARGET: f64 = 0.5;
/// Target 2: p99 of "next item".
const NEXT_P99_TARGET: Duration = Duration::from_millis(50);
/// Target 3: the whole drain.
const DRAIN_TARGET: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Part {
    Ingest,
    Review,
    Notices,
}

#[derive(Debug, Parser)]
#[command(
    name = "bench-captures",
    about = "Capture ingest throughput, review-queue latency with 1M pending captures, notice outbox drain"
)]
struct Args {
    /// Database: empty for a fresh SQLite file in a temporary directory; a `postgres://` server
    /// URL for a fresh database on that server (dropped afterwards). Each part gets its own.
    #[arg(long, env = "ROADWARDEN_BENCH_DATABASE_URL")]
    database_url: Option<String>,
    /// Leave the databases (and a SQLite file's directory) in place afterwards.
    #[arg(long)]
    keep_database: bool,
    /// Run one part only (repeatable).
    #[arg(long, value_enum)]
    only: Vec<Part>,

    // -- part 1: ingest
    /// Captures pushed and timed (after the warm-up).
    #[arg(long, default_value_t = 20_000)]
    captures: usize,
    /// Concurrent device clients, each pushing one capture after another.
    #[arg(long, default_value_t = 128)]
    clients: usize,
    /// Devices in service that push (clients share them round-robin).
    #[arg(long, default_value_t = 64)]
    devices: usize,
    /// Bytes of each JPEG.
    #[arg(long, default_value_t = 100_000)]
    image_bytes: usize,
    /// Captures pushed before timing (to open connections and warm caches).
    #[arg(long, default_value_t = 500)]
    ingest_warm_up: usize,
    /// MiB written by each `dd` measurement of the disk.
    #[arg(long, default_value_t = 1024)]
    dd_mib: u32,
    /// Items of each ingest diagnostic (blob store alone, committer alone, the ingest service
    /// without HTTP); 0 skips them.
    #[arg(long, default_value_t = 5_000)]
    diagnostics: usize,

    // -- part 2: the review queue
    /// Pending captures in the queue.
    #[arg(long, default_value_t = 1_000_000)]
    pending: u32,
    /// Counties the pending captures are spread over (the county reviewer sees one of them;
    /// the city reviewer all).
    #[arg(long, default_value_t = 10)]
    counties: u32,
    /// Requests per second of the open-loop generator for `review/next`.
    #[arg(long, default_value_t = 50)]
    next_rate: u32,
    /// Requests per second for `review/queue`.
    #[arg(long, default_value_t = 50)]
    queue_rate: u32,
    /// Seconds of each open-loop measurement.
    #[arg(long, default_value_t = 15)]
    duration: u64,
    /// Requests before each measurement (not timed).
    #[arg(long, default_value_t = 50)]
    warm_up: u32,
    /// Reviewers walking the queue with `?after=` (each from its own point in the queue).
    #[arg(long, default_value_t = 50)]
    walkers: usize,
    /// Run `ANALYZE` on SQLite after seeding (PostgreSQL always runs `VACUUM (ANALYZE)`, as
    /// autovacuum would after a bulk insert).
    #[arg(long)]
    sqlite_analyze: bool,

    // -- part 3: notices
    /// Queued SMS notices to drain.
    #[arg(long, default_value_t = 100_000)]
    notices: u32,
    /// `notices.batch_size`: notices leased per outbox pass.
    #[arg(long, default_value_t = 500)]
    batch_size: i64,
    /// `notices.concurrency`: notices sent at once.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let wants = |p: Part| args.only.is_empty() || args.only.contains(&p);
    let url = args.database_url.clone();
    let a = &args;
    let mut backend = "sqlite";
    let mut ingest = None;
    let mut review = None;
    let mut notices = None;
    if wants(Part::Ingest) {
        let (b, r) = with_database(url.as_deref(), args.keep_database, |url, _, b| async move {
            Ok((b, Box::pin(run_ingest(a, url, b)).await?))
        })
        .await?;
        (backend, ingest) = (b, Some(r));
    }
    if wants(Part::Review) {
        let (b, r) = with_database(url.as_deref(), args.keep_database, |url, _, b| async move {
            Ok((b, Box::pin(run_review(a, url, b)).await?))
        })
        .await?;
        (backend, review) = (b, Some(r));
    }
    if wants(Part::Notices) {
        let (b, r) = with_database(url.as_deref(), args.keep_database, |url, _, b| async move {
            Ok((b, Box::pin(run_notices(a, url, b)).await?))
        })
        .await?;
        (backend, notices) = (b, Some(r));
    }
    print_summary(
        backend,
        &args,
        ingest.as_ref(),
        review.as_ref(),
        notices.as_ref(),
    );
    Ok(())
}

// ---- the world every part shares -----------------------------------------------------------

/// Opens the application state with background jobs off (they would compete for the writer),
/// then lets the part adjust its settings.
async fn start_state(
    url: &str,
    data: &Path,
    adjust: impl FnOnce(&mut Settings),
) -> anyhow::Result<AppState> {
    let mut settings = Settings {
        data_dir: data.to_path_buf(),
        ..Settings::default()
    };
    settings.database.url = Secret::new(url.to_owned());
    settings.jobs.enabled = false;
    adjust(&mut settings);
    open_state(settings, Clock::System).await
}

async fn start_server(state: &AppState) -> anyhow::Result<(Running, String)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let running = serve(listener, state.clone()).await?;
    let base = format!("http://{}", running.addr);
    println!("server on {base}");
    Ok((running, base))
}

struct Tree {
    city: Unit,
    counties: Vec<Unit>,
    /// Two squads per county, county by county.
    squads: Vec<Unit>,
}

/// A province, one city, `counties` counties and two squads in each, all police units in
/// China. County codes are 330521, 330522, …, as device numbers start with them.
async fn seed_tree(store: &Store, counties: u32, now: DateTime<Utc>) -> anyhow::Result<Tree> {
    anyhow::ensure!((1..=70).contains(&counties), "1 to 70 counties");
    let mut tx = store.begin().await?;
    let province = insert_unit(
        &mut tx,
        None,
        "330000",
        "Provincial Traffic Police Corps",
        Level::Province,
        now,
    )
    .await?;
    let city = insert_unit(
        &mut tx,
        Some(&province),
        "330500",
        "Huzhou Traffic Police Detachment",
        Level::City,
        now,
    )
    .await?;
    let mut county_units = Vec::new();
    let mut squads = Vec::new();
    for k in 0..counties {
        let code = format!("3305{:02}", 21 + k);
        let county = insert_unit(
            &mut tx,
            Some(&city),
            &code,
            &format!("County {code} Traffic Police Brigade"),
            Level::County,
            now,
        )
        .await?;
        for s in 1..=2 {
            let squad = insert_unit(
                &mut tx,
                Some(&county),
                &format!("{code}-{s:02}"),
                &format!("County {code} Squad {s}"),
                Level::Squad,
                now,
            )
            .await?;
            squads.push(squad);
        }
        county_units.push(county);
    }
    tx.commit().await?;
    Ok(Tree {
        city,
        counties: county_units,
        squads,
    })
}

async fn insert_unit(
    tx: &mut roadwarden_store::Tx,
    parent: Option<&Unit>,
    code: &str,
    name: &str,
    level: Level,
    now: DateTime<Utc>,
) -> anyhow::Result<Unit> {
    let country = Country::China;
    Ok(units::insert(
        tx,
        &NewUnit {
            parent,
            code: UnitCode::parse(code)?,
            name: UnitName::parse(name)?,
            level,
            kind: UnitKind::Police,
            country,
            time_zone: country.default_time_zone(),
        },
        now,
    )
    .await?)
}

/// Makes bench accounts, each with an API bearer token. Every account shares one Argon2id
/// hash (nobody signs in with a password) and gets the next identity number.
struct Accounts {
    store: Store,
    hash: String,
    now: DateTime<Utc>,
    next_n: u32,
}

impl Accounts {
    async fn new(store: &Store, now: DateTime<Utc>) -> anyhow::Result<Self> {
        let hash = roadwarden_server::auth::password::hash("Bench-Passw0rd!".to_owned())
            .await
            .map_err(|e| anyhow::anyhow!("hashing: {e}"))?;
        Ok(Self {
            store: store.clone(),
            hash,
            now,
            next_n: 100_000,
        })
    }

    /// `count` active police accounts at `unit` holding `role`; returns their tokens.
    ///
    /// The tokens are written the way sign-in writes them (`sessions::create` with the SHA-256
    /// of the token) instead of signing in over the API, which would cost one Argon2id
    /// verification (tens of ms of CPU) per account: part 2 needs thousands of reviewers.
    async fn make(
        &mut self,
        unit: &Unit,
        role: Role,
        prefix: &str,
        count: usize,
    ) -> anyhow::Result<Vec<Arc<str>>> {
        let now = self.now;
        let mut tokens = Vec::with_capacity(count);
        let mut tx = self.store.begin().await?;
        for i in 0..count {
            let n = self.next_n;
            self.next_n += 1;
            let id: UserId = users::insert(
                &mut tx,
                &NewUser {
                    unit_id: unit.id,
                    username: format!("{prefix}.{i:05}"),
                    full_name: format!("Bench {prefix} {i}"),
                    id_number: cn_id_number(n),
                    phone: None,
                    person_kind: PersonKind::PoliceOfficer,
                    badge_number: Some(format!("B{n:07}")),
                    status: AccountStatus::Active,
                    password_hash: self.hash.clone(),
                    must_change_password: false,
                    language: "en".into(),
                },
                now,
            )
            .await?;
            users::grant_role(&mut tx, id, role, None, now).await?;
            let raw = token::generate("rwt_");
            sessions::create(
                &mut tx,
                &NewSession {
                    token_hash: &token::digest(&raw),
                    user_id: id,
                    kind: SessionKind::Api,
                    label: "bench",
                    csrf_token: &token::generate(""),
                    expires_at: now + chrono::Duration::days(30),
                    ip: "127.0.0.1",
                },
                now,
            )
            .await?;
            tokens.push(Arc::from(raw));
        }
        tx.commit().await?;
        Ok(tokens)
    }
}

/// `per_squad` red-light cameras in service at each of `squads`, imported through the ledger
/// importer as an operator would (the same rows as the API tests' `RED_LIGHT`). Returns their
/// ids.
async fn import_devices(
    state: &AppState,
    raw: &Raw,
    squads: &[&Unit],
    per_squad: usize,
) -> anyhow::Result<Vec<i64>> {
    let mut csv = String::from(
        "number,kind,unit_code,name,maintainer,leader,department,violation_types,road,road_class,\
         place,longitude,latitude,state,in_use_since,evaluated_on,registered_on,notice_started,\
         trial_started\n",
    );
    let mut serial = 0u32;
    for squad in squads {
        // Device numbers start with the county's 6-digit division code (DEV-08).
        let division = &squad.code[..6];
        for _ in 0..per_squad {
            serial += 1;
            csv.push_str(&format!(
                "{division}01{serial:04},fixed_enforcement,{},Mingzhu crossing camera {serial},\
                 Changxing Smart Traffic,Wu Lei,Order Section,1625;1208,Changxing Avenue,urban,\
                 Mingzhu Road crossing,119.9103,31.0135,in_use,2024-05-01,2024-08-01,2024-04-20,\
                 2024-03-20,2024-04-01\n",
                squad.code
            ));
        }
    }
    let report = Box::pin(ledger::import(
        state,
        Authority::Operator,
        &RequestMeta::default(),
        "ledger.csv",
        csv.as_bytes(),
        ImportOptions::default(),
        &|_, _| {},
    ))
    .await
    .map_err(|e| anyhow::anyhow!("ledger import failed: {e} ({e:?})"))?;
    if !report.committed {
        for e in report.errors.iter().take(5) {
            println!("  ledger line {}: {}: {}", e.line, e.field, e.reason);
        }
    }
    anyhow::ensure!(report.committed, "the ledger import was refused");
    let ids = raw
        .ids("SELECT id FROM devices WHERE state = 'in_use' ORDER BY id")
        .await?;
    anyhow::ensure!(
        ids.len() == squads.len() * per_squad,
        "{} of {} devices are in use after the import",
        ids.len(),
        squads.len() * per_squad
    );
    Ok(ids)
}

/// A device's push credential.
#[derive(Clone)]
struct DeviceCred {
    key_id: String,
    secret: String,
}

/// Issues a push credential for each device through `POST /api/v1/devices/{id}/credentials`
/// as a device manager.
async fn issue_credentials(
    client: &reqwest::Client,
    base: &str,
    manager_token: &str,
    devices: &[i64],
) -> anyhow::Result<Vec<DeviceCred>> {
    let mut creds = Vec::with_capacity(devices.len());
    for id in devices {
        let resp = client
            .post(format!("{base}/api/v1/devices/{id}/credentials"))
            .bearer_auth(manager_token)
            .json(&serde_json::json!({}))
            .send()
            .await?;
        let status = resp.status();
        let body: serde_json::Value = resp.json().await?;
        anyhow::ensure!(
            status.as_u16() == 201,
            "credential for device {id}: {status} {body}"
        );
        creds.push(DeviceCred {
            key_id: body["key_id"].as_str().context("key_id")?.to_owned(),
            secret: body["secret"].as_str().context("secret")?.to_owned(),
        });
    }
    Ok(creds)
}

// ---- direct database access for seeding and diagnostics ------------------------------------

/// A connection of the bench's own to the database under test, for what the store does not
/// offer: bulk `INSERT … SELECT`, counts, and query plans. Never used while measuring.
enum Raw {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

impl Raw {
    async fn open(url: &str) -> anyhow::Result<Self> {
        if url.starts_with("sqlite:") {
            let options = sqlx::sqlite::SqliteConnectOptions::from_str(url)?
                .busy_timeout(Duration::from_secs(60));
            let pool = sqlx::sqlite::SqlitePoolOptions::new()
                .max_connections(1)
                .connect_with(options)
                .await?;
            Ok(Self::Sqlite(pool))
        } else {
            let pool = sqlx::postgres::PgPoolOptions::new()
                .max_connections(1)
                .connect(url)
                .await?;
            Ok(Self::Postgres(pool))
        }
    }

    fn is_postgres(&self) -> bool {
        matches!(self, Self::Postgres(_))
    }

    async fn exec(&self, sql: &str) -> anyhow::Result<u64> {
        Ok(match self {
            Self::Sqlite(p) => sqlx::raw_sql(sql).execute(p).await?.rows_affected(),
            Self::Postgres(p) => sqlx::raw_sql(sql).execute(p).await?.rows_affected(),
        })
    }

    async fn scalar(&self, sql: &str) -> anyhow::Result<i64> {
        Ok(match self {
            Self::Sqlite(p) => sqlx::query_scalar(sql).fetch_one(p).await?,
            Self::Postgres(p) => sqlx::query_scalar(sql).fetch_one(p).await?,
        })
    }

    async fn ids(&self, sql: &str) -> anyhow::Result<Vec<i64>> {
        Ok(match self {
            Self::Sqlite(p) => sqlx::query_scalar(sql).fetch_all(p).await?,
            Self::Postgres(p) => sqlx::query_scalar(sql).fetch_all(p).await?,
        })
    }

    /// `(text, count)` rows, e.g. of a `GROUP BY`.
    async fn counts(&self, sql: &str) -> anyhow::Result<Vec<(String, i64)>> {
        Ok(match self {
            Self::Sqlite(p) => sqlx::query_as(sql).fetch_all(p).await?,
            Self::Postgres(p) => sqlx::query_as(sql).fetch_all(p).await?,
        })
    }

    /// The plan of `sql` (literal values inlined): SQLite's `EXPLAIN QUERY PLAN`, or
    /// PostgreSQL's `EXPLAIN (ANALYZE, BUFFERS)`, which also runs it.
    async fn plan(&self, sql: &str) -> anyhow::Result<Vec<String>> {
        Ok(match self {
            Self::Sqlite(p) => {
                let rows: Vec<(i64, i64, i64, String)> =
                    sqlx::query_as(&format!("EXPLAIN QUERY PLAN {sql}"))
                        .fetch_all(p)
                        .await?;
                rows.into_iter().map(|r| r.3).collect()
            }
            Self::Postgres(p) => {
                sqlx::query_scalar(&format!("EXPLAIN (ANALYZE, BUFFERS) {sql}"))
                    .fetch_all(p)
                    .await?
            }
        })
    }

    /// Median wall time of `runs` executions of `sql` (rows fetched and dropped).
    async fn time(&self, sql: &str, runs: u32) -> anyhow::Result<Duration> {
        let mut times = Vec::new();
        for _ in 0..runs {
            let started = Instant::now();
            match self {
                Self::Sqlite(p) => drop(sqlx::raw_sql(sql).fetch_all(p).await?),
                Self::Postgres(p) => drop(sqlx::raw_sql(sql).fetch_all(p).await?),
            }
            times.push(started.elapsed());
        }
        Ok(LatencyStats::of(&times).map_or(Duration::ZERO, |s| s.p50))
    }

    /// Mean time of `n` sequential primary-key reads of `violations` (a prepared statement, as
    /// the store's repositories use).
    async fn point_reads(&self, n: i64) -> anyhow::Result<Duration> {
        let sql = "SELECT id, state FROM violations WHERE id = $1";
        let started = Instant::now();
        for i in 1..=n {
            let _row: Option<(i64, String)> = match self {
                Self::Sqlite(p) => sqlx::query_as(sql).bind(i).fetch_optional(p).await?,
                Self::Postgres(p) => sqlx::query_as(sql).bind(i).fetch_optional(p).await?,
            };
        }
        Ok(started.elapsed() / u32::try_from(n.max(1))?)
    }

    async fn close(&self) {
        match self {
            Self::Sqlite(p) => p.close().await,
            Self::Postgres(p) => p.close().await,
        }
    }

    /// `INSERT … SELECT` over `n` rows numbered `seq.n` = 0..n: a recursive CTE on SQLite,
    /// `generate_series` on PostgreSQL. `select` names its row source `{seq}`.
    fn series_insert(&self, n: u64, insert: &str, select: &str) -> String {
        let last = n.saturating_sub(1);
        match self {
            Self::Sqlite(_) => format!(
                "WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n < {last}) \
                 {insert} {}",
                select.replace("{seq}", "seq")
            ),
            Self::Postgres(_) => format!(
                "{insert} {}",
                select.replace("{seq}", &format!("generate_series(0, {last}) AS seq(n)"))
            ),
        }
    }

    /// A timestamp from Unix seconds (an SQL expression): on SQLite the text sqlx writes for a
    /// `DateTime<Utc>` (RFC 3339, `+00:00`), so the store's comparisons hold.
    fn ts(&self, unix_seconds: &str) -> String {
        match self {
            Self::Sqlite(_) => {
                format!("strftime('%Y-%m-%dT%H:%M:%S+00:00', {unix_seconds}, 'unixepoch')")
            }
            Self::Postgres(_) => format!("to_timestamp({unix_seconds})"),
        }
    }

    /// `expr` as text, zero-padded to `width` digits.
    fn pad(&self, expr: &str, width: u32) -> String {
        match self {
            Self::Sqlite(_) => format!("printf('%0{width}d', {expr})"),
            Self::Postgres(_) => format!("lpad(({expr})::text, {width}, '0')"),
        }
    }

    /// A distinct Chinese plate for each `n` below a million: 浙 + a letter + 5 digits.
    fn plate(&self, n: &str) -> String {
        let letter = match self {
            Self::Sqlite(_) => format!("substr('ABCDEFGHJK', ({n} / 100000) % 10 + 1, 1)"),
            Self::Postgres(_) => format!("substr('ABCDEFGHJK', (({n} / 100000) % 10 + 1)::int, 1)"),
        };
        format!(
            "'浙' || {letter} || {}",
            self.pad(&format!("{n} % 100000"), 5)
        )
    }
}

/// A throw-away table `bench_devices(k, device_id, unit_id, unit_path)` numbering the devices
/// 0..d, so a bulk insert can spread its rows over them with `k = n % d`.
async fn device_map(raw: &Raw) -> anyhow::Result<i64> {
    raw.exec("DROP TABLE IF EXISTS bench_devices").await?;
    raw.exec(
        "CREATE TABLE bench_devices (k INTEGER PRIMARY KEY, device_id BIGINT NOT NULL, \
         unit_id BIGINT NOT NULL, unit_path TEXT NOT NULL)",
    )
    .await?;
    let ids = raw
        .ids("SELECT id FROM devices WHERE state = 'in_use' ORDER BY id")
        .await?;
    for (k, id) in ids.iter().enumerate() {
        raw.exec(&format!(
            "INSERT INTO bench_devices SELECT {k}, id, unit_id, unit_path FROM devices WHERE id = {id}"
        ))
        .await?;
    }
    Ok(i64::try_from(ids.len())?)
}

/// Bulk-inserts `n` captures of the mapped devices, in state `state`, spread evenly over the
/// devices (so over their units). Review deadlines run from `due_from` for `span_days`, in
/// the order of the ids, as arrival order would give; each capture was taken 7 days (about 5
/// working days) before its deadline.
async fn insert_captures(
    raw: &Raw,
    n: u32,
    state: &str,
    due_from: DateTime<Utc>,
    span_days: f64,
) -> anyhow::Result<u64> {
    let devices = device_map(raw).await?;
    let step = span_days * 86_400.0 / f64::from(n.max(1));
    let due = format!("{} + seq.n * {step}", due_from.timestamp());
    let taken = format!("{due} - 604800");
    let insert =
        "INSERT INTO captures (device_id, unit_id, unit_path, event_key, source, via, plate, \
        plate_key, plate_colour, vehicle_type, violation_code, place, captured_at, received_at, \
        usage, flags, state, review_due_at)";
    let plate = raw.plate("seq.n");
    let select = format!(
        "SELECT d.device_id, d.unit_id, d.unit_path, 'seed-' || seq.n, 'fixed', 'multipart', \
         {plate}, {plate}, 'blue', 'small_car', '1625', 'Mingzhu Road crossing', {taken_ts}, \
         {taken_ts}, 'enforce', '[]', '{state}', {due_ts} \
         FROM {{seq}} JOIN bench_devices d ON d.k = seq.n % {devices}",
        taken_ts = raw.ts(&taken),
        due_ts = raw.ts(&due),
    );
    let rows = raw
        .exec(&raw.series_insert(u64::from(n), insert, &select))
        .await?;
    raw.exec("DROP TABLE bench_devices").await?;
    Ok(rows)
}

// ---- part 1: ingest ------------------------------------------------------------------------

/// One `dd` run: what it wrote and how fast.
#[derive(Debug, Clone)]
struct DdFigure {
    mode: &'static str,
    mb_per_sec: f64,
    line: String,
}

/// Sequential write speed of the filesystem holding `dir`, measured with `dd` writing
/// `mib` MiB of zeros: once with `oflag=direct conv=fsync` (bypassing the page cache) and once
/// buffered with `conv=fdatasync`, which is how the blob store writes (buffered, then a flush).
fn dd_probe(dir: &Path, mib: u32) -> anyhow::Result<Vec<DdFigure>> {
    let target = dir.join("dd.test");
    let mut out = Vec::new();
    for (mode, flags) in [
        ("direct+fsync", &["oflag=direct", "conv=fsync"][..]),
        ("buffered+fdatasync", &["conv=fdatasync"][..]),
    ] {
        let output = std::process::Command::new("dd")
            .arg("if=/dev/zero")
            .arg(format!("of={}", target.display()))
            .arg("bs=1M")
            .arg(format!("count={mib}"))
            .args(flags)
            .output()
            .context("running dd")?;
        let _ = std::fs::remove_file(&target);
        let text = String::from_utf8_lossy(&output.stderr);
        let line = text.lines().last().unwrap_or_default().to_owned();
        anyhow::ensure!(output.status.success(), "dd failed: {text}");
        // "1073741824 bytes (1.1 GB, 1.0 GiB) copied, 0.58 s, 1.9 GB/s": bytes / seconds.
        let bytes: f64 = line
            .split_whitespace()
            .next()
            .and_then(|b| b.parse().ok())
            .context("dd's byte count")?;
        let secs: f64 = line
            .rsplit(", ")
            .nth(1)
            .and_then(|s| s.trim_end_matches(" s").parse().ok())
            .context("dd's seconds")?;
        out.push(DdFigure {
            mode,
            mb_per_sec: bytes / secs / 1e6,
            line,
        });
    }
    Ok(out)
}

/// Counters of the block device holding a path, from `/proc/diskstats`.
#[derive(Debug, Clone, Copy, Default)]
struct DiskCounters {
    writes: u64,
    sectors_written: u64,
    flushes: u64,
}

impl DiskCounters {
    /// `None` when the device or `/proc` cannot be read.
    fn of(path: &Path) -> Option<Self> {
        use std::os::unix::fs::MetadataExt;
        let dev = std::fs::metadata(path).ok()?.dev();
        let major = ((dev >> 32) & 0xffff_f000) | ((dev >> 8) & 0x0fff);
        let minor = ((dev >> 12) & 0xffff_ff00) | (dev & 0xff);
        let stats = std::fs::read_to_string("/proc/diskstats").ok()?;
        stats.lines().find_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let num = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok());
            (num(0)? == major && num(1)? == minor).then(|| Self {
                writes: num(7).unwrap_or(0),
                sectors_written: num(9).unwrap_or(0),
                // Only kernels from 5.5 count flushes.
                flushes: num(18).unwrap_or(0),
            })
        })
    }

    fn since(self, earlier: Self) -> Self {
        Self {
            writes: self.writes.saturating_sub(earlier.writes),
            sectors_written: self.sectors_written.saturating_sub(earlier.sectors_written),
            flushes: self.flushes.saturating_sub(earlier.flushes),
        }
    }
}

struct IngestResult {
    captures: usize,
    image_bytes: usize,
    clients: usize,
    devices: usize,
    errors: BTreeMap<String, usize>,
    elapsed: Duration,
    latency: Option<LatencyStats>,
    dd_before: Vec<DdFigure>,
    dd_after: Vec<DdFigure>,
    fsync_4k: Option<FsyncFigure>,
    cpu: Option<CpuUsage>,
    disk: Option<DiskCounters>,
    /// Group commits: batches written (one audit entry each) and captures in them.
    batches: i64,
    batched: i64,
    states: Vec<(String, i64)>,
    blob_files: usize,
    /// The ingest diagnostics: (stage, items, seconds).
    stages: Vec<(&'static str, usize, f64)>,
}

impl IngestResult {
    fn per_sec(&self) -> f64 {
        self.captures as f64 / self.elapsed.as_secs_f64()
    }

    fn image_mb_per_sec(&self) -> f64 {
        (self.captures * self.image_bytes) as f64 / self.elapsed.as_secs_f64() / 1e6
    }

    /// The slower `dd` of each mode across the two runs (before and after the pushes).
    fn dd(&self, mode: &str) -> Option<f64> {
        self.dd_before
            .iter()
            .chain(&self.dd_after)
            .filter(|d| d.mode == mode)
            .map(|d| d.mb_per_sec)
            .reduce(f64::min)
    }
}

async fn run_ingest(
    args: &Args,
    url: String,
    backend: &'static str,
) -> anyhow::Result<IngestResult> {
    println!(
        "\n== bench-captures (ingest) on {backend} ({}) ==",
        roadwarden_store::redact_url(&url)
    );
    let data = tempfile::Builder::new()
        .prefix("rw-bench-data-")
        .tempdir()?;
    print_filesystem(data.path());
    let dd_before = dd_probe(data.path(), args.dd_mib)?;
    print_dd("before", &dd_before);
    let fsync_4k = roadwarden_bench::fsync_probe(data.path(), 1000).ok();
    if let Some(f) = fsync_4k {
        println!(
            "disk flush: 4 KiB write + fdatasync {:.0}/s ({} each)",
            f.per_second(),
            ms(f.mean_latency())
        );
    }

    let state = start_state(&url, data.path(), |_| {}).await?;
    let raw = Raw::open(&url).await?;
    let now = state.clock.now();
    let tree = seed_tree(&state.store, 1, now).await?;
    let manager = Accounts::new(&state.store, now)
        .await?
        .make(&tree.counties[0], Role::DeviceManager, "bench.manager", 1)
        .await?;
    let squads: Vec<&Unit> = tree.squads.iter().collect();
    let per_squad = args.devices.div_ceil(squads.len()).max(1);
    let devices = import_devices(&state, &raw, &squads, per_squad).await?;
    let (running, base) = start_server(&state).await?;
    let client = reqwest::Client::new();
    let creds = issue_credentials(&client, &base, &manager[0], &devices).await?;
    println!(
        "{} devices in use, each with a push credential; {} clients; {} captures of one {} byte JPEG",
        creds.len(),
        args.clients,
        args.captures,
        args.image_bytes
    );

    let plan = PushPlan {
        base: base.clone(),
        creds: Arc::new(creds),
        image_bytes: args.image_bytes,
        clock: state.clock.clone(),
    };
    let warm = {
        let plan = plan.clone();
        let (n, c) = (args.ingest_warm_up, args.clients);
        tokio::task::spawn_blocking(move || push_all(&plan, 0, n, c)).await??
    };
    anyhow::ensure!(
        warm.errors.is_empty(),
        "warm-up pushes failed: {:?}",
        warm.errors
    );
    let disk_before = DiskCounters::of(data.path());
    let audit_before = count_ingest_batches(&raw).await?;
    let cpu = CpuSnapshot::take();
    let run = {
        let plan = plan.clone();
        let (from, n, c) = (args.ingest_warm_up, args.captures, args.clients);
        tokio::task::spawn_blocking(move || push_all(&plan, from, n, c)).await??
    };
    let cpu = cpu_since(cpu.as_ref());
    let disk = DiskCounters::of(data.path())
        .zip(disk_before)
        .map(|(a, b)| a.since(b));
    let audit_after = count_ingest_batches(&raw).await?;
    running.shutdown().await?;

    // What the database and the blob store hold now.
    let states = raw
        .counts("SELECT state, COUNT(*) FROM captures GROUP BY state ORDER BY state")
        .await?;
    print_ingest_counts(&states);
    let stored = raw.scalar("SELECT COUNT(*) FROM captures").await?;
    let images = raw.scalar("SELECT COUNT(*) FROM capture_images").await?;
    let blob_files = count_files(&data.path().join("blobs"))?;
    let ok = run.latencies.len();
    anyhow::ensure!(
        stored == i64::try_from(ok + warm.latencies.len())?,
        "{stored} captures stored for {} acknowledged",
        ok + warm.latencies.len()
    );
    anyhow::ensure!(
        images == stored,
        "{images} image rows for {stored} captures"
    );
    anyhow::ensure!(
        blob_files >= usize::try_from(stored)?,
        "{blob_files} blob files for {stored} captures"
    );
    let stages = if args.diagnostics > 0 {
        ingest_stages(&state, &raw, &plan, args.diagnostics, args.clients).await?
    } else {
        Vec::new()
    };
    state.store.close().await;
    raw.close().await;

    let dd_after = dd_probe(data.path(), args.dd_mib)?;
    print_dd("after", &dd_after);
    let result = IngestResult {
        captures: ok,
        image_bytes: args.image_bytes,
        clients: args.clients,
        devices: devices.len(),
        errors: run.errors,
        elapsed: run.elapsed,
        latency: LatencyStats::of(&run.latencies),
        dd_before,
        dd_after,
        fsync_4k,
        cpu,
        disk,
        batches: audit_after.0 - audit_before.0,
        batched: audit_after.1 - audit_before.1,
        states,
        blob_files,
        stages,
    };
    print_ingest(&result);
    drop(data);
    Ok(result)
}

fn print_ingest_counts(states: &[(String, i64)]) {
    println!("captures stored, by state: {states:?}");
}

fn print_filesystem(dir: &Path) {
    if let Ok(out) = std::process::Command::new("df").arg("-T").arg(dir).output() {
        let text = String::from_utf8_lossy(&out.stdout);
        println!(
            "data dir {} on: {}",
            dir.display(),
            text.lines().last().unwrap_or_default()
        );
    }
}

fn print_dd(when: &str, figures: &[DdFigure]) {
    for d in figures {
        println!(
            "dd {when} ({}): {:.0} MB/s  [{}]",
            d.mode, d.mb_per_sec, d.line
        );
    }
}

fn print_ingest(r: &IngestResult) {
    println!(
        "ingested {} captures in {:.2} s: {:.0} captures/s, images {:.1} MB/s; errors {:?}",
        r.captures,
        r.elapsed.as_secs_f64(),
        r.per_sec(),
        r.image_mb_per_sec(),
        r.errors
    );
    if let Some(l) = r.latency {
        println!(
            "  ack latency: p50 {}  p90 {}  p99 {}  max {}",
            ms(l.p50),
            ms(l.p90),
            ms(l.p99),
            ms(l.max)
        );
    }
    if r.batches > 0 {
        println!(
            "  group commit: {} transactions for {} captures ({:.1} per transaction, {:.0} commits/s)",
            r.batches,
            r.batched,
            r.batched as f64 / r.batches as f64,
            r.batches as f64 / r.elapsed.as_secs_f64()
        );
    }
    if let Some(d) = r.disk {
        let written = d.sectors_written as f64 * 512.0;
        println!(
            "  block device: {:.0} MB written ({:.2}x the image bytes), {} write requests, {} flushes ({:.1} per capture)",
            written / 1e6,
            written / (r.captures * r.image_bytes) as f64,
            d.writes,
            d.flushes,
            d.flushes as f64 / r.captures as f64
        );
    }
    println!(
        "  captures by state: {:?}; blob files: {}",
        r.states, r.blob_files
    );
    if let Some(cpu) = r.cpu {
        println!("  {cpu} (this process is the server and the clients)");
    }
    for (stage, n, secs) in &r.stages {
        println!(
            "  diagnostic, {stage}: {n} in {secs:.2} s = {:.0}/s",
            *n as f64 / secs
        );
    }
}

/// Each stage of the ingest pipeline alone, `n` items from `clients` concurrent tasks, to show
/// which one bounds the whole:
/// (a) the blob store: `BlobStore::put` of a fresh image (write, fsync, rename, fsync of the
///     directory), as `ingest::store_images` does;
/// (b) the group committer: `Committer::commit` of a capture row whose image is already
///     stored (capture row, image row, the device's last capture; one audit entry and one
///     commit per batch);
/// (c) the whole ingest service, `ingest::ingest`, without HTTP and multipart: credential,
///     pre-check reads, blob store and committer.
async fn ingest_stages(
    state: &AppState,
    raw: &Raw,
    plan: &PushPlan,
    n: usize,
    clients: usize,
) -> anyhow::Result<Vec<(&'static str, usize, f64)>> {
    let devices: Vec<(String, i64)> = raw
        .counts("SELECT unit_path, id FROM devices WHERE state = 'in_use' ORDER BY id")
        .await?;
    let units: Vec<(String, i64)> = raw
        .counts("SELECT CAST(id AS TEXT), unit_id FROM devices WHERE state = 'in_use' ORDER BY id")
        .await?;
    let devices: Arc<Vec<(String, i64, i64)>> = Arc::new(
        devices
            .into_iter()
            .zip(units)
            .map(|((path, id), (_, unit))| (path, id, unit))
            .collect(),
    );
    // Seeds far above the pushes', so every image is new.
    let base = 10_000_000u64;
    let mut out = Vec::new();

    let started = Instant::now();
    run_tasks(n, clients, |i| {
        let (blobs, len) = (Arc::clone(&state.blobs), plan.image_bytes);
        async move {
            let bytes = jpeg(base + i as u64, len);
            blobs
                .put(Box::pin(std::io::Cursor::new(bytes)), None)
                .await
                .map(drop)
                .map_err(|e| anyhow::anyhow!(e))
        }
    })
    .await?;
    out.push((
        "(a) blob store put alone",
        n,
        started.elapsed().as_secs_f64(),
    ));

    // (a') The same durable write (temporary file, fsync, rename into the fan-out directory,
    // fsync of the directory) done by one blocking call per image instead of one
    // `tokio::fs` call (each a hand-off to the blocking pool) per step: what the blob store
    // would cost if it wrote in-memory images that way.
    let root = Arc::new(state.settings.blob_dir().join("diag"));
    std::fs::create_dir_all(root.join("tmp"))?;
    let started = Instant::now();
    run_tasks(n, clients, |i| {
        let (root, len) = (Arc::clone(&root), plan.image_bytes);
        async move {
            tokio::task::spawn_blocking(move || {
                write_durably(&root, &jpeg(3 * base + i as u64, len), i)
            })
            .await?
        }
    })
    .await?;
    out.push((
        "(a') same writes, one blocking call per image",
        n,
        started.elapsed().as_secs_f64(),
    ));

    let now = state.clock.now();
    let started = Instant::now();
    run_tasks(n, clients, |i| {
        let (devices, committer) = (Arc::clone(&devices), state.committer().clone());
        async move {
            let (path, device, unit) = &devices[i % devices.len()];
            let item = Item {
                capture: diagnostic_capture(path, *device, *unit, i, now),
                alert: None,
                valid: true,
            };
            committer
                .commit(item)
                .await
                .map(drop)
                .map_err(|e| anyhow::anyhow!("{e}"))
        }
    })
    .await?;
    out.push((
        "(b) group committer alone",
        n,
        started.elapsed().as_secs_f64(),
    ));

    let started = Instant::now();
    run_tasks(n, clients, |i| {
        let (state, plan) = (state.clone(), plan.clone());
        async move {
            let cred = &plan.creds[i % plan.creds.len()];
            let cred = DeviceCredential {
                key_id: cred.key_id.clone(),
                secret: cred.secret.clone(),
            };
            let sub = Submission {
                via: Via::Multipart,
                input: CaptureInput {
                    event_id: Some(format!("diag-service-{i}")),
                    plate: format!("浙F{:05}", i % 100_000),
                    plate_colour: "blue".into(),
                    vehicle_type: "small_car".into(),
                    violation_code: "1625".into(),
                    captured_at: state.clock.now().to_rfc3339(),
                    ..CaptureInput::default()
                },
                images: vec![RawImage {
                    kind: "scene".into(),
                    bytes: jpeg(2 * base + i as u64, plan.image_bytes).into(),
                    plate_rect: None,
                }],
                camera_time: None,
            };
            let receipt = ingest::ingest(&state, &cred, sub)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            anyhow::ensure!(receipt.state == "pending", "state {}", receipt.state);
            Ok(())
        }
    })
    .await?;
    out.push((
        "(c) ingest service without HTTP",
        n,
        started.elapsed().as_secs_f64(),
    ));
    for (stage, n, secs) in &out {
        println!(
            "diagnostic, {stage}: {n} in {secs:.2} s = {:.0}/s",
            *n as f64 / secs
        );
    }
    Ok(out)
}

/// Writes `bytes` as `FsStore::put` does, synchronously: a temporary file, synced, renamed to
/// `<root>/ab/cd/<name>`, then the directory synced.
fn write_durably(root: &Path, bytes: &[u8], i: usize) -> anyhow::Result<()> {
    use std::io::Write;
    let name = format!("{:064x}", (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let tmp = root.join("tmp").join(&name);
    let mut file = std::fs::File::create(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    let dir = root.join(&name[..2]).join(&name[2..4]);
    std::fs::create_dir_all(&dir)?;
    std::fs::rename(&tmp, dir.join(&name))?;
    std::fs::File::open(&dir)?.sync_all()?;
    Ok(())
}

/// A pending capture row as ingest builds it, its image named by a made-up id.
fn diagnostic_capture(
    path: &str,
    device: i64,
    unit: i64,
    i: usize,
    now: DateTime<Utc>,
) -> NewCapture {
    NewCapture {
        device_id: Some(roadwarden_domain::DeviceId(device)),
        unit_id: roadwarden_domain::UnitId(unit),
        unit_path: roadwarden_domain::org::UnitPath::from_stored(path.to_owned()),
        event_key: format!("diag-commit-{i}"),
        source: "fixed".into(),
        via: "multipart".into(),
        plate: "浙E12345".into(),
        plate_key: "浙E12345".into(),
        plate_colour: "blue".into(),
        vehicle_type: "small_car".into(),
        vehicle_colour: String::new(),
        violation_code: "1625".into(),
        place: "Mingzhu Road crossing".into(),
        division_code: String::new(),
        road_code: String::new(),
        km_marker: String::new(),
        direction: String::new(),
        lane: None,
        speed: None,
        speed_limit: None,
        confidence: None,
        longitude: None,
        latitude: None,
        video_url: String::new(),
        captured_at: now,
        received_at: now,
        camera_time: None,
        usage: "enforce".into(),
        flags: "[]".into(),
        state: "pending".into(),
        review_due_at: Some(now),
        collected_by: None,
        images: vec![NewImage {
            kind: "scene".into(),
            blob_id: format!("{i:064x}"),
            bytes: 100_000,
            plate_rect: None,
        }],
    }
}

/// Runs `job(0..n)` on this runtime with `concurrency` jobs in flight.
async fn run_tasks<F, Fut>(n: usize, concurrency: usize, job: F) -> anyhow::Result<()>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>> + Send + 'static,
{
    let mut tasks = tokio::task::JoinSet::new();
    let mut next = 0;
    loop {
        while tasks.len() < concurrency.max(1) && next < n {
            tasks.spawn(job(next));
            next += 1;
        }
        match tasks.join_next().await {
            Some(done) => done??,
            None => return Ok(()),
        }
    }
}

/// `(audit entries of group commits, captures they name)`: each committer transaction writes
/// one `capture.ingest` entry listing its captures.
async fn count_ingest_batches(raw: &Raw) -> anyhow::Result<(i64, i64)> {
    let batches = raw
        .scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'capture.ingest'")
        .await?;
    // The detail is `{"captures":[1,2,…]}`: one comma fewer than ids.
    let ids = raw
        .scalar(
            "SELECT COALESCE(SUM(LENGTH(detail) - LENGTH(REPLACE(detail, ',', '')) + 1), 0) \
             FROM audit_log WHERE action = 'capture.ingest'",
        )
        .await?;
    Ok((batches, ids))
}

fn count_files(dir: &Path) -> anyhow::Result<usize> {
    let mut n = 0;
    let mut stack: Vec<PathBuf> = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)? {
            let entry = entry?;
            if entry.file_type()?.is_dir() {
                stack.push(entry.path());
            } else {
                n += 1;
            }
        }
    }
    Ok(n)
}

/// What the push clients need.
#[derive(Clone)]
struct PushPlan {
    base: String,
    creds: Arc<Vec<DeviceCred>>,
    image_bytes: usize,
    clock: Clock,
}

struct PushRun {
    elapsed: Duration,
    /// Send to acknowledgement, of every accepted push.
    latencies: Vec<Duration>,
    /// Failed pushes by status or error.
    errors: BTreeMap<String, usize>,
}

/// Pushes captures `from..from + count` with `clients` concurrent clients, each sending its
/// next capture as soon as the previous one is acknowledged (closed loop: the figure is the
/// server's throughput). The clients run on their own one-thread runtime, as in `load.rs`.
fn push_all(plan: &PushPlan, from: usize, count: usize, clients: usize) -> anyhow::Result<PushRun> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        // Named so that profiles tell the clients' CPU from the server's.
        .thread_name("push-client")
        .enable_all()
        .build()?;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .build()?;
    let next = Arc::new(AtomicUsize::new(from));
    let end = from + count;
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let (client, plan, next) = (client.clone(), plan.clone(), Arc::clone(&next));
            runtime.spawn(async move {
                let mut latencies = Vec::new();
                let mut errors: BTreeMap<String, usize> = BTreeMap::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= end {
                        break;
                    }
                    let sent = Instant::now();
                    match push_one(&client, &plan, i).await {
                        Ok(()) => latencies.push(sent.elapsed()),
                        Err(e) => *errors.entry(e).or_default() += 1,
                    }
                }
                (latencies, errors)
            })
        })
        .collect();
    let mut run = PushRun {
        elapsed: Duration::ZERO,
        latencies: Vec::with_capacity(count),
        errors: BTreeMap::new(),
    };
    runtime.block_on(async {
        for t in tasks {
            let (latencies, errors) = t.await?;
            run.latencies.extend(latencies);
            for (e, n) in errors {
                *run.errors.entry(e).or_default() += n;
            }
        }
        anyhow::Ok(())
    })?;
    run.elapsed = started.elapsed();
    Ok(run)
}

/// One capture of device `i % devices`, as a multipart form: the `capture` JSON part and
/// one `scene` JPEG. `Ok` only for a 201 with a pending capture.
async fn push_one(client: &reqwest::Client, plan: &PushPlan, i: usize) -> Result<(), String> {
    let cred = &plan.creds[i % plan.creds.len()];
    let capture = serde_json::json!({
        "event_id": format!("bench-{i}"),
        "plate": format!("浙{}{:05}", ["A", "B", "C", "D", "E"][(i / 100_000) % 5], i % 100_000),
        "plate_colour": "blue",
        "vehicle_type": "small_car",
        "violation_code": "1625",
        "captured_at": plan.clock.now().to_rfc3339(),
    });
    let image = reqwest::multipart::Part::bytes(jpeg(i as u64, plan.image_bytes))
        .file_name("scene.jpg")
        .mime_str("image/jpeg")
        .map_err(|e| e.to_string())?;
    let form = reqwest::multipart::Form::new()
        .text("capture", capture.to_string())
        .part("scene", image);
    let resp = client
        .post(format!("{}/api/v1/captures/push", plan.base))
        .basic_auth(&cred.key_id, Some(&cred.secret))
        .multipart(form)
        .send()
        .await
        .map_err(|e| format!("send: {e}"))?;
    let status = resp.status().as_u16();
    let body: serde_json::Value = resp.json().await.unwrap_or_default();
    match (status, body["state"].as_str()) {
        (201, Some("pending")) => Ok(()),
        (201, other) => Err(format!("201 but state {other:?}: {}", body["flags"])),
        _ => Err(format!("{status} {}", body["error"]["code"])),
    }
}

/// A real JPEG of about `len` bytes whose content is unique to `seed`: an 8x8 grey picture
/// with comment segments of pseudo-random bytes (incompressible, like real entropy-coded
/// data) after SOI, which a decoder skips.
fn jpeg(seed: u64, len: usize) -> Vec<u8> {
    const GREY_8X8: &[u8] = include_bytes!("../../../server/tests/fixtures/grey_8x8.jpg");
    const SEGMENT: usize = 65_000;
    let mut filler = len.saturating_sub(GREY_8X8.len());
    let mut b = Vec::with_capacity(len + 8);
    b.extend(&GREY_8X8[..2]);
    // splitmix64: fast enough that generating 100 kB costs ~20 µs.
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
    while filler > 0 {
        let n = filler.min(SEGMENT);
        filler -= n;
        b.extend([0xFF, 0xFE]);
        b.extend(u16::try_from(n + 2).expect("a segment fits").to_be_bytes());
        let end = b.len() + n;
        while b.len() < end {
            x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            let take = (end - b.len()).min(8);
            b.extend_from_slice(&z.to_le_bytes()[..take]);
        }
    }
    b.extend(&GREY_8X8[2..]);
    b
}

// ---- part 2: the review queue --------------------------------------------------------------

struct ShapeResult {
    label: String,
    report: OpenLoopReport,
    /// The target applies (the `next` shapes).
    next: bool,
}

struct ReviewResult {
    pending: u32,
    county_scope: i64,
    seed_seconds: f64,
    shapes: Vec<ShapeResult>,
    /// Statement, its median time alone, and its plan.
    plans: Vec<(String, Duration, Vec<String>)>,
}

async fn run_review(
    args: &Args,
    url: String,
    backend: &'static str,
) -> anyhow::Result<ReviewResult> {
    println!(
        "\n== bench-captures (review queue) on {backend} ({}) ==",
        roadwarden_store::redact_url(&url)
    );
    let data = tempfile::Builder::new()
        .prefix("rw-bench-data-")
        .tempdir()?;
    let state = start_state(&url, data.path(), |_| {}).await?;
    let raw = Raw::open(&url).await?;
    let now = state.clock.now();
    let tree = seed_tree(&state.store, args.counties, now).await?;
    let squads: Vec<&Unit> = tree.squads.iter().collect();
    import_devices(&state, &raw, &squads, 2).await?;

    let (seeded, seed_seconds) = seed_backlog(args, &raw, now).await?;

    let county = &tree.counties[0];
    let (low, high) = path_range(county.path.as_str());
    let scope_filter = format!(
        "state IN ('pending', 'second_review') AND unit_path >= '{low}' AND unit_path < '{high}'"
    );
    let in_order = raw
        .ids(&format!(
            "SELECT id FROM captures WHERE {scope_filter} ORDER BY review_due_at, id"
        ))
        .await?;
    println!(
        "county {} has {} pending captures in scope; the city {} all {}",
        county.code,
        in_order.len(),
        tree.city.code,
        seeded
    );

    // Reviewers: one per `next` request (each claims its own capture), plus the walkers and
    // two who only list the queue.
    let mut accounts = Accounts::new(&state.store, now).await?;
    // The first of each set answers the probe; then one per warm-up and measured request.
    let per_shape =
        usize::try_from(u64::from(args.next_rate) * args.duration + u64::from(args.warm_up))? + 1;
    let county_reviewers = accounts
        .make(county, Role::Reviewer, "rev.county", per_shape)
        .await?;
    let city_reviewers = accounts
        .make(&tree.city, Role::Reviewer, "rev.city", per_shape)
        .await?;
    let walkers = accounts
        .make(county, Role::Reviewer, "rev.walk", args.walkers.max(1))
        .await?;
    let listers = [
        accounts
            .make(county, Role::Reviewer, "rev.list.county", 1)
            .await?,
        accounts
            .make(&tree.city, Role::Reviewer, "rev.list.city", 1)
            .await?,
    ];

    // The statements of `captures::claim_next` and `captures::queue`, alone, before any load.
    let plans = queue_plans(
        &raw,
        &low,
        &high,
        now,
        in_order.get(in_order.len() / 2).copied(),
    )
    .await?;

    let (running, base) = start_server(&state).await?;
    let reviewers = Reviewers {
        county: county_reviewers,
        city: city_reviewers,
        walkers,
        listers,
    };
    let shapes = measure_review(args, &base, &reviewers, in_order).await?;
    running.shutdown().await?;
    let claimed = raw
        .scalar("SELECT COUNT(*) FROM captures WHERE claimed_by IS NOT NULL")
        .await?;
    println!("\ncaptures held by a reviewer after the run: {claimed}");
    let county_scope = raw
        .scalar(&format!(
            "SELECT COUNT(*) FROM captures WHERE {scope_filter}"
        ))
        .await?;
    raw.close().await;
    state.store.close().await;
    drop(data);
    Ok(ReviewResult {
        pending: args.pending,
        county_scope,
        seed_seconds,
        shapes,
        plans,
    })
}

/// Bearer tokens of the reviewers of part 2.
struct Reviewers {
    /// At the county, one per `next` request.
    county: Vec<Arc<str>>,
    /// At the city (every pending capture in scope), one per `next` request.
    city: Vec<Arc<str>>,
    /// At the county, walking with `?after=`.
    walkers: Vec<Arc<str>>,
    /// One at the county and one at the city, listing the queue.
    listers: [Vec<Arc<str>>; 2],
}

/// The open-loop measurements of part 2, one shape after another. `in_order` is the county's
/// queue (ids by deadline), where the walkers start.
async fn measure_review(
    args: &Args,
    base: &str,
    reviewers: &Reviewers,
    in_order: Vec<i64>,
) -> anyhow::Result<Vec<ShapeResult>> {
    let next_url: Arc<str> = Arc::from(format!("{base}/api/v1/review/next"));
    let queue_url: Arc<str> = Arc::from(format!("{base}/api/v1/review/queue"));
    let mut shapes = Vec::new();
    let warm = args.warm_up as usize;
    let duration = Duration::from_secs(args.duration);
    for (label, tokens) in [
        (
            "next, county reviewer (fresh reviewer per request)",
            &reviewers.county,
        ),
        (
            "next, city reviewer (all pending in scope)",
            &reviewers.city,
        ),
    ] {
        probe_next(&next_url, &tokens[0]).await?;
        let report = measure(args.next_rate, duration, warm, {
            let (url, tokens) = (Arc::clone(&next_url), tokens.clone());
            // Request i (warm-up first) is reviewer i + 1's first call.
            move |i| {
                (
                    Arc::clone(&url),
                    Arc::clone(&tokens[(i + 1) % tokens.len()]),
                )
            }
        })
        .await?;
        shapes.push(ShapeResult {
            label: label.into(),
            report,
            next: true,
        });
    }
    {
        // Walkers start at evenly spaced points of the county's queue; walker w's k-th request
        // passes over the capture just before it, as a reviewer skipping one by one would.
        let ids = Arc::new(in_order);
        let walkers = reviewers.walkers.clone();
        let w = walkers.len();
        let stride = ids.len() / w;
        let url = Arc::clone(&next_url);
        let report = measure(args.next_rate, duration, warm, move |i| {
            let (walker, step) = (i % w, i / w);
            let after = ids[(walker * stride + step) % ids.len()];
            (
                Arc::from(format!("{url}?after={after}")),
                Arc::clone(&walkers[walker]),
            )
        })
        .await?;
        shapes.push(ShapeResult {
            label: format!("next?after=<id>, county, {w} reviewers walking from spread points"),
            report,
            next: true,
        });
    }
    for (label, tokens) in [
        ("queue, county reviewer", &reviewers.listers[0]),
        ("queue, city reviewer", &reviewers.listers[1]),
    ] {
        let page = probe_json(&queue_url, &tokens[0]).await?;
        println!(
            "\n-- {label}: total {} (exact: {}), overdue {}, {} items on the page --",
            page["total"],
            page["total_is_exact"],
            page["overdue"],
            page["items"].as_array().map_or(0, Vec::len)
        );
        let token = Arc::clone(&tokens[0]);
        let url = Arc::clone(&queue_url);
        let report = measure(args.queue_rate, duration, warm, move |_| {
            (Arc::clone(&url), Arc::clone(&token))
        })
        .await?;
        shapes.push(ShapeResult {
            label: label.into(),
            report,
            next: false,
        });
    }
    Ok(shapes)
}

/// The backlog of `--pending` captures awaiting review, with deadlines from 2 days ago to 8
/// days ahead (so a fifth is overdue) and one scene image row each, as ingest writes them.
/// Returns the rows written and the seconds taken.
async fn seed_backlog(args: &Args, raw: &Raw, now: DateTime<Utc>) -> anyhow::Result<(u64, f64)> {
    let started = Instant::now();
    let seeded = insert_captures(
        raw,
        args.pending,
        "pending",
        now - chrono::Duration::days(2),
        10.0,
    )
    .await?;
    raw.exec(
        "INSERT INTO capture_images (capture_id, position, kind, blob_id, bytes) \
         SELECT id, 0, 'scene', '0000000000000000000000000000000000000000000000000000000000000000', 100000 \
         FROM captures",
    )
    .await?;
    analyze(raw, args.sqlite_analyze).await?;
    let seconds = started.elapsed().as_secs_f64();
    println!("seeded {seeded} pending captures with their image rows in {seconds:.1} s");
    Ok((seeded, seconds))
}

/// `ANALYZE` after the bulk load: always on PostgreSQL (autovacuum would within a minute), on
/// SQLite only when asked (nothing in the application runs it, so a deployment has no
/// statistics unless an operator runs it).
async fn analyze(raw: &Raw, sqlite: bool) -> anyhow::Result<()> {
    if raw.is_postgres() {
        // What autovacuum does after a bulk insert (autovacuum_vacuum_insert_threshold): the
        // statistics, and the visibility map that lets counts read the index alone.
        let started = Instant::now();
        raw.exec("VACUUM (ANALYZE)").await?;
        // And the checkpoint that follows a bulk load, so its writes do not stall the commits
        // of the measured claims (seen as 100-300 ms spikes without it).
        raw.exec("CHECKPOINT").await?;
        println!(
            "VACUUM (ANALYZE) and CHECKPOINT in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    } else if sqlite {
        let started = Instant::now();
        raw.exec("ANALYZE").await?;
        println!("ANALYZE in {:.1} s", started.elapsed().as_secs_f64());
    }
    if !raw.is_postgres() {
        raw.exec("PRAGMA wal_checkpoint(TRUNCATE)").await?;
    }
    Ok(())
}

/// The `[low, high)` range of paths under `prefix`, as the store computes it.
fn path_range(prefix: &str) -> (String, String) {
    (
        prefix.to_owned(),
        format!("{}0", prefix.trim_end_matches('/')),
    )
}

/// Runs `warm` requests, then the open-loop measurement, on the shared generator.
async fn measure<F>(
    rate: u32,
    duration: Duration,
    warm: usize,
    request: F,
) -> anyhow::Result<OpenLoopReport>
where
    F: Fn(usize) -> (Arc<str>, Arc<str>) + Send + Sync + 'static,
{
    // The warm-up uses requests 0..warm sequentially, the measurement warm.. on schedule.
    let client = reqwest::Client::new();
    for i in 0..warm {
        let (url, token) = request(i);
        let resp = client.get(&*url).bearer_auth(&*token).send().await?;
        anyhow::ensure!(
            resp.status().is_success(),
            "warm-up {url}: {}",
            resp.status()
        );
        resp.bytes().await?;
    }
    let cpu = CpuSnapshot::take();
    let mut report = tokio::task::spawn_blocking(move || {
        open_loop_with(rate, duration, move |i| request(warm + i))
    })
    .await??;
    report.cpu = cpu_since(cpu.as_ref());
    report.print();
    println!("  statuses: {:?}", report.statuses);
    Ok(report)
}

async fn probe_json(url: &str, token: &str) -> anyhow::Result<serde_json::Value> {
    let resp = reqwest::Client::new()
        .get(url)
        .bearer_auth(token)
        .send()
        .await?;
    let status = resp.status();
    let body: serde_json::Value = resp.json().await?;
    anyhow::ensure!(status.as_u16() == 200, "GET {url}: {status} {body}");
    Ok(body)
}

async fn probe_next(url: &str, token: &str) -> anyhow::Result<()> {
    let body = probe_json(url, token).await?;
    println!(
        "\n-- GET {url}: capture {} due {} with {} image(s) --",
        body["id"],
        body["review_due_at"],
        body["images"].as_array().map_or(0, Vec::len)
    );
    Ok(())
}

/// The statements of `captures::claim_next` (without and with `after`) and `captures::queue`
/// as the store writes them (crates/store/src/captures.rs), values inlined, each timed alone
/// and with its plan.
async fn queue_plans(
    raw: &Raw,
    low: &str,
    high: &str,
    now: DateTime<Utc>,
    middle: Option<i64>,
) -> anyhow::Result<Vec<(String, Duration, Vec<String>)>> {
    let now = now.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false);
    let after = match middle {
        Some(id) => raw
            .counts(&format!(
                "SELECT CAST(review_due_at AS TEXT), id FROM captures WHERE id = {id}"
            ))
            .await?
            .into_iter()
            .next(),
        None => None,
    };
    let (after_due, after_id) = after.unwrap_or_else(|| ("1970-01-01T00:00:00+00:00".into(), 0));
    // The store reads the queue unit by unit and merges the heads (`queue_head` in
    // crates/store/src/captures.rs): these are its statements for the county, with the values
    // written in. A reviewer id nobody has: nothing is collected or held by them.
    let units: Vec<(String, i64)> = raw
        .counts(&format!(
            "SELECT path, CAST(0 AS BIGINT) FROM units WHERE path >= '{low}' AND path < '{high}' ORDER BY path"
        ))
        .await?;
    let head = |columns: &str, limit: u32, due: &str, id: i64| {
        units
            .iter()
            .enumerate()
            .map(|(i, (path, _))| {
                format!(
                    "SELECT * FROM (SELECT {columns} FROM captures WHERE \
                     state IN ('pending', 'second_review') AND unit_path = '{path}' \
                     AND (collected_by IS NULL OR collected_by <> 999999) \
                     AND NOT (state = 'second_review' AND first_reviewer = 999999) \
                     AND (claimed_until IS NULL OR claimed_until < '{now}' OR claimed_by = 999999) \
                     AND review_due_at >= '{due}' AND (review_due_at > '{due}' OR id > {id}) \
                     ORDER BY unit_path, review_due_at, id LIMIT {limit}) q{i}"
                )
            })
            .collect::<Vec<_>>()
            .join(" UNION ALL ")
            + &format!(" ORDER BY review_due_at, id LIMIT {limit}")
    };
    let statements = vec![
        (
            format!("claim_next (no after), {} units merged", units.len()),
            head("id, review_due_at", 1, "1970-01-01T00:00:00+00:00", 0),
        ),
        (
            format!("claim_next (after capture {after_id}, mid-queue)"),
            head("id, review_due_at", 1, &after_due, after_id),
        ),
        (
            "queue: first 50".to_owned(),
            head(
                "id, plate, violation_code, place, captured_at, review_due_at, state, usage, flags",
                50,
                "1970-01-01T00:00:00+00:00",
                0,
            ),
        ),
        (
            "queue: total (capped)".to_owned(),
            format!("SELECT COUNT(*) FROM (SELECT 1 FROM captures WHERE state IN ('pending', 'second_review') \
                 AND unit_path >= '{low}' AND unit_path < '{high}' LIMIT 10001) q"),
        ),
        (
            "queue: overdue_in_scope (capped)".to_owned(),
            format!("SELECT COUNT(*) FROM (SELECT 1 FROM captures WHERE state IN ('pending', 'second_review') \
                 AND unit_path >= '{low}' AND unit_path < '{high}' AND review_due_at <= '{now}' LIMIT 10001) q"),
        ),
    ];
    let mut out = Vec::new();
    println!("\nthe queue's statements alone (county scope), median of 5 runs, and their plans:");
    for (label, sql) in statements {
        let took = raw.time(&sql, 5).await?;
        let plan = raw.plan(&sql).await?;
        println!("-- {label}: {}", ms(took));
        for line in &plan {
            println!("     {line}");
        }
        out.push((label, took, plan));
    }
    Ok(out)
}

// ---- part 3: the notice outbox -------------------------------------------------------------

/// Arrival times of the requests the SMS sink received.
#[derive(Default)]
struct SinkLog {
    arrivals: Mutex<Vec<Instant>>,
}

/// A stand-in SMS gateway on 127.0.0.1:0 that accepts every message and notes when it came.
async fn start_sink() -> anyhow::Result<(String, Arc<SinkLog>)> {
    let log = Arc::new(SinkLog::default());
    let app = axum::Router::new()
        .route(
            "/sms",
            axum::routing::post(
                |axum::extract::State(log): axum::extract::State<Arc<SinkLog>>,
                 _body: axum::body::Bytes| async move {
                    if let Ok(mut a) = log.arrivals.lock() {
                        a.push(Instant::now());
                    }
                    axum::Json(serde_json::json!({ "ok": true }))
                },
            ),
        )
        .with_state(Arc::clone(&log));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok((format!("http://{addr}/sms"), log))
}

struct NoticeResult {
    notices: u32,
    batch_size: i64,
    concurrency: usize,
    elapsed: Duration,
    report: outbox::DrainReport,
    received: usize,
    /// Summed over the batches: from the first to the last message of a batch at the sink,
    /// and from the last of one batch to the first of the next (settling, leasing, preparing).
    sending: Duration,
    between: Duration,
    first_after: Duration,
    /// Mean time of one primary-key read through sqlx (a statement's round trip).
    round_trip: Duration,
    cpu: Option<CpuUsage>,
}

impl NoticeResult {
    fn per_sec(&self) -> f64 {
        self.report.sent as f64 / self.elapsed.as_secs_f64()
    }
}

async fn run_notices(
    args: &Args,
    url: String,
    backend: &'static str,
) -> anyhow::Result<NoticeResult> {
    println!(
        "\n== bench-captures (notices) on {backend} ({}) ==",
        roadwarden_store::redact_url(&url)
    );
    let (sink_url, sink) = start_sink().await?;
    let data = tempfile::Builder::new()
        .prefix("rw-bench-data-")
        .tempdir()?;
    let state = start_state(&url, data.path(), |s| {
        s.notices.sms_gateway_url.clone_from(&sink_url);
        s.notices.batch_size = args.batch_size;
        s.notices.concurrency = args.concurrency;
    })
    .await?;
    let raw = Raw::open(&url).await?;
    let now = state.clock.now();
    let tree = seed_tree(&state.store, 1, now).await?;
    let squads: Vec<&Unit> = tree.squads.iter().collect();
    import_devices(&state, &raw, &squads, 2).await?;
    let started = Instant::now();
    seed_notices(&raw, args.notices, now).await?;
    analyze(&raw, false).await?;
    let queued = raw
        .scalar("SELECT COUNT(*) FROM notices WHERE state = 'queued' AND channel = 'sms'")
        .await?;
    anyhow::ensure!(queued == i64::from(args.notices), "{queued} notices queued");
    println!(
        "seeded {queued} violations with a vehicle and a queued SMS notice each in {:.1} s; \
         batch_size {}, concurrency {}, sink {sink_url}",
        started.elapsed().as_secs_f64(),
        args.batch_size,
        args.concurrency
    );

    let cpu = CpuSnapshot::take();
    let started = Instant::now();
    let report = outbox::drain(&state)
        .await
        .map_err(|e| anyhow::anyhow!("drain failed: {e} ({e:?})"))?;
    let elapsed = started.elapsed();
    let cpu = cpu_since(cpu.as_ref());
    let arrivals = sink.arrivals.lock().map(|a| a.clone()).unwrap_or_default();
    let (sending, between) = phases(&arrivals, usize::try_from(args.batch_size.max(1))?);
    let first_after = arrivals
        .first()
        .map_or(Duration::ZERO, |a| a.saturating_duration_since(started));
    let left = raw
        .scalar("SELECT COUNT(*) FROM notices WHERE state <> 'sent'")
        .await?;
    let notified = raw
        .scalar("SELECT COUNT(*) FROM violations WHERE state = 'notified'")
        .await?;
    // The outbox reads and writes row by row: what one statement costs here bounds the drain.
    let round_trip = raw.point_reads(2_000).await?;
    println!(
        "one primary-key SELECT of a violation through sqlx, sequentially: {} each",
        ms(round_trip)
    );
    println!(
        "drained in {:.2} s: {report:?}; the sink received {}; {left} notices not sent; {notified} violations notified",
        elapsed.as_secs_f64(),
        arrivals.len()
    );
    anyhow::ensure!(
        report.sent == args.notices as usize && arrivals.len() == report.sent && left == 0,
        "not every notice went out"
    );
    raw.close().await;
    state.store.close().await;
    drop(data);
    let result = NoticeResult {
        notices: args.notices,
        batch_size: args.batch_size,
        concurrency: args.concurrency,
        elapsed,
        report,
        received: arrivals.len(),
        sending,
        between,
        first_after,
        round_trip,
        cpu,
    };
    print_notices(&result);
    Ok(result)
}

/// Where a drain's time went, from the sink's arrival times: the outbox works batch after
/// batch (lease, prepare, send, settle), so the arrivals come in bursts of `batch` messages.
/// Returns (time within bursts, time between bursts).
fn phases(arrivals: &[Instant], batch: usize) -> (Duration, Duration) {
    let mut sorted = arrivals.to_vec();
    sorted.sort_unstable();
    let mut sending = Duration::ZERO;
    let mut between = Duration::ZERO;
    let bursts: Vec<&[Instant]> = sorted.chunks(batch).collect();
    for (k, burst) in bursts.iter().enumerate() {
        if let (Some(first), Some(last)) = (burst.first(), burst.last()) {
            sending += last.saturating_duration_since(*first);
            if let Some(next) = bursts.get(k + 1).and_then(|b| b.first()) {
                between += next.saturating_duration_since(*last);
            }
        }
    }
    (sending, between)
}

fn print_notices(r: &NoticeResult) {
    println!(
        "notices: {} sent in {:.2} s ({:.0}/s), batch_size {}, concurrency {}",
        r.report.sent,
        r.elapsed.as_secs_f64(),
        r.per_sec(),
        r.batch_size,
        r.concurrency
    );
    println!(
        "  at the sink: first message {:.2} s after the start; bursts (sending) {:.2} s; \
         between bursts (settle + lease + prepare) {:.2} s",
        r.first_after.as_secs_f64(),
        r.sending.as_secs_f64(),
        r.between.as_secs_f64()
    );
    println!(
        "  between bursts per notice: {:.3} ms (the outbox runs about 9 statements per notice, \
         one by one); one primary-key read alone: {}",
        r.between.as_secs_f64() * 1000.0 / f64::from(r.notices.max(1)),
        ms(r.round_trip)
    );
    if let Some(cpu) = r.cpu {
        println!("  {cpu}");
    }
}

/// `n` approved captures, each with a registered vehicle (owner's phone), a violation record
/// in state `entered` and a queued SMS notice, as `violations::enter` leaves them.
async fn seed_notices(raw: &Raw, n: u32, now: DateTime<Utc>) -> anyhow::Result<()> {
    let plate = raw.plate("seq.n");
    let vehicles = raw.series_insert(
        u64::from(n),
        "INSERT INTO vehicles (plate_key, plate, plate_colour, country, vehicle_type, owner_name, \
         owner_address, owner_phone)",
        &format!(
            "SELECT {plate}, {plate}, 'blue', 'CN', 'small_car', 'Owner ' || seq.n, \
             'Mingzhu Road ' || seq.n, '138' || {} FROM {{seq}}",
            raw.pad("seq.n", 8)
        ),
    );
    raw.exec(&vehicles).await?;
    insert_captures(raw, n, "approved", now - chrono::Duration::days(1), 1.0).await?;
    let due = raw.ts(&(now.timestamp() + 5 * 86_400).to_string());
    raw.exec(&format!(
        "INSERT INTO violations (capture_id, unit_id, unit_path, country, outcome, plate, plate_key, \
         plate_colour, violation_code, occurred_at, place, fine_minor, currency, points, procedure, \
         state, vehicle_id, entered_at, notice_due_at, updated_at) \
         SELECT c.id, c.unit_id, c.unit_path, 'CN', 'violation', c.plate, c.plate_key, c.plate_colour, \
         c.violation_code, c.captured_at, c.place, 20000, 'CNY', 6, 'general', 'entered', v.id, \
         c.received_at, {due}, c.received_at \
         FROM captures c JOIN vehicles v ON v.plate_key = c.plate_key"
    ))
    .await?;
    let queued_at = raw.ts(&(now.timestamp() - 60).to_string());
    raw.exec(&format!(
        "INSERT INTO notices (violation_id, channel, recipient, subject, body, language, state, \
         next_attempt_at, created_at) \
         SELECT v.id, 'sms', ve.owner_phone, '', '', 'zh-CN', 'queued', {queued_at}, {queued_at} \
         FROM violations v JOIN vehicles ve ON ve.id = v.vehicle_id"
    ))
    .await?;
    Ok(())
}

// ---- the summary ---------------------------------------------------------------------------

fn verdict(met: bool) -> &'static str {
    if met {
        "MET"
    } else {
        "MISSED"
    }
}

fn next_met(r: &OpenLoopReport) -> bool {
    r.errors == 0 && r.latency.is_some_and(|l| l.p99 < NEXT_P99_TARGET)
}

fn print_summary(
    backend: &str,
    args: &Args,
    ingest: Option<&IngestResult>,
    review: Option<&ReviewResult>,
    notices: Option<&NoticeResult>,
) {
    println!("\n== bench-captures summary: {backend} ==");
    if let Some(r) = ingest {
        println!(
            "target 1: ingest >= {INGEST_TARGET:.0} captures/s durable on ack, image bytes >= {:.0}% of dd",
            DISK_SHARE_TARGET * 100.0
        );
        println!(
            "  {} captures x {} bytes, {} clients, {} devices: {:.0} captures/s  {}",
            r.captures,
            r.image_bytes,
            r.clients,
            r.devices,
            r.per_sec(),
            verdict(r.per_sec() >= INGEST_TARGET && r.errors.is_empty())
        );
        for mode in ["direct+fsync", "buffered+fdatasync"] {
            if let Some(dd) = r.dd(mode) {
                let share = r.image_mb_per_sec() / dd;
                println!(
                    "  images {:.1} MB/s vs dd {mode} {dd:.0} MB/s (slower of 2 runs): {:.1}%  {}",
                    r.image_mb_per_sec(),
                    share * 100.0,
                    verdict(share >= DISK_SHARE_TARGET)
                );
            }
        }
        if let Some(l) = r.latency {
            println!("  ack latency p50 {}  p99 {}", ms(l.p50), ms(l.p99));
        }
        if let Some(f) = r.fsync_4k {
            println!(
                "  disk flush: {:.0} 4 KiB write+fdatasync/s",
                f.per_second()
            );
        }
    }
    if let Some(r) = review {
        println!(
            "target 2: review/next p99 < {} with {} pending ({} in the county's scope; seeded in {:.0} s), open loop {} s",
            ms(NEXT_P99_TARGET),
            r.pending,
            r.county_scope,
            r.seed_seconds,
            args.duration
        );
        if args.sqlite_analyze {
            println!("  SQLite analyzed after seeding (--sqlite-analyze)");
        }
        println!(
            "  {:<68} {:>6} {:>10} {:>10} {:>10} {:>7}  result",
            "shape", "rate", "p50", "p99", "max", "errors"
        );
        for s in &r.shapes {
            let (p50, p99, max) = s
                .report
                .latency
                .map_or(("-".into(), "-".into(), "-".into()), |l| {
                    (ms(l.p50), ms(l.p99), ms(l.max))
                });
            println!(
                "  {:<68} {:>4}/s {:>10} {:>10} {:>10} {:>7}  {}",
                s.label,
                s.report.rate,
                p50,
                p99,
                max,
                s.report.errors,
                if s.next {
                    verdict(next_met(&s.report))
                } else {
                    "(no target)"
                }
            );
        }
        for s in &r.shapes {
            if let Some(cpu) = s.report.cpu {
                println!("  {:<68} {cpu}", s.label);
            }
        }
        for (label, took, _) in &r.plans {
            println!("  statement alone: {label:<40} {}", ms(*took));
        }
    }
    if let Some(r) = notices {
        println!(
            "target 3: {} queued SMS notices drained < {} s: {:.2} s ({:.0}/s, batch_size {}, concurrency {}; sink got {})  {}",
            r.notices,
            DRAIN_TARGET.as_secs(),
            r.elapsed.as_secs_f64(),
            r.per_sec(),
            r.batch_size,
            r.concurrency,
            r.received,
            verdict(r.elapsed < DRAIN_TARGET && r.report.sent == r.notices as usize)
        );
        println!(
            "  sending {:.2} s, between batches {:.2} s",
            r.sending.as_secs_f64(),
            r.between.as_secs_f64()
        );
    }
}
