//! SHR-05: importing the answers the gateway carried back. Each waiting file is opened with
//! the system's public key (size, signature, hash, system), must answer a package of ours, and
//! is recorded under its own id in the same transaction as its audit entry: an id seen before
//! is refused as a replay, so nothing is applied twice however often a file comes back. A
//! refused file is set aside with the reason beside it, and the refusal is audited.

use roadwarden_domain::outside::OutsideSystem;
use roadwarden_store::ferry::{self as rows, FerryPackage};
use roadwarden_store::truncate_micros;
use serde::Serialize;
use serde_json::{json, Value};
use utoipa::ToSchema;

use super::folder;
use super::package::{Package, PackageKind, Refusal};
use crate::error::{AppError, AppResult};
use crate::services::audit::{record, Actor, Event};
use crate::services::context::ServiceContext;

/// The most files one pass imports per system (the rest wait for the next pass).
const MAX_PER_PASS: usize = 200;

/// What one import pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct FerryImport {
    /// Answers checked and recorded.
    pub imported: usize,
    /// Files refused (and set aside under `refused/`).
    pub refused: usize,
}

/// Imports what waits in every ferry system's `ferry_in` folder.
pub async fn import(ctx: &ServiceContext) -> AppResult<FerryImport> {
    let mut report = FerryImport::default();
    for system in OutsideSystem::ALL {
        let conf = super::super::system_settings(&ctx.settings.outside, system);
        if !conf.is_ferry() {
            continue;
        }
        let peer = super::peer_key(conf)?;
        let dir = conf.ferry_in.clone();
        let files = tokio::task::spawn_blocking(move || folder::waiting(&dir, MAX_PER_PASS))
            .await
            .map_err(AppError::internal)?
            .map_err(AppError::internal)?;
        for path in files {
            let max = ctx.settings.outside.ferry_max_package_bytes;
            let file = path.clone();
            let bytes = tokio::task::spawn_blocking(move || folder::read_bounded(&file, max))
                .await
                .map_err(AppError::internal)?;
            let Ok(bytes) = bytes else {
                // Vanished or unreadable: the gateway may still be moving it.
                continue;
            };
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let outcome = match Package::open(&bytes, max, system.as_str(), &peer) {
                Ok((p, body)) => apply(ctx, system, &p, &body, &name).await?,
                Err(refusal) => Err((refusal, None)),
            };
            let (sub, why) = match outcome {
                Ok(()) => {
                    report.imported += 1;
                    ("done", None)
                }
                Err((refusal, id)) => {
                    report.refused += 1;
                    refused(ctx, system, refusal, id.as_deref(), &name).await?;
                    ("refused", Some(refusal.code()))
                }
            };
            let file = path.clone();
            let moved =
                tokio::task::spawn_blocking(move || folder::set_aside(&file, sub, why)).await;
            if !matches!(moved, Ok(Ok(()))) {
                // Recorded already: left in place, the next pass refuses it as a replay.
                tracing::warn!(file = %path.display(), "a ferry package could not be set aside");
            }
        }
    }
    Ok(report)
}

type Applied = Result<(), (Refusal, Option<String>)>;

/// Records one opened answer with its audit entry.
async fn apply(
    ctx: &ServiceContext,
    system: OutsideSystem,
    p: &Package,
    body: &[u8],
    name: &str,
) -> AppResult<Applied> {
    let refuse = |r: Refusal| Ok(Err((r, Some(p.id.clone()))));
    let answer: Value = match serde_json::from_slice(body) {
        Ok(v @ Value::Object(_)) => v,
        _ => return refuse(Refusal::Malformed),
    };
    if p.kind != PackageKind::Answer || p.in_reply_to.is_empty() {
        return refuse(Refusal::Unexpected);
    }
    let now = truncate_micros(ctx.clock.now());
    let mut tx = ctx.store.begin().await?;
    let ours = rows::get(&mut tx, &p.in_reply_to).await?;
    if !ours.is_some_and(|o| o.direction == "out" && o.system == system.as_str()) {
        return refuse(Refusal::Unexpected);
    }
    let recorded = rows::insert(
        &mut tx,
        &FerryPackage {
            id: p.id.clone(),
            direction: "in".into(),
            system: system.as_str().into(),
            kind: p.kind.as_str().into(),
            in_reply_to: p.in_reply_to.clone(),
            request_id: None,
            body: answer.to_string(),
            sha256: p.body_sha256.clone(),
            file_name: name.to_owned(),
            // The order answers were made in, for "the newest answer" (a later one supersedes).
            at: truncate_micros(p.created_at),
        },
    )
    .await?;
    if !recorded {
        return refuse(Refusal::Replayed);
    }
    roadwarden_store::outside::read_back_now(&mut tx, &p.in_reply_to, now).await?;
    record(
        &mut tx,
        &Actor::named(system.as_str()),
        Event {
            action: "ferry.imported",
            object_type: "ferry_package",
            object_id: p.id.clone(),
            unit_id: None,
            detail: json!({ "system": system.as_str(), "in_reply_to": p.in_reply_to,
                            "file": name, "state": answer["state"] }),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Ok(()))
}

/// Audits a refused file: nothing of it was applied.
async fn refused(
    ctx: &ServiceContext,
    system: OutsideSystem,
    refusal: Refusal,
    id: Option<&str>,
    name: &str,
) -> AppResult<()> {
    tracing::warn!(
        system = system.as_str(),
        file = name,
        code = refusal.code(),
        "a ferry package was refused"
    );
    let now = truncate_micros(ctx.clock.now());
    let mut tx = ctx.store.begin().await?;
    record(
        &mut tx,
        &Actor::named(system.as_str()),
        Event {
            action: "ferry.refused",
            object_type: "ferry_package",
            object_id: id.unwrap_or(name).chars().take(160).collect(),
            unit_id: None,
            detail: json!({ "system": system.as_str(), "file": name, "refusal": refusal.code() }),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
