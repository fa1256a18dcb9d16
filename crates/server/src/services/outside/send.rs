//! RID-10, RID-11, SHR-04, SHR-05: the sender. Leases due requests, sends the queued ones, reads back
//! the sent ones, and records each outcome with its lease: a deduction measure is `sent` when
//! the system accepted it and `confirmed` when read back; a task's result read back from the
//! grassroots platform is reported on the task through the task service.

use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use roadwarden_domain::outside::{
    after_failure, OutsideKind, OutsideState, OutsideSystem, READ_BACK_EVERY_SECS,
};
use roadwarden_domain::rider::{MeasureState, TaskState};
use roadwarden_domain::{RiderTaskId, UnitId};
use roadwarden_store::outside::{self as rows, Lease, Outcome, OutsideRequest};
use roadwarden_store::riders::dispositions;
use roadwarden_store::riders::tasks as task_rows;
use roadwarden_store::truncate_micros;
use serde_json::{json, Value};

use super::ferry::Ferry;
use super::http::{DeductionSystem, Failure, GrassrootsPlatform, Http, ReadBack};
use super::{queue, system_settings, OutsideReport};
use crate::error::{AppError, AppResult};
use crate::services::audit::{record, Actor, Event};
use crate::services::context::ServiceContext;
use crate::services::riders::tasks::{take, StepInput, Stepper};

/// How long a leased request is held before another sender may take it.
const LEASE_MINUTES: i64 = 5;
/// Batches one pass takes at most (a read-back right after a send is one more batch).
const MAX_BATCHES: usize = 20;
/// How long a request for a system switched off since waits before it is looked at again.
const OFF_WAIT_MINUTES: i64 = 60;

/// How one system is reached: over HTTP, or through the gateway ferry (SHR-05).
enum Adapter {
    Http(Http),
    // Boxed: it carries its signing key and the store's handle.
    Ferry(Box<Ferry>),
}

impl DeductionSystem for Adapter {
    async fn deduct(&self, request: &Value) -> Result<String, Failure> {
        match self {
            Self::Http(a) => a.deduct(request).await,
            Self::Ferry(a) => a.deduct(request).await,
        }
    }

    async fn read_deduction(&self, remote_id: &str) -> Result<ReadBack, Failure> {
        match self {
            Self::Http(a) => a.read_deduction(remote_id).await,
            Self::Ferry(a) => a.read_deduction(remote_id).await,
        }
    }
}

impl GrassrootsPlatform for Adapter {
    async fn send_task(&self, task: &Value) -> Result<String, Failure> {
        match self {
            Self::Http(a) => a.send_task(task).await,
            Self::Ferry(a) => a.send_task(task).await,
        }
    }

    async fn send_list(&self, list: &Value) -> Result<String, Failure> {
        match self {
            Self::Http(a) => a.send_list(list).await,
            Self::Ferry(a) => a.send_list(list).await,
        }
    }

    async fn read_task(&self, remote_id: &str) -> Result<ReadBack, Failure> {
        match self {
            Self::Http(a) => a.read_task(remote_id).await,
            Self::Ferry(a) => a.read_task(remote_id).await,
        }
    }
}

/// The adapters of the systems that are on.
struct Clients {
    civility_credit: Option<Adapter>,
    party_index: Option<Adapter>,
    grassroots: Option<Adapter>,
}

impl Clients {
    fn new(ctx: &ServiceContext) -> AppResult<Self> {
        let all = &ctx.settings.outside;
        let make = |system| -> AppResult<Option<Adapter>> {
            let conf = system_settings(all, system);
            if !conf.is_on() {
                return Ok(None);
            }
            if conf.is_ferry() {
                let ferry =
                    Ferry::new(&ctx.settings, system, ctx.store.clone(), ctx.clock.clone())?;
                return Ok(Some(Adapter::Ferry(Box::new(ferry))));
            }
            Http::new(all, conf)
                .map(|h| Some(Adapter::Http(h)))
                .map_err(AppError::internal)
        };
        Ok(Self {
            civility_credit: make(OutsideSystem::CivilityCredit)?,
            party_index: make(OutsideSystem::PartyIndex)?,
            grassroots: make(OutsideSystem::Grassroots)?,
        })
    }

