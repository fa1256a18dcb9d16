//! Typed identifiers, so a unit id is never passed where a user id belongs.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use crate::FieldError;

macro_rules! id_type {
    ($name:ident, $field:literal) => {
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl $name {
            /// Parses a path or form parameter; ids are positive integers.
            pub fn parse(raw: &str) -> Result<Self, FieldError> {
                match raw.trim().parse::<i64>() {
                    Ok(n) if n > 0 => Ok(Self(n)),
                    _ => Err(FieldError::new($field, "must be a positive whole number")),
                }
            }
        }

        impl FromStr for $name {
            type Err = FieldError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        /// Rows read from the database decode straight into the id.
        impl From<i64> for $name {
            fn from(raw: i64) -> Self {
                Self(raw)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(UnitId, "unit_id");
id_type!(UserId, "user_id");
id_type!(DeviceId, "device_id");
id_type!(RiderPersonId, "person_id");
id_type!(RiderEventId, "event_id");
id_type!(RiderTaskId, "task_id");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_reject_zero_negative_and_text() {
        assert!(UnitId::parse("0").is_err());
        assert!(UnitId::parse("-3").is_err());
        assert!(UserId::parse("abc").is_err());
        assert_eq!(UserId::parse(" 42 ").unwrap(), UserId(42));
    }
}
