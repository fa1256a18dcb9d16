//! SUP-01..03, SUP-07, SUP-07a, AUD-09: supervision of enforcement devices.
//!
//! `analysis` screens one device's figures every month (SUP-01, SUP-02) and says what is
//! abnormal, with the numbers that made it so; `checklist` is the check and rectification list
//! an abnormal device or an upper unit's warning opens (SUP-03, SUP-07); `complaint` tracks
//! complaints from phone, web and media until answered (AUD-09); `report` shapes the review
//! report so that it can rate devices and units but never officers on fines (SUP-07a).
//! Pure: figures come in, findings and transitions go out; "today" is always a parameter.

pub mod analysis;
pub mod checklist;
pub mod complaint;
pub mod report;
