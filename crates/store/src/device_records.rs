//! The records kept about each device: its lifecycle timeline, assessments and reviews
//! (DEV-02, DEV-03), push credentials, calibration certificates (DEV-13), patrols, faults and
//! the operation log (DEV-10, DEV-15), registrations with the command platform (DEV-07),
//! alerts, the yearly clean-up list (DEV-12) and ledger imports: one small repository per
//! record table, each in its own file, all keyed by the device.

mod alerts;
mod calibrations;
mod cleanup;
mod credentials;
mod registrations;
mod reviews;
mod timeline;
mod upkeep;

pub use alerts::*;
pub use calibrations::*;
pub use cleanup::*;
pub use credentials::*;
pub use registrations::*;
pub use reviews::*;
pub use timeline::*;
pub use upkeep::*;
