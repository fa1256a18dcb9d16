//! Data governance and sharing, pure: outside bodies' query and statistics applications and
//! every bulk export under the head's consent (`application.rs`, DAT-02, DAT-03, SEC-07,
//! SEC-08), the one data catalogue and interface registry (`catalogue.rs`, STO-02, SHR-01), and
//! partner grants with the one projection that builds every partner answer (`grant.rs`,
//! SHR-02).

pub mod application;
pub mod catalogue;
pub mod grant;

pub use application::{AppKind, AppState, Dataset, Purpose};
pub use catalogue::{DataField, FieldKind, Interface, Protocol};
pub use grant::{
    project, Answer, FieldGrant, Grant, GrantState, Mask, PartnerQuery, Record, Value,
};
