//! The credentials a device pushes captures with: issued (shown once), rotated, revoked.
//! Only the SHA-256 of the secret is stored: it is 256 random bits, so a slow hash adds nothing.

use rand::RngCore;
use roadwarden_domain::codes::Code;
use roadwarden_domain::device::lifecycle::{check_oversight, Oversight};
use roadwarden_domain::device::DeviceState;
use roadwarden_domain::{DeviceId, RuleViolation};
use roadwarden_store::device_records;
use roadwarden_store::devices;
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::{log_change, readable, Change};
use crate::auth::Principal;
use crate::context::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::services::audit::Actor;
use crate::services::context::ServiceContext;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct IssuedCredential {
    pub key_id: String,
    /// Shown this once; Roadwarden keeps only its hash.
    pub secret: String,
    /// Credentials revoked by this rotation.
    pub revoked: u64,
}

pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Issues a new credential and revokes the device's older ones (rotation).
pub async fn issue(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    id: DeviceId,
) -> AppResult<IssuedCredential> {
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let device = devices::get_for_update(&mut tx, id).await?;
    let device = readable(&mut tx, p, device).await?;
    check_oversight(
        p.scope(),
        &device.unit_path,
        Oversight::ManagingOrAbove,
        "issue credentials",
    )?;
    if device.state == DeviceState::Retired {
        return Err(RuleViolation::new(
            "DEV-12",
            Code::DeviceRetired,
            "a retired device gets no credentials",
        )
        .into());
    }
    let mut key = [0u8; 8];
    let mut secret = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut key);
    rand::thread_rng().fill_bytes(&mut secret);
    let key_id = format!("dk_{}", hex::encode(key));
    let secret = format!("ds_{}", hex::encode(secret));
    let revoked =
        device_records::revoke_credentials(&mut tx, id, None, Some(p.user.id), now).await?;
    device_records::add_credential(
        &mut tx,
        id,
        &key_id,
        &hash_secret(&secret),
        Some(p.user.id),
        now,
    )
    .await?;
    log_change(
        &mut tx,
        &Actor::user(p, meta),
        &device,
        Change {
            action: "credential_issued",
            from_state: None,
            to_state: None,
            reason: "",
            detail: json!({ "key_id": key_id, "revoked": revoked }),
            registration: None,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(IssuedCredential {
        key_id,
        secret,
        revoked,
    })
}

pub async fn revoke(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    id: DeviceId,
    credential: i64,
) -> AppResult<()> {
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let device = devices::get_for_update(&mut tx, id).await?;
    let device = readable(&mut tx, p, device).await?;
    check_oversight(
        p.scope(),
        &device.unit_path,
        Oversight::ManagingOrAbove,
        "revoke credentials",
    )?;
    let n = device_records::revoke_credentials(&mut tx, id, Some(credential), Some(p.user.id), now)
        .await?;
    if n == 0 {
        return Err(AppError::NotFound("live credential"));
    }
    log_change(
        &mut tx,
        &Actor::user(p, meta),
        &device,
        Change {
            action: "credential_revoked",
            from_state: None,
            to_state: None,
            reason: "",
            detail: json!({ "credential": credential }),
            registration: None,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
