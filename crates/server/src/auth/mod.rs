//! Who is asking: password hashing, session and API tokens, the request's principal, and the
//! extractor types that put the required privilege into each handler's signature.

pub mod extract;
pub mod middleware;
pub mod password;
pub mod principal;
pub mod signin_guard;
pub mod token;

pub use crate::policy::RoleSet;
pub use extract::{CurrentUser, Require, SignedIn, Visitor};
pub use principal::{AuthVia, Principal};
