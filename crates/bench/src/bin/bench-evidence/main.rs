//! The performance targets of the body-worn-recorder evidence issue (issue 5), each compared
//! with a peer measured on the same data in the same run:
//!
//! 1. **Hashing**: SHA-256 the way the server hashes an upload (the `sha2` crate, fed in the
//!    server's 1 MiB chunks) against `sha256sum` on the same file, both reading it from the page
//!    cache, several rounds interleaved. Target: at least 80 % of `sha256sum`.
//! 2. **Streaming upload** of one large file (4 GiB by default) over tus to the real server
//!    binary (`roadwarden serve`, its own process, SQLite, a fresh data directory on the same
//!    filesystem as the file), in PATCHes of `--patch-mib` MiB. Targets: the server's resident
//!    memory (`VmHWM`, and `VmRSS` sampled every 20 ms) under 64 MB; the upload rate at least
//!    half of `dd bs=1M conv=fdatasync` writing the same number of bytes on that filesystem,
//!    before and after the upload. After the last PATCH the server files the footage and
//!    re-reads it to verify the hash; memory is sampled through that too.
//! 3. **Seeking**: time to the first byte of `GET /api/v1/evidence/{id}/content` with a
//!    `Range` at a random offset, by a reviewer whose view request a unit head approved, over
//!    `--seeks` seeks: first with the file in the page cache (it was just written and
//!    verified), then after dropping the page cache (root only). Target: under 20 ms.
//!
//! Accounts are made in this process (the API tests' organisation from the testkit) before
//! the server starts on the same data directory. Figures and commands are recorded in
//! BENCHMARKS.md ("Evidence (issue 5)").

mod server;
mod tus;

use std::io::{Read, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::Utc;
use clap::Parser;
use roadwarden_bench::{cpu_since, CpuSnapshot, LatencyStats};
use roadwarden_server::config::Secret;
use roadwarden_server::{open_state, Clock, Settings};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use server::{mib, Memory, Sampler, ServerProcess};

/// The server's chunk: bytes gathered before one write-and-hash step
/// (`services::evidence::upload::CHUNK`).
const SERVER_CHUNK: usize = 1 << 20;
const HASH_SHARE_TARGET: f64 = 0.8;
const DISK_SHARE_TARGET: f64 = 0.5;
const RSS_TARGET_BYTES: f64 = 64e6;
const FIRST_BYTE_TARGET: Duration = Duration::from_millis(20);

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Part {
    /// The hash rate against `sha256sum`.
    Hash,
    /// The upload (memory, rate against dd) and the seeks after it.
    Upload,
}

#[derive(Debug, Parser)]
#[command(
    name = "bench-evidence",
    about = "Evidence upload (tus): hash rate vs sha256sum, upload rate vs dd, server memory, ranged-read first byte"
)]
struct Args {
    /// Size of the footage file in MiB (4096 = 4 GiB).
    #[arg(long, default_value_t = 4096)]
    size_mib: u64,
    /// Directory for the file, the server's data directory and dd's file (default: $TMPDIR).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// The server binary (default: `roadwarden` next to this binary; without one, this binary
    /// serves the same application in a child process of its own).
    #[arg(long)]
    server_bin: Option<PathBuf>,
    /// Run one part only (repeatable).
    #[arg(long, value_enum)]
    only: Vec<Part>,
    /// Rounds of each hasher (interleaved).
    #[arg(long, default_value_t = 3)]
    hash_rounds: u32,
    /// MiB per PATCH; 0 sends the whole file in one PATCH.
    #[arg(long, default_value_t = 64)]
    patch_mib: u64,
    /// dd runs before and after the upload (each writes the file's size).
    #[arg(long, default_value_t = 1)]
    dd_rounds: u32,
    /// Random seeks timed (each page-cache state).
    #[arg(long, default_value_t = 200)]
    seeks: usize,
    /// KiB read after each seek (the range asked for).
    #[arg(long, default_value_t = 256)]
    seek_kib: u64,
    /// Do not drop the page cache before the cold seeks.
    #[arg(long)]
    no_drop_caches: bool,
    /// Leave the work directory (file, data directory, server log) in place.
    #[arg(long)]
    keep: bool,
    /// An environment variable for the server process, KEY=VALUE (repeatable), e.g.
    /// `MALLOC_ARENA_MAX=1` to see how much of its memory is the allocator's.
    #[arg(long, value_parser = parse_env)]
    server_env: Vec<(String, String)>,
    /// Internal: serve the configuration's application in this process (the fallback when
    /// no `roadwarden` binary is built).
    #[arg(long, hide = true)]
    serve_config: Option<PathBuf>,
}

