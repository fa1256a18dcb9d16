//! RID-01, RID-03: an e-bike capture point pushes an event. The point proves itself with its
//! device credential (the captures' check), must be an `ebike_capture` point in service (one
//! in trial is taken as warning-only: the spoken warning and the record, never a tier), and
//! sends the violation, time, place, face photo, scene photo and optionally the clip. The
//! files are stored write-once in the blob store; the face goes through identity (RID-05,
//! RID-06); the spoken warning goes back to the point at once (RID-01); the person's tier is
//! recomputed (RID-08).
//!
//! A photo that cannot be read, shows no face or several, a tiny or blurred face, or no engine
//! at all: the event is stored and **held** for a person to look at with the reason, never
//! matched. The same event twice (the point's event id) is taken once.

pub mod input;
pub mod warning;

use bytes::Bytes;
use chrono::Duration;
use roadwarden_domain::codes::Code;
use roadwarden_domain::device::lifecycle::capture_use_for;
use roadwarden_domain::device::{CaptureUse, DeviceKind};
use roadwarden_domain::rider::MatchState;
use roadwarden_domain::RuleViolation;
use roadwarden_face::Assessment;
use roadwarden_store::devices::Device;
use roadwarden_store::riders::events::{self, Inserted, NewRiderEvent, RiderEvent};
use serde::Serialize;

use self::input::{Files, RiderEventInput};
use super::identity::{self, file_face, Filed};
use super::tiers::{self, Cause};
use crate::error::{AppError, AppResult};
use crate::services::audit::write::{record, Actor, Event};
use crate::services::captures::ingest::Authenticated;
use crate::services::context::ServiceContext;

/// What the capture point is told. It learns nothing of who the rider is.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RiderReceipt {
    pub event_id: i64,
    /// The point had sent this event before: the first one stands, nothing was redone.
    pub duplicate: bool,
    /// enforce, or warn_only for a point in trial (DEV-05).
    pub usage: String,
    /// matched, unconfirmed, unmatched or held.
    pub match_state: String,
    /// Why it is held (`face.none`, `face.several`, `face.too_small`, `face.blurred`,
    /// `image.unreadable`, `engine.none` …), or how it was filed; empty otherwise.
    pub match_reason: String,
    /// `sent` (handed to its own task), `disabled`, or `not_repeated` for a resend.
    pub warning: String,
}

/// An event of an authenticated point, with its files.
pub async fn receive(
    ctx: &ServiceContext,
    device: Authenticated,
    mut event: RiderEventInput,
    mut files: Files,
) -> AppResult<RiderReceipt> {
    let device = device.into_device();
    let usage = gate(&device)?;
    let now = ctx.clock.now();
    // JSON pushes carry the files inline; a multipart push has already taken them out.
    let inline = input::inline_files(&mut event)?;
    files.face = files.face.or(inline.face);
    files.scene = files.scene.or(inline.scene);
    files.clip = files.clip.or(inline.clip);
    let checked = input::check(
        &event,
        &files,
        &device.place,
        &ctx.settings.riders.face,
        Duration::seconds(ctx.settings.captures.future_tolerance_secs),
        now,
    )?;
    let mut tx = ctx.store.begin_read().await?;
    let existing = events::by_device_event(&mut tx, device.id, &checked.event_key).await?;
    drop(tx);
    if let Some(existing) = existing {
        return Ok(receipt(&existing, true, "not_repeated"));
    }
    // The files first, write-once under their hash: identical bytes are one blob.
    let face_blob = put(ctx, files.face.clone()).await?;
    let scene_blob = put(ctx, files.scene).await?;
    let clip_blob = put(ctx, files.clip).await?;
    let assessed = match files.face {
        Some(photo) => identity::describe(ctx, photo).await?,
        None => Err(identity::EngineMissing::NotConfigured),
    };
    let (held_reason, accepted) = match assessed {
        Err(missing) => (Some(missing.code()), None),
        Ok(Assessment::Held(held)) => (Some(held.reason.code()), None),
        Ok(Assessment::Accepted(face)) => (None, Some(face.descriptor.0)),
    };
    let actor = Actor::named(&format!("device:{}", device.number));
    // Identity changes the index and the rows together: the lock spans the transaction.
    let mut index = ctx.identity.index.lock().await;
    let mut tx = ctx.store.begin().await?;
    let new = NewRiderEvent {
        device_id: device.id,
        device_event_id: checked.event_key.clone(),
        unit_id: device.unit_id,
        person_id: None,
        violation: checked.violation,
        occurred_at: checked.occurred_at,
        place: checked.place.clone(),
        latitude: checked.latitude,
        longitude: checked.longitude,
        face_blob,
        scene_blob,
        clip_blob,
        match_state: if held_reason.is_some() {
            MatchState::Held
        } else {
            MatchState::Unmatched
        },
        match_reason: held_reason.unwrap_or_default().to_owned(),
        match_score: None,
        received_at: now,
        usage,
    };
    let id = match events::insert(&mut tx, &new).await? {
        Inserted::New(id) => id,
        // The same event came twice at once: the other push stored it.
        Inserted::Existing(id) => {
            drop(tx);
            drop(index);
            let mut tx = ctx.store.begin_read().await?;
            let stored = events::get(&mut tx, id)
                .await?
                .ok_or(AppError::NotFound("rider event"))?;
            return Ok(receipt(&stored, true, "not_repeated"));
        }
    };
    let facts = identity::file::EventFacts {
        id,
        unit_id: device.unit_id,
        unit_path: &device.unit_path,
        now,
    };
    let filed = match finish(ctx, tx, &mut index, &facts, accepted, &new, &actor).await {
        Ok(filed) => filed,
        Err(e) => {
            // The index may have moved ahead of what committed: rebuilt from the rows.
            restore(ctx, index).await;
            return Err(e);
        }
    };
    let (state, reason) = match &filed {
        Some(f) => (f.state, f.reason.to_owned()),
        None => (new.match_state, new.match_reason.clone()),
    };
    drop(index);
    let warning = warn(ctx, &device, &checked.event_key, checked.violation.as_str());
    Ok(RiderReceipt {
        event_id: id.0,
        duplicate: false,
        usage: usage.as_str().to_owned(),
        match_state: state.as_str().to_owned(),
        match_reason: reason,
        warning: warning.to_owned(),
    })
}

