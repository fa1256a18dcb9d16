//! Part 1: ingest throughput against the disk's own write speed.

use anyhow::Context;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use roadwarden_bench::{cpu_since, ms, CpuSnapshot, CpuUsage, FsyncFigure, LatencyStats};
use roadwarden_domain::roles::Role;
use roadwarden_store::units::Unit;

use crate::push::{push_all, PushPlan};
use crate::raw::Raw;
use crate::stages::{count_files, count_ingest_batches, ingest_stages};
use crate::world::{
    import_devices, issue_credentials, seed_tree, start_server, start_state, Accounts,
};
use crate::Args;

/// One `dd` run: what it wrote and how fast.
#[derive(Debug, Clone)]
pub(crate) struct DdFigure {
    pub(crate) mode: &'static str,
    pub(crate) mb_per_sec: f64,
    pub(crate) line: String,
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
pub(crate) struct DiskCounters {
    pub(crate) writes: u64,
    pub(crate) sectors_written: u64,
    pub(crate) flushes: u64,
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

pub(crate) struct IngestResult {
    pub(crate) captures: usize,
    pub(crate) image_bytes: usize,
    pub(crate) clients: usize,
    pub(crate) devices: usize,
    pub(crate) errors: BTreeMap<String, usize>,
    pub(crate) elapsed: Duration,
    pub(crate) latency: Option<LatencyStats>,
    pub(crate) dd_before: Vec<DdFigure>,
    pub(crate) dd_after: Vec<DdFigure>,
    pub(crate) fsync_4k: Option<FsyncFigure>,
    pub(crate) cpu: Option<CpuUsage>,
    pub(crate) disk: Option<DiskCounters>,
    /// Group commits: batches written (one audit entry each) and captures in them.
    pub(crate) batches: i64,
    pub(crate) batched: i64,
    pub(crate) states: Vec<(String, i64)>,
    pub(crate) blob_files: usize,
    /// The ingest diagnostics: (stage, items, seconds).
    pub(crate) stages: Vec<(&'static str, usize, f64)>,
}

impl IngestResult {
    pub(crate) fn per_sec(&self) -> f64 {
        self.captures as f64 / self.elapsed.as_secs_f64()
    }

    pub(crate) fn image_mb_per_sec(&self) -> f64 {
        (self.captures * self.image_bytes) as f64 / self.elapsed.as_secs_f64() / 1e6
    }

    /// The slower `dd` of each mode across the two runs (before and after the pushes).
    pub(crate) fn dd(&self, mode: &str) -> Option<f64> {
        self.dd_before
            .iter()
            .chain(&self.dd_after)
            .filter(|d| d.mode == mode)
            .map(|d| d.mb_per_sec)
            .reduce(f64::min)
    }
}

pub(crate) async fn run_ingest(
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
