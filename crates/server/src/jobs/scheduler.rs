//! The scheduler: cron strings from the configuration (with seconds, in UTC). Each firing is
//! enqueued under the unique key `schedule:<name>:<time>`, so several server replicas never
//! run one firing twice.

use std::collections::BTreeMap;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use cron::Schedule;

use super::worker::CancelFlag;
use super::{enqueue, Job};
use crate::state::AppState;

/// Parses the configured schedules; an empty string disables one, an unknown name or a bad
/// cron string is an error at start-up, not a silent no-op.
pub fn parse_schedules(
    config: &BTreeMap<String, String>,
) -> Result<Vec<(String, Schedule)>, String> {
    let mut out = Vec::new();
    for (name, expr) in config {
        if expr.trim().is_empty() {
            continue;
        }
        if Job::for_schedule(name, DateTime::<Utc>::UNIX_EPOCH).is_none() {
            return Err(format!("jobs.schedules.{name}: no such scheduled job"));
        }
        let schedule = Schedule::from_str(expr)
            .map_err(|e| format!("jobs.schedules.{name}: '{expr}' is not a cron string: {e}"))?;
        out.push((name.clone(), schedule));
    }
    Ok(out)
}

/// Enqueues every firing due in `(after, until]`. Returns how many were new.
pub async fn enqueue_due(
    state: &AppState,
    schedules: &[(String, Schedule)],
    after: DateTime<Utc>,
    until: DateTime<Utc>,
) -> usize {
    let mut added = 0;
    for (name, schedule) in schedules {
        for fire in schedule.after(&after).take_while(|t| *t <= until) {
            let Some(job) = Job::for_schedule(name, fire) else {
                continue;
            };
            let key = format!("schedule:{name}:{}", fire.to_rfc3339());
            match enqueue(state, &job, Some(key), fire).await {
                Ok(Some(_)) => added += 1,
                Ok(None) => {}
                Err(e) => tracing::error!(schedule = %name, error = %e, "enqueue scheduled job"),
            }
        }
    }
    added
}

pub async fn run_loop(state: AppState, schedules: Vec<(String, Schedule)>, stop: CancelFlag) {
    let mut last = state.clock.now();
    while !stop.is_set() {
        stop.sleep(Duration::from_secs(1)).await;
        let now = state.clock.now();
        if now > last {
            enqueue_due(&state, &schedules, last, now).await;
            last = now;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_parse_and_bad_ones_are_refused() {
        let mut config = BTreeMap::new();
        config.insert("audit_verify".to_owned(), "0 40 1 * * *".to_owned());
        config.insert("session_purge".to_owned(), String::new());
        assert_eq!(parse_schedules(&config).unwrap().len(), 1, "blank disables");
        config.insert("audit_verify".to_owned(), "every day".to_owned());
        assert!(parse_schedules(&config).is_err());
        let mut unknown = BTreeMap::new();
        unknown.insert("make_coffee".to_owned(), "0 0 * * * *".to_owned());
        assert!(parse_schedules(&unknown).is_err());
    }
}
