//! SEC-05: anchoring the audit chain outside the database. The chain's own hashes show an
//! altered entry to anyone who cannot rewrite the table; an administrator who can may rehash
//! every later entry, or cut the tail and rewind the head. So, at a fixed interval, a
//! checkpoint {seq, hash of entry seq, time, key id} is signed with an Ed25519 key kept in a
//! file (never in the database, never logged) and written to the write-once blob store and to
//! a witness file (JSON lines) that someone outside can copy, in the manner of the signed tree
//! heads of transparency logs. `verify` checks every checkpoint's signature and that the chain
//! still has exactly the signed hash at each checkpoint's sequence number and reaches the
//! newest one.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use roadwarden_blob::BlobId;
use roadwarden_domain::audit::{key_id, Checkpoint};
use roadwarden_store::audit::{self, CheckpointRow, VerifyReport};
use serde::{Deserialize, Serialize};

use crate::config::Settings;
use crate::error::{AppError, AppResult};
use crate::services::context::ServiceContext;
use crate::services::signing_key;

/// A checkpoint with its signature, as stored in the blob store and written for witnesses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedCheckpoint {
    #[serde(flatten)]
    pub checkpoint: Checkpoint,
    /// The signing key's public half (hex), so a witness can check without asking us.
    pub public_key: String,
    /// Ed25519 over [`Checkpoint::signed_message`] (hex).
    pub signature: String,
}

impl SignedCheckpoint {
    pub fn sign(key: &SigningKey, seq: i64, hash: String, at_micros: i64) -> Self {
        let public = key.verifying_key();
        let checkpoint = Checkpoint {
            seq,
            hash,
            at_micros,
            key_id: key_id(public.as_bytes()),
        };
        let signature = key.sign(&checkpoint.signed_message());
        Self {
            checkpoint,
            public_key: hex::encode(public.as_bytes()),
            signature: hex::encode(signature.to_bytes()),
        }
    }

    /// Whether `trusted` signed exactly this checkpoint. The embedded public key is not
    /// trusted: it must be the installation's.
    pub fn check(&self, trusted: &VerifyingKey) -> Result<(), String> {
        let seq = self.checkpoint.seq;
        if self.checkpoint.key_id != key_id(trusted.as_bytes())
            || self.public_key != hex::encode(trusted.as_bytes())
        {
            return Err(format!(
                "checkpoint {seq} is signed by another key ({})",
                self.checkpoint.key_id
            ));
        }
        let bytes: [u8; 64] = hex::decode(&self.signature)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| format!("checkpoint {seq} has a malformed signature"))?;
        trusted
            .verify(
                &self.checkpoint.signed_message(),
                &Signature::from_bytes(&bytes),
            )
            .map_err(|_| format!("checkpoint {seq} has an invalid signature"))
    }
}

/// The outcome of verifying the chain against its checkpoints.
#[derive(Debug, Clone, Serialize)]
pub struct AnchoredReport {
    pub chain: VerifyReport,
    /// Checkpoints whose signature held (from the blob store and the witness file).
    pub checkpoints: usize,
    /// Checkpoints that could not be trusted, and why (a missing blob, another key, a bad
    /// signature, two different hashes signed for one sequence number).
    pub bad_checkpoints: Vec<String>,
}

impl AnchoredReport {
    pub fn is_intact(&self) -> bool {
        self.chain.is_intact() && self.bad_checkpoints.is_empty()
    }
}

/// The signing key, if its file exists. The key itself is never logged.
pub fn load_key(settings: &Settings) -> AppResult<Option<SigningKey>> {
    signing_key::load(&settings.checkpoint_key_file())
}

/// The signing key, created with mode 0600 on first use.
pub fn load_or_create_key(settings: &Settings) -> AppResult<SigningKey> {
    signing_key::load_or_create(&settings.checkpoint_key_file())
}

/// Signs a checkpoint of the chain as it ends now, stores it in the blob store, indexes it
/// and appends it to the witness file. `None` when the log is empty or already checkpointed
/// at its last entry.
pub async fn write(ctx: &ServiceContext) -> AppResult<Option<SignedCheckpoint>> {
    let mut tx = ctx.store.begin_read().await?;
    let last = audit::last_entry(&mut tx).await?;
    let newest = audit::checkpoints(&mut tx).await?.last().map(|c| c.seq);
    drop(tx);
    let Some((seq, hash)) = last.filter(|(seq, _)| Some(*seq) != newest) else {
        return Ok(None);
    };
    let key = load_or_create_key(&ctx.settings)?;
    let signed = SignedCheckpoint::sign(&key, seq, hash, ctx.clock.now().timestamp_micros());
    let bytes = serde_json::to_vec(&signed).map_err(AppError::internal)?;
    let stored = ctx.blobs.put_bytes(bytes.into()).await?;
    let mut tx = ctx.store.begin().await?;
    let added = audit::add_checkpoint(
        &mut tx,
        &CheckpointRow {
            seq,
            hash: signed.checkpoint.hash.clone(),
            at_micros: signed.checkpoint.at_micros,
            key_id: signed.checkpoint.key_id.clone(),
            signature: signed.signature.clone(),
            blob_sha256: stored.id.as_str().to_owned(),
        },
    )
    .await?;
    tx.commit().await?;
    if !added {
        return Ok(None);
    }
    append_witness(&ctx.settings.witness_file(), &signed)?;
    Ok(Some(signed))
}

