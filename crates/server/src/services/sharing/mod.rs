//! Data governance and sharing: applications for outside queries and exports with the head's
//! consent (`applications.rs`, DAT-02, DAT-03, SEC-07, SEC-08; `results.rs` builds their
//! files), partners and grants (`partners.rs`, SHR-01, SHR-02), the partner query every
//! protocol goes through (`partner_query.rs`) and the partner's submissions
//! (`partner_write.rs`, `writeObjectOut`).

pub mod applications;
pub mod partner_query;
pub mod partner_write;
pub mod partners;
mod results;

use roadwarden_domain::codes::Code;
use sha2::{Digest, Sha256};

use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::policy::RoleSet;

fn need<R: RoleSet>(p: &Principal, what: &str) -> AppResult<()> {
    if p.may::<R>() {
        Ok(())
    } else {
        Err(AppError::forbidden(Code::RoleMissing, what.to_owned()))
    }
}

/// The lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}
