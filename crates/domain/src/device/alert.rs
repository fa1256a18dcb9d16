//! What a device alert is about. Jobs and captures raise most of them (DEV-05/06, DEV-13,
//! SUP-05, a device clock that drifts); a supervisor above the device writes the other two by
//! hand (ORG-03: a warning, an order to rectify). Stored as its `as_str()`; a page shows the
//! sentence of its kind (`alert_detail.<kind>`), a hand-written one as it was written.

use serde::{Deserialize, Serialize};

use crate::FieldError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// The device's clock is off (CAP-01), raised with the capture that showed it.
    ClockDrift,
    /// DEV-13: the calibration certificate runs out soon.
    CalibrationExpiring,
    /// SUP-05: suspended for want of a valid calibration certificate.
    CalibrationInvalid,
    /// DEV-04/05: imported in service without the dates that prove its notice and trial.
    FormalUseNotProven,
    /// DEV-06: the effectiveness evaluation is due.
    EvaluationDue,
    /// DEV-05: the minimum trial has run.
    TrialMayEnd,
    /// ORG-03: a supervisor's warning.
    Warn,
    /// ORG-03: a supervisor's order to rectify.
    OrderRectification,
}

impl AlertKind {
    pub const ALL: [AlertKind; 8] = [
        AlertKind::ClockDrift,
        AlertKind::CalibrationExpiring,
        AlertKind::CalibrationInvalid,
        AlertKind::FormalUseNotProven,
        AlertKind::EvaluationDue,
        AlertKind::TrialMayEnd,
        AlertKind::Warn,
        AlertKind::OrderRectification,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::ClockDrift => "clock_drift",
            AlertKind::CalibrationExpiring => "calibration_expiring",
            AlertKind::CalibrationInvalid => "calibration_invalid",
            AlertKind::FormalUseNotProven => "formal_use_not_proven",
            AlertKind::EvaluationDue => "evaluation_due",
            AlertKind::TrialMayEnd => "trial_may_end",
            AlertKind::Warn => "warn",
            AlertKind::OrderRectification => "order_rectification",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == raw.trim())
            .ok_or_else(|| FieldError::new("kind", "is not a device alert"))
    }
}

crate::stored_as_text!(AlertKind);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_reads_back_from_its_text() {
        for k in AlertKind::ALL {
            assert_eq!(AlertKind::parse(k.as_str()), Ok(k));
        }
        assert!(AlertKind::parse("clock").is_err());
    }
}
