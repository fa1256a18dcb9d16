//! RID: the e-bike safe-riding programme's use cases. `intake` receives the capture points'
//! events (RID-01, RID-03) and sends the spoken warning; `identity` finds the rider's face in
//! the gallery or clusters it (RID-05, RID-06); `tiers` recomputes tiers on each event and
//! nightly (RID-07, RID-08).
//!
//! The desk (RID-05..11, SEC-08): what officers, grid workers and
//! townships do with the files intake builds. `persons` reads files (always for a purpose,
//! audited), `acts` confirms, rejects, merges and splits identities (each act audited; a
//! confirmed match recomputes the tier with the domain's rules), `tasks` runs the task loop
//! and the assessment, `library` imports the face base library with its photos, and
//! `retention` purges face data past its configured retention (SEC-10).

pub mod acts;
pub mod deadlines;
pub mod identity;
pub mod intake;
pub mod library;
pub mod persons;
pub mod public;
pub mod reminders;
pub mod retention;
pub mod screened;
pub mod tasks;
pub mod tiers;

use chrono::{DateTime, Utc};
use roadwarden_domain::codes::Code;
use roadwarden_domain::org::UnitPath;
use roadwarden_domain::rider::assessment::AssessmentConfig;
use roadwarden_domain::rider::TierConfig;
use roadwarden_domain::{RiderPersonId, RuleViolation, UnitId};
use roadwarden_store::riders::persons::{self as person_rows, RiderPerson};
use roadwarden_store::Tx;
use serde_json::Value;

use crate::auth::Principal;
use crate::context::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::policy::{RiderFaceReaders, RiderPhoneReaders, RoleSet};
use crate::services::audit::{record, Actor, Event};
use crate::services::context::ServiceContext;
use crate::views::riders::Audience;

/// SEC-08: what a read of rider data serves. Data serve only traffic order, patrol and
/// enforcement, traffic management and public security; every query names one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    TrafficOrder,
    Enforcement,
    TrafficManagement,
    PublicSecurity,
}

impl Purpose {
    pub const ALL: [Purpose; 4] = [
        Purpose::TrafficOrder,
        Purpose::Enforcement,
        Purpose::TrafficManagement,
        Purpose::PublicSecurity,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::TrafficOrder => "traffic_order",
            Purpose::Enforcement => "enforcement",
            Purpose::TrafficManagement => "traffic_management",
            Purpose::PublicSecurity => "public_security",
        }
    }

    /// The purpose a request names; none (or an unknown one) is refused under SEC-08.
    pub fn named(raw: Option<&str>) -> AppResult<Self> {
        let raw = raw.map(str::trim).unwrap_or_default();
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == raw)
            .ok_or_else(|| {
                RuleViolation::new(
                    "SEC-08",
                    Code::RiderPurposeRequired,
                    "say what the read serves: purpose must be traffic_order, enforcement, \
                     traffic_management or public_security",
                )
                .into()
            })
    }
}

/// RID-08 windows and bands: the site's `[riders.tiers]` (Table 1 by default), the same
/// settings intake and the nightly rebuild use, so every path computes the same tier.
pub(crate) fn tier_config(ctx: &ServiceContext) -> TierConfig {
    ctx.settings.riders.tiers.clone()
}

/// RID-10 c: the assessment's points (the defaults until the programme's settings land).
pub(crate) fn assessment_config() -> AssessmentConfig {
    AssessmentConfig::default()
}

/// Days a grid worker or village has to close a task (RID-11).
pub(crate) const TASK_DAYS: u32 = 7;

pub(crate) fn need<R: RoleSet>(p: &Principal, what: &str) -> AppResult<()> {
    if p.may::<R>() {
        Ok(())
    } else {
        Err(AppError::forbidden(Code::RoleMissing, what.to_owned()))
    }
}

/// What this reader may see of a file (SEC-08, SEC-10).
pub(crate) fn audience(p: &Principal) -> Audience {
    Audience {
        contact: p.may::<RiderPhoneReaders>(),
        faces: p.may::<RiderFaceReaders>(),
    }
}

/// A file in the reader's units (ORG-02), or "not found" so its existence does not leak.
pub(crate) async fn person_in_scope(
    tx: &mut Tx,
    p: &Principal,
    id: RiderPersonId,
) -> AppResult<RiderPerson> {
    person_rows::get(tx, id)
        .await?
        .filter(|r| p.covers(&UnitPath::from_stored(r.unit_path.clone())))
        .ok_or(AppError::NotFound("person"))
}

/// One audit entry about a rider file or event (SEC-05, SEC-08).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn audit(
    tx: &mut Tx,
    p: &Principal,
    meta: &RequestMeta,
    action: &str,
    object_type: &str,
    object_id: i64,
    unit: Option<UnitId>,
    detail: Value,
    now: DateTime<Utc>,
) -> AppResult<()> {
    record(
        tx,
        &Actor::user(p, meta),
        Event {
            action,
            object_type,
            object_id: object_id.to_string(),
            unit_id: unit.or(Some(p.user.unit_id)),
            detail,
        },
        now,
    )
    .await?;
    Ok(())
}
