//! Shared pieces of the benchmark binaries (`bench-audit`, `bench-units`): a throw-away
//! database on either backend, latency statistics, and a disk fsync probe.
//!
//! The figures these binaries print are recorded in `BENCHMARKS.md`; `scripts/bench.sh`
//! reproduces them.

pub mod load;

use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;
use roadwarden_store::Store;

/// A database made for one benchmark run.
///
/// * no URL: a fresh SQLite file in a temporary directory (removed afterwards);
/// * a `postgres://` URL: a fresh database on that server, made with
///   [`Store::create_database_for_tests`] and dropped by [`BenchDb::cleanup`];
/// * a `sqlite:` URL: used as given (and left in place).
pub struct BenchDb {
    pub url: String,
    dir: Option<tempfile::TempDir>,
    postgres: Option<(String, String)>,
}

impl BenchDb {
    pub async fn create(database_url: Option<&str>) -> anyhow::Result<Self> {
        match database_url.filter(|u| !u.is_empty()) {
            None => {
                let dir = tempfile::Builder::new().prefix("rw-bench-").tempdir()?;
                let url = format!("sqlite://{}", dir.path().join("bench.sqlite").display());
                Ok(Self {
                    url,
                    dir: Some(dir),
                    postgres: None,
                })
            }
            Some(server)
                if server.starts_with("postgres:") || server.starts_with("postgresql:") =>
            {
                let name = format!("rw_bench_{}", uuid::Uuid::new_v4().simple());
                let admin = Store::connect(server, &Default::default())
                    .await
                    .with_context(|| {
                        format!("connecting to {}", roadwarden_store::redact_url(server))
                    })?;
                admin.create_database_for_tests(&name).await?;
                admin.close().await;
                let mut u = url::Url::parse(server)?;
                u.set_path(&format!("/{name}"));
                Ok(Self {
                    url: u.to_string(),
                    dir: None,
                    postgres: Some((server.to_owned(), name)),
                })
            }
            Some(other) => Ok(Self {
                url: other.to_owned(),
                dir: None,
                postgres: None,
            }),
        }
    }

    /// "sqlite" or "postgres", for the summaries.
    pub fn backend(&self) -> &'static str {
        if self.url.starts_with("sqlite:") {
            "sqlite"
        } else {
            "postgres"
        }
    }

    /// The temporary directory holding the SQLite file, when there is one.
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_ref().map(tempfile::TempDir::path)
    }

    /// Drops the PostgreSQL database made for the run; the SQLite directory goes with `self`.
    pub async fn cleanup(self) -> anyhow::Result<()> {
        if let Some((server, name)) = &self.postgres {
            let admin = Store::connect(server, &Default::default()).await?;
            admin.drop_database_for_tests(name).await?;
            admin.close().await;
        }
        Ok(())
    }
}