    fn get(&self, system: OutsideSystem) -> Option<&Adapter> {
        match system {
            OutsideSystem::CivilityCredit => self.civility_credit.as_ref(),
            OutsideSystem::PartyIndex => self.party_index.as_ref(),
            OutsideSystem::Grassroots => self.grassroots.as_ref(),
        }
    }

    fn any(&self) -> bool {
        self.civility_credit.is_some() || self.party_index.is_some() || self.grassroots.is_some()
    }
}

/// Queues what has no request yet, then sends and reads back every due request, batch after
/// batch, until none is due. Run twice, it changes nothing the first run did not: a request is
/// sent once per lease, settled only by its lease, and carries the same `request_id` to the
/// outside system on every attempt.
pub async fn drain(ctx: &ServiceContext) -> AppResult<OutsideReport> {
    let mut report = OutsideReport::default();
    let clients = Clients::new(ctx)?;
    if !clients.any() {
        return Ok(report);
    }
    // SHR-05: the answers the gateway carried back are read before anything is read back.
    if super::ferry::any(&ctx.settings.outside) {
        let imported = super::ferry::import(ctx).await?;
        report.ferry_imported = imported.imported;
        report.ferry_refused = imported.refused;
    }
    queue::sweep(ctx, &mut report).await?;
    let limit = ctx.settings.outside.batch_size.clamp(1, 500);
    for _ in 0..MAX_BATCHES {
        let now = truncate_micros(ctx.clock.now());
        let lease_until = truncate_micros(now + Duration::minutes(LEASE_MINUTES));
        let mut tx = ctx.store.begin().await?;
        let batch = rows::lease_due(&mut tx, now, lease_until, limit).await?;
        tx.commit().await?;
        if batch.is_empty() {
            break;
        }
        for r in batch {
            let lease = Lease {
                id: r.id,
                until: lease_until,
            };
            attempt(ctx, &clients, r, lease, &mut report).await?;
        }
    }
    Ok(report)
}

/// One send or read-back of one request.
async fn attempt(
    ctx: &ServiceContext,
    clients: &Clients,
    r: OutsideRequest,
    lease: Lease,
    report: &mut OutsideReport,
) -> AppResult<()> {
    let now = truncate_micros(ctx.clock.now());
    let Some(client) = clients.get(r.system) else {
        // Switched off after it was queued: it waits, nothing is counted against it.
        let wait = Outcome {
            state: r.state,
            next_at: now + Duration::minutes(OFF_WAIT_MINUTES),
            failed: false,
            remote_id: "",
            result: "",
            last_error: "the system is switched off",
        };
        return settle(ctx, &r, lease, &wait, None, now).await.map(|_| ());
    };
    let payload: Value = serde_json::from_str(&r.payload).unwrap_or_default();
    match r.state {
        OutsideState::Queued => {
            let sent = match r.kind {
                OutsideKind::Deduction => client.deduct(&payload).await,
                OutsideKind::Task => client.send_task(&payload).await,
                OutsideKind::List => client.send_list(&payload).await,
            };
            match sent {
                Ok(remote_id) if r.kind.needs_read_back() => {
                    let outcome = Outcome {
                        state: OutsideState::Sent,
                        // Read back in this same pass (the next batch).
                        next_at: now,
                        failed: false,
                        remote_id: &remote_id,
                        result: "",
                        last_error: "",
                    };
                    if settle(ctx, &r, lease, &outcome, None, now).await? {
                        report.sent += 1;
                    }
                }
                Ok(remote_id) => {
                    let outcome = Outcome {
                        state: OutsideState::Acknowledged,
                        next_at: now,
                        failed: false,
                        remote_id: &remote_id,
                        result: "",
                        last_error: "",
                    };
                    if settle(ctx, &r, lease, &outcome, None, now).await? {
                        report.acknowledged += 1;
                    }
                }
                Err(f) => failed(ctx, &r, lease, f, now, report).await?,
            }
        }
        OutsideState::Sent => {
            let read = match r.kind {
                OutsideKind::Deduction => client.read_deduction(&r.remote_id).await,
                OutsideKind::Task => client.read_task(&r.remote_id).await,
                OutsideKind::List => Ok(ReadBack::Done(json!({}))),
            };
            match read {
                Ok(ReadBack::Pending) => {
                    let outcome = Outcome {
                        state: OutsideState::Sent,
                        next_at: now + Duration::seconds(READ_BACK_EVERY_SECS),
                        failed: false,
                        remote_id: "",
                        result: "",
                        last_error: "",
                    };
                    if settle(ctx, &r, lease, &outcome, None, now).await? {
                        report.pending += 1;
                    }
                }
                Ok(ReadBack::Done(answer)) => done(ctx, &r, lease, answer, now, report).await?,
                Ok(ReadBack::Refused(why)) => {
                    failed(ctx, &r, lease, Failure::Refused(why), now, report).await?;
                }
                Err(f) => failed(ctx, &r, lease, f, now, report).await?,
            }
        }
        OutsideState::Acknowledged | OutsideState::Failed => {}
    }
    Ok(())
}

