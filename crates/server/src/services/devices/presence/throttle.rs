//! How often a device's presence is written: at most once a minute per device, whatever its
//! push rate. A leaf module (the service context holds it and this file imports nothing of it).

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

/// The most one device's presence is written: once per this span.
pub const WRITE_EVERY: Duration = Duration::seconds(60);

/// When each device's presence was last written. One entry per device that proved its
/// credential, so a stranger cannot grow it.
#[derive(Default)]
pub struct PresenceThrottle(Mutex<HashMap<i64, DateTime<Utc>>>);

impl PresenceThrottle {
    /// Whether `device`, heard from at `now`, is due a write; if so, the write is taken.
    pub fn take(&self, device: i64, now: DateTime<Utc>) -> bool {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        match map.get(&device) {
            // A clock moved back (tests, a corrected server clock) writes again.
            Some(at) if *at <= now && now - *at < WRITE_EVERY => false,
            _ => {
                map.insert(device, now);
                true
            }
        }
    }

    /// Forgets `device`'s last write (the write failed and should be tried again).
    pub fn forget(&self, device: i64) {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&device);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_device_is_written_at_most_once_a_minute() {
        let t = PresenceThrottle::default();
        let now = DateTime::from_timestamp(1_795_000_000, 0).unwrap();
        assert!(t.take(1, now));
        assert!(!t.take(1, now + Duration::seconds(59)));
        assert!(t.take(2, now));
        assert!(t.take(1, now + Duration::seconds(60)));
        assert!(
            t.take(1, now - Duration::hours(1)),
            "a clock moved back writes"
        );
        t.forget(1);
        assert!(t.take(1, now - Duration::hours(1)));
    }
}
