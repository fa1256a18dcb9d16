//! On whose authority a use case runs.

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
