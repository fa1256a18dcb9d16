//! SHR-05: the gateway ferry. Where the video, police and government networks meet only
//! through a one-way file gateway, an outside system is reached by packages in folders
//! instead of HTTP calls: each request is sealed into a signed, hashed package written to
//! the system's `ferry_out` folder (the gateway carries it across), and the system's answers
//! come back the same way into `ferry_in`, where [`import`] checks every hash and signature,
//! applies each answer once and sets the file aside. The sender's loop is unchanged: a
//! package written is a request sent, an answer imported is what its read-back finds.
//!
//! Folder contract (for the gateway and the other side): a package is one `*.json` file,
//! written under a dot-name and renamed when complete, so a half-written file is never
//! carried; imported files move to `ferry_in/done/`, refused ones to `ferry_in/refused/`.

mod folder;
mod import;
mod overview;
pub mod package;

use std::path::PathBuf;

use chrono::Utc;
use ed25519_dalek::{SigningKey, VerifyingKey};
use roadwarden_domain::outside::OutsideSystem;
use roadwarden_store::ferry::{self as rows, FerryPackage};
use roadwarden_store::{truncate_micros, Store};
use serde_json::Value;
use sha2::{Digest, Sha256};

pub use import::{import, FerryImport};
pub use overview::{overview, FerryOverview};
use package::{Package, PackageKind};

use super::http::{DeductionSystem, Failure, GrassrootsPlatform, ReadBack};
use crate::clock::Clock;
use crate::config::{OutsideSettings, OutsideSystemSettings};
use crate::error::{AppError, AppResult};
use crate::services::signing_key;

/// The key our packages are signed with.
pub fn our_key(settings: &crate::config::Settings) -> AppResult<SigningKey> {
    signing_key::load_or_create(&key_path(settings))
}

/// Where our ferry key lives.
pub fn key_path(settings: &crate::config::Settings) -> PathBuf {
    if settings.outside.ferry_key_file.as_os_str().is_empty() {
        settings.data_dir.join("ferry-signing.key")
    } else {
        settings.outside.ferry_key_file.clone()
    }
}

/// One outside system reached through the gateway.
pub(crate) struct Ferry {
    system: OutsideSystem,
    out_dir: PathBuf,
    key: SigningKey,
    store: Store,
    clock: Clock,
}

/// The peer's public key from the settings.
pub(crate) fn peer_key(system: &OutsideSystemSettings) -> AppResult<VerifyingKey> {
    package::parse_public_key(&system.ferry_peer_key).ok_or_else(|| {
        AppError::internal(anyhow::anyhow!(
            "ferry_peer_key is not an Ed25519 public key in hex"
        ))
    })
}

impl Ferry {
    pub(crate) fn new(
        settings: &crate::config::Settings,
        system: OutsideSystem,
        store: Store,
        clock: Clock,
    ) -> AppResult<Self> {
        let conf = super::system_settings(&settings.outside, system);
        peer_key(conf)?;
        Ok(Self {
            system,
            out_dir: conf.ferry_out.clone(),
            key: our_key(settings)?,
            store,
            clock,
        })
    }

    /// Writes `body` as a package and records it. The package's id comes from the request's
    /// own id, so a request sent again (after a crash between writing and settling) rewrites
    /// the same package rather than a second one: the other side applies an id once.
    async fn send(&self, kind: PackageKind, body: &Value) -> Result<String, Failure> {
        let request_key = body["request_id"].as_str().unwrap_or_default();
        if request_key.is_empty() {
            return Err(Failure::Refused("the request has no request_id".into()));
        }
        let id = package_id(self.system, request_key);
        let now = truncate_micros(self.clock.now());
        let bytes = serde_json::to_vec(body).unwrap_or_default();
        let sealed = Package::seal(&self.key, &id, self.system.as_str(), kind, "", now, &bytes);
        let file_name = folder::file_name(now, &id);
        let out_dir = self.out_dir.clone();
        let file = file_name.clone();
        let written = sealed.to_bytes();
        tokio::task::spawn_blocking(move || folder::write_atomically(&out_dir, &file, &written))
            .await
            .map_err(|e| Failure::Retry(e.to_string()))?
            .map_err(|e| Failure::Retry(format!("the ferry folder could not be written: {e}")))?;
        self.record(&id, kind, request_key, &sealed.body_sha256, &file_name, now)
            .await
            .map_err(|e| Failure::Retry(e.to_string()))?;
        Ok(id)
    }

    async fn record(
        &self,
        id: &str,
        kind: PackageKind,
        request_key: &str,
        sha256: &str,
        file_name: &str,
        now: chrono::DateTime<Utc>,
    ) -> AppResult<()> {
        let mut tx = self.store.begin().await?;
        let request_id = rows::request_by_key(&mut tx, request_key).await?;
        rows::insert(
            &mut tx,
            &FerryPackage {
                id: id.to_owned(),
                direction: "out".into(),
                system: self.system.as_str().into(),
                kind: kind.as_str().into(),
                in_reply_to: String::new(),
                request_id,
                body: String::new(),
                sha256: sha256.to_owned(),
                file_name: file_name.to_owned(),
                at: now,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// What the answers imported so far say of our package `id`.
    async fn read(&self, id: &str) -> Result<ReadBack, Failure> {
        let answer = async {
            let mut tx = self.store.begin_read().await?;
            AppResult::Ok(rows::answer_to(&mut tx, id).await?)
        }
        .await
        .map_err(|e| Failure::Retry(e.to_string()))?;
        let Some(answer) = answer else {
            return Ok(ReadBack::Pending);
        };
        let v: Value = serde_json::from_str(&answer.body).unwrap_or_default();
        let detail = v["detail"].as_str().unwrap_or_default().to_owned();
        match v["state"].as_str().unwrap_or_default() {
            "applied" | "done" => Ok(ReadBack::Done(v)),
            "refused" => Ok(ReadBack::Refused(detail)),
            _ => Ok(ReadBack::Pending),
        }
    }
}

/// A package id for a request: the system and a digest of the request's id.
fn package_id(system: OutsideSystem, request_key: &str) -> String {
    let digest = hex::encode(Sha256::digest(request_key.as_bytes()));
    format!("{}-{}", system.as_str(), &digest[..32])
}

impl DeductionSystem for Ferry {
    async fn deduct(&self, request: &Value) -> Result<String, Failure> {
        self.send(PackageKind::Deduction, request).await
    }

    async fn read_deduction(&self, remote_id: &str) -> Result<ReadBack, Failure> {
        self.read(remote_id).await
    }
}

impl GrassrootsPlatform for Ferry {
    async fn send_task(&self, task: &Value) -> Result<String, Failure> {
        self.send(PackageKind::Task, task).await
    }

    async fn send_list(&self, list: &Value) -> Result<String, Failure> {
        self.send(PackageKind::List, list).await
    }

    async fn read_task(&self, remote_id: &str) -> Result<ReadBack, Failure> {
        self.read(remote_id).await
    }
}

/// Whether any system is reached through the ferry.
pub(crate) fn any(settings: &OutsideSettings) -> bool {
    OutsideSystem::ALL
        .into_iter()
        .any(|s| super::system_settings(settings, s).is_ferry())
}

/// Writes a sealed package into `dir` the way the ferry does (atomically, under its time-first
/// name); the file's path.
pub fn write_package(dir: &std::path::Path, p: &Package) -> std::io::Result<PathBuf> {
    let name = folder::file_name(p.created_at, &p.id);
    folder::write_atomically(dir, &name, &p.to_bytes())?;
    Ok(dir.join(name))
}
