//! SUP-01..03, SUP-06, SUP-07, AUD-09: supervision of devices as a working loop. `analysis`
//! runs the monthly (or on-demand) screening and raises check-list items; `items` is the check
//! and rectification list (warnings, each step, the circuit breaker); `complaints` registers
//! and answers complaints; `escalation` is the daily job for what is overdue. The pure rules
//! are in `roadwarden_domain::supervision`; the device lifecycle's own steps (SUP-04..06) are
//! taken through `services::devices::lifecycle::run_step`.

pub mod analysis;
pub mod complaints;
pub mod escalation;
pub mod items;
pub mod pages;
pub mod views;

use roadwarden_domain::device::SuspensionReason;
use roadwarden_domain::org::UnitPath;
use roadwarden_domain::roles::Role;
use roadwarden_domain::supervision::checklist::{Actor as ListActor, Item};
use roadwarden_domain::UserId;
use roadwarden_store::supervision::CheckItem;

use crate::auth::Principal;
use crate::error::AppResult;

/// The person as the list's rules see them: who, acting for which unit.
pub(crate) fn list_actor(p: &Principal) -> ListActor {
    ListActor {
        user: p.user.id,
        unit: p.scope().clone(),
    }
}

/// The stored item as the domain's rules read it.
pub(crate) fn domain_item(row: &CheckItem) -> AppResult<Item> {
    Ok(Item {
        state: row.state,
        origin: row.origin,
        device_unit: UnitPath::from_stored(row.device_unit_path.clone()),
        raised_by_unit: UnitPath::from_stored(row.raised_unit_path.clone()),
        raised_by: row.raised_by.map(UserId),
        raised_on: row.raised_on,
        deadline: row.deadline,
        planned_by: row.planned_by.map(UserId),
        fixed_by: row.fixed_by.map(UserId),
        suspended_for: row
            .suspended_for
            .as_deref()
            .map(SuspensionReason::parse)
            .transpose()?,
        progress_percent: u8::try_from(row.progress_percent.clamp(0, 100)).unwrap_or(0),
    })
}

pub(crate) fn require(p: &Principal, roles: &[Role], what: &str) -> AppResult<()> {
    crate::services::evidence::require(p, roles, what)
}
