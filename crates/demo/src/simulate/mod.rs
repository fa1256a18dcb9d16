//! `roadwarden simulate`: pushes realistic capture traffic from devices to a running server, at
//! a chosen rate, the way the cameras do: Hikvision ISAPI alerts (`EventNotificationAlert` with
//! the plate and vehicle pictures) and JSON-in-multipart pushes, each with a drawn road photo
//! whose plate is the one reported, and now and then a resend of an event already delivered, to
//! exercise de-duplication. A summary tells what the server answered.
//!
//! The schedule is open-loop: push *i* is due at `start + i / rate` whatever happened to the
//! earlier ones, so a slow server shows as latency and lag, not as a quietly lower rate. At most
//! `--concurrency` pushes are in flight; when all are busy the next waits, and the summary says
//! how far the schedule fell behind.

mod device_files;
mod options;
mod planner;
mod plates;
mod report;
mod wire;

use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::bail;
use indicatif::{ProgressBar, ProgressStyle};
use tokio::sync::{mpsc, Semaphore};
use tokio::task::JoinSet;

pub use device_files::{load_devices, parse_inline_device, SimDevice};
pub use options::{Options, SimulateArgs};
pub use plates::{load_plates, PlateEntry};
pub use report::Summary;

use planner::{Event, Planner};
use report::percentile;
use wire::{prepare, send, Outcome};