/// The rest of the event's transaction: identity for an accepted face, the tier, the audit
/// entry, the commit.
async fn finish(
    ctx: &ServiceContext,
    mut tx: roadwarden_store::Tx,
    index: &mut identity::IdentityIndex,
    facts: &identity::file::EventFacts<'_>,
    accepted: Option<roadwarden_gallery::Vector>,
    new: &NewRiderEvent,
    actor: &Actor,
) -> AppResult<Option<Filed>> {
    let mut filed = None;
    if let Some(vector) = accepted {
        let threshold = ctx.settings.riders.face.match_threshold;
        let f = file_face(&mut tx, index, facts, vector, threshold, actor).await?;
        events::set_match(&mut tx, facts.id, f.person, f.state, f.reason, f.score).await?;
        if let Some(person) = f.person {
            // RID-08 on each event; an unconfirmed match may let a tier fall, never rise.
            tiers::recompute(
                &mut tx,
                &ctx.settings.riders.tiers,
                person,
                facts.now,
                Cause::UnconfirmedEvent,
                actor,
            )
            .await?;
        }
        filed = Some(f);
    }
    let (state, reason) = match &filed {
        Some(f) => (f.state, f.reason),
        None => (new.match_state, new.match_reason.as_str()),
    };
    record(
        &mut tx,
        actor,
        Event {
            action: "rider_event.received",
            object_type: "rider_event",
            object_id: facts.id.0.to_string(),
            unit_id: Some(facts.unit_id),
            detail: serde_json::json!({
                "violation": new.violation.as_str(), "usage": new.usage.as_str(),
                "match_state": state.as_str(), "match_reason": reason,
            }),
        },
        facts.now,
    )
    .await?;
    tx.commit().await?;
    Ok(filed)
}

/// RID-01, DEV-05: only an e-bike capture point in service may push; one in trial warns only.
fn gate(device: &Device) -> AppResult<CaptureUse> {
    if device.kind != DeviceKind::EbikeCapture {
        return Err(RuleViolation::new(
            "RID-01",
            Code::RiderPointNotEbike,
            "only an e-bike capture point (ebike_capture) sends rider events",
        )
        .into());
    }
    match capture_use_for(device.kind, device.state) {
        CaptureUse::Refuse => Err(RuleViolation::new(
            "DEV-05",
            Code::RiderPointNotInService,
            format!(
                "the capture point is {} and takes no events",
                device.state.as_str()
            ),
        )
        .into()),
        usage => Ok(usage),
    }
}

async fn put(ctx: &ServiceContext, bytes: Option<Bytes>) -> AppResult<Option<String>> {
    let Some(bytes) = bytes else { return Ok(None) };
    let stored = ctx
        .blobs
        .put_bytes(bytes)
        .await
        .map_err(AppError::internal)?;
    Ok(Some(stored.id.as_str().to_owned()))
}

/// A failed transaction after the index changed: the index is rebuilt from what committed.
async fn restore(
    ctx: &ServiceContext,
    mut index: tokio::sync::MutexGuard<'_, identity::IdentityIndex>,
) {
    let fresh = async {
        let mut tx = ctx.store.begin_read().await?;
        identity::rebuild_in(&mut tx, identity::cluster_settings(ctx)).await
    };
    match fresh.await {
        Ok(fresh) => *index = fresh,
        Err(e) => tracing::error!(error = %e, "identity index not rebuilt after a failed event"),
    }
}

/// RID-01: the spoken warning, handed to its own task (never waited for).
fn warn(
    ctx: &ServiceContext,
    device: &Device,
    event_key: &str,
    violation: &'static str,
) -> &'static str {
    let settings = &ctx.settings.riders.warning;
    if !settings.enabled {
        return "disabled";
    }
    let w = warning::compose(settings, event_key, violation);
    warning::speak(settings, warning::topic(settings, &device.number), &w);
    "sent"
}

fn receipt(e: &RiderEvent, duplicate: bool, warning: &str) -> RiderReceipt {
    RiderReceipt {
        event_id: e.id.0,
        duplicate,
        usage: e.usage.as_str().to_owned(),
        match_state: e.match_state.as_str().to_owned(),
        match_reason: e.match_reason.clone(),
        warning: warning.to_owned(),
    }
}
