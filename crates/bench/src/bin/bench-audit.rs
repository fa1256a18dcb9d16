//! Audit chain benchmarks (SEC-05): durable appends and full-chain verification.
//!
//! Workloads, in order, on one fresh database:
//! 1. one entry per transaction, sequential (`begin`, `audit::append`, `commit`);
//! 2. one entry per transaction from several concurrent tokio tasks;
//! 3. batches of entries per transaction (what bulk operations such as imports do);
//! 4. filling the chain up to `--verify-entries` with large batches, then timing
//!    `audit::verify` over the whole chain.
//!
//! Also measures the disk's fsync rate next to the database file (SQLite) or in the temp
//! directory (PostgreSQL, whose data directory is on the same disk here), which bounds
//! sequential durable commits.
//!
//! `bench-audit` (fresh SQLite file) or
//! `bench-audit --database-url postgres://postgres@127.0.0.1/postgres` (fresh database,
//! dropped afterwards).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use roadwarden_bench::{cpu_since, fsync_probe, with_database, CpuSnapshot, CpuUsage, FsyncFigure};
use roadwarden_domain::audit::{AuditEntry, ChainVerifier};
use roadwarden_domain::{UnitId, UserId};
use roadwarden_server::Clock;
use roadwarden_store::audit::{self, NewAuditEntry};
use roadwarden_store::{ConnectOptions, Store};

/// Entries/s that durable appends must reach (target 1).
const APPEND_TARGET: f64 = 5_000.0;
/// Entries/s that verification must reach (target 2).
const VERIFY_TARGET: f64 = 200_000.0;

#[derive(Debug, Parser)]
#[command(
    name = "bench-audit",
    about = "Audit append (durable) and verify throughput"
)]
struct Args {
    /// Database to benchmark on: empty for a fresh SQLite file in a temporary directory; a
    /// `postgres://` server URL for a fresh database on that server (dropped afterwards).
    #[arg(long, env = "ROADWARDEN_BENCH_DATABASE_URL")]
    database_url: Option<String>,
    /// Leave the database (and a SQLite file's directory) in place afterwards.
    #[arg(long)]
    keep_database: bool,
    /// Entries appended one per transaction, sequentially.
    #[arg(long, default_value_t = 3_000)]
    single: u64,
    /// Concurrent tasks for the concurrent single-entry workload.
    #[arg(long, default_value_t = 4)]
    tasks: u64,
    /// Entries appended by each concurrent task, one per transaction.
    #[arg(long, default_value_t = 750)]
    per_task: u64,
    /// Entries per transaction in the batched workload.
    #[arg(long, default_value_t = 100)]
    batch_size: u64,
    /// Transactions in the batched workload.
    #[arg(long, default_value_t = 300)]
    batches: u64,
    /// Length of the chain to verify; filled up with transactions of `--fill-batch` entries.
    #[arg(long, default_value_t = 300_000)]
    verify_entries: u64,
    /// Entries per transaction while filling the chain for verification.
    #[arg(long, default_value_t = 100)]
    fill_batch: u64,
    /// `SELECT 1` round trips timed as a diagnostic (0 to skip).
    #[arg(long, default_value_t = 5_000)]
    pings: u64,
    /// 4 KiB writes, each followed by fdatasync, for the disk probe (0 to skip).
    #[arg(long, default_value_t = 2_000)]
    fsync_writes: u32,
}

/// One line of the summary.
struct Row {
    workload: String,
    entries: u64,
    elapsed: Duration,
    /// None for a diagnostic figure with no target of its own.
    target: Option<f64>,
    cpu: Option<CpuUsage>,
}