/// The command: run, print the summary; fails (exit 1) when any push was refused or failed.
pub async fn main(args: SimulateArgs) -> anyhow::Result<ExitCode> {
    let options = Options::from_args(args)?;
    let summary = run(options).await?;
    print!("{summary}");
    Ok(if summary.clean() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

struct Shared {
    summary: Summary,
    latencies: Vec<Duration>,
    last_answer: Option<Instant>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn progress_message(s: &Summary) -> String {
    format!(
        "201:{} 200:{} 4xx:{} err:{}",
        s.accepted,
        s.duplicates,
        s.refused_total(),
        s.errors
    )
}

/// Pushes the planned traffic and reports. Returns once every push has been answered (or
/// abandoned by a second Ctrl-C).
pub async fn run(options: Options) -> anyhow::Result<Summary> {
    if options.devices.is_empty() {
        bail!("no devices to push from");
    }
    if !(options.rate.is_finite() && options.rate > 0.0) {
        bail!("the rate must be a positive number of pushes per second");
    }
    let base = options.url.trim_end_matches('/').to_owned();
    let client = reqwest::Client::builder()
        .timeout(options.timeout)
        .pool_max_idle_per_host(options.concurrency.max(1))
        .user_agent(concat!("roadwarden-simulate/", env!("CARGO_PKG_VERSION")))
        .build()?;
    let total = options.total();
    let devices: Arc<[SimDevice]> = options.devices.clone().into();
    let mut planner = Planner::new(&options, devices.clone());
    let accepted: Arc<Mutex<Vec<Event>>> = Arc::default();
    let shared = Arc::new(Mutex::new(Shared {
        summary: Summary {
            url: base.clone(),
            seed: options.seed,
            target_rate: options.rate,
            ..Summary::default()
        },
        latencies: Vec::new(),
        last_answer: None,
    }));
    let bar = if options.progress {
        let bar = ProgressBar::new(total);
        bar.set_style(
            ProgressStyle::with_template("{spinner} {pos}/{len} [{wide_bar}] {elapsed} {msg}")?
                .progress_chars("=> "),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    bar.set_message(progress_message(&lock(&shared).summary));

    let (stop_tx, mut stop_rx) = mpsc::unbounded_channel::<()>();
    let watcher = options.ctrl_c.then(|| {
        tokio::spawn(async move {
            while tokio::signal::ctrl_c().await.is_ok() {
                if stop_tx.send(()).is_err() {
                    break;
                }
            }
        })
    });

    let slots = Arc::new(Semaphore::new(options.concurrency.max(1)));
    let mut tasks = JoinSet::new();
    let period = Duration::from_secs_f64(1.0 / options.rate);
    let start = Instant::now();
    let mut last_start = start;
    let mut interrupted = false;
    let mut max_lag = Duration::ZERO;
    let mut sent = 0u64;
    let (width, height) = (options.width, options.height);

    while sent < total {
        let due = start + period.mul_f64(sent as f64);
        tokio::select! {
            () = tokio::time::sleep_until(due.into()) => {}
            Some(()) = stop_rx.recv() => { interrupted = true; break; }
        }
        let permit = tokio::select! {
            p = slots.clone().acquire_owned() => p?,
            Some(()) = stop_rx.recv() => { interrupted = true; break; }
        };
        let now = Instant::now();
        max_lag = max_lag.max(now.saturating_duration_since(due));
        last_start = now;
        let mut ev = planner.next(&accepted);
        if !ev.resend {
            ev.event_id = uuid::Uuid::new_v4().to_string();
        }
        sent += 1;
        {
            let mut s = lock(&shared);
            s.summary.sent += 1;
            if ev.isapi {
                s.summary.isapi += 1;
            } else {
                s.summary.json += 1;
            }
            if ev.resend {
                s.summary.resends += 1;
            }
        }
        let (client, base, devices) = (client.clone(), base.clone(), devices.clone());
        let (tally, accepted, bar) = (shared.clone(), accepted.clone(), bar.clone());
        tasks.spawn(async move {
            let _permit = permit;
            let device = &devices[ev.device];
            // Drawing and encoding the pictures is CPU work: off the async threads, and
            // outside the latency, which times the server alone.
            let (ev2, device2) = (ev.clone(), device.clone());
            let built =
                tokio::task::spawn_blocking(move || prepare(&ev2, &device2, width, height)).await;
            let (outcome, latency) = match built {
                Ok(Ok(prepared)) => send(&client, &base, device, prepared).await,
                Ok(Err(e)) => (
                    Outcome::Failed {
                        what: "building the push".into(),
                        message: format!("{e:#}"),
                    },
                    Duration::ZERO,
                ),
                Err(e) => (
                    Outcome::Failed {
                        what: "drawing the picture".into(),
                        message: e.to_string(),
                    },
                    Duration::ZERO,
                ),
            };
            if matches!(outcome, Outcome::Created(_)) && !ev.resend {
                let mut done = lock(&accepted);
                if done.len() >= 1000 {
                    done.swap_remove(0);
                }
                done.push(ev.clone());
            }
            let mut s = lock(&tally);
            s.summary.record(&ev, device, &outcome);
            if !matches!(outcome, Outcome::Failed { .. }) {
                s.latencies.push(latency);
            }
            s.last_answer = Some(Instant::now());
            bar.set_message(progress_message(&s.summary));
            bar.inc(1);
        });
        while let Some(done) = tasks.try_join_next() {
            reap(done, &shared);
        }
    }

    if interrupted && !tasks.is_empty() {
        let waiting = tasks.len();
        bar.suspend(|| {
            eprintln!(
                "stopping: waiting for {waiting} pushes in flight (Ctrl-C again to abandon them)"
            );
        });
    }
    loop {
        tokio::select! {
            next = tasks.join_next() => match next {
                Some(done) => reap(done, &shared),
                None => break,
            },
            Some(()) = stop_rx.recv() => {
                interrupted = true;
                tasks.abort_all();
                while tasks.join_next().await.is_some() {}
                break;
            }
        }
    }
    if let Some(w) = watcher {
        w.abort();
    }
    bar.finish_and_clear();

    let mut s = lock(&shared);
    let end = s.last_answer.unwrap_or_else(Instant::now).max(last_start);
    let mut latencies = std::mem::take(&mut s.latencies);
    latencies.sort();
    let mut summary = s.summary.clone();
    summary.elapsed = end.saturating_duration_since(start);
    let window = last_start.saturating_duration_since(start).as_secs_f64();
    summary.send_rate = if summary.sent > 1 && window > 0.0 {
        (summary.sent - 1) as f64 / window
    } else {
        summary.sent as f64 / summary.elapsed.as_secs_f64().max(1e-3)
    };
    summary.max_lag = max_lag;
    summary.latency_p50 = percentile(&latencies, 0.5);
    summary.latency_p99 = percentile(&latencies, 0.99);
    summary.latency_max = latencies.last().copied();
    summary.interrupted = interrupted;
    summary.abandoned = summary.sent
        - (summary.accepted + summary.duplicates + summary.refused_total() + summary.errors);
    Ok(summary)
}

/// A push task that panicked is an error like any other (an aborted one is counted as
/// abandoned at the end).
fn reap(done: Result<(), tokio::task::JoinError>, shared: &Mutex<Shared>) {
    if let Err(e) = done {
        if e.is_panic() {
            let mut s = lock(shared);
            s.summary.errors += 1;
            if s.summary.problems.len() < 5 {
                s.summary.problems.push(format!("a push task failed: {e}"));
            }
        }
    }
}
