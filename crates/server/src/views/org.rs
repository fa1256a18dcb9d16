//! Views of the organisation: the unit tree (ORG-01..05) and the working-day calendar (TIME-01).

use chrono::{DateTime, Utc};
use roadwarden_domain::calendar::SpecialDay;
use roadwarden_store::units::Unit;
use serde::Serialize;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UnitView {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub code: String,
    pub name: String,
    pub level: String,
    pub kind: String,
    pub country: String,
    pub time_zone: String,
    /// The number owners call about the unit's records (empty when none is given).
    pub contact_phone: String,
    pub depth: usize,
    pub created_at: DateTime<Utc>,
}

impl From<&Unit> for UnitView {
    fn from(u: &Unit) -> Self {
        Self {
            id: u.id.0,
            parent_id: u.parent_id.map(|p| p.0),
            code: u.code.clone(),
            name: u.name.clone(),
            level: u.level.as_str().into(),
            kind: u.kind.as_str().into(),
            country: u.country.code().into(),
            time_zone: u.time_zone.clone(),
            contact_phone: u.contact_phone.clone(),
            depth: u.path.depth(),
            created_at: u.created_at,
        }
    }
}

/// One holiday or make-up working day.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DayView {
    pub date: chrono::NaiveDate,
    pub kind: String,
    pub name: String,
}

impl From<&SpecialDay> for DayView {
    fn from(d: &SpecialDay) -> Self {
        Self {
            date: d.date,
            kind: d.kind.as_str().into(),
            name: d.name.clone(),
        }
    }
}
