//! `roadwarden ferry` (SHR-05): the gateway ferry from the console. `public-key` prints the
//! key the other side needs to trust our packages; `pass` sends what is due and imports what
//! the gateway brought back, at once instead of at the next `outside_outbox` run; `answer`
//! seals an answer the way the other side must, for a drill or for a partner without tools.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use roadwarden_server::services::outside::ferry::{self, package};
use roadwarden_server::services::signing_key;
use roadwarden_server::Settings;

#[derive(Subcommand)]
pub enum FerryCommand {
    /// Print this installation's ferry public key (made on first use): give it to the other
    /// side, which imports only packages signed by it.
    PublicKey,
    /// Import the answers waiting in every `ferry_in` folder, then send and read back what is
    /// due; print what happened.
    Pass,
    /// Seal an answer package with a signing key file (the other side's tool): it answers our
    /// package `--reply-to` with the JSON in `--body`, written into `--out`.
    Answer {
        /// The signing key file (32-byte seed in hex; made if missing).
        #[arg(long)]
        key: PathBuf,
        /// The outside system: civility_credit, party_index or grassroots.
        #[arg(long)]
        system: String,
        /// The id of the package it answers.
        #[arg(long)]
        reply_to: String,
        /// A JSON file: `{"state": "done" | "applied" | "refused" | "pending", …}`.
        #[arg(long)]
        body: PathBuf,
        /// The folder to write into (the gateway's side of our `ferry_in`).
        #[arg(long)]
        out: PathBuf,
    },
}

pub async fn run(settings: Settings, cmd: FerryCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        FerryCommand::PublicKey => {
            let key = ferry::our_key(&settings)?;
            println!("{}", hex::encode(key.verifying_key().as_bytes()));
            eprintln!("key file: {}", ferry::key_path(&settings).display());
            Ok(ExitCode::SUCCESS)
        }
        FerryCommand::Pass => {
            let state =
                roadwarden_server::open_state(settings, roadwarden_server::Clock::System).await?;
            let report = Box::pin(roadwarden_server::services::outside::drain(&state)).await?;
            println!("{report:#?}");
            Ok(ExitCode::SUCCESS)
        }
        FerryCommand::Answer {
            key,
            system,
            reply_to,
            body,
            out,
        } => {
            let key = signing_key::load_or_create(&key)?;
            let bytes = std::fs::read(&body)?;
            let parsed: serde_json::Value = serde_json::from_slice(&bytes)
                .map_err(|e| anyhow::anyhow!("{}: not JSON: {e}", body.display()))?;
            if !parsed.is_object() {
                anyhow::bail!("{}: the answer must be a JSON object", body.display());
            }
            let id = format!("{system}-answer-{}", uuid::Uuid::new_v4().simple());
            let sealed = package::Package::seal(
                &key,
                &id,
                &system,
                package::PackageKind::Answer,
                &reply_to,
                roadwarden_server::Clock::System.now(),
                &bytes,
            );
            let path = ferry::write_package(&out, &sealed)?;
            println!("{}", path.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}
