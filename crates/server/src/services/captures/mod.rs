//! CAP, REV, NOT and APL use cases: `ingest` takes pushes from devices (through the group
//! `committer`; `device_auth` checks their credential, `images` the pictures, `isapi` maps
//! Hikvision alerts), `public_reports` the public's, `review` is the separated review,
//! `violations` the records and notices, `public_lookup` the owner's query, `inspection` the
//! inspection block, `overdue` the NOT-02c steps, `forms` reads the public's multipart forms,
//! `outbox` sends notices, `objections` handles the owner's objections.

pub mod bulk;
pub mod capture_list;
pub mod committer;
pub mod deadlines;
pub mod device_auth;
pub mod exemptions;
pub mod forms;
pub mod images;
pub mod ingest;
pub mod inspection;
pub mod isapi;
pub mod objections;
pub mod outbox;
pub mod overdue;
pub mod owner_proof;
pub mod public_lookup;
pub mod public_reports;
pub mod records;
pub mod registry;
pub mod review;
pub mod skips;
pub mod smtp;
pub mod transfer;
pub mod violation_list;
pub mod violations;

use std::sync::Arc;

use roadwarden_domain::calendar::Calendar;
use roadwarden_domain::org::Country;
use roadwarden_store::Tx;

use crate::error::AppResult;
use crate::services::context::ServiceContext;

/// The country's calendar (TIME-01), from the short-lived cache when fresh.
pub async fn calendar(
    ctx: &ServiceContext,
    tx: &mut Tx,
    country: Country,
) -> AppResult<Arc<Calendar>> {
    if let Some(c) = ctx.calendars.get(country) {
        return Ok(c);
    }
    let c = Arc::new(roadwarden_store::calendar::load(tx, country).await?);
    ctx.calendars.put(country, c.clone());
    Ok(c)
}

/// The bytes of a stored picture (a capture image, a letter, an objection's photo), by the
/// blob id its row keeps. A row naming a blob that cannot be read is an internal error.
pub(crate) async fn read_blob(ctx: &ServiceContext, blob_id: &str) -> AppResult<Vec<u8>> {
    let id = roadwarden_blob::BlobId::parse(blob_id).map_err(crate::error::AppError::internal)?;
    ctx.blobs
        .get(&id)
        .await
        .map_err(crate::error::AppError::internal)
}
