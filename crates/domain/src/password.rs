//! SEC-02: password strength and age; lock-out after repeated failures.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::FieldError;

/// SEC-02 *(config)*: minimum length and maximum age. Defaults are the regulation's numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordPolicy {
    pub min_length: usize,
    pub max_age_days: i64,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self {
            min_length: 8,
            max_age_days: 90,
        }
    }
}

/// Above this a password is refused before hashing, so nobody can make Argon2 chew megabytes.
pub const MAX_PASSWORD_LENGTH: usize = 128;

impl PasswordPolicy {
    /// SEC-02: at least `min_length` characters with upper case, lower case, a digit and a
    /// special character. The error names the first requirement that is not met.
    pub fn check_strength(&self, password: &str) -> Result<(), FieldError> {
        let len = password.chars().count();
        if len < self.min_length {
            return Err(FieldError::new(
                "password",
                format!("must be at least {} characters long", self.min_length),
            ));
        }
        if len > MAX_PASSWORD_LENGTH {
            return Err(FieldError::new(
                "password",
                format!("must be at most {MAX_PASSWORD_LENGTH} characters long"),
            ));
        }
        if !password.chars().any(char::is_uppercase) {
            return Err(FieldError::new(
                "password",
                "must contain an upper-case letter",
            ));
        }
        if !password.chars().any(char::is_lowercase) {
            return Err(FieldError::new(
                "password",
                "must contain a lower-case letter",
            ));
        }
        if !password.chars().any(|c| c.is_ascii_digit()) {
            return Err(FieldError::new("password", "must contain a digit"));
        }
        if !password
            .chars()
            .any(|c| !c.is_alphanumeric() && !c.is_whitespace())
        {
            return Err(FieldError::new(
                "password",
                "must contain a special character",
            ));
        }
        Ok(())
    }

    /// SEC-02: a password set more than `max_age_days` ago must be changed before anything
    /// else is done. A policy of 0 days disables expiry.
    pub fn is_expired(&self, changed_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        self.max_age_days > 0 && now - changed_at >= Duration::days(self.max_age_days)
    }
}

/// Lock-out after repeated failures *(config)*.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockoutPolicy {
    pub max_failures: u32,
    pub lock_minutes: i64,
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        Self {
            max_failures: 5,
            lock_minutes: 15,
        }
    }
}

impl LockoutPolicy {
    /// After a failed attempt that brings the count to `failures`: until when the account is
    /// locked, if it now is.
    pub fn lock_after_failure(&self, failures: u32, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        (self.max_failures > 0 && failures >= self.max_failures)
            .then(|| now + Duration::minutes(self.lock_minutes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn sec_02_password_needs_length_and_four_classes() {
        let p = PasswordPolicy::default();
        assert!(p.check_strength("Aa1!aaaa").is_ok());
        assert!(p
            .check_strength("Aa1!aaa")
            .unwrap_err()
            .reason
            .contains("at least 8"));
        assert!(p
            .check_strength("aa1!aaaa")
            .unwrap_err()
            .reason
            .contains("upper-case"));
        assert!(p
            .check_strength("AA1!AAAA")
            .unwrap_err()
            .reason
            .contains("lower-case"));
        assert!(p
            .check_strength("Aaa!aaaa")
            .unwrap_err()
            .reason
            .contains("digit"));
        assert!(p
            .check_strength("Aa1aaaaa")
            .unwrap_err()
            .reason
            .contains("special"));
        assert!(p.check_strength(&"Aa1!".repeat(40)).is_err(), "too long");
        let longer = PasswordPolicy {
            min_length: 12,
            ..p
        };
        assert!(longer.check_strength("Aa1!aaaa").is_err());
    }

    #[test]
    fn sec_02_password_expires_after_configured_days() {
        let p = PasswordPolicy::default();
        let set = at("2026-01-01T00:00:00Z");
        assert!(!p.is_expired(set, at("2026-03-31T23:59:59Z")));
        assert!(p.is_expired(set, at("2026-04-01T00:00:00Z")));
        let never = PasswordPolicy {
            max_age_days: 0,
            ..p
        };
        assert!(!never.is_expired(set, at("2036-01-01T00:00:00Z")));
    }

    #[test]
    fn sec_02_lockout_after_repeated_failures() {
        let l = LockoutPolicy::default();
        let now = at("2026-05-01T08:00:00Z");
        assert_eq!(l.lock_after_failure(4, now), None);
        assert_eq!(
            l.lock_after_failure(5, now),
            Some(at("2026-05-01T08:15:00Z"))
        );
    }

    proptest! {
        #[test]
        fn strength_check_never_panics_and_accepts_strong_passwords(
            s in "\\PC{0,64}",
            core in "[a-z]{5,20}",
        ) {
            let p = PasswordPolicy::default();
            let _ = p.check_strength(&s);
            let strong = format!("Q{core}7#");
            prop_assert!(p.check_strength(&strong).is_ok());
        }
    }
}
