//! Part 2 and 3: one large upload over tus to the real server, its memory and rate against
//! `dd`, then seeks into the stored file.

use super::hash::fincore;
use super::*;

pub(crate) struct UploadResult {
    pub(crate) size: u64,
    pub(crate) patches: usize,
    pub(crate) patch_times: Vec<Duration>,
    pub(crate) elapsed: Duration,
    pub(crate) last_patch: Duration,
    pub(crate) server_cpu: f64,
    pub(crate) machine: Option<roadwarden_bench::CpuUsage>,
    pub(crate) dd: Vec<(String, f64)>,
    pub(crate) mem_upload: (Memory, usize),
    pub(crate) mem_verify: (Memory, usize),
    pub(crate) mem_end: Memory,
    pub(crate) verify_wait: Option<Duration>,
    pub(crate) seeks_warm: Option<SeekResult>,
    pub(crate) seeks_cold: Option<SeekResult>,
    pub(crate) cold_note: String,
}

impl UploadResult {
    pub(crate) fn mb_s(&self) -> f64 {
        self.size as f64 / self.elapsed.as_secs_f64() / 1e6
    }

    /// The slower dd run: the reference the upload is held to.
    pub(crate) fn dd_ref(&self) -> Option<f64> {
        self.dd.iter().map(|(_, v)| *v).reduce(f64::min)
    }

    pub(crate) fn peak_bytes(&self) -> f64 {
        (self
            .mem_upload
            .0
            .hwm
            .max(self.mem_verify.0.hwm)
            .max(self.mem_end.hwm)
            * 1024) as f64
    }
}

pub(crate) struct SeekResult {
    pub(crate) first_byte: LatencyStats,
    pub(crate) whole: LatencyStats,
    pub(crate) page_cache: String,
}

pub(crate) async fn run_upload(
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

pub(crate) struct Tokens {
    pub(crate) admin: String,
    pub(crate) reviewer: String,
    pub(crate) head: String,
}

/// The API tests' organisation plus a recorder admin, a unit head and a reviewer at the
/// county and an officer in the squad; made in this process, then the database is closed.
pub(crate) async fn seed(data: &Path) -> anyhow::Result<Vec<(&'static str, String, String)>> {
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

pub(crate) async fn sign_in(
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
pub(crate) async fn upload_and_seek(
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
pub(crate) fn dd_fdatasync(dir: &Path, mib: u64) -> anyhow::Result<f64> {
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
pub(crate) async fn seek_all(
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
pub(crate) fn find_blob(root: &Path) -> anyhow::Result<PathBuf> {
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
pub(crate) async fn seek_series(
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

pub(crate) fn print_seeks(label: &str, (first, whole): &(LatencyStats, LatencyStats)) {
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
