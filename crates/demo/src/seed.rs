//! The seeder the demo, the tests (through the testkit) and the benchmarks share: units,
//! accounts and device ledgers made through the same services as the operator's console, and
//! a user to act as without signing in.

use roadwarden_domain::UserId;
use roadwarden_server::auth::{AuthVia, Principal};
use roadwarden_server::context::RequestMeta;
use roadwarden_server::services::accounts::{self, AccountAction, AgreementInput, CreateUserInput};
use roadwarden_server::services::devices::ledger::{self, ImportOptions};
use roadwarden_server::services::units::{self, CreateUnitInput};
use roadwarden_server::services::Authority;
use roadwarden_server::AppState;
use roadwarden_store::units::Unit;
use roadwarden_store::users;

/// Creates a unit as the operator.
pub async fn unit(state: &AppState, input: &CreateUnitInput) -> anyhow::Result<Unit> {
    Ok(units::create_unit(state, Authority::Operator, &RequestMeta::default(), input).await?)
}

/// Creates an account ready to use: no forced password change at the first sign-in, and an
/// administrator has `agreement` (confidentiality) on file and is activated (SEC-04).
pub async fn account(
    state: &AppState,
    input: &CreateUserInput,
    agreement: &AgreementInput,
) -> anyhow::Result<UserId> {
    let meta = RequestMeta::default();
    let created = accounts::create_user(state, Authority::Operator, &meta, input, false).await?;
    let id = created.user.id;
    if input.roles.iter().any(|r| r == "admin") {
        accounts::file_agreement(state, Authority::Operator, &meta, id, agreement).await?;
        let activate = AccountAction::Activate;
        accounts::change_standing(state, Authority::Operator, &meta, id, activate).await?;
    }
    Ok(id)
}

/// `username` as a signed-in user, for calling services in their name.
pub async fn principal(state: &AppState, username: &str) -> anyhow::Result<Principal> {
    let mut tx = state.store.begin_read().await?;
    let user = users::get_by_username(&mut tx, username)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no user {username}"))?;
    let roles = users::roles_of(&mut tx, user.id).await?;
    Ok(Principal {
        user,
        roles,
        session_id: 0,
        csrf_token: String::new(),
        via: AuthVia::Bearer,
        must_change: None,
    })
}

/// Imports a device ledger (CSV) as the operator, all or nothing; a refused ledger is an error
/// naming its problems.
pub async fn import_ledger(state: &AppState, file_name: &str, csv: &str) -> anyhow::Result<()> {
    let report = Box::pin(ledger::import(
        state,
        Authority::Operator,
        &RequestMeta::default(),
        file_name,
        csv.as_bytes(),
        ImportOptions::default(),
        &|_, _| {},
    ))
    .await?;
    anyhow::ensure!(
        report.committed,
        "the ledger {file_name} was refused: {:?}",
        report.errors
    );
    Ok(())
}
