//! CAP-00..04, REV-00..06, NOT-01..03, APL-01..03: a capture on its way from the camera to a
//! fine, and the objection against it.
//!
//! `intake` checks what arrives (elements, lateness, clock drift, exemptions, duplicates) and
//! decides what a capture may become; `plate` reads plates of both countries; `review` is the
//! separated review of REV-02 and its coded reasons; `penalty` is the tariff; `notice` counts
//! the owner's deadlines, late fees and the overdue steps; `objection` is APL-02;
//! `correction` is the data-modification request of SEC-06 and DAT-01.

pub mod correction;
pub mod intake;
pub mod notice;
pub mod objection;
pub mod penalty;
pub mod plate;
pub mod review;
pub mod transfer;
