//! RID-10, RID-11, SHR-04: the e-bike programme's requests to outside systems, closed in a
//! loop: queued in a durable outbox, sent with retries and back-off, read back until the
//! outside system says it is done, and the result recorded on the rider's file or task.
//!
//! - Civility credit (RID-10 b) and the party-member pioneer index (RID-10 a): each pending
//!   deduction measure of a confirmed rider becomes one request; the measure is `sent` once the
//!   system accepted it and `confirmed` once the deduction is read back.
//! - A system on a network only a one-way gateway reaches (SHR-05) gets signed packages in
//!   folders instead of HTTP calls (`ferry`); the loop is the same.
//! - The grassroots-governance platform (SHR-04): each task dispatched to a village becomes
//!   one request; the platform's result (text, photos, assessment) is **read back by polling**
//!   (no endpoint of ours is exposed to it) and reported on the task through the same service
//!   the grid worker uses, for the officer to evaluate. The riders' lists by tier go to it
//!   daily (`grassroots_lists`).
//!
//! The measures and tasks are the source: a sweep copies each into the outbox once (its
//! unique key), whichever path recorded it (intake, an officer's act, the nightly rebuild). A
//! system with no base URL is off: nothing is queued for it.

mod attention;
pub mod ferry;
mod http;
mod outbox;
mod queue;
mod send;

use roadwarden_domain::outside::OutsideSystem;
use roadwarden_domain::RiderPersonId;
use roadwarden_store::outside as rows;
use roadwarden_store::Tx;
use serde::Serialize;
use utoipa::ToSchema;

pub use attention::requeue;
pub use http::{Failure, ReadBack};
pub use outbox::{
    filter as outbox_filter, outbox, Outbox, OutboxCount, OutboxRow, PAGE_SIZE as OUTBOX_PAGE_SIZE,
};
pub use queue::queue_lists;
pub use send::drain;

use crate::config::{OutsideSettings, OutsideSystemSettings};
use crate::error::AppResult;
use crate::views::outside::{OutsideOnFile, OutsideRequestView};

/// What one pass of the sender did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct OutsideReport {
    /// Requests newly written to the outbox.
    pub queued: usize,
    /// Accepted by the outside system (waiting for the read-back).
    pub sent: usize,
    /// Read back as done (or, for a list, accepted).
    pub acknowledged: usize,
    /// Read back and not done yet.
    pub pending: usize,
    /// Failed attempts to be tried again later.
    pub retried: usize,
    /// Refused, or given up after the last attempt.
    pub failed: usize,
    /// SHR-05: answers imported from the gateway ferry's folders.
    pub ferry_imported: usize,
    /// SHR-05: package files the ferry refused (bad hash or signature, replayed…).
    pub ferry_refused: usize,
}

/// A system's settings.
pub(crate) fn system_settings(
    s: &OutsideSettings,
    system: OutsideSystem,
) -> &OutsideSystemSettings {
    match system {
        OutsideSystem::CivilityCredit => &s.civility_credit,
        OutsideSystem::PartyIndex => &s.party_index,
        OutsideSystem::Grassroots => &s.grassroots,
    }
}

/// RID-10, SHR-04: what the rider file shows of the outside requests (read inside the file's
/// own audited read).
pub(crate) async fn on_file(
    tx: &mut Tx,
    settings: &OutsideSettings,
    person: RiderPersonId,
) -> AppResult<OutsideOnFile> {
    let requests = rows::list_for_person(tx, person)
        .await?
        .into_iter()
        .map(OutsideRequestView::from)
        .collect();
    let off = OutsideSystem::ALL
        .into_iter()
        .filter(|s| !system_settings(settings, *s).is_on())
        .map(|s| s.as_str().to_owned())
        .collect();
    Ok(OutsideOnFile { requests, off })
}
