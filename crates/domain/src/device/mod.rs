//! DEV-01..15: enforcement devices, from proposal to retirement.
//!
//! `kind`, `number` and `location` validate what a device is and where it stands; `lifecycle`
//! is the state machine and the gate every capture passes (DEV-05, CAP-03, CAP-04); `review`
//! is the three-department review of DEV-03; `upkeep` holds calibration (DEV-13), the
//! maintenance ratings (DEV-11) and the yearly clean-up (DEV-12); `alert` names what a device
//! alert is about.

pub mod alert;
pub mod geo;
pub mod kind;
pub mod lifecycle;
pub mod location;
pub mod number;
pub mod review;
pub mod upkeep;
pub mod violations;

pub use alert::AlertKind;
pub use kind::DeviceKind;
pub use lifecycle::{CaptureUse, DeviceState, Step, SuspensionReason};
pub use location::{Location, RoadClass};
pub use number::{DeviceNumber, NumberRule};

use crate::FieldError;

/// A short free-text field: trimmed, required or optional, bounded.
pub fn text(
    field: &'static str,
    raw: &str,
    max: usize,
    required: bool,
) -> Result<String, FieldError> {
    let normalised = raw.replace("\r\n", "\n");
    let value = normalised.trim();
    if required && value.is_empty() {
        return Err(FieldError::new(field, "is required"));
    }
    if value.chars().count() > max {
        return Err(FieldError::new(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    if value
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\t'))
    {
        return Err(FieldError::new(
            field,
            "must not contain control characters",
        ));
    }
    Ok(value.to_owned())
}

/// A MAC address, normalised to upper-case colon form (`00:1A:2B:3C:4D:5E`).
pub fn parse_mac(raw: &str) -> Result<String, FieldError> {
    let hex: String = raw
        .trim()
        .chars()
        .filter(|c| !matches!(c, ':' | '-' | '.'))
        .collect();
    if hex.len() != 12 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(FieldError::new(
            "mac",
            "must be 12 hexadecimal digits, e.g. 00:1A:2B:3C:4D:5E",
        ));
    }
    let hex = hex.to_ascii_uppercase();
    Ok(hex
        .as_bytes()
        .chunks(2)
        .map(|p| std::str::from_utf8(p).unwrap_or("00"))
        .collect::<Vec<_>>()
        .join(":"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mac_addresses_are_normalised_or_refused() {
        assert_eq!(parse_mac("00-1a-2b-3c-4d-5e").unwrap(), "00:1A:2B:3C:4D:5E");
        assert_eq!(parse_mac("001A.2B3C.4D5E").unwrap(), "00:1A:2B:3C:4D:5E");
        assert!(parse_mac("00:1A:2B:3C:4D").is_err());
        assert!(parse_mac("zz:1A:2B:3C:4D:5E").is_err());
    }

    #[test]
    fn text_fields_are_trimmed_and_bounded() {
        assert_eq!(text("road", "  G104 ", 10, true).unwrap(), "G104");
        assert!(text("road", " ", 10, true).is_err());
        assert!(text("road", "a\u{0}b", 10, false).is_err());
        assert_eq!(text("necessity", "一\r\n二", 10, true).unwrap(), "一\n二");
        assert!(text("road", &"x".repeat(11), 10, false).is_err());
    }
}
