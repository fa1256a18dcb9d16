//! Data governance and sharing: applications and their result files (`applications.rs`,
//! DAT-02/03, SEC-07), partners, grants and their calls (`partners.rs`, SHR-01/02), and the
//! violation records as the grant projection reads them (`records.rs`), narrowed by a partner's
//! checked conditions in the database (`narrowed.rs`).

pub mod applications;
pub mod narrowed;
pub mod partners;
pub mod records;