/// Runs `body` against a fresh database and always cleans the database up afterwards.
/// With `keep`, the database is left in place for inspection and its URL printed.
pub async fn with_database<F, Fut, T>(
    database_url: Option<&str>,
    keep: bool,
    body: F,
) -> anyhow::Result<T>
where
    F: FnOnce(String, Option<std::path::PathBuf>, &'static str) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<T>>,
{
    let mut db = BenchDb::create(database_url).await?;
    let backend = db.backend();
    let result = body(db.url.clone(), db.dir().map(Path::to_path_buf), backend).await;
    if keep {
        if let Some(dir) = db.dir.take() {
            let _ = dir.keep();
        }
        db.postgres = None;
        println!(
            "kept the database: {}",
            roadwarden_store::redact_url(&db.url)
        );
    }
    let cleaned = db.cleanup().await;
    let value = result?;
    cleaned?;
    Ok(value)
}

/// Latency percentiles of a set of samples.
#[derive(Debug, Clone, Copy)]
pub struct LatencyStats {
    pub count: usize,
    pub mean: Duration,
    pub p50: Duration,
    pub p90: Duration,
    pub p99: Duration,
    pub p999: Duration,
    pub max: Duration,
}

impl LatencyStats {
    /// Nearest-rank percentiles; `None` for no samples.
    pub fn of(samples: &[Duration]) -> Option<Self> {
        if samples.is_empty() {
            return None;
        }
        let mut sorted = samples.to_vec();
        sorted.sort_unstable();
        let rank = |p: f64| {
            // Nearest rank: the smallest value with at least p of the samples at or below it.
            let n = sorted.len() as f64;
            let idx = ((p * n).ceil() as usize).clamp(1, sorted.len()) - 1;
            sorted[idx]
        };
        let total: Duration = sorted.iter().sum();
        Some(Self {
            count: sorted.len(),
            mean: total / u32::try_from(sorted.len()).unwrap_or(u32::MAX),
            p50: rank(0.50),
            p90: rank(0.90),
            p99: rank(0.99),
            p999: rank(0.999),
            max: sorted[sorted.len() - 1],
        })
    }
}

/// Milliseconds with two decimals.
pub fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// The result of [`fsync_probe`].
#[derive(Debug, Clone, Copy)]
pub struct FsyncFigure {
    pub writes: u32,
    pub elapsed: Duration,
}

impl FsyncFigure {
    pub fn per_second(&self) -> f64 {
        f64::from(self.writes) / self.elapsed.as_secs_f64()
    }

    pub fn mean_latency(&self) -> Duration {
        self.elapsed / self.writes.max(1)
    }
}

/// Appends `writes` blocks of 4 KiB to a file in `dir`, each followed by `fdatasync`: the
/// same thing as `dd if=/dev/zero of=… bs=4k count=… oflag=dsync`. Every durable commit
/// costs at least one such flush, so this bounds sequential commits per second.
pub fn fsync_probe(dir: &Path, writes: u32) -> anyhow::Result<FsyncFigure> {
    let path = dir.join(format!("fsync-probe-{}", uuid::Uuid::new_v4().simple()));
    let mut file = std::fs::File::create(&path)?;
    let block = [0u8; 4096];
    let started = Instant::now();
    for _ in 0..writes {
        file.write_all(&block)?;
        file.sync_data()?;
    }
    let elapsed = started.elapsed();
    drop(file);
    std::fs::remove_file(&path)?;
    Ok(FsyncFigure { writes, elapsed })
}

/// CPU time at one moment, read from `/proc` (Linux only): the whole machine, this process,
/// and the PostgreSQL server's processes. Two of them tell whether something else was
/// running during a measurement; on a shared 2-core machine that is often the case.
#[derive(Debug, Clone)]
pub struct CpuSnapshot {
    machine_busy: u64,
    machine_total: u64,
    steal: u64,
    own: u64,
    postgres: std::collections::HashMap<u32, u64>,
}

/// CPU use between two snapshots, in percent of all cores.
#[derive(Debug, Clone, Copy)]
pub struct CpuUsage {
    pub machine_busy: f64,
    pub own: f64,
    pub postgres: f64,
    /// Busy time that was neither this process nor PostgreSQL: other work on the machine.
    pub other: f64,
    /// Time the hypervisor gave to other virtual machines.
    pub steal: f64,
}

impl std::fmt::Display for CpuUsage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "cpu (% of all cores): machine {:.0}%, this process {:.0}%, postgres {:.0}%, \
             other {:.0}%, steal {:.0}%",
            self.machine_busy, self.own, self.postgres, self.other, self.steal
        )
    }
}

impl CpuSnapshot {
    /// `None` where `/proc` cannot be read.
    pub fn take() -> Option<Self> {
        let stat = std::fs::read_to_string("/proc/stat").ok()?;
        let cpu: Vec<u64> = stat
            .lines()
            .next()?
            .split_whitespace()
            .skip(1)
            .filter_map(|v| v.parse().ok())
            .collect();
        // user nice system idle iowait irq softirq steal (guest time is inside user).
        let field = |i: usize| cpu.get(i).copied().unwrap_or(0);
        let idle = field(3) + field(4);
        let total: u64 = (0..8).map(field).sum();
        let own = process_ticks("self").unwrap_or(0);
        let mut postgres = std::collections::HashMap::new();
        if let Ok(entries) = std::fs::read_dir("/proc") {
            for entry in entries.flatten() {
                let name = entry.file_name();
                let Some(pid) = name.to_str().and_then(|n| n.parse::<u32>().ok()) else {
                    continue;
                };
                let comm = std::fs::read_to_string(entry.path().join("comm")).unwrap_or_default();
                if comm.trim() == "postgres" {
                    if let Some(ticks) = process_ticks(&pid.to_string()) {
                        postgres.insert(pid, ticks);
                    }
                }
            }
        }
        Some(Self {
            machine_busy: total - idle,
            machine_total: total,
            steal: field(7),
            own,
            postgres,
        })
    }

