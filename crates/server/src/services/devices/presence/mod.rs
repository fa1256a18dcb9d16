//! SUP-02: a device is heard from whenever it proves its credential (a capture, a rider
//! event, an ISAPI heartbeat, `POST /api/v1/devices/heartbeat`). The last time is kept, and a
//! silence of an hour or more becomes a row the monthly analysis reads as a heartbeat gap.
//! Recording presence never fails a push: an error is logged and the push goes on.

pub mod throttle;

use chrono::{DateTime, Duration, Utc};
use roadwarden_store::device_presence as store;
use roadwarden_store::devices::Device;

use crate::error::AppResult;
use crate::services::context::ServiceContext;

/// Silences shorter than this are not kept: a quiet hour at night is not a gap.
pub const SILENCE_AT_LEAST: Duration = Duration::hours(1);

/// `device` was heard from now.
pub async fn heard_from(ctx: &ServiceContext, device: &Device) {
    let now = ctx.clock.now();
    if !ctx.presence.take(device.id.0, now) {
        return;
    }
    if let Err(e) = write(ctx, device, now).await {
        ctx.presence.forget(device.id.0);
        tracing::warn!(device = device.id.0, error = %e, "could not record the device's presence");
    }
}

async fn write(ctx: &ServiceContext, device: &Device, now: DateTime<Utc>) -> AppResult<()> {
    let mut tx = ctx.store.begin().await?;
    let before = store::last_seen(&mut tx, device.id).await?;
    if let Some(before) = before.filter(|b| now - *b >= SILENCE_AT_LEAST) {
        store::add_silence(&mut tx, device.id, device.unit_path.as_str(), before, now).await?;
    }
    if before.is_none_or(|b| b < now) {
        store::set_seen(&mut tx, device.id, now).await?;
    }
    tx.commit().await?;
    Ok(())
}
