//! The real `roadwarden serve` as a child process, and what `/proc` says about it: resident
//! memory (sampled), CPU time. Running the server in its own process is what makes its
//! resident memory measurable apart from the client's.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::Context;

pub struct ServerProcess {
    child: Child,
    pub pid: u32,
    pub base: String,
}

impl ServerProcess {
    /// Starts `bin --config <config> serve --bind 127.0.0.1:0` and waits for the address it
    /// prints. Its log (stderr) goes to `log`.
    ///
    /// Without a `roadwarden` binary (`bin` is `None`), this binary runs itself with
    /// `--serve-config`, which serves the same application the way `roadwarden serve` does.
    pub fn start(
        bin: Option<&Path>,
        config: &Path,
        log: &Path,
        env: &[(String, String)],
    ) -> anyhow::Result<Self> {
        let log_file = std::fs::File::create(log)?;
        let mut command = match bin {
            Some(bin) => {
                let mut c = Command::new(bin);
                c.arg("--config")
                    .arg(config)
                    .arg("serve")
                    .arg("--bind")
                    .arg("127.0.0.1:0");
                c
            }
            None => {
                let mut c = Command::new(std::env::current_exe()?);
                c.arg("--serve-config").arg(config);
                c
            }
        };
        let mut child = command
            .envs(env.iter().cloned())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log_file))
            .spawn()
            .with_context(|| format!("starting the server ({bin:?})"))?;
        let pid = child.id();
        let stdout = child.stdout.take().context("server stdout")?;
        let (tx, rx) = std::sync::mpsc::channel::<String>();
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.split("listening on ").nth(1) {
                    let _ = tx.send(url.trim().to_owned());
                }
            }
        });
        let Ok(base) = rx.recv_timeout(Duration::from_secs(60)) else {
            let _ = child.kill();
            let _ = child.wait();
            anyhow::bail!(
                "the server did not say where it listens within 60 s; see {}",
                log.display()
            );
        };
        Ok(Self { child, pid, base })
    }

    /// SIGTERM (graceful shutdown), then waits.
    pub fn stop(mut self) -> anyhow::Result<()> {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.pid.to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if self.child.try_wait()?.is_some() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.child.kill()?;
        self.child.wait()?;
        Ok(())
    }
}

/// Memory figures of `/proc/<pid>/status`, in KiB.
#[derive(Debug, Clone, Copy, Default)]
pub struct Memory {
    pub rss: u64,
    pub hwm: u64,
    pub anon: u64,
    pub file: u64,
}

impl Memory {
    pub fn of(pid: u32) -> Option<Self> {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        let kib = |name: &str| {
            status
                .lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0)
        };
        Some(Self {
            rss: kib("VmRSS:"),
            hwm: kib("VmHWM:"),
            anon: kib("RssAnon:"),
            file: kib("RssFile:"),
        })
    }

    fn max(self, other: Self) -> Self {
        Self {
            rss: self.rss.max(other.rss),
            hwm: self.hwm.max(other.hwm),
            anon: self.anon.max(other.anon),
            file: self.file.max(other.file),
        }
    }
}

/// MiB with one decimal, from KiB.
pub fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

/// Samples a process's memory every `every` until stopped; keeps the largest of each figure.
pub struct Sampler {
    stop: Arc<AtomicBool>,
    handle: JoinHandle<(Memory, usize)>,
}

impl Sampler {
    pub fn start(pid: u32, every: Duration) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let handle = std::thread::spawn(move || {
            let mut peak = Memory::default();
            let mut samples = 0;
            loop {
                if let Some(m) = Memory::of(pid) {
                    peak = peak.max(m);
                    samples += 1;
                }
                if flag.load(Ordering::Relaxed) {
                    return (peak, samples);
                }
                std::thread::sleep(every);
            }
        });
        Self { stop, handle }
    }

    /// The peak of each figure over the samples, and how many samples there were.
    pub fn finish(self) -> (Memory, usize) {
        self.stop.store(true, Ordering::Relaxed);
        self.handle.join().unwrap_or_default()
    }
}

/// utime + stime of a process, in seconds.
pub fn cpu_seconds(pid: u32) -> f64 {
    let ticks = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            let rest = stat[stat.rfind(')')? + 1..].to_owned();
            let f: Vec<&str> = rest.split_whitespace().collect();
            Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
        })
        .unwrap_or(0);
    // USER_HZ is 100 on every Linux this runs on.
    ticks as f64 / 100.0
}

/// The `roadwarden` binary next to this one (both are built into `target/release`), if built.
pub fn default_server_bin() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let bin = exe.parent()?.join("roadwarden");
    bin.is_file().then_some(bin)
}

/// `--serve-config`: what `roadwarden serve` does (open the state, bind, serve until SIGTERM),
/// for when the `roadwarden` binary is not built.
pub async fn serve_here(config: &Path) -> anyhow::Result<()> {
    let mut settings = roadwarden_server::Settings::load(Some(config))
        .map_err(|e| anyhow::anyhow!("configuration: {e}"))?;
    settings.server.bind = "127.0.0.1:0".into();
    let state = roadwarden_server::open_state(settings, roadwarden_server::Clock::System).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let running = roadwarden_server::serve(listener, state).await?;
    println!("Roadwarden is listening on http://{}", running.addr);
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    term.recv().await;
    running.shutdown().await?;
    Ok(())
}
