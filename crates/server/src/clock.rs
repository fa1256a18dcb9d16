//! The one place the server reads the time. Domain code takes time as an argument; tests use
//! a manual clock to step over expiry and lock-out periods.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};

#[derive(Clone, Debug)]
pub enum Clock {
    System,
    Manual(Arc<Mutex<DateTime<Utc>>>),
}

impl Clock {
    pub fn manual(start: DateTime<Utc>) -> Self {
        Clock::Manual(Arc::new(Mutex::new(start)))
    }

    /// Now, to the microsecond (what both databases store).
    pub fn now(&self) -> DateTime<Utc> {
        let t = match self {
            #[allow(clippy::disallowed_methods)] // the one sanctioned read of the wall clock
            Clock::System => Utc::now(),
            Clock::Manual(t) => *t.lock().unwrap_or_else(|p| p.into_inner()),
        };
        roadwarden_store::truncate_micros(t)
    }

    /// Moves a manual clock forward; a no-op on the system clock.
    pub fn advance(&self, by: Duration) {
        if let Clock::Manual(t) = self {
            let mut guard = t.lock().unwrap_or_else(|p| p.into_inner());
            *guard += by;
        }
    }
}