fn parse_env(raw: &str) -> Result<(String, String), String> {
    raw.split_once('=')
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .ok_or_else(|| format!("expected KEY=VALUE, got {raw}"))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if let Some(config) = &args.serve_config {
        return server::serve_here(config).await;
    }
    let wants = |p: Part| args.only.is_empty() || args.only.contains(&p);
    let parent = args.dir.clone().unwrap_or_else(std::env::temp_dir);
    let work = tempfile::Builder::new()
        .prefix("rw-bench-evidence-")
        .tempdir_in(&parent)?;
    println!("work directory: {}", work.path().display());
    print_filesystem(work.path());
    let size = args.size_mib << 20;
    let footage = work.path().join("footage.mp4");
    let started = Instant::now();
    make_footage(&footage, size)?;
    println!(
        "made a {} MiB synthetic MP4 in {:.1} s (written and synced)",
        args.size_mib,
        started.elapsed().as_secs_f64()
    );

    let hash = if wants(Part::Hash) {
        Some(run_hash(&footage, args.hash_rounds)?)
    } else {
        None
    };
    let upload = if wants(Part::Upload) {
        Some(run_upload(&args, work.path(), &footage, size).await?)
    } else {
        None
    };
    print_summary(&args, hash.as_ref(), upload.as_ref());
    if args.keep {
        println!("kept {}", work.keep().display());
    }
    Ok(())
}

fn print_filesystem(dir: &Path) {
    if let Ok(out) = std::process::Command::new("df")
        .args(["-hT"])
        .arg(dir)
        .output()
    {
        print!("{}", String::from_utf8_lossy(&out.stdout));
    }
}

/// A synthetic MP4: a real `ftyp` box (the server sniffs it), then xorshift noise.
fn make_footage(path: &Path, size: u64) -> anyhow::Result<()> {
    let mut f = std::fs::File::create(path)?;
    let mut block = vec![0u8; SERVER_CHUNK];
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut left = size;
    let mut first = true;
    while left > 0 {
        for word in block.chunks_exact_mut(8) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            word.copy_from_slice(&x.to_le_bytes());
        }
        if first {
            let ftyp = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2";
            block[..ftyp.len()].copy_from_slice(ftyp);
            first = false;
        }
        let n = left.min(block.len() as u64) as usize;
        f.write_all(&block[..n])?;
        left -= n as u64;
    }
    f.sync_all()?;
    Ok(())
}

// ---- part 1: hashing ------------------------------------------------------------------------

struct HashResult {
    size: u64,
    sha256: String,
    sha256sum: Vec<Duration>,
    server_path: Vec<Duration>,
    in_memory_mb_s: f64,
    resident: String,
}

impl HashResult {
    fn rate(&self, d: Duration) -> f64 {
        self.size as f64 / d.as_secs_f64() / 1e6
    }

    fn median(v: &[Duration]) -> Duration {
        let mut s = v.to_vec();
        s.sort_unstable();
        s[s.len() / 2]
    }

    fn share(&self) -> f64 {
        self.rate(Self::median(&self.server_path)) / self.rate(Self::median(&self.sha256sum))
    }
}

