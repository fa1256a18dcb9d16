//! RID-13: the figures the cockpit shows, as plain values (no I/O), so the process-wide cache
//! of shared snapshots (`ServiceContext::cockpit`) can hold them without importing the
//! services.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// A count under a name (a device state, an alert kind, a list state).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = CockpitCount)]
pub struct Count {
    pub name: String,
    pub n: i64,
}

/// Waiting items and those of them past their deadline.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = CockpitWaiting)]
pub struct Waiting {
    pub waiting: i64,
    pub overdue: i64,
}

/// BWC-05: footage recorded in the last seven days, and handed in and stored in time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, utoipa::ToSchema)]
#[schema(as = CockpitFootage)]
pub struct FootageCompliance {
    pub files: i64,
    pub in_time: i64,
    /// Percent in time; none without footage (never a division by zero).
    pub percent: Option<f64>,
}

/// RID-13: what the command centre's wall shows.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[schema(as = CockpitSnapshot)]
pub struct Snapshot {
    pub at: DateTime<Utc>,
    pub devices: Vec<Count>,
    pub devices_total: i64,
    pub devices_in_use: i64,
    /// Captures since local midnight.
    pub captures_today: i64,
    pub review: Waiting,
    /// Open check and rectification items by state (`overdue` for those past the deadline).
    pub checks: Vec<Count>,
    pub checks_open: i64,
    pub checks_overdue: i64,
    pub complaints: Waiting,
    /// Unresolved device alerts by kind (the anomaly alerts).
    pub alerts: Vec<Count>,
    pub alerts_total: i64,
    /// Everything past its deadline: reviews, check items, complaints.
    pub overdue_total: i64,
    pub footage: FootageCompliance,
    /// The e-bike programme's figures (`events_today`, `to_confirm`, then rider files by tier
    /// above clear): none until the programme has recorded anything in the scope.
    pub ebikes: Option<Vec<Count>>,
}
