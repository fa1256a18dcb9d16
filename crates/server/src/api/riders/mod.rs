//! RID: the e-bike programme's endpoints.

pub mod intake;
