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
use roadwarden_domain::{UnitId, UserId};
use roadwarden_server::Clock;
use roadwarden_store::audit::{self, NewAuditEntry};
use roadwarden_store::{ConnectOptions, Store};
use roadwarden_bench::{fsync_probe, with_database, FsyncFigure};

/// Entries/s that durable appends must reach (target 1).
const APPEND_TARGET: f64 = 5_000.0;
/// Entries/s that verification must reach (target 2).
const VERIFY_TARGET: f64 = 200_000.0;

#[derive(Debug, Parser)]
#[command(name = "bench-audit", about = "Audit append (durable) and verify throughput")]
struct Args {
    /// Database to benchmark on: empty for a fresh SQLite file in a temporary directory; a
    /// `postgres://` server URL for a fresh database on that server (dropped afterwards).
    #[arg(long, env = "ROADWARDEN_BENCH_DATABASE_URL")]
    database_url: Option<String>,
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
    #[arg(long, default_value_t = 1_000)]
    fill_batch: u64,
    /// 4 KiB writes, each followed by fdatasync, for the disk probe (0 to skip).
    #[arg(long, default_value_t = 2_000)]
    fsync_writes: u32,
}

/// One line of the summary.
struct Row {
    workload: String,
    entries: u64,
    elapsed: Duration,
    target: f64,
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
    with_database(url.as_deref(), |url, dir, backend| run(args, url, dir, backend)).await
}

async fn run(args: Args, url: String, dir: Option<PathBuf>, backend: &'static str) -> anyhow::Result<()> {
    println!("bench-audit on {backend} ({})", roadwarden_store::redact_url(&url));
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

    // (a) One entry per transaction, one after the other.
    let started = Instant::now();
    for _ in 0..args.single {
        append_one(&store, &clock, next).await?;
        next += 1;
    }
    rows.push(report(Row {
        workload: "1 entry/tx, sequential".into(),
        entries: args.single,
        elapsed: started.elapsed(),
        target: APPEND_TARGET,
    }));

    // (b) One entry per transaction from concurrent tasks.
    let started = Instant::now();
    let mut tasks = Vec::new();
    for t in 0..args.tasks {
        let store = store.clone();
        let clock = clock.clone();
        let first = next + t * args.per_task;
        let count = args.per_task;
        tasks.push(tokio::spawn(async move {
            for i in first..first + count {
                append_one(&store, &clock, i).await?;
            }
            anyhow::Ok(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    next += args.tasks * args.per_task;
    rows.push(report(Row {
        workload: format!("1 entry/tx, {} concurrent tasks", args.tasks),
        entries: args.tasks * args.per_task,
        elapsed: started.elapsed(),
        target: APPEND_TARGET,
    }));

    // (c) Batches: many entries per transaction.
    let started = Instant::now();
    for _ in 0..args.batches {
        append_batch(&store, &clock, next, args.batch_size).await?;
        next += args.batch_size;
    }
    rows.push(report(Row {
        workload: format!("{} entries/tx, sequential", args.batch_size),
        entries: args.batches * args.batch_size,
        elapsed: started.elapsed(),
        target: APPEND_TARGET,
    }));

    // (d) Fill the chain, then verify all of it.
    let fill = args.verify_entries.saturating_sub(next);
    if fill > 0 {
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
            target: APPEND_TARGET,
        }));
    }
    let mut tx = store.begin_read().await?;
    let stored = audit::count(&mut tx).await?;
    drop(tx);
    anyhow::ensure!(
        u64::try_from(stored).ok() == Some(next),
        "expected {next} audit entries, found {stored}"
    );
    let started = Instant::now();
    let verified = audit::verify(&store, |_| {}).await?;
    let elapsed = started.elapsed();
    anyhow::ensure!(verified.is_intact(), "the chain does not verify: {verified:?}");
    anyhow::ensure!(verified.checked == next, "verified {} of {next} entries", verified.checked);
    rows.push(report(Row {
        workload: format!("verify {} entries", verified.checked),
        entries: verified.checked,
        elapsed,
        target: VERIFY_TARGET,
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
async fn append_one(store: &Store, clock: &Clock, i: u64) -> anyhow::Result<()> {
    let mut tx = store.begin().await?;
    audit::append(&mut tx, entry(i), clock.now()).await?;
    tx.commit().await?;
    Ok(())
}

/// One durable transaction holding `n` entries.
async fn append_batch(store: &Store, clock: &Clock, first: u64, n: u64) -> anyhow::Result<()> {
    let mut tx = store.begin().await?;
    let now = clock.now();
    for i in first..first + n {
        audit::append(&mut tx, entry(i), now).await.context("append in batch")?;
    }
    tx.commit().await?;
    Ok(())
}

fn report(row: Row) -> Row {
    println!(
        "  {:<40} {:>8} entries in {:>7.2} s = {:>9.0} entries/s",
        row.workload,
        row.entries,
        row.elapsed.as_secs_f64(),
        row.rate()
    );
    row
}

fn print_summary(backend: &str, rows: &[Row], fsync: Option<FsyncFigure>) {
    println!();
    println!("== bench-audit summary: {backend} ==");
    println!(
        "{:<40} {:>9} {:>9} {:>12} {:>10}  result",
        "workload", "entries", "seconds", "entries/s", "target"
    );
    for row in rows {
        let pass = if row.rate() >= row.target { "PASS" } else { "FAIL" };
        println!(
            "{:<40} {:>9} {:>9.2} {:>12.0} {:>10.0}  {pass}",
            row.workload,
            row.entries,
            row.elapsed.as_secs_f64(),
            row.rate(),
            row.target
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
