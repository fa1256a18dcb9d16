//! BWC-01..14, AUD-05: body-worn recorder footage from the recorder to the purge.
//!
//! `ledger` is the recorder register (who holds it, hand-overs, pre-use checks, repairs);
//! `footage` classifies what arrives (activity type, media kind, lateness); `retention` says how
//! long a file is kept and when it may go; `access` is the approval a view or copy needs;
//! `non_recording` is the work record of a stopped recording; `supervision` finds duties with
//! no footage or with gaps, and draws the spot-check sample; `states` are the stored states of
//! reasons to keep, early deletions and uploads.

pub mod access;
pub mod footage;
pub mod ledger;
pub mod non_recording;
pub mod retention;
pub mod states;
pub mod supervision;
