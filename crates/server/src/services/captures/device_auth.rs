//! CAP-00: a device proves itself with its own credential before a byte of its push is read,
//! and an ISAPI camera must be the device whose credential it sent.

use roadwarden_domain::device::{parse_mac, DeviceState};
use roadwarden_store::devices::{self, Device};
use roadwarden_store::{device_records, Tx};

use crate::auth::token::constant_time_eq;
use crate::error::{AppError, AppResult};
use crate::services::context::ServiceContext;
use crate::services::devices::credentials::hash_secret;
use crate::services::devices::presence;

/// The credential a device pushes with (HTTP Basic `key:secret`, or the two headers).
#[derive(Debug, Clone)]
pub struct DeviceCredential {
    pub key_id: String,
    pub secret: String,
}

/// The device a credential belongs to; unknown, revoked or wrong secrets are all the same
/// answer, so a guesser learns nothing.
pub async fn authenticate(tx: &mut Tx, cred: &DeviceCredential) -> AppResult<Device> {
    let refused = || AppError::DeviceAuth("unknown or revoked device credential");
    let stored = device_records::credential_by_key(tx, cred.key_id.trim())
        .await?
        .ok_or_else(refused)?;
    if !constant_time_eq(&hash_secret(&cred.secret), &stored.secret_hash) {
        return Err(refused());
    }
    let device = devices::get(tx, roadwarden_domain::DeviceId(stored.device_id))
        .await?
        .ok_or_else(refused)?;
    if device.state == DeviceState::Retired {
        return Err(AppError::DeviceAuth("the device is retired"));
    }
    Ok(device)
}

/// A device that proved its credential. Handlers authenticate before reading a byte of the
/// body, so a stranger's push costs one indexed lookup and one SHA-256.
pub struct Authenticated(Device);

impl Authenticated {
    pub(crate) fn into_device(self) -> Device {
        self.0
    }
}

/// Checks a device's credential in its own read transaction.
pub async fn authenticate_device(
    ctx: &ServiceContext,
    cred: &DeviceCredential,
) -> AppResult<Authenticated> {
    let mut tx = ctx.store.begin_read().await?;
    let device = authenticate(&mut tx, cred).await?;
    drop(tx);
    // SUP-02: every proven push is a sign of life (heartbeat gaps in the monthly analysis).
    presence::heard_from(ctx, &device).await;
    Ok(Authenticated(device))
}

/// ISAPI: the device named by MAC and channel must be the one whose credential was sent.
pub async fn check_isapi_identity(
    tx: &mut Tx,
    device: &Device,
    mac: &str,
    channel: &str,
) -> AppResult<()> {
    let mac = parse_mac(mac)?;
    let named = devices::get_by_mac(tx, &mac, channel).await?;
    match named {
        Some(d) if d.id == device.id => Ok(()),
        _ => Err(AppError::DeviceAuth(
            "the credential does not belong to the device with this MAC address and channel",
        )),
    }
}