fn append_witness(path: &Path, signed: &SignedCheckpoint) -> AppResult<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(AppError::internal)?;
    }
    let mut line = serde_json::to_string(signed).map_err(AppError::internal)?;
    line.push('\n');
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .map_err(AppError::internal)?;
    file.write_all(line.as_bytes())
        .and_then(|()| file.sync_data())
        .map_err(AppError::internal)
}

/// Every checkpoint of the blob store's index, read back from the blob store; an index row
/// whose blob is missing or disagrees with it is reported in `bad`.
pub async fn stored(
    ctx: &ServiceContext,
    bad: &mut Vec<String>,
) -> AppResult<Vec<SignedCheckpoint>> {
    let mut tx = ctx.store.begin_read().await?;
    let rows = audit::checkpoints(&mut tx).await?;
    drop(tx);
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let blob = match BlobId::parse(&row.blob_sha256) {
            Ok(id) => ctx.blobs.get(&id).await.map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        let parsed = blob.and_then(|b| {
            serde_json::from_slice::<SignedCheckpoint>(&b).map_err(|e| e.to_string())
        });
        match parsed {
            Ok(c) if c.checkpoint.seq == row.seq && c.checkpoint.hash == row.hash => out.push(c),
            Ok(_) => bad.push(format!(
                "checkpoint {}: the index disagrees with its stored copy",
                row.seq
            )),
            Err(e) => bad.push(format!(
                "checkpoint {}: stored copy unreadable ({e})",
                row.seq
            )),
        }
    }
    Ok(out)
}

/// The checkpoints of a witness file (JSON lines); an unreadable line is reported in `bad`.
pub fn read_witness(path: &Path, bad: &mut Vec<String>) -> AppResult<Vec<SignedCheckpoint>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| AppError::internal(anyhow::anyhow!("witness file {}: {e}", path.display())))?;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<SignedCheckpoint>(line) {
            Ok(c) => out.push(c),
            Err(e) => bad.push(format!("witness line {}: {e}", n + 1)),
        }
    }
    Ok(out)
}

/// Recomputes the chain and checks it against every checkpoint of the blob store and, when
/// given, of a witness's file.
pub async fn verify(
    ctx: &ServiceContext,
    witness: Option<&Path>,
    progress: impl FnMut(u64),
) -> AppResult<AnchoredReport> {
    let mut bad = Vec::new();
    let mut all = stored(ctx, &mut bad).await?;
    if let Some(path) = witness {
        all.extend(read_witness(path, &mut bad)?);
    }
    let trusted = load_key(&ctx.settings)?.map(|k| k.verifying_key());
    let mut by_seq: BTreeMap<i64, String> = BTreeMap::new();
    let mut good = 0;
    for c in &all {
        let checked = match &trusted {
            Some(key) => c.check(key),
            None => Err(format!(
                "checkpoint {}: the checkpoint key file is missing",
                c.checkpoint.seq
            )),
        };
        if let Err(why) = checked {
            bad.push(why);
            continue;
        }
        good += 1;
        let seq = c.checkpoint.seq;
        match by_seq.get(&seq) {
            Some(hash) if *hash != c.checkpoint.hash => {
                bad.push(format!(
                    "checkpoint {seq}: two different hashes were signed"
                ));
            }
            _ => {
                by_seq.insert(seq, c.checkpoint.hash.clone());
            }
        }
    }
    let expected: Vec<(i64, String)> = by_seq.into_iter().collect();
    let chain = audit::verify_against(&ctx.store, &expected, progress).await?;
    Ok(AnchoredReport {
        chain,
        checkpoints: good,
        bad_checkpoints: bad,
    })
}

/// Writes every stored checkpoint to `out` as JSON lines, for a witness to keep.
pub async fn export(ctx: &ServiceContext, out: &Path) -> AppResult<(usize, Vec<String>)> {
    let mut bad = Vec::new();
    let all = stored(ctx, &mut bad).await?;
    let mut text = String::new();
    for c in &all {
        text.push_str(&serde_json::to_string(c).map_err(AppError::internal)?);
        text.push('\n');
    }
    std::fs::write(out, text).map_err(AppError::internal)?;
    Ok((all.len(), bad))
}

/// The key file's path as configured (for messages; the key itself is never printed).
pub fn key_path(settings: &Settings) -> PathBuf {
    settings.checkpoint_key_file()
}
