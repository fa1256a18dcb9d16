//! SEC-09: `roadwarden backup` and `roadwarden restore`.
//!
//! A backup directory holds the database (SQLite: a consistent `VACUUM INTO` copy of the live
//! file; PostgreSQL: a `pg_dump` custom-format archive), every blob, and `manifest.json` with
//! the SHA-256 and size of each file. Restore checks every checksum before it touches
//! anything, and refuses a backup that does not match.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use indicatif::{ProgressBar, ProgressStyle};
use roadwarden_server::{open_state, Clock, Settings};
use roadwarden_store::Backend;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

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
    let ids = state.blobs.list().await?;
    let progress = bar(ids.len() as u64, "blobs");
    for id in &ids {
        // `get` verifies the hash: a damaged blob stops the backup instead of being copied.
        let bytes = state.blobs.get(id).await?;
        let rel = format!("blobs/{}", id.as_str());
        std::fs::write(out.join(&rel), bytes)?;
        files.push(rel);
        progress.inc(1);
    }
    progress.finish_and_clear();
    let mut entries = Vec::new();
    for rel in files {
        let (sha256, bytes) = hash_file(&out.join(&rel))?;
        entries.push(FileEntry {
            path: rel,
            sha256,
            bytes,
        });
    }
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
    for entry in &blobs {
        let bytes = std::fs::read(from.join(&entry.path))?;
        let expected = roadwarden_blob::BlobId::parse(entry.path.trim_start_matches("blobs/"))?;
        state
            .blobs
            .put(Box::pin(std::io::Cursor::new(bytes)), Some(&expected))
            .await?;
    }
    println!(
        "restored database and {} blobs from {}",
        blobs.len(),
        from.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn sqlite_path(url: &str) -> anyhow::Result<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .ok_or_else(|| {
            anyhow::anyhow!("the backup is of SQLite but the configured database is not")
        })?;
    Ok(PathBuf::from(rest.split('?').next().unwrap_or(rest)))
}
