//! SUP-02, SUP-03, SUP-07, AUD-09: the check and rectification list with its steps, the
//! complaints, and the figures the monthly analysis reads (one grouped query per kind).

mod complaints;
mod figures;
mod items;

pub use complaints::*;
pub use figures::*;
pub use items::*;
