//! RID-01..11: the e-bike safe-riding programme's storage: one file per rider (`persons`), the
//! capture points' events (`events`), the tasks and other measures tiers call for (`tasks`,
//! `dispositions`) and the face vectors
//! identity matches on (`faces`), with RID-07 frequency statistics and the nightly tier
//! rebuild's reads (`stats`).

pub mod dispositions;
pub mod event_reads;
pub mod events;
pub mod faces;
pub mod persons;
pub mod public;
pub mod retention;
pub mod screened;
pub mod stats;
pub mod task_deadlines;
pub mod tasks;

/// Rows of a count before it says "more than" (persons and events can run to millions).
pub(crate) const COUNT_CAP: i64 = crate::list::MAX_ROWS;

/// A search term as a bounded, escaped, lower-case LIKE pattern ('' when there is none).
pub(crate) fn like_pattern(search: Option<&str>) -> String {
    search
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            let bounded: String = s.chars().take(64).collect();
            format!("%{}%", crate::units::escape_like(&bounded.to_lowercase()))
        })
        .unwrap_or_default()
}
