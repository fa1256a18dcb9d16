//! Reports: the public's REV-05 report form (`public`, no sign-in), and the monthly
//! supervision reports with their charts and exports (`monthly`, issue 16 item 6). The charts
//! are drawn on the server (`chart`); the cockpit draws with them too.

pub(crate) mod chart;
pub mod monthly;
mod public;

pub use public::{report_page, send_code, submit, ReportQuery};
