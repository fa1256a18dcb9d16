//! The captures a reviewer passed over (the review desk's "skip"), so that the next capture
//! handed to them is another one: a skip sticks for `STICKS_FOR`, and a reviewer whose queue
//! holds only skipped captures gets them back. Kept in this process's memory, a few per
//! reviewer: a restart only forgets which captures were skipped.
//!
//! A leaf module: the service context holds it and this file imports nothing of it.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a skip keeps a capture from coming back to the same reviewer.
pub const STICKS_FOR: Duration = Duration::from_secs(30 * 60);
/// The most skips remembered per reviewer; the oldest is forgotten first.
pub const MAX_PER_REVIEWER: usize = 20;

#[derive(Default)]
pub struct ReviewSkips(Mutex<HashMap<i64, Vec<(i64, Instant)>>>);

impl ReviewSkips {
    /// `reviewer` passed over `capture`.
    pub fn add(&self, reviewer: i64, capture: i64) {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let list = map.entry(reviewer).or_default();
        list.retain(|(c, at)| *c != capture && at.elapsed() < STICKS_FOR);
        if list.len() >= MAX_PER_REVIEWER {
            list.remove(0);
        }
        list.push((capture, Instant::now()));
    }

    /// The captures `reviewer` skipped that still stick, oldest first.
    pub fn of(&self, reviewer: i64) -> Vec<i64> {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let Some(list) = map.get_mut(&reviewer) else {
            return Vec::new();
        };
        list.retain(|(_, at)| at.elapsed() < STICKS_FOR);
        list.iter().map(|(c, _)| *c).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skips_are_per_reviewer_and_bounded() {
        let s = ReviewSkips::default();
        s.add(1, 10);
        s.add(1, 11);
        s.add(1, 10);
        s.add(2, 12);
        assert_eq!(s.of(1), [11, 10]);
        assert_eq!(s.of(2), [12]);
        assert!(s.of(3).is_empty());
        for c in 0..100 {
            s.add(1, c);
        }
        assert_eq!(s.of(1).len(), MAX_PER_REVIEWER);
        assert_eq!(s.of(1).last(), Some(&99));
    }
}
