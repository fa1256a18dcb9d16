//! `roadwarden blobs`: move every blob to another store (a switch from the local folder to
//! S3-compatible storage, or back), and re-read every blob to check it.
//!
//! The source is always the store the configuration in effect names. The target is one of:
//! - `--to fs:/some/dir`: a local folder (laid out as the `blobs` folder under `data_dir`);
//! - `--to s3`: the `blobs.s3_*` settings in effect (`roadwarden.toml` or
//!   `ROADWARDEN__BLOBS__S3_*`), while `blobs.backend` still names the source;
//! - `--to-config new.toml`: the `[blobs]` section of another configuration file (the one the
//!   server will run with next), read as written, without environment overrides.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use roadwarden_blob::{BlobError, BlobStore, FsStore};
use roadwarden_server::app::open_blobs;
use roadwarden_server::config::BlobSettings;
use roadwarden_server::Settings;

#[derive(Subcommand)]
pub enum BlobsCommand {
    /// Copy every blob from the configured store to another one, checking each blob's hash on
    /// the way and re-reading it from the target. Blobs the target already holds are only
    /// checked there, so an interrupted copy can simply be run again.
    Copy {
        /// The target: `fs:<dir>`, or `s3` for the `blobs.s3_*` settings in effect.
        #[arg(
            long,
            conflicts_with = "to_config",
            required_unless_present = "to_config"
        )]
        to: Option<String>,
        /// The target is the blob store of this configuration file.
        #[arg(long)]
        to_config: Option<PathBuf>,
    },
    /// Re-read every blob of the configured store and check it against its hash.
    Verify,
}

pub async fn run(settings: Settings, cmd: BlobsCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        BlobsCommand::Copy { to, to_config } => {
            let target = Target::from_flags(to.as_deref(), to_config.as_deref())?;
            copy(&settings, &target).await
        }
        BlobsCommand::Verify => verify(&settings).await,
    }
}

/// Where `blobs copy` writes.
#[derive(Debug)]
enum Target {
    Fs(PathBuf),
    /// The settings naming an S3 store.
    S3,
    /// The blob store of another configuration.
    Config(Box<Settings>),
}

impl Target {
    fn from_flags(to: Option<&str>, to_config: Option<&Path>) -> anyhow::Result<Self> {
        match (to, to_config) {
            (_, Some(file)) => {
                let text = std::fs::read_to_string(file)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
                let settings: Settings = toml::from_str(&text)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
                Ok(Self::Config(Box::new(settings)))
            }
            (Some("s3"), None) => Ok(Self::S3),
            (Some(t), None) => match t.strip_prefix("fs:") {
                Some(dir) if !dir.is_empty() => Ok(Self::Fs(PathBuf::from(dir))),
                _ => anyhow::bail!("--to is fs:<dir> or s3, not '{t}'"),
            },
            (None, None) => anyhow::bail!("name the target with --to or --to-config"),
        }
    }
}

/// A store's identity, to refuse copying a store onto itself.
fn describe(settings: &Settings) -> String {
    describe_blobs(&settings.blobs, &settings.blob_dir())
}

fn describe_blobs(b: &BlobSettings, fs_dir: &Path) -> String {
    match b.backend.as_str() {
        "s3" => format!(
            "s3 {}/{} ({})",
            b.s3_bucket,
            b.s3_prefix.trim_matches('/'),
            if b.s3_endpoint.is_empty() {
                "AWS"
            } else {
                &b.s3_endpoint
            }
        ),
        _ => format!(
            "fs {}",
            std::fs::canonicalize(fs_dir)
                .or_else(|_| std::path::absolute(fs_dir))
                .unwrap_or_else(|_| fs_dir.to_owned())
                .display()
        ),
    }
}

/// A target made concrete: a local folder, or the blob settings of a configuration.
enum Resolved {
    Fs(PathBuf),
    Store(Box<Settings>),
}

impl Resolved {
    fn new(settings: &Settings, target: &Target) -> anyhow::Result<Self> {
        match target {
            Target::Fs(dir) => Ok(Self::Fs(dir.clone())),
            Target::S3 => {
                let mut s = settings.clone();
                s.blobs.backend = "s3".into();
                anyhow::ensure!(
                    !s.blobs.s3_bucket.is_empty(),
                    "--to s3 needs blobs.s3_bucket (and the other s3_* settings), e.g. \
                     ROADWARDEN__BLOBS__S3_BUCKET"
                );
                Ok(Self::Store(Box::new(s)))
            }
            Target::Config(other) => Ok(Self::Store(other.clone())),
        }
    }

    fn name(&self) -> String {
        match self {
            Self::Fs(dir) => describe_blobs(&BlobSettings::default(), dir),
            Self::Store(s) => describe(s),
        }
    }

    async fn open(&self) -> anyhow::Result<Arc<dyn BlobStore>> {
        match self {
            Self::Fs(dir) => Ok(Arc::new(FsStore::open(dir.clone()).await?)),
            Self::Store(s) => open_blobs(s).await,
        }
    }
}

async fn copy(settings: &Settings, target: &Target) -> anyhow::Result<ExitCode> {
    let source_name = describe(settings);
    let target = Resolved::new(settings, target)?;
    let target_name = target.name();
    // Checked before either store is opened (opening a folder store tidies its tmp/).
    anyhow::ensure!(
        source_name != target_name,
        "the target is the configured store itself ({source_name})"
    );
    let to = target.open().await?;
    let from = open_blobs(settings).await?;
    println!("copying blobs from {source_name} to {target_name}");
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} blobs copied and verified ({eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let progress = {
        let bar = bar.clone();
        move |done: u64, total: u64| {
            bar.set_length(total);
            bar.set_position(done);
        }
    };
    let report = roadwarden_blob::copy_all(from.as_ref(), to.as_ref(), &progress).await;
    bar.finish_and_clear();
    let report = report.map_err(|e| {
        anyhow::anyhow!("copy stopped: {e} (what was copied stays; run the command again)")
    })?;
    println!(
        "copied {} blobs ({} bytes); {} were already there; every blob in the target verified",
        report.copied, report.bytes, report.already_present
    );
    println!("to switch, point blobs.backend (and its settings) at {target_name}");
    Ok(ExitCode::SUCCESS)
}

async fn verify(settings: &Settings) -> anyhow::Result<ExitCode> {
    let store = open_blobs(settings).await?;
    let ids = store.list().await?;
    let bar = ProgressBar::new(ids.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} blobs verified ({eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut bytes = 0u64;
    let mut bad = Vec::new();
    for id in &ids {
        match store.verify(id).await {
            Ok(len) => bytes += len,
            // A damaged blob is named and the check goes on, so one run finds them all.
            Err(e @ (BlobError::Corrupt(_) | BlobError::NotFound(_))) => {
                bar.suspend(|| println!("  {id}: {e}"));
                bad.push(id.clone());
            }
            Err(e) => {
                bar.abandon();
                return Err(anyhow::anyhow!("blob {id}: {e}"));
            }
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    if bad.is_empty() {
        println!(
            "{} blobs ({bytes} bytes) in {} verified: every one matches its hash",
            ids.len(),
            describe(settings)
        );
        Ok(ExitCode::SUCCESS)
    } else {
        println!(
            "{} of {} blobs in {} do NOT match their hash (listed above)",
            bad.len(),
            ids.len(),
            describe(settings)
        );
        Ok(ExitCode::from(2))
    }
}
