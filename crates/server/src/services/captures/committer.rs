//! Group commit for ingest: captures arriving together are written in one transaction, and
//! each push is answered only after that transaction is on disk ("durable on ack").
//!
//! One flush per capture would cap ingest at the disk's flush rate (a few hundred to a few
//! thousand a second on shared VMs); one flush per batch lets a burst of pushes share it. The
//! batch is whatever queued while the previous one was being written, so a lone push is not
//! delayed waiting for company.

use chrono::{DateTime, Utc};
use roadwarden_domain::device::AlertKind;
use roadwarden_domain::org::UnitPath;
use roadwarden_domain::DeviceId;
use roadwarden_store::captures::{self, NewCapture};
use roadwarden_store::{device_records, Store, Tx};
use serde_json::json;
use tokio::sync::{mpsc, oneshot};

use crate::clock::Clock;
use crate::error::{AppError, AppResult};
use crate::services::audit::{record, Actor, Event};

/// Captures written per transaction at most.
const MAX_BATCH: usize = 512;

/// A device alert raised with the capture (clock drift), deduplicated by key.
#[derive(Debug, Clone)]
pub struct DeviceAlert {
    pub device_id: DeviceId,
    pub unit_path: UnitPath,
    pub kind: AlertKind,
    pub detail: String,
    pub dedupe_key: String,
}

pub struct Item {
    pub capture: NewCapture,
    pub alert: Option<DeviceAlert>,
    /// The capture may become a violation: it counts as the device's last valid capture.
    pub valid: bool,
}

#[derive(Debug, Clone, Copy)]
pub struct Committed {
    pub id: i64,
    /// The device had already sent this event: nothing new was written.
    pub duplicate: bool,
}

struct Request {
    item: Item,
    reply: oneshot::Sender<Result<Committed, String>>,
}

#[derive(Clone)]
pub struct Committer {
    sender: mpsc::Sender<Request>,
}

impl Committer {
    /// Starts the writer task on the current runtime.
    pub fn start(store: Store, clock: Clock) -> Self {
        let (sender, receiver) = mpsc::channel(4 * MAX_BATCH);
        tokio::spawn(run(store, clock, receiver));
        Self { sender }
    }

    /// Writes `item` with whatever else is queued; returns once it is committed.
    pub async fn commit(&self, item: Item) -> AppResult<Committed> {
        let (reply, answer) = oneshot::channel();
        self.sender
            .send(Request { item, reply })
            .await
            .map_err(|_| AppError::internal(anyhow::anyhow!("the capture writer has stopped")))?;
        answer
            .await
            .map_err(|_| {
                AppError::internal(anyhow::anyhow!("the capture writer dropped a capture"))
            })?
            .map_err(|e| AppError::internal(anyhow::anyhow!(e)))
    }
}

async fn run(store: Store, clock: Clock, mut receiver: mpsc::Receiver<Request>) {
    while let Some(first) = receiver.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match receiver.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        let items: Vec<&Item> = batch.iter().map(|r| &r.item).collect();
        match write(&store, &clock, &items).await {
            Ok(done) => {
                for (request, result) in batch.into_iter().zip(done) {
                    let _ = request.reply.send(Ok(result));
                }
            }
            // One bad capture must not fail the others: write them one by one.
            Err(_) if batch.len() > 1 => {
                for request in batch {
                    let result = write(&store, &clock, &[&request.item])
                        .await
                        .map(|mut d| d.remove(0))
                        .map_err(|e| e.to_string());
                    let _ = request.reply.send(result);
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "capture write failed");
                for request in batch {
                    let _ = request.reply.send(Err(e.to_string()));
                }
            }
        }
    }
}

async fn write(store: &Store, clock: &Clock, items: &[&Item]) -> AppResult<Vec<Committed>> {
    let now = clock.now();
    let mut tx = store.begin().await?;
    let mut done = Vec::with_capacity(items.len());
    let mut by_unit: std::collections::BTreeMap<roadwarden_domain::UnitId, Vec<i64>> =
        std::collections::BTreeMap::new();
    for item in items {
        done.push(write_one(&mut tx, item, now).await?);
        if let Some(c) = done.last().filter(|c| !c.duplicate) {
            by_unit.entry(item.capture.unit_id).or_default().push(c.id);
        }
    }
    for (unit, new_ids) in by_unit {
        // SEC-05: one entry per batch and unit (ORG-02: read under that unit's scope) names
        // every capture it wrote; the capture rows themselves carry the device, its
        // credential's check and the arrival time.
        record(
            &mut tx,
            &Actor::named("ingest"),
            Event {
                action: "capture.ingest",
                object_type: "capture",
                object_id: new_ids[0].to_string(),
                unit_id: Some(unit),
                detail: json!({ "captures": new_ids }),
            },
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(done)
}

async fn write_one(tx: &mut Tx, item: &Item, now: DateTime<Utc>) -> AppResult<Committed> {
    let c = &item.capture;
    let device = c
        .device_id
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("a device capture without a device")))?;
    let Some(id) = captures::insert(tx, c).await? else {
        let existing = captures::by_event(tx, device, &c.event_key)
            .await?
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("duplicate capture vanished")))?;
        return Ok(Committed {
            id: existing.id,
            duplicate: true,
        });
    };
    if item.valid {
        roadwarden_store::devices::set_last_valid_capture(tx, device, c.captured_at).await?;
    }
    if let Some(a) = &item.alert {
        device_records::add_alert(
            tx,
            a.device_id,
            &a.unit_path,
            a.kind,
            &a.detail,
            &a.dedupe_key,
            now,
        )
        .await?;
    }
    Ok(Committed {
        id,
        duplicate: false,
    })
}
