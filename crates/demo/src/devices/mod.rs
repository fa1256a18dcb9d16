//! Demo devices: a Changxing ledger of cameras already in service (imported with their history),
//! devices walked through every lifecycle state by the demo's own people, and a year of patrols
//! and faults so the DEV-11 report, the clean-up list and the alerts have something to show.

mod ledger;
mod proposals;
mod upkeep;

use roadwarden_domain::org::UnitPath;
use roadwarden_server::auth::Principal;
use roadwarden_server::services::devices::deadlines;
use roadwarden_server::{AppState, Settings};
use roadwarden_store::units::Unit;
use roadwarden_store::{devices, units};

use crate::seed::principal;

/// The demo's people who act on devices (made by `org::seed`).
struct People {
    /// The squad's device manager: proposes devices, suspends one.
    manager: Principal,
    /// The county's device manager: patrols, faults and operations.
    county_manager: Principal,
    tech: Principal,
    legal: Principal,
    opinion: Principal,
    /// The city's supervisor: warns and cuts off.
    supervisor: Principal,
}

impl People {
    async fn load(state: &AppState) -> anyhow::Result<People> {
        Ok(People {
            manager: principal(state, "zc.device").await?,
            county_manager: principal(state, "cx.device").await?,
            tech: principal(state, "cx.tech").await?,
            legal: principal(state, "cx.legal").await?,
            opinion: principal(state, "cx.opinion").await?,
            supervisor: principal(state, "hz.supervisor").await?,
        })
    }
}

/// Seeds the devices after the organisation; returns how many devices there are.
pub async fn seed(state: &AppState, settings: &Settings) -> anyhow::Result<usize> {
    let today = state.clock.now().date_naive();
    ledger::import_ledgers(state, today).await?;
    let people = People::load(state).await?;
    let squad = unit(state, "330522-01").await?;
    proposals::at_every_review_step(state, &people, &squad).await?;
    proposals::walked_to_formal_use(settings, &people, &squad).await?;
    upkeep::supervision(state, &people).await?;
    upkeep::patrols_and_faults(state, &people, &squad).await?;
    deadlines::check_calibrations(state).await?;
    deadlines::build_cleanup_list(state).await?;
    count(state).await
}

async fn unit(state: &AppState, code: &str) -> anyhow::Result<Unit> {
    let mut tx = state.store.begin_read().await?;
    units::get_by_code(&mut tx, code)
        .await?
        .ok_or_else(|| anyhow::anyhow!("unit {code}"))
}

/// Every device, in every state.
async fn count(state: &AppState) -> anyhow::Result<usize> {
    let mut tx = state.store.begin_read().await?;
    let by_state = devices::count_by_state(&mut tx, &UnitPath::from_stored("/".into())).await?;
    Ok(by_state.iter().map(|(_, n)| *n as usize).sum())
}
