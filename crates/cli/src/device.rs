//! `roadwarden device import`: bring a ledger of devices already in service into the registry,
//! from the console, with a progress bar. Bad rows are listed with their line and reason.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use roadwarden_server::context::RequestMeta;
use roadwarden_server::services::devices::ledger::{self, ImportOptions};
use roadwarden_server::services::Authority;
use roadwarden_server::{open_state, Clock, Settings};

#[derive(Subcommand)]
pub enum DeviceCommand {
    /// Import a ledger (CSV in UTF-8 or GBK, or XLSX). Nothing is imported if any row is bad,
    /// unless --skip-bad-rows is given.
    Import {
        file: PathBuf,
        #[arg(long)]
        skip_bad_rows: bool,
    },
}

pub async fn run(settings: Settings, cmd: DeviceCommand) -> anyhow::Result<ExitCode> {
    let DeviceCommand::Import {
        file,
        skip_bad_rows,
    } = cmd;
    let bytes =
        std::fs::read(&file).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
    let state = open_state(settings, Clock::System).await?;
    let bar = ProgressBar::new(1);
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({eta})")?.progress_chars("=> "),
    );
    bar.set_message("checking and importing");
    let progress = {
        let bar = bar.clone();
        move |done: usize, total: usize| {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        }
    };
    let name = file
        .file_name()
        .map_or_else(|| "ledger".into(), |n| n.to_string_lossy().into_owned());
    let report = ledger::import(
        &state,
        Authority::Operator,
        &RequestMeta::default(),
        &name,
        &bytes,
        ImportOptions { skip_bad_rows },
        &progress,
    )
    .await?;
    bar.finish_and_clear();
    state.store.close().await;
    println!(
        "{name}: {} rows ({}), sha256 {}",
        report.rows, report.encoding, report.sha256
    );
    for e in &report.errors {
        println!("  line {:>5}  {:<22} {}", e.line, e.field, e.reason);
    }
    if report.committed {
        println!(
            "imported {} devices, skipped {} rows; recorded in the audit chain",
            report.imported, report.skipped
        );
        if report.held_for_review > 0 {
            println!(
                "{} devices came in suspended for review: their rows do not prove the public \
                 notice and the full trial before formal use (DEV-04, DEV-05)",
                report.held_for_review
            );
        }
        Ok(ExitCode::SUCCESS)
    } else {
        println!(
            "nothing imported: fix the rows above, or pass --skip-bad-rows to import the good ones"
        );
        Ok(ExitCode::from(2))
    }
}