impl Row {
    fn rate(&self) -> f64 {
        self.entries as f64 / self.elapsed.as_secs_f64()
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let url = args.database_url.clone();
    with_database(url.as_deref(), args.keep_database, |url, dir, backend| {
        run(args, url, dir, backend)
    })
    .await
}

async fn run(
    args: Args,
    url: String,
    dir: Option<PathBuf>,
    backend: &'static str,
) -> anyhow::Result<()> {
    println!(
        "bench-audit on {backend} ({})",
        roadwarden_store::redact_url(&url)
    );
    let fsync = if args.fsync_writes > 0 {
        let probe_dir = dir.unwrap_or_else(std::env::temp_dir);
        let writes = args.fsync_writes;
        let figure = tokio::task::spawn_blocking(move || fsync_probe(&probe_dir, writes)).await??;
        println!(
            "disk: {} x (4 KiB write + fdatasync) in {:.2} s = {:.0} flushes/s, {:.3} ms each",
            figure.writes,
            figure.elapsed.as_secs_f64(),
            figure.per_second(),
            figure.mean_latency().as_secs_f64() * 1000.0
        );
        Some(figure)
    } else {
        None
    };

    let store = Store::connect(&url, &ConnectOptions::default()).await?;
    store.migrate().await?;
    let clock = Clock::System;
    let mut rows = Vec::new();
    let mut next: u64 = 0;
    // The entries of (a) to (c), kept to time the hash check alone, without the database.
    let mut kept = Vec::new();

    // The cost of one statement round trip (`SELECT 1`), which every append pays three times.
    let cpu = CpuSnapshot::take();
    let started = Instant::now();
    for _ in 0..args.pings {
        store.ping().await?;
    }
    if args.pings > 0 {
        rows.push(report(Row {
            workload: "round trip: SELECT 1 (store.ping), /s".into(),
            entries: args.pings,
            elapsed: started.elapsed(),
            cpu: cpu_since(cpu.as_ref()),
            target: None,
        }));
    }

    // (a) One entry per transaction, one after the other.
    let cpu = CpuSnapshot::take();
    let started = Instant::now();
    for _ in 0..args.single {
        kept.push(append_one(&store, &clock, next).await?);
        next += 1;
    }
    rows.push(report(Row {
        workload: "1 entry/tx, sequential".into(),
        entries: args.single,
        elapsed: started.elapsed(),
        cpu: cpu_since(cpu.as_ref()),
        target: Some(APPEND_TARGET),
    }));

    // (b) One entry per transaction from concurrent tasks.
    let cpu = CpuSnapshot::take();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for t in 0..args.tasks {
        let store = store.clone();
        let clock = clock.clone();
        let first = next + t * args.per_task;
        let count = args.per_task;
        tasks.push(tokio::spawn(async move {
            let mut done = Vec::new();
            for i in first..first + count {
                done.push(append_one(&store, &clock, i).await?);
            }
            anyhow::Ok(done)
        }));
    }
    for task in tasks {
        kept.extend(task.await??);
    }
    next += args.tasks * args.per_task;
    rows.push(report(Row {
        workload: format!("1 entry/tx, {} concurrent tasks", args.tasks),
        entries: args.tasks * args.per_task,
        elapsed: started.elapsed(),
        cpu: cpu_since(cpu.as_ref()),
        target: Some(APPEND_TARGET),
    }));

    // (c) Batches: many entries per transaction.
    let cpu = CpuSnapshot::take();
    let started = Instant::now();
    for _ in 0..args.batches {
        kept.extend(append_batch(&store, &clock, next, args.batch_size).await?);
        next += args.batch_size;
    }
    rows.push(report(Row {
        workload: format!("{} entries/tx, sequential", args.batch_size),
        entries: args.batches * args.batch_size,
        elapsed: started.elapsed(),
        cpu: cpu_since(cpu.as_ref()),
        target: Some(APPEND_TARGET),
    }));

    // (d) Fill the chain, then verify all of it.
    let fill = args.verify_entries.saturating_sub(next);
    if fill > 0 {
        let cpu = CpuSnapshot::take();
        let started = Instant::now();
        let mut left = fill;
        while left > 0 {
            let n = left.min(args.fill_batch.max(1));
            append_batch(&store, &clock, next, n).await?;
            next += n;
            left -= n;
        }
        rows.push(report(Row {
            workload: format!("{} entries/tx, sequential (fill)", args.fill_batch),
            entries: fill,
            elapsed: started.elapsed(),
            cpu: cpu_since(cpu.as_ref()),
            target: Some(APPEND_TARGET),
        }));
    }
    let mut tx = store.begin_read().await?;
    let stored = audit::count(&mut tx).await?;
    drop(tx);
    anyhow::ensure!(
        u64::try_from(stored).ok() == Some(next),
        "expected {next} audit entries, found {stored}"
    );
    let cpu = CpuSnapshot::take();
    let started = Instant::now();
    let verified = audit::verify(&store, |_| {}).await?;
    let elapsed = started.elapsed();
    let verify_cpu = cpu_since(cpu.as_ref());
    anyhow::ensure!(
        verified.is_intact(),
        "the chain does not verify: {verified:?}"
    );
    anyhow::ensure!(
        verified.checked == next,
        "verified {} of {next} entries",
        verified.checked
    );
    rows.push(report(Row {
        workload: format!("verify {} entries", verified.checked),
        entries: verified.checked,
        elapsed,
        target: Some(VERIFY_TARGET),
        cpu: verify_cpu,
    }));

    // The same check in memory: what verification costs without reading the database.
    kept.sort_by_key(|e| e.seq);
    let cpu = CpuSnapshot::take();
    let started = Instant::now();
    let mut verifier = ChainVerifier::default();
    for e in &kept {
        verifier
            .check(e)
            .map_err(|b| anyhow::anyhow!("entry {}: {b:?}", e.seq))?;
    }
    rows.push(report(Row {
        workload: format!("hash check only, in memory ({} entries)", kept.len()),
        entries: verifier.checked,
        elapsed: started.elapsed(),
        cpu: cpu_since(cpu.as_ref()),
        target: None,
    }));
    store.close().await;

    print_summary(backend, &rows, fsync);
    Ok(())
}

fn entry(i: u64) -> NewAuditEntry {
    let user = i64::try_from(i % 5_000).unwrap_or(0) + 1;
    let unit = i64::try_from(i % 400).unwrap_or(0) + 1;
    NewAuditEntry {
        actor_user_id: Some(UserId(user)),
        actor: format!("officer{user:06}"),
        unit_id: Some(UnitId(unit)),
        action: "user.update".into(),
        object_type: "user".into(),
        object_id: (i + 1).to_string(),
        detail: serde_json::json!({
            "changed": ["phone", "badge_number"],
            "phone": { "before": "138****0000", "after": "139****1111" },
            "n": i,
        }),
        ip: "10.12.0.7".into(),
        request_id: format!("bench-{i:012}"),
    }
}

/// One durable transaction holding one entry.
async fn append_one(store: &Store, clock: &Clock, i: u64) -> anyhow::Result<AuditEntry> {
    let mut tx = store.begin().await?;
    let appended = audit::append(&mut tx, entry(i), clock.now()).await?;
    tx.commit().await?;
    Ok(appended)
}

/// One durable transaction holding `n` entries.
async fn append_batch(
    store: &Store,
    clock: &Clock,
    first: u64,
    n: u64,
) -> anyhow::Result<Vec<AuditEntry>> {
    let mut tx = store.begin().await?;
    let now = clock.now();
    let mut appended = Vec::new();
    for i in first..first + n {
        appended.push(
            audit::append(&mut tx, entry(i), now)
                .await
                .context("append in batch")?,
        );
    }
    tx.commit().await?;
    Ok(appended)
}

fn report(row: Row) -> Row {
    println!(
        "  {:<44} {:>8} entries in {:>7.2} s = {:>9.0} entries/s",
        row.workload,
        row.entries,
        row.elapsed.as_secs_f64(),
        row.rate()
    );
    if let Some(cpu) = row.cpu {
        println!("      {cpu}");
    }
    row
}

fn print_summary(backend: &str, rows: &[Row], fsync: Option<FsyncFigure>) {
    println!();
    println!("== bench-audit summary: {backend} ==");
    println!(
        "{:<44} {:>9} {:>9} {:>12} {:>10}  result",
        "workload", "entries", "seconds", "entries/s", "target"
    );
    for row in rows {
        let (target, result) = match row.target {
            Some(t) if row.rate() >= t => (format!("{t:.0}"), "PASS"),
            Some(t) => (format!("{t:.0}"), "FAIL"),
            None => ("-".to_owned(), "(diagnostic)"),
        };
        println!(
            "{:<44} {:>9} {:>9.2} {:>12.0} {:>10}  {result}",
            row.workload,
            row.entries,
            row.elapsed.as_secs_f64(),
            row.rate(),
            target
        );
    }
    if let Some(f) = fsync {
        println!(
            "disk fsync: {:.0} flushes/s ({:.3} ms each): the ceiling for sequential durable \
             commits that each need their own flush",
            f.per_second(),
            f.mean_latency().as_secs_f64() * 1000.0
        );
    }
}
