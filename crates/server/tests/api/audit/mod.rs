//! The audit trail, mirroring `services/audit/` and `services/checkpoints.rs`.

mod chain;
mod checkpoints;
mod read;

pub(crate) use read::{second_country, vn_account};
