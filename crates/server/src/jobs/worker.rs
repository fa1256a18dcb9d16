//! Workers: claim a job, keep its heartbeat going while it runs in its own task (so a panic
//! is caught and recorded as a failure), then mark it done or failed with back-off.

use std::time::Duration;

use roadwarden_store::jobs;
pub use shutdown::CancelFlag;

use super::{tasks, Job};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// What happened to the job `run_one` picked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ran {
    Done {
        id: i64,
        kind: String,
    },
    Failed {
        id: i64,
        kind: String,
        error: String,
        will_retry: bool,
    },
}

/// Claims and runs one due job. `None` when nothing is due. Tests call this to drain the
/// queue deterministically.
pub async fn run_one(state: &AppState) -> AppResult<Option<Ran>> {
    let now = state.clock.now();
    let mut tx = state.store.begin().await?;
    let Some(job) = jobs::claim(&mut tx, &state.worker_name, now).await? else {
        return Ok(None);
    };
    tx.commit().await?;

    let heartbeat = {
        let state = state.clone();
        let id = job.id;
        let every = Duration::from_secs(state.settings.jobs.heartbeat_secs.max(1).unsigned_abs());
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                if let Ok(mut tx) = state.store.begin().await {
                    let _ = jobs::heartbeat(&mut tx, id, state.clock.now()).await;
                    let _ = tx.commit().await;
                }
            }
        })
    };
    let outcome = match Job::from_stored(&job.kind, &job.payload) {
        Ok(typed) => {
            let state = state.clone();
            match tokio::spawn(async move { tasks::run(&state, &typed).await }).await {
                Ok(result) => result.map_err(|e| e.to_string()),
                Err(join) => Err(format!("the job panicked: {join}")),
            }
        }
        Err(e) => Err(format!("unknown job or bad payload: {e}")),
    };
    heartbeat.abort();

    let now = state.clock.now();
    let mut tx = state.store.begin().await?;
    let ran = match outcome {
        Ok(()) => {
            jobs::complete(&mut tx, job.id, now).await?;
            state
                .metrics
                .jobs_processed
                .with_label_values(&[&job.kind, "done"])
                .inc();
            Ran::Done {
                id: job.id,
                kind: job.kind,
            }
        }
        Err(error) => {
            let will_retry = jobs::fail(&mut tx, &job, &error, now).await?;
            tracing::warn!(job = job.id, kind = %job.kind, %error, will_retry, "job failed");
            state
                .metrics
                .jobs_processed
                .with_label_values(&[&job.kind, "failed"])
                .inc();
            Ran::Failed {
                id: job.id,
                kind: job.kind,
                error,
                will_retry,
            }
        }
    };
    tx.commit().await?;
    Ok(Some(ran))
}

/// Runs jobs until `stop` is set, sleeping for the poll interval when the queue is empty.
pub async fn run_loop(state: AppState, stop: CancelFlag) {
    let idle = Duration::from_millis(state.settings.jobs.poll_interval_ms.max(10));
    while !stop.is_set() {
        match run_one(&state).await {
            Ok(Some(_)) => continue,
            Ok(None) => {}
            Err(AppError::Internal(e)) => tracing::error!(error = ?e, "job worker"),
            Err(e) => tracing::error!(error = %e, "job worker"),
        }
        stop.sleep(idle).await;
    }
}

/// SEC-05: writes the refused accesses that are due every few seconds, in every process that answers requests (the counts
/// live in this process's memory, so this is not a job on the shared queue); the rest is
/// written at shutdown.
pub async fn refusals_loop(state: AppState, stop: CancelFlag) {
    while !stop.is_set() {
        stop.sleep(std::time::Duration::from_secs(15)).await;
        if let Err(e) = crate::services::refusals::flush(&state, false).await {
            tracing::error!(error = %e, "writing the refused accesses");
        }
    }
}

/// Puts jobs of dead workers back in the queue, every half stale period.
pub async fn requeue_loop(state: AppState, stop: CancelFlag) {
    let stale = chrono::Duration::seconds(state.settings.jobs.stale_after_secs.max(1));
    let every = Duration::from_secs(
        (state.settings.jobs.stale_after_secs / 2)
            .max(1)
            .unsigned_abs(),
    );
    while !stop.is_set() {
        if let Ok(mut tx) = state.store.begin().await {
            match jobs::requeue_stale(&mut tx, state.clock.now() - stale).await {
                Ok(n) if n > 0 => tracing::warn!(jobs = n, "re-queued jobs of a stopped worker"),
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "requeue stale jobs"),
            }
            let _ = tx.commit().await;
        }
        stop.sleep(every).await;
    }
}

/// A tiny shutdown flag shared by the background loops.
pub mod shutdown {
    use std::sync::Arc;
    use std::time::Duration;

    use tokio::sync::watch;

    #[derive(Clone)]
    pub struct CancelFlag {
        rx: watch::Receiver<bool>,
        tx: Arc<watch::Sender<bool>>,
    }

    impl Default for CancelFlag {
        fn default() -> Self {
            let (tx, rx) = watch::channel(false);
            Self {
                rx,
                tx: Arc::new(tx),
            }
        }
    }

    impl CancelFlag {
        pub fn set(&self) {
            let _ = self.tx.send(true);
        }

        pub fn is_set(&self) -> bool {
            *self.rx.borrow()
        }

        /// Sleeps for `d` or until the flag is set, whichever comes first.
        pub async fn sleep(&self, d: Duration) {
            let mut rx = self.rx.clone();
            tokio::select! {
                () = tokio::time::sleep(d) => {}
                _ = rx.wait_for(|v| *v) => {}
            }
        }
    }
}
