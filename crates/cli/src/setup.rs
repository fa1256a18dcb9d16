//! Console commands for bootstrapping an installation: units, the first administrator, and
//! verifying the audit chain. They act as the operator (`cli` in the audit trail).

use std::process::ExitCode;

use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use roadwarden_domain::UserId;
use roadwarden_server::context::RequestMeta;
use roadwarden_server::services::accounts::{self, AccountAction, AgreementInput, CreateUserInput};
use roadwarden_server::services::checkpoints;
use roadwarden_server::services::units::{self, CreateUnitInput};
use roadwarden_server::services::Authority;
use roadwarden_server::{open_state, Clock, Settings};
use roadwarden_store::units as unit_store;

#[derive(Subcommand)]
pub enum UnitCommand {
    /// Create a unit. Without --parent it is the root of a tree (a province).
    Create {
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
        /// province, city, county or squad.
        #[arg(long)]
        level: String,
        /// police, legal_department, technology_department, village, …
        #[arg(long, default_value = "police")]
        kind: String,
        /// CN or VN (required for a root unit).
        #[arg(long)]
        country: Option<String>,
        /// Code of the parent unit.
        #[arg(long)]
        parent: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum UserCommand {
    /// Create an account and print its temporary password (changed at first sign-in).
    Create {
        /// Code of the unit the person belongs to.
        #[arg(long)]
        unit: String,
        #[arg(long)]
        username: String,
        #[arg(long)]
        full_name: String,
        #[arg(long)]
        id_number: String,
        #[arg(long, default_value = "police_officer")]
        person_kind: String,
        #[arg(long)]
        badge_number: Option<String>,
        /// A role to grant; repeat for several (e.g. --role admin).
        #[arg(long = "role")]
        roles: Vec<String>,
        /// SEC-04: the filing reference of the signed confidentiality agreement, for operators.
        #[arg(long)]
        agreement_ref: Option<String>,
        /// The date the agreement was signed (YYYY-MM-DD).
        #[arg(long)]
        agreement_signed: Option<String>,
    },
}

pub async fn unit(settings: Settings, cmd: UnitCommand) -> anyhow::Result<ExitCode> {
    let UnitCommand::Create {
        code,
        name,
        level,
        kind,
        country,
        parent,
    } = cmd;
    let state = open_state(settings, Clock::System).await?;
    let parent_id = match parent {
        Some(p) => {
            let mut tx = state.store.begin_read().await?;
            let unit = unit_store::get_by_code(&mut tx, &p.to_ascii_uppercase())
                .await?
                .ok_or_else(|| anyhow::anyhow!("no unit with code {p}"))?;
            Some(unit.id.0)
        }
        None => None,
    };
    let input = CreateUnitInput {
        parent_id,
        code,
        name,
        level,
        kind,
        country,
        time_zone: None,
        contact_phone: None,
    };
    let unit =
        units::create_unit(&state, Authority::Operator, &RequestMeta::default(), &input).await?;
    println!("created unit {} ({}), id {}", unit.name, unit.code, unit.id);
    Ok(ExitCode::SUCCESS)
}

pub async fn user(settings: Settings, cmd: UserCommand) -> anyhow::Result<ExitCode> {
    let UserCommand::Create {
        unit,
        username,
        full_name,
        id_number,
        person_kind,
        badge_number,
        roles,
        agreement_ref,
        agreement_signed,
    } = cmd;
    let state = open_state(settings, Clock::System).await?;
    let unit_id = {
        let mut tx = state.store.begin_read().await?;
        unit_store::get_by_code(&mut tx, &unit.to_ascii_uppercase())
            .await?
            .ok_or_else(|| anyhow::anyhow!("no unit with code {unit}"))?
            .id
    };
    let input = CreateUserInput {
        unit_id: unit_id.0,
        username,
        full_name,
        id_number,
        phone: None,
        person_kind,
        badge_number,
        roles,
        password: None,
        language: None,
    };
    let meta = RequestMeta::default();
    // SEC-03: only the first operator of a tree; everything after is granted step by step.
    let created = accounts::create_first_operator(&state, &meta, &input).await?;
    let id: UserId = created.user.id;
    if let (Some(reference), Some(signed_on)) = (agreement_ref, agreement_signed) {
        let agreement = AgreementInput {
            kind: "confidentiality".into(),
            reference,
            signed_on,
        };
        accounts::file_agreement(&state, Authority::Operator, &meta, id, &agreement).await?;
        accounts::change_standing(
            &state,
            Authority::Operator,
            &meta,
            id,
            AccountAction::Activate,
        )
        .await?;
    }
    let user = {
        let mut tx = state.store.begin_read().await?;
        roadwarden_store::users::get(&mut tx, id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("vanished"))?
    };
    println!(
        "created account {} ({}), status {}",
        user.username,
        user.full_name,
        user.status.as_str()
    );
    if let Some(p) = created.temporary_password {
        println!("temporary password (shown once; must be changed at first sign-in): {p}");
    }
    if user.status.as_str() == "pending" {
        println!("SEC-04: the account stays pending until its agreement is filed (--agreement-ref, --agreement-signed).");
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn audit_verify(
    settings: Settings,
    witness: Option<&std::path::Path>,
) -> anyhow::Result<ExitCode> {
    let state = open_state(settings, Clock::System).await?;
    let total = {
        let mut tx = state.store.begin_read().await?;
        roadwarden_store::audit::count(&mut tx).await?
    };
    let bar = ProgressBar::new(u64::try_from(total).unwrap_or(0));
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} entries ({per_sec})")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let started = std::time::Instant::now();
    let anchored = checkpoints::verify(&state, witness, |n| bar.set_position(n)).await?;
    bar.finish_and_clear();
    let secs = started.elapsed().as_secs_f64();
    let report = &anchored.chain;
    for why in &anchored.bad_checkpoints {
        println!("checkpoint NOT TRUSTED: {why}");
    }
    let broken = if let Some((seq, why)) = &report.first_break {
        println!(
            "audit chain BROKEN at entry {seq}: {why:?} ({} entries before it verify)",
            report.checked
        );
        true
    } else if let Some(seq) = report.checkpoint_mismatch {
        println!(
            "audit chain BROKEN: entry {seq} no longer has the hash signed in checkpoint {seq} \
             (an entry at or before it was altered and the chain rehashed)"
        );
        true
    } else if let Some(seq) = report.ends_before_checkpoint {
        println!(
            "audit chain BROKEN: the log ends at entry {} but checkpoint {seq} was signed for \
             entry {seq} (entries were removed from the end)",
            report.checked
        );
        true
    } else if report.head_mismatch {
        println!(
            "audit chain BROKEN: the head says entry {} but the log ends at {} entries (entries were removed from the end)",
            report.head_seq, report.checked
        );
        true
    } else {
        false
    };
    if broken || !anchored.bad_checkpoints.is_empty() {
        return Ok(ExitCode::from(2));
    }
    println!(
        "audit chain intact: {} entries verified in {secs:.2} s ({:.0}/s), against {} signed checkpoints",
        report.checked,
        report.checked as f64 / secs.max(1e-9),
        anchored.checkpoints
    );
    Ok(ExitCode::SUCCESS)
}

/// `roadwarden audit checkpoints`: the signed checkpoints, optionally signing one now and
/// exporting them for a witness.
pub async fn audit_checkpoints(
    settings: Settings,
    sign: bool,
    export: Option<&std::path::Path>,
) -> anyhow::Result<ExitCode> {
    let state = open_state(settings, Clock::System).await?;
    if sign {
        match checkpoints::write(&state).await? {
            Some(c) => println!(
                "signed checkpoint {} ({})",
                c.checkpoint.seq, c.checkpoint.hash
            ),
            None => println!("nothing new to sign"),
        }
    }
    let mut bad = Vec::new();
    let all = checkpoints::stored(&state, &mut bad).await?;
    for c in &all {
        let at = chrono::DateTime::from_timestamp_micros(c.checkpoint.at_micros)
            .map(|t| t.to_rfc3339())
            .unwrap_or_default();
        println!(
            "{:>10}  {at}  {}  key {}",
            c.checkpoint.seq, c.checkpoint.hash, c.checkpoint.key_id
        );
    }
    for why in &bad {
        println!("NOT READABLE: {why}");
    }
    if let Some(out) = export {
        let (n, _) = checkpoints::export(&state, out).await?;
        println!("{n} checkpoints written to {}", out.display());
    }
    Ok(if bad.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}
