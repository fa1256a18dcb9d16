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
//! 4. **Cockpit** (issue 16, RID-13): the wall screen's data refresh at a province scope over
//!    part 2's world, p99 under 100 ms (`cockpit.rs`).
//!
//! 5. **Partner interface** (issue 17, SHR-02): with 100,000 records in a grant's scope, the
//!    grant projection's cost against the same read without it (≤ 10% at p99), and a SOAP
//!    call of 100 rows against the same call over JSON (≤ 2× at p99) (`sharing.rs`).
//!
//! 6. **Monthly analysis over a year** (issue 16, SUP-01, SUP-02): 1,000 devices, about 50
//!    million captures with planted faults; the run under 60 s on PostgreSQL and 120 s on
//!    SQLite, every planted fault found, at most 1% of clean devices flagged (`analysis.rs`).
//!    Not run unless asked (`--only analysis`): it writes tens of gigabytes.
//!
//! Figures and commands are recorded in BENCHMARKS.md ("Captures (issue 4)").

mod analysis;
mod cockpit;
mod ingest;
mod notices;
mod push;
mod raw;
mod review;
mod sharing;
mod stages;
mod summary;
mod world;

use std::time::Duration;

use clap::Parser;
use roadwarden_bench::with_database;

use crate::analysis::run_analysis;
use crate::cockpit::run_cockpit;
use crate::ingest::run_ingest;
use crate::notices::run_notices;
use crate::review::run_review;
use crate::sharing::run_sharing;
use crate::summary::print_summary;

/// Target 1: captures acknowledged per second (SQLite).
const INGEST_TARGET: f64 = 2_000.0;
/// Target 1: image bytes per second at least this share of `dd`'s sequential write speed.
const DISK_SHARE_TARGET: f64 = 0.5;
/// Target 2: p99 of "next item".
const NEXT_P99_TARGET: Duration = Duration::from_millis(50);
/// Target 3: the whole drain.
const DRAIN_TARGET: Duration = Duration::from_secs(60);
/// Target 4: p99 of the cockpit's data refresh at a province scope.
const COCKPIT_P99_TARGET: Duration = Duration::from_millis(100);
/// Target 6: the monthly analysis over a year, on PostgreSQL and on SQLite.
const ANALYSIS_TARGET_POSTGRES: Duration = Duration::from_secs(60);
const ANALYSIS_TARGET_SQLITE: Duration = Duration::from_secs(120);

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Part {
    Ingest,
    Review,
    Notices,
    Cockpit,
    Sharing,
    Analysis,
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

    // -- part 4: the cockpit (uses --pending and --counties of part 2)
    /// Refreshes timed, back to back and (shared out) across the screens.
    #[arg(long, default_value_t = 500)]
    cockpit_refreshes: usize,
    /// Refreshes before timing.
    #[arg(long, default_value_t = 20)]
    cockpit_warm_up: usize,
    /// Wall screens refreshing at once in the second measurement.
    #[arg(long, default_value_t = 8)]
    cockpit_viewers: usize,

    // -- part 5: the partner interface (issue 17)
    /// Violation records in the partner's grant scope.
    #[arg(long, default_value_t = 100_000)]
    shared_records: u32,
    /// Queries timed for each measurement.
    #[arg(long, default_value_t = 500)]
    sharing_queries: usize,
    /// Queries before timing.
    #[arg(long, default_value_t = 20)]
    sharing_warm_up: usize,

    // -- part 6: the monthly analysis over a year (uses --counties of part 2)
    /// Devices in use, spread over the counties' squads.
    #[arg(long, default_value_t = 1_000)]
    analysis_devices: usize,
    /// Multiplies the simulated device classes' captures per weekday (2 to 400): 1.6 gives
    /// about 45 million captures a year over 1,000 devices (1.75: about 50 million).
    #[arg(long, default_value_t = 1.6)]
    analysis_scale: f64,
    /// Times the analysis this many times over the same year (the later runs raise nothing
    /// new); the slowest run is the one reported.
    #[arg(long, default_value_t = 1)]
    analysis_runs: usize,
    /// A database an earlier `--only analysis --keep-database` run left: time the analysis
    /// on its year again without loading one (the earlier runs' check items stay).
    #[arg(long)]
    analysis_reuse: Option<String>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    // The year-scale analysis writes tens of gigabytes: only when named.
    let wants = |p: Part| args.only.contains(&p) || (args.only.is_empty() && p != Part::Analysis);
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
    let mut cockpit = None;
    if wants(Part::Cockpit) {
        let (b, r) = with_database(url.as_deref(), args.keep_database, |url, _, b| async move {
            Ok((b, Box::pin(run_cockpit(a, url, b)).await?))
        })
        .await?;
        (backend, cockpit) = (b, Some(r));
    }
    if wants(Part::Sharing) {
        let (b, _) = with_database(url.as_deref(), args.keep_database, |url, _, b| async move {
            Ok((b, Box::pin(run_sharing(a, url, b)).await?))
        })
        .await?;
        backend = b;
    }
    let mut year = None;
    if let (true, Some(kept)) = (wants(Part::Analysis), args.analysis_reuse.as_deref()) {
        backend = if kept.starts_with("postgres") {
            "postgres"
        } else {
            "sqlite"
        };
        year = Some(Box::pin(crate::analysis::rerun_analysis(a, kept)).await?);
    } else if wants(Part::Analysis) {
        let (b, r) = with_database(url.as_deref(), args.keep_database, |url, _, b| async move {
            Ok((b, Box::pin(run_analysis(a, url, b)).await?))
        })
        .await?;
        (backend, year) = (b, Some(r));
    }
    print_summary(
        backend,
        &args,
        ingest.as_ref(),
        review.as_ref(),
        notices.as_ref(),
    );
    if let Some(r) = &cockpit {
        println!(
            "target 4: cockpit refresh at the province p99 < {}",
            roadwarden_bench::ms(COCKPIT_P99_TARGET)
        );
        println!(
            "  {} devices, {} pending captures ({} today): one screen {}  {}",
            r.devices,
            r.pending,
            r.captures_today,
            cockpit::line(&r.alone),
            summary::verdict(r.alone.p99 < COCKPIT_P99_TARGET)
        );
        println!(
            "  {} screens at once: {}  {}",
            r.viewers,
            cockpit::line(&r.together),
            summary::verdict(r.together.p99 < COCKPIT_P99_TARGET)
        );
    }
    if let Some(r) = &year {
        let target = if backend == "postgres" {
            ANALYSIS_TARGET_POSTGRES
        } else {
            ANALYSIS_TARGET_SQLITE
        };
        println!(
            "target 6: the monthly analysis of {} devices over {} captures in under {} s",
            r.devices,
            r.captures,
            target.as_secs()
        );
        println!(
            "  run {:.1} s  {}",
            r.run.as_secs_f64(),
            summary::verdict(r.run < target)
        );
        println!(
            "  planted faults found: {} of {} ({} of {} on devices busy enough to show them)  {}",
            r.found,
            r.faulty,
            r.busy_found,
            r.busy_faulty,
            summary::verdict(r.busy_found == r.busy_faulty)
        );
        println!(
            "  clean devices flagged: {} of {} ({:.1}%, target at most 1%)  {}",
            r.clean_flagged,
            r.clean,
            100.0 * r.clean_flagged as f64 / r.clean.max(1) as f64,
            summary::verdict(r.clean_flagged * 100 <= r.clean)
        );
    }
    Ok(())
}
