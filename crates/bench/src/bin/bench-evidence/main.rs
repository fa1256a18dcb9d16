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

mod hash;
mod server;
mod tus;
mod upload;

use hash::{run_hash, HashResult};
use upload::{run_upload, UploadResult};

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
