//! DAT-01: the units a person acts for on corrections. The technology department carries out
//! the corrections of the bureau it belongs to, but its staff are seated in the department, a
//! unit beside the squads whose records they correct. A technology reviewer seated in a
//! technology department therefore acts for the department's parent unit and everything under
//! it (the same scope it reviews devices in, `review_scope`); everyone else for their own unit.

use roadwarden_domain::device::review::review_scope;
use roadwarden_domain::org::UnitPath;
use roadwarden_store::{units, Tx};

use crate::auth::Principal;
use crate::error::AppResult;
use crate::policy::CorrectionDepartmentActors;

/// The scope `p` reads and acts in for corrections.
pub(crate) async fn acting_scope(tx: &mut Tx, p: &Principal) -> AppResult<UnitPath> {
    if p.may::<CorrectionDepartmentActors>() {
        if let Some(unit) = units::get(tx, p.user.unit_id).await? {
            return Ok(review_scope(&unit.path, unit.kind));
        }
    }
    Ok(p.scope().clone())
}