fn run_hash(path: &Path, rounds: u32) -> anyhow::Result<HashResult> {
    println!("\n== 1. hashing: sha2 crate in the server's 1 MiB chunks vs sha256sum ==");
    let size = std::fs::metadata(path)?.len();
    // Read once so both hashers find the whole file in the page cache.
    let mut f = std::fs::File::open(path)?;
    let mut buf = vec![0u8; SERVER_CHUNK];
    while f.read(&mut buf)? > 0 {}
    let resident = fincore(path);
    println!("page cache before hashing: {resident}");
    let mut result = HashResult {
        size,
        sha256: String::new(),
        sha256sum: Vec::new(),
        server_path: Vec::new(),
        in_memory_mb_s: 0.0,
        resident,
    };
    for round in 1..=rounds {
        let (theirs, t1) = sha256sum(path)?;
        let (ours, t2) = server_path_hash(path)?;
        anyhow::ensure!(theirs == ours, "the hashes differ: {theirs} vs {ours}");
        println!(
            "round {round}: sha256sum {:.0} MB/s ({:.2} s), sha2 1 MiB chunks {:.0} MB/s ({:.2} s)",
            result.rate(t1),
            t1.as_secs_f64(),
            result.rate(t2),
            t2.as_secs_f64()
        );
        result.sha256 = ours;
        result.sha256sum.push(t1);
        result.server_path.push(t2);
    }
    // The hash alone, over one 1 MiB buffer in the CPU cache's neighbourhood: no file reads.
    let block = vec![0x5au8; SERVER_CHUNK];
    let started = Instant::now();
    let mut h = Sha256::new();
    for _ in 0..1024 {
        h.update(&block);
    }
    let _ = h.finalize();
    result.in_memory_mb_s = (1024 * SERVER_CHUNK) as f64 / started.elapsed().as_secs_f64() / 1e6;
    println!(
        "sha2 over a buffer in memory (no reads): {:.0} MB/s",
        result.in_memory_mb_s
    );
    println!("sha256: {}", result.sha256);
    Ok(result)
}

fn sha256sum(path: &Path) -> anyhow::Result<(String, Duration)> {
    let started = Instant::now();
    let out = std::process::Command::new("sha256sum")
        .arg(path)
        .output()
        .context("running sha256sum")?;
    let elapsed = started.elapsed();
    anyhow::ensure!(out.status.success(), "sha256sum failed");
    let text = String::from_utf8_lossy(&out.stdout);
    let hex = text
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned();
    Ok((hex, elapsed))
}