    /// Use from `earlier` to `self`.
    pub fn since(&self, earlier: &CpuSnapshot) -> CpuUsage {
        let total = self
            .machine_total
            .saturating_sub(earlier.machine_total)
            .max(1) as f64;
        let pct = |ticks: u64| 100.0 * ticks as f64 / total;
        let busy = self.machine_busy.saturating_sub(earlier.machine_busy);
        let steal = self.steal.saturating_sub(earlier.steal);
        let own = self.own.saturating_sub(earlier.own);
        let postgres: u64 = self
            .postgres
            .iter()
            .map(|(pid, t)| t.saturating_sub(earlier.postgres.get(pid).copied().unwrap_or(0)))
            .sum();
        CpuUsage {
            machine_busy: pct(busy),
            own: pct(own),
            postgres: pct(postgres),
            other: pct(busy.saturating_sub(own + postgres + steal)),
            steal: pct(steal),
        }
    }
}

/// utime + stime of `/proc/<pid>/stat`, in clock ticks.
fn process_ticks(pid: &str) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may hold spaces: count fields after it.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// CPU use since `before` (from [`CpuSnapshot::take`]).
pub fn cpu_since(before: Option<&CpuSnapshot>) -> Option<CpuUsage> {
    Some(CpuSnapshot::take()?.since(before?))
}

/// Measures CPU use around `f`.
pub async fn metered<T, F: std::future::Future<Output = T>>(f: F) -> (T, Option<CpuUsage>) {
    let before = CpuSnapshot::take();
    let value = f.await;
    let usage = match (before, CpuSnapshot::take()) {
        (Some(b), Some(a)) => Some(a.since(&b)),
        _ => None,
    };
    (value, usage)
}

/// A valid 18-character Chinese resident identity number, unique for each `n` below 36.5
/// million: the birth date walks forward one day per thousand people.
pub fn cn_id_number(n: u32) -> String {
    let born = chrono::NaiveDate::from_ymd_opt(1960, 1, 1)
        .and_then(|d| d.checked_add_days(chrono::Days::new(u64::from(n / 1000))))
        .unwrap_or_default();
    let first17 = format!("330522{}{:03}", born.format("%Y%m%d"), n % 1000);
    let check = roadwarden_domain::account::cn_id_check_digit(&first17).expect("17 digits");
    format!("{first17}{check}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_nearest_rank() {
        let samples: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        let s = LatencyStats::of(&samples).expect("samples");
        assert_eq!(s.p50, Duration::from_millis(50));
        assert_eq!(s.p99, Duration::from_millis(99));
        assert_eq!(s.max, Duration::from_millis(100));
        assert!(LatencyStats::of(&[]).is_none());
    }

    #[test]
    fn cpu_usage_is_read_from_proc() {
        let Some(before) = CpuSnapshot::take() else {
            return;
        };
        // Busy for long enough that the kernel's 10 ms ticks are small against the span: the
        // machine's counters and this process's are read from two files at slightly different
        // moments, so over a few ticks they may disagree by a tick or two.
        let mut x = 0u64;
        let start = std::time::Instant::now();
        while start.elapsed() < Duration::from_millis(400) {
            for i in 0..10_000u64 {
                x = x.wrapping_mul(31).wrapping_add(i);
            }
        }
        std::hint::black_box(x);
        let usage = CpuSnapshot::take().expect("second snapshot").since(&before);
        assert!((0.0..=100.0).contains(&usage.machine_busy), "{usage}");
        assert!(usage.own <= usage.machine_busy + 10.0, "{usage}");
    }

    #[test]
    fn identity_numbers_are_unique_and_valid() {
        let mut seen = std::collections::HashSet::new();
        for n in 0..5000 {
            let id = cn_id_number(n);
            assert_eq!(id.len(), 18);
            assert!(seen.insert(id));
        }
        let parsed = roadwarden_domain::account::IdNumber::parse(
            &cn_id_number(12_345),
            roadwarden_domain::org::Country::China,
        );
        assert!(parsed.is_ok(), "{parsed:?}");
    }
}