/// A failed attempt: tried again after the back-off, or given up (a refusal at once).
async fn failed(
    ctx: &ServiceContext,
    r: &OutsideRequest,
    lease: Lease,
    f: Failure,
    now: DateTime<Utc>,
    report: &mut OutsideReport,
) -> AppResult<()> {
    let (state, next_at, why) = match f {
        Failure::Retry(why) => {
            let (state, next_at) = after_failure(r.state, r.attempts + 1, now);
            (state, next_at, why)
        }
        Failure::Refused(why) => (OutsideState::Failed, now, why),
    };
    let outcome = Outcome {
        state,
        next_at,
        failed: true,
        remote_id: "",
        result: "",
        last_error: &why,
    };
    if settle(ctx, r, lease, &outcome, None, now).await? {
        if state == OutsideState::Failed {
            report.failed += 1;
        } else {
            report.retried += 1;
        }
    }
    Ok(())
}

/// Read back as done: a deduction is confirmed; a task's result is reported on the task.
async fn done(
    ctx: &ServiceContext,
    r: &OutsideRequest,
    lease: Lease,
    mut answer: Value,
    now: DateTime<Utc>,
    report: &mut OutsideReport,
) -> AppResult<()> {
    let mut note = String::new();
    if let (OutsideKind::Task, Some(task)) = (r.kind, r.task_id) {
        match report_result(ctx, task, &answer).await {
            Ok(n) => note = n,
            Err(AppError::BadInput(e)) => {
                let why = format!("the platform's result was not taken: {e}");
                return failed(ctx, r, lease, Failure::Refused(why), now, report).await;
            }
            Err(AppError::Rule(e)) => note = format!("not reported on the task: {}", e.message),
            Err(e) => return Err(e),
        }
        // The photos are in the blob store now; the request keeps how many came.
        let photos = answer["photos"].as_array().map_or(0, Vec::len);
        answer["photos"] = json!(photos);
    }
    let result = answer.to_string();
    let outcome = Outcome {
        state: OutsideState::Acknowledged,
        next_at: now,
        failed: false,
        remote_id: "",
        result: &result,
        last_error: &note,
    };
    if settle(ctx, r, lease, &outcome, Some(&answer), now).await? {
        report.acknowledged += 1;
    }
    Ok(())
}

