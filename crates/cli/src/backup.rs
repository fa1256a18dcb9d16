//! SEC-09: `roadwarden backup` and `roadwarden restore`.
//!
//! A backup directory holds the database (SQLite: a consistent `VACUUM INTO` copy of the live
//! file; PostgreSQL: a `pg_dump` custom-format archive), every blob, and `manifest.json` with
//! the SHA-256 and size of each file. Restore checks every checksum before it touches
//! anything, and refuses a backup that does not match.
//!
//! Blobs stream both ways (a body-worn recorder video can be gigabytes): out of the store
//! through `open`, which checks the blob's hash as it reads, into the backup file while the
//! manifest's hash is computed; back in through `put` under the name the manifest promises,
//! which refuses bytes that hash to anything else. Memory stays bounded by one copy buffer.
//!
//! The upload folder (`<data_dir>/uploads`, unfinished tus uploads) is deliberately not backed
//! up: an upload becomes evidence only when its last byte arrives and it moves into the blob
//! store, and until then the recorder (or the docking station) still holds the file, which
//! is released only after the stored copy is verified (BWC-07). After a restore, an upload
//! that was in flight is sent again from the recorder; its old row expires and is discarded
//! by the usual job.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use indicatif::{ProgressBar, ProgressStyle};
use roadwarden_blob::{BlobId, BlobStore};
use roadwarden_server::{open_state, Clock, Settings};
use roadwarden_store::Backend;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    format: u32,
    created_at: String,
    backend: String,
    files: Vec<FileEntry>,
}

#[derive(Debug, Serialize, Deserialize)]
struct FileEntry {
    path: String,
    sha256: String,
    bytes: u64,
}

const SQLITE_FILE: &str = "roadwarden.sqlite";
const PG_FILE: &str = "database.pgdump";

fn bar(len: u64, what: &str) -> ProgressBar {
    let b = ProgressBar::new(len);
    b.set_style(
        ProgressStyle::with_template(&format!("{{bar:40}} {{pos}}/{{len}} {what}"))
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    b
}

fn hash_file(path: &Path) -> anyhow::Result<(String, u64)> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let bytes = std::io::copy(&mut file, &mut hasher)?;
    Ok((hex::encode(hasher.finalize()), bytes))
}

pub async fn backup(settings: Settings, out: &Path) -> anyhow::Result<ExitCode> {
    if out.exists() && std::fs::read_dir(out)?.next().is_some() {
        anyhow::bail!(
            "{} is not empty: back up into a new directory",
            out.display()
        );
    }
    std::fs::create_dir_all(out.join("blobs"))?;
    let url = settings.database_url();
    let state = open_state(settings, Clock::System).await?;
    let backend = state.store.backend();
    let mut files = Vec::new();
    match backend {
        Backend::Sqlite => {
            state
                .store
                .sqlite_backup_into(&out.join(SQLITE_FILE))
                .await?;
            files.push(SQLITE_FILE.to_owned());
        }
        Backend::Postgres => {
            // pg_dump takes a consistent snapshot of a live database.
            let status = std::process::Command::new("pg_dump")
                .args(["--format=custom", "--no-owner", "--file"])
                .arg(out.join(PG_FILE))
                .arg(&url)
                .status()
                .map_err(|e| {
                    anyhow::anyhow!("pg_dump: {e} (is the PostgreSQL client installed?)")
                })?;
            anyhow::ensure!(status.success(), "pg_dump failed: {status}");
            files.push(PG_FILE.to_owned());
        }
    }
    let mut entries = Vec::new();
    for rel in files {
        let (sha256, bytes) = hash_file(&out.join(&rel))?;
        entries.push(FileEntry {
            path: rel,
            sha256,
            bytes,
        });
    }
    // Listed after the database snapshot: blobs are write-once, so every blob the snapshot
    // names is in the list.
    let ids = state.blobs.list().await?;
    let progress = bar(ids.len() as u64, "blobs");
    for id in &ids {
        let rel = format!("blobs/{}", id.as_str());
        let (sha256, bytes) = stream_blob_to_file(state.blobs.as_ref(), id, &out.join(&rel))
            .await
            .map_err(|e| anyhow::anyhow!("blob {id}: {e}"))?;
        entries.push(FileEntry {
            path: rel,
            sha256,
            bytes,
        });
        progress.inc(1);
    }
    progress.finish_and_clear();
    let manifest = Manifest {
        format: 1,
        created_at: state.clock.now().to_rfc3339(),
        backend: format!("{backend:?}").to_lowercase(),
        files: entries,
    };
    std::fs::write(
        out.join("manifest.json"),
        serde_json::to_vec_pretty(&manifest)?,
    )?;
    println!(
        "backup written to {} ({} files, {} blobs)",
        out.display(),
        manifest.files.len(),
        ids.len()
    );
    Ok(ExitCode::SUCCESS)
}

