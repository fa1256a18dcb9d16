//! RID-01: what an e-bike capture point detects.

use serde::{Deserialize, Serialize};

use crate::FieldError;

/// A rider's violation, as a capture point reports it (RID-01).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RiderViolation {
    /// Riding without a helmet (未佩戴头盔).
    NoHelmet,
    /// Riding the wrong way (逆行).
    WrongWay,
    /// Running a red light (闯红灯).
    RedLight,
}

impl RiderViolation {
    pub const ALL: [RiderViolation; 3] = [
        RiderViolation::NoHelmet,
        RiderViolation::WrongWay,
        RiderViolation::RedLight,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RiderViolation::NoHelmet => "no_helmet",
            RiderViolation::WrongWay => "wrong_way",
            RiderViolation::RedLight => "red_light",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == raw.trim())
            .ok_or_else(|| {
                FieldError::new(
                    "violation",
                    "must be no_helmet, wrong_way or red_light (RID-01)",
                )
            })
    }
}

crate::stored_as_text!(RiderViolation);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rid_01_the_three_violations_round_trip_as_text() {
        for v in RiderViolation::ALL {
            assert_eq!(RiderViolation::parse(v.as_str()), Ok(v));
            assert_eq!(RiderViolation::try_from(v.as_str().to_owned()), Ok(v));
        }
        assert!(RiderViolation::parse("speeding").is_err());
        assert!(RiderViolation::parse("").is_err());
    }
}
