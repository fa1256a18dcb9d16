//! The open-loop load generator the latency benchmarks share: requests sent on a schedule
//! fixed in advance, timed from when each was due, so a slow server is not hidden by the client
//! waiting (no coordinated omission).

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;

use crate::{ms, CpuUsage, LatencyStats};

/// Signs in over the API and returns the bearer token.
pub async fn sign_in(
    client: &reqwest::Client,
    base: &str,
    username: &str,
    password: &str,
) -> anyhow::Result<String> {
    let resp = client
        .post(format!("{base}/api/v1/auth/token"))
        .json(&serde_json::json!({ "username": username, "password": password, "label": "bench" }))
        .send()
        .await?;
    let status = resp.status();
    let body: serde_json::Value = resp.json().await?;
    anyhow::ensure!(
        status.as_u16() == 201,
        "sign-in of {username} failed: {status} {body}"
    );
    body["token"]
        .as_str()
        .map(str::to_owned)
        .context("no token in the sign-in answer")
}

/// `n` sequential requests before measuring.
pub async fn warm_up(
    client: &reqwest::Client,
    target: &str,
    token: &str,
    n: u32,
) -> anyhow::Result<()> {
    for _ in 0..n {
        let resp = client.get(target).bearer_auth(token).send().await?;
        anyhow::ensure!(resp.status().is_success(), "warm-up: {}", resp.status());
        resp.bytes().await?;
    }
    Ok(())
}

struct Sample {
    /// From the time the request was due to be sent (open-loop latency).
    from_schedule: Duration,
    /// From the time it was actually handed to the client.
    from_send: Duration,
    /// How late the generator sent it.
    lag: Duration,
    done: Instant,
    ok: bool,
    /// The HTTP status, or 0 when no answer came.
    status: u16,
}

/// What one open-loop run measured.
pub struct OpenLoopReport {
    pub rate: u32,
    pub planned: usize,
    pub errors: usize,
    /// How many answers of each HTTP status came back (0: no answer).
    pub statuses: std::collections::BTreeMap<u16, usize>,
    pub achieved_rate: f64,
    /// From the scheduled send time (no coordinated omission).
    pub latency: Option<LatencyStats>,
    /// From the actual send time.
    pub service: Option<LatencyStats>,
    /// How late the generator sent.
    pub lag: Option<LatencyStats>,
    /// Filled in by the caller, which knows what else ran.
    pub cpu: Option<CpuUsage>,
}

impl OpenLoopReport {
    pub fn print(&self) {
        println!(
            "open loop: {} requests planned at {}/s, achieved {:.1}/s, {} errors",
            self.planned, self.rate, self.achieved_rate, self.errors
        );
        if let Some(l) = self.latency {
            println!(
                "  latency from scheduled send: p50 {}  p90 {}  p99 {}  p99.9 {}  max {}  mean {}",
                ms(l.p50),
                ms(l.p90),
                ms(l.p99),
                ms(l.p999),
                ms(l.max),
                ms(l.mean)
            );
        }
        if let Some(s) = self.service {
            println!(
                "  latency from actual send:    p50 {}  p90 {}  p99 {}  p99.9 {}  max {}",
                ms(s.p50),
                ms(s.p90),
                ms(s.p99),
                ms(s.p999),
                ms(s.max)
            );
        }
        if let Some(cpu) = self.cpu {
            println!("  {cpu} (this process is the server and the load generator)");
        }
        if let Some(l) = self.lag {
            println!(
                "  generator lateness (sent - due): p50 {}  p99 {}  max {}",
                ms(l.p50),
                ms(l.p99),
                ms(l.max)
            );
        }
    }
}

/// Sends `rate` requests per second for `duration` on a schedule fixed in advance, whether or
/// not earlier requests have been answered, and records every latency.
pub fn open_loop(
    target: &str,
    token: &str,
    rate: u32,
    duration: Duration,
) -> anyhow::Result<OpenLoopReport> {
    let target: Arc<str> = Arc::from(target);
    let token: Arc<str> = Arc::from(token);
    open_loop_with(rate, duration, move |_| {
        (Arc::clone(&target), Arc::clone(&token))
    })
}

/// [`open_loop`] where request `i` (from 0) is a GET of `request(i)`: `(url, bearer token)`.
/// For endpoints where every call must differ, e.g. each claims a capture for its caller.
pub fn open_loop_with<F>(
    rate: u32,
    duration: Duration,
    request: F,
) -> anyhow::Result<OpenLoopReport>
where
    F: Fn(usize) -> (Arc<str>, Arc<str>),
{
    // One worker thread does the I/O; this thread only keeps time, with the operating system's
    // sleep (finer than tokio's 1 ms timer), and hands each request to the worker when due.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .build()?;
    let planned = usize::try_from(u64::from(rate) * duration.as_secs())?;
    let interval = Duration::from_secs_f64(1.0 / f64::from(rate.max(1)));
    let start = Instant::now() + Duration::from_millis(20);
    let mut handles = Vec::with_capacity(planned);
    for i in 0..planned {
        let due = start + interval.mul_f64(i as f64);
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        let (target, token) = request(i);
        let client = client.clone();
        handles.push(runtime.spawn(async move {
            let sent = Instant::now();
            let (ok, status) = match client.get(&*target).bearer_auth(&*token).send().await {
                Ok(resp) => {
                    let status = resp.status();
                    (
                        status.is_success() && resp.bytes().await.is_ok(),
                        status.as_u16(),
                    )
                }
                Err(_) => (false, 0),
            };
            let done = Instant::now();
            Sample {
                from_schedule: done - due,
                from_send: done - sent,
                lag: sent.saturating_duration_since(due),
                done,
                ok,
                status,
            }
        }));
    }
    let samples = runtime.block_on(async {
        let mut samples = Vec::with_capacity(planned);
        for h in handles {
            samples.push(h.await?);
        }
        anyhow::Ok(samples)
    })?;
    let last = samples.iter().map(|s| s.done).max().unwrap_or(start);
    let ok: Vec<&Sample> = samples.iter().filter(|s| s.ok).collect();
    let latency: Vec<Duration> = ok.iter().map(|s| s.from_schedule).collect();
    let service: Vec<Duration> = ok.iter().map(|s| s.from_send).collect();
    let lag: Vec<Duration> = samples.iter().map(|s| s.lag).collect();
    let mut statuses = std::collections::BTreeMap::new();
    for s in &samples {
        *statuses.entry(s.status).or_insert(0) += 1;
    }
    Ok(OpenLoopReport {
        rate,
        planned,
        errors: samples.len() - ok.len(),
        statuses,
        achieved_rate: samples.len() as f64 / last.saturating_duration_since(start).as_secs_f64(),
        latency: LatencyStats::of(&latency),
        service: LatencyStats::of(&service),
        lag: LatencyStats::of(&lag),
        cpu: None,
    })
}
