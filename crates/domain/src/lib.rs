//! Roadwarden's rules and state machines.
//!
//! Pure: nothing here touches the network, the disk, a database or the clock. Every function
//! that depends on "now" takes it as an argument, so each rule is a plain function tested with
//! plain values. Rule ids (ORG-02, SEC-03, TIME-01 …) refer to `shared/domain/RULES.md`.

pub mod account;
pub mod audit;
pub mod calendar;
pub mod capture;
pub mod codes;
pub mod device;
pub mod error;
pub mod evidence;
pub mod ids;
pub mod locale;
pub mod org;
pub mod outside;
pub mod password;
pub mod rider;
pub mod roles;
pub mod sharing;
pub mod stored;
pub mod supervision;

pub use error::{FieldError, RuleViolation};
pub use ids::{DeviceId, RiderEventId, RiderPersonId, RiderTaskId, UnitId, UserId};
