//! `roadwarden`: the one binary an operator runs.

mod backup;
mod blobs;
mod device;
mod evidence;
mod ferry;
mod logging;
mod serve;
mod setup;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "roadwarden",
    version,
    about = "Supervision of traffic-enforcement technology"
)]
struct Cli {
    /// Configuration file (default: ./roadwarden.toml if present).
    #[arg(long, global = true, env = "ROADWARDEN_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server.
    Serve {
        /// Address to listen on (overrides server.bind).
        #[arg(long)]
        bind: Option<String>,
    },
    /// Make a demo data directory with a realistic organisation, print logins, and serve it.
    Demo {
        #[arg(long, default_value = "roadwarden-demo")]
        data_dir: PathBuf,
        #[arg(long, default_value = "127.0.0.1:8080")]
        bind: String,
        /// Delete the demo data directory first and seed it again (new passwords).
        #[arg(long)]
        reset: bool,
        /// Seed and print the logins, but do not start the server.
        #[arg(long)]
        no_serve: bool,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Manage units from the console (bootstrapping a new installation).
    #[command(subcommand)]
    Unit(setup::UnitCommand),
    /// Manage accounts from the console (the first administrator).
    #[command(subcommand)]
    User(setup::UserCommand),
    /// The audit chain.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Enforcement devices: import a ledger.
    #[command(subcommand)]
    Device(device::DeviceCommand),
    /// Body-worn recorder footage: import a docking-station folder.
    #[command(subcommand)]
    Evidence(evidence::EvidenceCommand),
    /// The blob store (images and footage): copy to another store, verify every blob.
    #[command(subcommand)]
    Blobs(blobs::BlobsCommand),
    /// The gateway ferry to systems on other networks (SHR-05): our public key, a pass now,
    /// sealing an answer.
    #[command(subcommand)]
    Ferry(ferry::FerryCommand),
    /// Configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Write a consistent online backup of the database and every blob (streamed). Unfinished
    /// uploads are not included: they resume from the recorder.
    Backup {
        /// A new, empty directory to write into.
        #[arg(long)]
        out: PathBuf,
    },
    /// Restore a backup after checking every checksum in its manifest.
    Restore {
        #[arg(long)]
        from: PathBuf,
        /// Replace an existing database.
        #[arg(long)]
        force: bool,
    },
    /// Push realistic capture traffic from devices to a running server (ISAPI and JSON), at a
    /// chosen rate, and summarise what it answered.
    Simulate(roadwarden_demo::simulate::SimulateArgs),
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute the hash chain, check it against the signed checkpoints, and name the first
    /// broken entry or checkpoint.
    Verify {
        /// Also check against a witness's copy of the checkpoints (JSON lines).
        #[arg(long)]
        witness: Option<PathBuf>,
    },
    /// List the signed checkpoints; sign one of the chain as it ends now with --sign; write
    /// them all for a witness with --export FILE.
    Checkpoints {
        #[arg(long)]
        sign: bool,
        #[arg(long)]
        export: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Print the commented example configuration.
    Example,
    /// Print the configuration in effect (secrets hidden).
    Show,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    // Boxed: the commands' future holds the settings and grows with every section.
    match Box::pin(run(cli)).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<std::process::ExitCode> {
    use std::process::ExitCode;
    let load = || {
        roadwarden_server::Settings::load(cli.config.as_deref())
            .map_err(|e| anyhow::anyhow!("configuration: {e}"))
    };
    match cli.command {
        Command::Config(ConfigCommand::Example) => {
            print!("{}", roadwarden_server::config::EXAMPLE);
            Ok(ExitCode::SUCCESS)
        }
        Command::Config(ConfigCommand::Show) => {
            println!("{:#?}", load()?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve { bind } => {
            let mut settings = load()?;
            if let Some(b) = bind {
                settings.server.bind = b;
            }
            logging::init(&settings.log);
            serve::run(settings, None).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo {
            data_dir,
            bind,
            reset,
            no_serve,
        } => {
            let mut settings = load()?;
            settings.data_dir = data_dir;
            settings.server.bind = bind;
            Box::pin(demo(settings, reset, no_serve)).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate => {
            let settings = load()?;
            let state =
                roadwarden_server::open_state(settings, roadwarden_server::Clock::System).await?;
            println!("migrations applied ({:?})", state.store.backend());
            Ok(ExitCode::SUCCESS)
        }
        Command::Unit(cmd) => setup::unit(load()?, cmd).await,
        Command::User(cmd) => setup::user(load()?, cmd).await,
        Command::Audit(AuditCommand::Verify { witness }) => {
            setup::audit_verify(load()?, witness.as_deref()).await
        }
        Command::Audit(AuditCommand::Checkpoints { sign, export }) => {
            setup::audit_checkpoints(load()?, sign, export.as_deref()).await
        }
        Command::Device(cmd) => device::run(load()?, cmd).await,
        Command::Evidence(cmd) => evidence::run(load()?, cmd).await,
        Command::Blobs(cmd) => blobs::run(load()?, cmd).await,
        Command::Ferry(cmd) => ferry::run(load()?, cmd).await,
        Command::Backup { out } => backup::backup(load()?, &out).await,
        Command::Restore { from, force } => backup::restore(load()?, &from, force).await,
        Command::Simulate(args) => roadwarden_demo::simulate::main(args).await,
    }
}

/// `roadwarden demo`: seed the demo data directory when it is new, then serve it with the
/// logins printed once the address is known.
async fn demo(
    mut settings: roadwarden_server::Settings,
    reset: bool,
    no_serve: bool,
) -> anyhow::Result<()> {
    let prepared = roadwarden_demo::prepare(&mut settings, reset).await?;
    if no_serve {
        prepared.print_banner("");
        return Ok(());
    }
    logging::init(&settings.log);
    serve::run(settings, Some(&|url: &str| prepared.print_banner(url))).await
}