/// What the server's writer thread does per chunk, minus the write: `hasher.update` over
/// 4 MiB buffers (here read from the page cache).
fn server_path_hash(path: &Path) -> anyhow::Result<(String, Duration)> {
    let started = Instant::now();
    let mut f = std::fs::File::open(path)?;
    let mut buf = vec![0u8; SERVER_CHUNK];
    let mut hasher = Sha256::new();
    loop {
        let n = read_full(&mut f, &mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok((hex(&hasher.finalize()), started.elapsed()))
}

fn read_full(f: &mut std::fs::File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        let n = f.read(&mut buf[filled..])?;
        if n == 0 {
            break;
        }
        filled += n;
    }
    Ok(filled)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `fincore`'s one-line answer: how much of a file is in the page cache.
fn fincore(path: &Path) -> String {
    std::process::Command::new("fincore")
        .args(["--noheadings", "--bytes", "--output", "RES,SIZE"])
        .arg(path)
        .output()
        .ok()
        .map(|o| {
            let t = String::from_utf8_lossy(&o.stdout);
            let f: Vec<&str> = t.split_whitespace().collect();
            match (
                f.first().and_then(|v| v.parse::<f64>().ok()),
                f.get(1).and_then(|v| v.parse::<f64>().ok()),
            ) {
                (Some(res), Some(size)) if size > 0.0 => format!(
                    "{:.0} of {:.0} MiB resident ({:.0} %)",
                    res / 1048576.0,
                    size / 1048576.0,
                    100.0 * res / size
                ),
                _ => t.trim().to_owned(),
            }
        })
        .unwrap_or_else(|| "fincore not available".into())
}

// ---- part 2: the upload ---------------------------------------------------------------------

struct UploadResult {
    size: u64,
    patches: usize,
    patch_times: Vec<Duration>,
    elapsed: Duration,
    last_patch: Duration,
    server_cpu: f64,
    machine: Option<roadwarden_bench::CpuUsage>,
    dd: Vec<(String, f64)>,
    mem_upload: (Memory, usize),
    mem_verify: (Memory, usize),
    mem_end: Memory,
    verify_wait: Option<Duration>,
    seeks_warm: Option<SeekResult>,
    seeks_cold: Option<SeekResult>,
    cold_note: String,
}

impl UploadResult {
    fn mb_s(&self) -> f64 {
        self.size as f64 / self.elapsed.as_secs_f64() / 1e6
    }

    /// The slower dd run: the reference the upload is held to.
    fn dd_ref(&self) -> Option<f64> {
        self.dd.iter().map(|(_, v)| *v).reduce(f64::min)
    }

    fn peak_bytes(&self) -> f64 {
        (self
            .mem_upload
            .0
            .hwm
            .max(self.mem_verify.0.hwm)
            .max(self.mem_end.hwm)
            * 1024) as f64
    }
}

struct SeekResult {
    first_byte: LatencyStats,
    whole: LatencyStats,
    page_cache: String,
}

async fn run_upload(
    args: &Args,
    work: &Path,
    footage: &Path,
    size: u64,
) -> anyhow::Result<UploadResult> {
    println!("\n== 2. streaming upload over tus to `roadwarden serve` (its own process) ==");
    let mut dd = Vec::new();
    for i in 0..args.dd_rounds {
        let v = dd_fdatasync(work, args.size_mib)?;
        println!("dd before #{}: {v:.0} MB/s", i + 1);
        dd.push((format!("before #{}", i + 1), v));
    }

    let data = work.join("data");
    let tokens = seed(&data).await?;
    let config = work.join("roadwarden.toml");
    std::fs::write(
        &config,
        format!(
            "data_dir = {:?}\n\n[log]\nlevel = \"warn\"\n",
            data.display().to_string()
        ),
    )?;
    let bin = args.server_bin.clone().or_else(server::default_server_bin);
    let log = work.join("server.log");
    let srv = ServerProcess::start(bin.as_deref(), &config, &log, &args.server_env)?;
    if !args.server_env.is_empty() {
        println!("server environment: {:?}", args.server_env);
    }
    println!(
        "server {} pid {} on {}; memory after start: {}",
        bin.as_deref().map_or_else(
            || "(no roadwarden binary: this binary with --serve-config, same server code)".into(),
            |b| format!("{} serve", b.display())
        ),
        srv.pid,
        srv.base,
        Memory::of(srv.pid).map_or("?".into(), |m| format!("VmRSS {}", mib(m.rss)))
    );
    let result = upload_and_seek(args, &srv, &tokens, footage, size, &mut dd, work).await;
    srv.stop()?;
    if result.is_err() {
        if let Ok(text) = std::fs::read_to_string(&log) {
            let tail: Vec<&str> = text.lines().rev().take(20).collect();
            eprintln!("server log (last lines):");
            for l in tail.iter().rev() {
                eprintln!("  {l}");
            }
        }
    }
    result
}

struct Tokens {
    admin: String,
    reviewer: String,
    head: String,
}

/// The API tests' organisation plus a recorder admin, a unit head and a reviewer at the
/// county and an officer in the squad; made in this process, then the database is closed.
async fn seed(data: &Path) -> anyhow::Result<Vec<(&'static str, String, String)>> {
    let mut settings = Settings {
        data_dir: data.to_path_buf(),
        ..Settings::default()
    };
    settings.database.url = Secret::new(String::new());
    settings.jobs.enabled = false;
    let state = open_state(settings, Clock::System).await?;
    let o = roadwarden_testkit::org(&state).await;
    let mut logins = Vec::new();
    for (who, unit, name, n, role) in [
        ("admin", &o.county, "cx.recadmin", 21, "recorder_admin"),
        ("head", &o.county, "cx.head", 22, "unit_head"),
        ("reviewer", &o.county, "cx.viewer", 24, "reviewer"),
        ("officer", &o.squad, "sq.officer", 25, "collector"),
    ] {
        let (u, p) = roadwarden_testkit::account(&state, unit, name, n, &[role]).await;
        logins.push((who, u, p));
    }
    state.store.close().await;
    Ok(logins)
}

async fn sign_in(
    client: &reqwest::Client,
    base: &str,
    logins: &[(&'static str, String, String)],
) -> anyhow::Result<Tokens> {
    let get = |who: &str| {
        let (_, u, p) = logins
            .iter()
            .find(|(w, _, _)| *w == who)
            .cloned()
            .unwrap_or_default();
        let client = client.clone();
        let url = format!("{base}/api/v1/auth/token");
        async move {
            let resp = client
                .post(url)
                .json(&json!({"username": u, "password": p}))
                .send()
                .await?;
            anyhow::ensure!(resp.status() == 201, "sign-in of {u}: {}", resp.status());
            let v: Value = resp.json().await?;
            Ok::<_, anyhow::Error>(v["token"].as_str().unwrap_or_default().to_owned())
        }
    };
    Ok(Tokens {
        admin: get("admin").await?,
        reviewer: get("reviewer").await?,
        head: get("head").await?,
    })
}

#[allow(clippy::too_many_arguments)]
async fn upload_and_seek(
    args: &Args,
    srv: &ServerProcess,
    logins: &[(&'static str, String, String)],
    footage: &Path,
    size: u64,
    dd: &mut Vec<(String, f64)>,
    work: &Path,
) -> anyhow::Result<UploadResult> {
    let client = reqwest::Client::new();
    let base = srv.base.clone();
    let tokens = sign_in(&client, &base, logins).await?;
    #[allow(clippy::disallowed_methods)] // a benchmark stamps its upload with the wall clock
    let now = Utc::now();
    let ended = now - chrono::Duration::hours(1);
    let meta = tus::metadata(&[
        ("officer", "sq.officer".into()),
        ("activity", "roadside_inspection".into()),
        (
            "started_at",
            (ended - chrono::Duration::minutes(90)).to_rfc3339(),
        ),
        ("ended_at", ended.to_rfc3339()),
        (
            "handed_in_at",
            (now - chrono::Duration::minutes(1)).to_rfc3339(),
        ),
        ("place", "G60 K123".into()),
        ("filename", "DSC_4GB.MP4".into()),
    ]);
    let resp = client
        .post(format!("{base}/api/v1/evidence/uploads"))
        .bearer_auth(&tokens.admin)
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", size.to_string())
        .header("Upload-Metadata", meta)
        .send()
        .await?;
    anyhow::ensure!(
        resp.status() == 201,
        "creating the upload: {} {}",
        resp.status(),
        resp.text().await.unwrap_or_default()
    );
    let location = resp
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .context("Location")?
        .to_owned();
    let step = if args.patch_mib == 0 {
        size
    } else {
        args.patch_mib << 20
    };
    println!(
        "upload {location}: {} bytes in PATCHes of {} MiB",
        size,
        step >> 20
    );

    // Upload, sampling the server's memory.
    let sampler = Sampler::start(srv.pid, Duration::from_millis(20));
    let cpu_before = CpuSnapshot::take();
    let server_cpu_before = server::cpu_seconds(srv.pid);
    let started = Instant::now();
    let (pid, file, token) = (srv.pid, footage.to_path_buf(), tokens.admin.clone());
    let (patch_times, evidence_id) = tokio::task::spawn_blocking(move || {
        let mut offset = 0u64;
        let mut times = Vec::new();
        let mut evidence = None;
        while offset < size {
            let len = step.min(size - offset);
            let p = tus::patch(&base, &location, &token, &file, offset, len)?;
            anyhow::ensure!(
                p.status == 204 && p.offset == Some(offset + len),
                "PATCH at {offset}: {} {:?} {}",
                p.status,
                p.offset,
                p.body
            );
            times.push(p.elapsed);
            offset += len;
            evidence = p.evidence_id.or(evidence);
            if times.len() % 16 == 0 {
                let m = Memory::of(pid).unwrap_or_default();
                println!(
                    "  {} MiB sent, server VmRSS {}, VmHWM {}",
                    offset >> 20,
                    mib(m.rss),
                    mib(m.hwm)
                );
            }
        }
        Ok::<_, anyhow::Error>((times, evidence))
    })
    .await??;
    let elapsed = started.elapsed();
    let server_cpu = server::cpu_seconds(srv.pid) - server_cpu_before;
    let machine = cpu_since(cpu_before.as_ref());
    let mem_upload = sampler.finish();
    let evidence_id = evidence_id.context("the last PATCH named no footage id")?;
    println!(
        "uploaded {} MiB in {:.2} s = {:.0} MB/s; footage #{evidence_id}; server CPU {:.1} s ({:.0} % of one core)",
        size >> 20,
        elapsed.as_secs_f64(),
        size as f64 / elapsed.as_secs_f64() / 1e6,
        server_cpu,
        100.0 * server_cpu / elapsed.as_secs_f64()
    );
    if let Some(m) = machine {
        println!("  {m}");
    }

    // The server re-reads the stored file to verify it; keep sampling until it has.
    let sampler = Sampler::start(srv.pid, Duration::from_millis(20));
    let started = Instant::now();
    let base = srv.base.clone();
    let mut verify_wait = None;
    let mut stored_sha = String::new();
    while started.elapsed() < Duration::from_secs(900) {
        let v: Value = client
            .get(format!("{base}/api/v1/evidence/{evidence_id}"))
            .bearer_auth(&tokens.admin)
            .send()
            .await?
            .json()
            .await?;
        stored_sha = v["evidence"]["sha256"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if !v["evidence"]["verified_at"].is_null() {
            verify_wait = Some(started.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mem_verify = sampler.finish();
    println!(
        "stored sha256 {stored_sha}; verified {}",
        verify_wait.map_or("NOT within 15 min".into(), |d| format!(
            "{:.2} s after the last PATCH",
            d.as_secs_f64()
        ))
    );
    let mem_end = Memory::of(srv.pid).unwrap_or_default();

    for i in 0..args.dd_rounds {
        let v = dd_fdatasync(work, args.size_mib)?;
        println!("dd after #{}: {v:.0} MB/s", i + 1);
        dd.push((format!("after #{}", i + 1), v));
    }

    // Seeks: a reviewer asks to view, the unit head approves.
    println!("\n== 3. ranged reads: first byte after a seek ==");
    let (seeks_warm, seeks_cold, cold_note) = seek_all(
        args,
        &client,
        &base,
        &tokens,
        evidence_id,
        size,
        footage,
        work,
    )
    .await?;
    Ok(UploadResult {
        size,
        patches: patch_times.len(),
        last_patch: patch_times.last().copied().unwrap_or_default(),
        patch_times,
        elapsed,
        server_cpu,
        machine,
        dd: dd.clone(),
        mem_upload,
        mem_verify,
        mem_end,
        verify_wait,
        seeks_warm,
        seeks_cold,
        cold_note,
    })
}

/// `dd if=/dev/zero bs=1M count=<mib> conv=fdatasync` in `dir`: MB/s.
fn dd_fdatasync(dir: &Path, mib: u64) -> anyhow::Result<f64> {
    let target = dir.join("dd.test");
    let out = std::process::Command::new("dd")
        .arg("if=/dev/zero")
        .arg(format!("of={}", target.display()))
        .args(["bs=1M", &format!("count={mib}"), "conv=fdatasync"])
        .output()
        .context("running dd")?;
    let _ = std::fs::remove_file(&target);
    let text = String::from_utf8_lossy(&out.stderr);
    anyhow::ensure!(out.status.success(), "dd failed: {text}");
    let line = text.lines().last().unwrap_or_default();
    // "4294967296 bytes (4.3 GB, 4.0 GiB) copied, 17.2 s, 250 MB/s"
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
    Ok(bytes / secs / 1e6)
}

#[allow(clippy::too_many_arguments)]
async fn seek_all(
    args: &Args,
    client: &reqwest::Client,
    base: &str,
    tokens: &Tokens,
    evidence_id: i64,
    size: u64,
    footage: &Path,
    work: &Path,
) -> anyhow::Result<(Option<SeekResult>, Option<SeekResult>, String)> {
    let resp = client
        .post(format!("{base}/api/v1/access-requests"))
        .bearer_auth(&tokens.reviewer)
        .json(&json!({"evidence_ids": [evidence_id], "purpose": "view",
                      "reason": "benchmark: seeking in long footage"}))
        .send()
        .await?;
    anyhow::ensure!(resp.status() == 201, "access request: {}", resp.status());
    let rid = resp.json::<Value>().await?["id"]
        .as_i64()
        .context("request id")?;
    let resp = client
        .post(format!("{base}/api/v1/access-requests/{rid}/decision"))
        .bearer_auth(&tokens.head)
        .json(&json!({"decision": "approve", "reason": "benchmark"}))
        .send()
        .await?;
    anyhow::ensure!(resp.status() == 200, "approval: {}", resp.status());
    let url = format!("{base}/api/v1/evidence/{evidence_id}/content");
    // Opening the file (a range from byte 0) is the one audited view; not timed.
    let first = client
        .get(&url)
        .bearer_auth(&tokens.reviewer)
        .header("Range", "bytes=0-1023")
        .send()
        .await?;
    anyhow::ensure!(first.status() == 206, "first read: {}", first.status());
    let _ = first.bytes().await?;
    let blob = work
        .join("data")
        .join("blobs")
        .join(find_blob(&work.join("data").join("blobs"))?);
    let source = std::fs::File::open(footage)?;
    let mut rng: u64 = 0x2545_F491_4F6C_DD1D;
    let warm_cache = fincore(&blob);
    println!("stored file in the page cache: {warm_cache}");
    let warm = seek_series(
        args,
        client,
        &url,
        &tokens.reviewer,
        size,
        &source,
        &mut rng,
    )
    .await?;
    print_seeks("page cache warm", &warm);
    let warm = SeekResult {
        first_byte: warm.0,
        whole: warm.1,
        page_cache: warm_cache,
    };
    let (cold, note) = if args.no_drop_caches {
        (None, "not run (--no-drop-caches)".to_owned())
    } else {
        let _ = std::process::Command::new("sync").status();
        match std::fs::write("/proc/sys/vm/drop_caches", "3") {
            Ok(()) => {
                let cache = fincore(&blob);
                println!("dropped the page cache; stored file: {cache}");
                let cold = seek_series(
                    args,
                    client,
                    &url,
                    &tokens.reviewer,
                    size,
                    &source,
                    &mut rng,
                )
                .await?;
                print_seeks("after drop_caches", &cold);
                (
                    Some(SeekResult {
                        first_byte: cold.0,
                        whole: cold.1,
                        page_cache: cache,
                    }),
                    String::new(),
                )
            }
            Err(e) => (None, format!("could not drop the page cache: {e}")),
        }
    };
    Ok((Some(warm), cold, note))
}

/// The one blob under `root` (`ab/cd/<sha256>`), relative to `root`.
fn find_blob(root: &Path) -> anyhow::Result<PathBuf> {
    for a in std::fs::read_dir(root)?.flatten() {
        if a.file_name() == "tmp" || !a.path().is_dir() {
            continue;
        }
        for b in std::fs::read_dir(a.path())?.flatten() {
            if let Some(f) = std::fs::read_dir(b.path())?.flatten().next() {
                return Ok(f.path().strip_prefix(root)?.to_path_buf());
            }
        }
    }
    anyhow::bail!("no blob under {}", root.display())
}

/// `--seeks` ranged GETs at random offsets: time to the first body byte and to the last;
/// every answer is checked against the source file (after the clock stops).
async fn seek_series(
    args: &Args,
    client: &reqwest::Client,
    url: &str,
    token: &str,
    size: u64,
    source: &std::fs::File,
    rng: &mut u64,
) -> anyhow::Result<(LatencyStats, LatencyStats)> {
    let span = (args.seek_kib << 10).min(size);
    let mut first = Vec::with_capacity(args.seeks);
    let mut whole = Vec::with_capacity(args.seeks);
    let mut expected = vec![0u8; span as usize];
    for _ in 0..args.seeks {
        *rng ^= *rng << 13;
        *rng ^= *rng >> 7;
        *rng ^= *rng << 17;
        let at = *rng % (size - span + 1);
        let started = Instant::now();
        let mut resp = client
            .get(url)
            .bearer_auth(token)
            .header("Range", format!("bytes={at}-{}", at + span - 1))
            .send()
            .await?;
        anyhow::ensure!(resp.status() == 206, "seek to {at}: {}", resp.status());
        let mut got = Vec::with_capacity(span as usize);
        let mut first_at = None;
        while let Some(chunk) = resp.chunk().await? {
            if first_at.is_none() && !chunk.is_empty() {
                first_at = Some(started.elapsed());
            }
            got.extend_from_slice(&chunk);
        }
        whole.push(started.elapsed());
        first.push(first_at.context("an empty answer")?);
        source.read_exact_at(&mut expected, at)?;
        anyhow::ensure!(got == expected, "the bytes at {at} differ from the file's");
    }
    Ok((
        LatencyStats::of(&first).context("no seeks")?,
        LatencyStats::of(&whole).context("no seeks")?,
    ))
}

fn print_seeks(label: &str, (first, whole): &(LatencyStats, LatencyStats)) {
    println!(
        "{label}: {} seeks; first byte p50 {} p90 {} p99 {} max {}; whole range p50 {} p99 {}",
        first.count,
        roadwarden_bench::ms(first.p50),
        roadwarden_bench::ms(first.p90),
        roadwarden_bench::ms(first.p99),
        roadwarden_bench::ms(first.max),
        roadwarden_bench::ms(whole.p50),
        roadwarden_bench::ms(whole.p99),
    );
}

// ---- summary --------------------------------------------------------------------------------

fn verdict(met: bool) -> &'static str {
    if met {
        "MET"
    } else {
        "MISSED"
    }
}

fn print_summary(args: &Args, hash: Option<&HashResult>, upload: Option<&UploadResult>) {
    println!(
        "\n== summary ({} MiB file, nproc {}) ==",
        args.size_mib,
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!("| target | measured | peer, same run | ratio | result |");
    println!("| --- | --- | --- | --- | --- |");
    if let Some(h) = hash {
        let ours = h.rate(HashResult::median(&h.server_path));
        let theirs = h.rate(HashResult::median(&h.sha256sum));
        println!(
            "| hash ≥ 80 % of sha256sum | sha2, 4 MiB chunks: {ours:.0} MB/s (median of {}; in memory {:.0} MB/s) | sha256sum {theirs:.0} MB/s | {:.2} | **{}** |",
            h.server_path.len(),
            h.in_memory_mb_s,
            h.share(),
            verdict(h.share() >= HASH_SHARE_TARGET)
        );
        println!("  (file in the page cache for both: {})", h.resident);
    }
    if let Some(u) = upload {
        let peak = u.peak_bytes();
        println!(
            "| server resident memory < 64 MB | VmHWM {:.1} MB (sampled VmRSS peak {:.1} MB: anon {:.1}, file {:.1}) | 64 MB | {:.2} | **{}** |",
            peak / 1e6,
            (u.mem_upload.0.rss.max(u.mem_verify.0.rss) * 1024) as f64 / 1e6,
            (u.mem_upload.0.anon.max(u.mem_verify.0.anon) * 1024) as f64 / 1e6,
            (u.mem_upload.0.file.max(u.mem_verify.0.file) * 1024) as f64 / 1e6,
            peak / RSS_TARGET_BYTES,
            verdict(peak < RSS_TARGET_BYTES)
        );
        let dd = u.dd_ref().unwrap_or(f64::NAN);
        let share = u.mb_s() / dd;
        println!(
            "| upload ≥ 50 % of dd | {:.0} MB/s ({} PATCHes, last one {:.2} s incl. filing) | dd conv=fdatasync {} (slowest {dd:.0}) | {share:.2} | **{}** |",
            u.mb_s(),
            u.patches,
            u.last_patch.as_secs_f64(),
            u.dd
                .iter()
                .map(|(w, v)| format!("{w} {v:.0}"))
                .collect::<Vec<_>>()
                .join(", "),
            verdict(share >= DISK_SHARE_TARGET)
        );
        if let Some(p) = LatencyStats::of(&u.patch_times) {
            println!(
                "  PATCH times: p50 {} max {}; server CPU {:.1} s over {:.1} s; {}",
                roadwarden_bench::ms(p.p50),
                roadwarden_bench::ms(p.max),
                u.server_cpu,
                u.elapsed.as_secs_f64(),
                u.machine.map_or(String::new(), |m| m.to_string())
            );
        }
        println!(
            "  memory: upload VmRSS peak {} ({} samples), verification VmRSS peak {} ({} samples, {}), VmHWM at the end {}",
            mib(u.mem_upload.0.rss),
            u.mem_upload.1,
            mib(u.mem_verify.0.rss),
            u.mem_verify.1,
            u.verify_wait
                .map_or("not verified".into(), |d| format!("{:.1} s", d.as_secs_f64())),
            mib(u.mem_end.hwm)
        );
        for (label, s) in [
            ("page cache warm", &u.seeks_warm),
            ("after drop_caches", &u.seeks_cold),
        ] {
            match s {
                Some(s) => println!(
                    "| seek first byte < 20 ms ({label}: {}) | p50 {} p90 {} p99 {} max {} ({} seeks, {} KiB each; whole range p99 {}) | 20 ms | p99/target {:.2} | **{}** |",
                    s.page_cache,
                    roadwarden_bench::ms(s.first_byte.p50),
                    roadwarden_bench::ms(s.first_byte.p90),
                    roadwarden_bench::ms(s.first_byte.p99),
                    roadwarden_bench::ms(s.first_byte.max),
                    s.first_byte.count,
                    args.seek_kib,
                    roadwarden_bench::ms(s.whole.p99),
                    s.first_byte.p99.as_secs_f64() / FIRST_BYTE_TARGET.as_secs_f64(),
                    verdict(s.first_byte.p99 < FIRST_BYTE_TARGET)
                ),
                None => println!("| seek first byte ({label}) | {} | | | |", u.cold_note),
            }
        }
    }
}
