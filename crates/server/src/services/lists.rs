//! What the list services share: the reader's time zone, in which a list's day filters are
//! read, and a unit filter checked against the reader's scope (ORG-02: a unit outside it is
//! "not found", never an empty list that would confirm it exists).

use chrono_tz::Tz;
use roadwarden_domain::org::UnitPath;
use roadwarden_domain::UnitId;
use roadwarden_store::Tx;

use crate::auth::Principal;
use crate::error::{AppError, AppResult};

/// The reader's unit's time zone; Asia/Shanghai if the stored name is not one.
pub(crate) fn reader_time_zone(p: &Principal) -> Tz {
    p.user
        .unit_time_zone
        .parse()
        .unwrap_or(chrono_tz::Asia::Shanghai)
}

/// The path of the unit a list is filtered to, if the reader may see it.
pub(crate) async fn unit_in_scope(
    tx: &mut Tx,
    p: &Principal,
    unit: Option<UnitId>,
) -> AppResult<Option<UnitPath>> {
    let Some(id) = unit else {
        return Ok(None);
    };
    let u = roadwarden_store::units::get(tx, id)
        .await?
        .filter(|u| p.covers(&u.path))
        .ok_or(AppError::NotFound("unit"))?;
    Ok(Some(u.path))
}
