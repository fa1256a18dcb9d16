//! Use cases: what a person can do, with its rules, its audit entries and its transaction.
//! The API and the web UI both call these, so a rule never holds in one and not the other.

pub mod accounts;
pub mod audit;
pub mod calendar;
pub mod captures;
pub mod checkpoints;
pub mod devices;
pub mod evidence;
pub mod messages;
pub mod refusals;
pub mod signin;
pub mod units;

use crate::auth::Principal;

/// On whose authority a use case runs.
#[derive(Clone, Copy)]
pub enum Authority<'a> {
    /// A signed-in person, bound by roles, scope and the grant rules.
    User(&'a Principal),
    /// The operator at the server's console (`roadwarden user create`, the demo seed): sets up
    /// the first units and accounts, and is recorded in the audit chain as `cli`.
    Operator,
}