/// SHR-04: the platform's result on the task, through the steps a grid worker takes (accept,
/// then report with text and photos), for the officer to evaluate. A task answered here
/// meanwhile keeps its own result. Returns a note for the request.
async fn report_result(ctx: &ServiceContext, task: i64, answer: &Value) -> AppResult<String> {
    let mut tx = ctx.store.begin_read().await?;
    let state = task_rows::get(&mut tx, RiderTaskId(task))
        .await?
        .ok_or(AppError::NotFound("task"))?
        .state;
    drop(tx);
    if !matches!(state, TaskState::Dispatched | TaskState::Accepted) {
        return Ok(format!(
            "the task was answered here already ({})",
            state.as_str()
        ));
    }
    let text = answer["result"].as_str().unwrap_or_default().to_owned();
    let mut photos = Vec::new();
    for p in answer["photos"].as_array().into_iter().flatten() {
        let bytes = p
            .as_str()
            .and_then(|s| base64::engine::general_purpose::STANDARD.decode(s).ok())
            .ok_or_else(|| roadwarden_domain::FieldError::new("photos", "are not base64 images"))?;
        photos.push(bytes::Bytes::from(bytes));
    }
    // Checked before the task moves: an empty or oversized answer changes nothing.
    roadwarden_domain::rider::TaskResult::parse(&text, Vec::new())?;
    if photos.len() > roadwarden_domain::rider::task::MAX_RESULT_PHOTOS {
        return Err(roadwarden_domain::FieldError::new("photos", "at most 9 photos").into());
    }
    if state == TaskState::Dispatched {
        take(ctx, Stepper::Platform, task, StepInput::Accept).await?;
    }
    take(
        ctx,
        Stepper::Platform,
        task,
        StepInput::Report { text, photos },
    )
    .await?;
    Ok(String::new())
}

/// Writes an outcome with its lease, moves the deduction measure along with it, and audits a
/// read-back. False when the lease was lost (nothing written).
async fn settle(
    ctx: &ServiceContext,
    r: &OutsideRequest,
    lease: Lease,
    outcome: &Outcome<'_>,
    read_back: Option<&Value>,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let mut tx = ctx.store.begin().await?;
    if !rows::settle(&mut tx, lease, outcome, now).await? {
        return Ok(false);
    }
    if let Some(measure) = r.disposition_id {
        let remote = if outcome.remote_id.is_empty() {
            r.remote_id.as_str()
        } else {
            outcome.remote_id
        };
        let detail = read_back
            .and_then(|v| v["detail"].as_str())
            .unwrap_or(outcome.last_error);
        let moves: &[(MeasureState, MeasureState)] = match outcome.state {
            OutsideState::Sent if r.state == OutsideState::Queued => {
                &[(MeasureState::Pending, MeasureState::Sent)]
            }
            OutsideState::Acknowledged => &[
                (MeasureState::Sent, MeasureState::Confirmed),
                (MeasureState::Pending, MeasureState::Confirmed),
            ],
            OutsideState::Failed => &[
                (MeasureState::Pending, MeasureState::Failed),
                (MeasureState::Sent, MeasureState::Failed),
            ],
            _ => &[],
        };
        for (from, to) in moves {
            if dispositions::set_state(&mut tx, measure, *from, *to, remote, detail, now).await? {
                break;
            }
        }
    }
    if outcome.state != r.state && !outcome.state.is_open() {
        record(
            &mut tx,
            &Actor::named(r.system.as_str()),
            Event {
                action: if outcome.state == OutsideState::Acknowledged {
                    "outside.acknowledged"
                } else {
                    "outside.failed"
                },
                object_type: "outside_request",
                object_id: r.id.to_string(),
                unit_id: r.unit_id.map(UnitId),
                detail: json!({ "system": r.system.as_str(), "kind": r.kind.as_str(),
                                "person": r.person_id, "task": r.task_id,
                                "error": outcome.last_error }),
            },
            now,
        )
        .await?;
        if outcome.state == OutsideState::Failed {
            super::attention::tell_failed(&mut tx, r, outcome.last_error, now).await?;
        }
    }
    tx.commit().await?;
    Ok(true)
}
