//! The summary of a run: what the server answered, how fast, and what went wrong.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::Value;

use super::device_files::SimDevice;
use super::planner::Event;
use super::wire::{Outcome, Receipt};

/// What happened, for printing and for tests.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub url: String,
    pub seed: u64,
    pub target_rate: f64,
    /// Pushes sent (answered or not).
    pub sent: u64,
    pub isapi: u64,
    pub json: u64,
    /// Of `sent`, resends of an accepted event.
    pub resends: u64,
    /// 201: a new capture.
    pub accepted: u64,
    /// The ids of the new captures, in the order they were answered.
    pub capture_ids: Vec<i64>,
    /// 200: the server recognised the event.
    pub duplicates: u64,
    /// 4xx by status and error code, e.g. `422 capture.violation_not_published`.
    pub refused: BTreeMap<String, u64>,
    /// Transport failures, time-outs, 5xx and unreadable answers.
    pub errors: u64,
    /// The first few distinct refusals and errors, with their messages.
    pub problems: Vec<String>,
    /// A resend the server took as new (de-duplication missed it).
    pub resend_accepted_as_new: u64,
    /// A fresh event the server called a duplicate.
    pub new_called_duplicate: u64,
    /// Receipts by usage (enforce, warn_only, refuse), state and flag.
    pub usage: BTreeMap<String, u64>,
    pub states: BTreeMap<String, u64>,
    pub flags: BTreeMap<String, u64>,
    /// From the first push to the last answer.
    pub elapsed: Duration,
    /// Pushes started per second over the sending window.
    pub send_rate: f64,
    /// The latest a push started after its due time (all `--concurrency` slots were busy).
    pub max_lag: Duration,
    pub latency_p50: Option<Duration>,
    pub latency_p99: Option<Duration>,
    pub latency_max: Option<Duration>,
    /// Stopped by Ctrl-C.
    pub interrupted: bool,
    /// Pushes abandoned in flight by a second Ctrl-C.
    pub abandoned: u64,
}

impl Summary {
    /// Every push answered 200 or 201.
    pub fn clean(&self) -> bool {
        self.errors == 0 && self.refused.is_empty() && self.abandoned == 0
    }

    pub fn refused_total(&self) -> u64 {
        self.refused.values().sum()
    }

    pub(super) fn record(&mut self, ev: &Event, device: &SimDevice, outcome: &Outcome) {
        let mut receipt = |r: &Receipt| {
            *self.usage.entry(r.usage.clone()).or_default() += 1;
            *self.states.entry(r.state.clone()).or_default() += 1;
            for f in &r.flags {
                let name = f
                    .get("flag")
                    .and_then(Value::as_str)
                    .unwrap_or("?")
                    .to_owned();
                *self.flags.entry(name).or_default() += 1;
            }
        };
        match outcome {
            Outcome::Created(r) => {
                self.accepted += 1;
                self.capture_ids.push(r.capture_id);
                if ev.resend {
                    self.resend_accepted_as_new += 1;
                }
                receipt(r);
            }
            Outcome::Duplicate => {
                self.duplicates += 1;
                if !ev.resend {
                    self.new_called_duplicate += 1;
                }
            }
            Outcome::Refused {
                status,
                code,
                message,
            } => {
                let key = format!("{status} {code}");
                *self.refused.entry(key.clone()).or_default() += 1;
                self.note(&key, message, ev, device);
            }
            Outcome::Failed { what, message } => {
                self.errors += 1;
                self.note(what, message, ev, device);
            }
        }
    }

    fn note(&mut self, key: &str, message: &str, ev: &Event, device: &SimDevice) {
        const KEEP: usize = 5;
        let line = format!("{key}: {message}");
        if self.problems.len() < KEEP && !self.problems.iter().any(|p| p.starts_with(&line)) {
            let via = if ev.isapi { "isapi" } else { "json" };
            self.problems.push(format!(
                "{line} (device {}, {via}, plate {})",
                device.number, ev.plate
            ));
        }
    }
}

pub(super) fn percentile(sorted: &[Duration], p: f64) -> Option<Duration> {
    if sorted.is_empty() {
        return None;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted.get(i).copied()
}

fn ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 10.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.0} ms")
    }
}

fn counts(map: &BTreeMap<String, u64>) -> String {
    map.iter()
        .map(|(k, v)| format!("{} {v}", if k.is_empty() { "?" } else { k }))
        .collect::<Vec<_>>()
        .join(", ")
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "simulate: {} pushes to {} in {:.1} s ({:.2}/s, target {}/s), seed {}",
            self.sent,
            self.url,
            self.elapsed.as_secs_f64(),
            self.send_rate,
            self.target_rate,
            self.seed
        )?;
        writeln!(
            f,
            "  sent              {} ISAPI, {} JSON; {} resends",
            self.isapi, self.json, self.resends
        )?;
        writeln!(f, "  accepted (201)    {}", self.accepted)?;
        writeln!(f, "  duplicates (200)  {}", self.duplicates)?;
        writeln!(f, "  refused (4xx)     {}", self.refused_total())?;
        for (code, n) in &self.refused {
            writeln!(f, "    {code:<40} {n}")?;
        }
        writeln!(f, "  errors            {}", self.errors)?;
        if let (Some(p50), Some(p99), Some(max)) =
            (self.latency_p50, self.latency_p99, self.latency_max)
        {
            writeln!(
                f,
                "  latency           p50 {}, p99 {}, max {}",
                ms(p50),
                ms(p99),
                ms(max)
            )?;
        }
        if !self.usage.is_empty() {
            writeln!(f, "  usage             {}", counts(&self.usage))?;
            writeln!(f, "  state             {}", counts(&self.states))?;
        }
        if !self.flags.is_empty() {
            writeln!(f, "  flags             {}", counts(&self.flags))?;
        }
        if self.resend_accepted_as_new > 0 {
            writeln!(
                f,
                "  ! {} resends were accepted as new captures (de-duplication missed them)",
                self.resend_accepted_as_new
            )?;
        }
        if self.new_called_duplicate > 0 {
            writeln!(
                f,
                "  ! {} new events were answered as duplicates",
                self.new_called_duplicate
            )?;
        }
        if self.max_lag > Duration::from_millis(250) {
            writeln!(
                f,
                "  fell behind schedule by up to {:.1} s: every slot was busy \
                 (raise --concurrency or lower --rate)",
                self.max_lag.as_secs_f64()
            )?;
        }
        if !self.problems.is_empty() {
            writeln!(f, "  first problems:")?;
            for p in &self.problems {
                writeln!(f, "    {p}")?;
            }
        }
        if self.interrupted {
            writeln!(
                f,
                "  stopped by Ctrl-C{}",
                if self.abandoned > 0 {
                    format!("; {} pushes abandoned in flight", self.abandoned)
                } else {
                    String::new()
                }
            )?;
        }
        Ok(())
    }
}
