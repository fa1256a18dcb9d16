//! Part 1: SHA-256 the way the server hashes an upload, against `sha256sum` on the same file.

use super::*;

pub(crate) struct HashResult {
    pub(crate) size: u64,
    pub(crate) sha256: String,
    pub(crate) sha256sum: Vec<Duration>,
    pub(crate) server_path: Vec<Duration>,
    pub(crate) in_memory_mb_s: f64,
    pub(crate) resident: String,
}

impl HashResult {
    pub(crate) fn rate(&self, d: Duration) -> f64 {
        self.size as f64 / d.as_secs_f64() / 1e6
    }

    pub(crate) fn median(v: &[Duration]) -> Duration {
        let mut s = v.to_vec();
        s.sort_unstable();
        s[s.len() / 2]
    }

    pub(crate) fn share(&self) -> f64 {
        self.rate(Self::median(&self.server_path)) / self.rate(Self::median(&self.sha256sum))
    }
}

pub(crate) fn run_hash(path: &Path, rounds: u32) -> anyhow::Result<HashResult> {
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

pub(crate) fn sha256sum(path: &Path) -> anyhow::Result<(String, Duration)> {
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
pub(crate) fn server_path_hash(path: &Path) -> anyhow::Result<(String, Duration)> {
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

pub(crate) fn read_full(f: &mut std::fs::File, buf: &mut [u8]) -> std::io::Result<usize> {
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

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `fincore`'s one-line answer: how much of a file is in the page cache.
pub(crate) fn fincore(path: &Path) -> String {
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
