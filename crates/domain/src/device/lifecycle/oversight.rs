//! ORG-03, SUP-04..06: who may act on a device, by where their unit sits above it.

use super::*;

/// ORG-03 / SUP-06: who may act on a device managed at `device_unit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Oversight {
    /// The managing unit or a unit above it (proposals, assessments, upkeep, suspension).
    ManagingOrAbove,
    /// Strictly above the managing unit: warnings, orders to rectify, the circuit breaker.
    Above,
}

pub fn check_oversight(
    actor_unit: &UnitPath,
    device_unit: &UnitPath,
    needed: Oversight,
    what: &str,
) -> Result<(), RuleViolation> {
    let ok = match needed {
        Oversight::ManagingOrAbove => actor_unit.covers(device_unit),
        Oversight::Above => actor_unit.is_ancestor_of(device_unit),
    };
    if ok {
        Ok(())
    } else {
        Err(RuleViolation::new(
            if what == "circuit_break" {
                "SUP-06"
            } else {
                "ORG-03"
            },
            Code::DeviceNotUpperUnit,
            format!(
                "only a unit above the device's managing unit may {}",
                what.replace('_', " ")
            ),
        ))
    }
}
