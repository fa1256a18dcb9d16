//! SUP-02, SUP-03, AUD-09 *(config)*: the analysis' thresholds, the check list's periods and
//! the complaints' answer time. The monthly run's day of the month is its cron string,
//! `jobs.schedules.supervision_monthly` (by default 01:30 UTC on the 2nd: the month before).

use roadwarden_domain::supervision::analysis::Thresholds;
use roadwarden_domain::supervision::checklist::ListConfig;
use roadwarden_domain::supervision::complaint::ComplaintConfig;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SupervisionSettings {
    pub thresholds: Thresholds,
    pub list: ListConfig,
    pub complaints: ComplaintConfig,
}
