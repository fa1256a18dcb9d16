//! The audit chain: writing entries (SEC-05) and reading them under unit scope (ORG-02).

pub mod list;
mod query;
mod read;
pub mod write;

pub use query::AuditQuery;
pub use read::{list, reads_installation_entries, search};
pub use write::{record, record_list_read, Actor, Event};