pub async fn restore(settings: Settings, from: &Path, force: bool) -> anyhow::Result<ExitCode> {
    let manifest: Manifest = serde_json::from_slice(&std::fs::read(from.join("manifest.json"))?)
        .map_err(|e| anyhow::anyhow!("manifest.json: {e}"))?;
    anyhow::ensure!(
        manifest.format == 1,
        "unknown backup format {}",
        manifest.format
    );
    let progress = bar(manifest.files.len() as u64, "files checked");
    for entry in &manifest.files {
        anyhow::ensure!(
            !entry.path.contains(".."),
            "manifest path {} leaves the backup",
            entry.path
        );
        let (sha256, bytes) = hash_file(&from.join(&entry.path))
            .map_err(|e| anyhow::anyhow!("{}: {e}", entry.path))?;
        if sha256 != entry.sha256 || bytes != entry.bytes {
            progress.abandon();
            anyhow::bail!(
                "refusing to restore: {} does not match its checksum in the manifest",
                entry.path
            );
        }
        progress.inc(1);
    }
    progress.finish_and_clear();

    let url = settings.database_url();
    match manifest.backend.as_str() {
        "sqlite" => {
            let target = sqlite_path(&url)?;
            if target.exists() && !force {
                anyhow::bail!(
                    "{} exists: stop the server and pass --force to replace it",
                    target.display()
                );
            }
            if let Some(dir) = target.parent() {
                std::fs::create_dir_all(dir)?;
            }
            for suffix in ["-wal", "-shm"] {
                let side = PathBuf::from(format!("{}{suffix}", target.display()));
                if side.exists() {
                    std::fs::remove_file(side)?;
                }
            }
            let tmp = target.with_extension("restoring");
            std::fs::copy(from.join(SQLITE_FILE), &tmp)?;
            std::fs::rename(&tmp, &target)?;
        }
        "postgres" => {
            let status = std::process::Command::new("pg_restore")
                .args(["--clean", "--if-exists", "--no-owner", "--dbname", &url])
                .arg(from.join(PG_FILE))
                .status()
                .map_err(|e| anyhow::anyhow!("pg_restore: {e}"))?;
            anyhow::ensure!(status.success(), "pg_restore failed: {status}");
        }
        other => anyhow::bail!("unknown backend {other} in the manifest"),
    }
    let state = open_state(settings, Clock::System).await?;
    let blobs: Vec<&FileEntry> = manifest
        .files
        .iter()
        .filter(|f| f.path.starts_with("blobs/"))
        .collect();
    let progress = bar(blobs.len() as u64, "blobs restored");
    for entry in &blobs {
        let expected = BlobId::parse(entry.path.trim_start_matches("blobs/"))?;
        restore_blob(state.blobs.as_ref(), &from.join(&entry.path), &expected)
            .await
            .map_err(|e| anyhow::anyhow!("{}: {e}", entry.path))?;
        progress.inc(1);
    }
    progress.finish_and_clear();
    println!(
        "restored database and {} blobs from {}",
        blobs.len(),
        from.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Streams one blob out of the store into `dest`, hashing what is written. `open` verifies the
/// blob against its name as it reads, so a damaged blob stops the backup (its error surfaces
/// on the last read) instead of being copied. Returns the file's SHA-256 and length.
async fn stream_blob_to_file(
    blobs: &dyn BlobStore,
    id: &BlobId,
    dest: &Path,
) -> anyhow::Result<(String, u64)> {
    let mut reader = blobs.open(id).await?;
    let mut file = tokio::fs::File::create(dest).await?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; COPY_BUFFER];
    let mut len = 0u64;
    loop {
        let n = reader
            .read(&mut buf)
            .await
            .map_err(roadwarden_blob::BlobError::from)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        file.write_all(&buf[..n]).await?;
        len += n as u64;
    }
    file.sync_all().await?;
    Ok((hex::encode(hasher.finalize()), len))
}

/// Streams one backed-up blob into the store under the name the manifest gives it; bytes that
/// hash to anything else are refused and nothing is stored. (`put` rather than `put_file`:
/// `put_file` consumes its source, and the backup must stay intact.) A blob the store already
/// holds is read through and left as it is.
async fn restore_blob(blobs: &dyn BlobStore, src: &Path, expected: &BlobId) -> anyhow::Result<()> {
    let file = tokio::fs::File::open(src).await?;
    blobs.put(Box::pin(file), Some(expected)).await?;
    Ok(())
}

/// One read or write step when streaming a blob.
const COPY_BUFFER: usize = 1 << 20;

fn sqlite_path(url: &str) -> anyhow::Result<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .ok_or_else(|| {
            anyhow::anyhow!("the backup is of SQLite but the configured database is not")
        })?;
    Ok(PathBuf::from(rest.split('?').next().unwrap_or(rest)))
}
