//! Use cases: what a person can do, with its rules, its audit entries and its transaction.
//! The API and the web UI both call these, so a rule never holds in one and not the other.

pub mod accounts;
pub mod audit;
mod authority;
pub mod calendar;
pub mod captures;
pub mod checkpoints;
pub mod cockpit;
pub mod context;
pub mod corrections;
pub mod devices;
pub mod evidence;
pub mod export;
pub mod home;
pub mod link_key;
pub(crate) mod lists;
pub mod messages;
pub mod outside;
pub mod refusals;
pub mod reports;
pub mod riders;
pub mod sharing;
pub mod signin;
pub mod signing_key;
pub mod supervision;
pub mod units;

pub use authority::Authority;
