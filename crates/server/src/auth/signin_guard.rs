//! SEC-02 lock-out and sign-in throttling, decided before any password is hashed.
//!
//! - **Lock-out per source and username.** Repeated failures lock that name *from that
//!   address* for the lock period. Locking the account itself would let anyone lock the
//!   province administrator out by typing wrong passwords from anywhere; keying the lock by
//!   address keeps the guessing stopped while the owner still signs in from their desk. An
//!   unknown username locks exactly like a known one, so the answers do not tell them apart.
//! - **Throttles per source and per username**: token buckets refilled over time, so one
//!   address cannot spray many names and many addresses cannot hammer one name. A successful
//!   sign-in gives its token back: colleagues behind one office address are not throttled by
//!   each other's ordinary sign-ins.
//!
//! The state is in memory and bounded (a stranger who sends endless new names cannot grow it
//! without end). It does not survive a restart and each replica keeps its own; the audit chain
//! keeps every attempt regardless.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};
use roadwarden_domain::password::LockoutPolicy;

/// How many attempts a source or a username may make in a burst, and how many it regains per
/// minute.
#[derive(Debug, Clone, Copy)]
pub struct Throttle {
    pub burst: u32,
    pub per_minute: u32,
}

#[derive(Debug, Clone, Copy)]
pub struct GuardPolicy {
    pub lockout: LockoutPolicy,
    pub per_source: Throttle,
    pub per_username: Throttle,
}

/// Why an attempt is refused before its password is looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// This username is locked from this address until then.
    Locked(DateTime<Utc>),
    /// Too many attempts from this address or for this username; try again after then.
    Throttled(DateTime<Utc>),
}

/// The most keys each table holds; beyond it, stale keys are dropped, and while every key is
/// still live new ones are throttled.
const MAX_KEYS: usize = 100_000;

#[derive(Default)]
pub struct SignInGuard {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    failures: HashMap<(String, String), Failures>,
    sources: HashMap<String, Bucket>,
    usernames: HashMap<String, Bucket>,
}

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    locked_until: Option<DateTime<Utc>>,
    last: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: DateTime<Utc>,
}

impl Bucket {
    fn refilled(self, t: Throttle, now: DateTime<Utc>) -> f64 {
        let minutes = (now - self.at).num_milliseconds().max(0) as f64 / 60_000.0;
        (self.tokens + minutes * f64::from(t.per_minute)).min(f64::from(t.burst))
    }

    /// When the next whole token is there.
    fn next_token_at(tokens: f64, t: Throttle, now: DateTime<Utc>) -> DateTime<Utc> {
        let missing = (1.0 - tokens).max(0.0);
        let per_ms = f64::from(t.per_minute.max(1)) / 60_000.0;
        now + Duration::milliseconds((missing / per_ms).ceil() as i64)
    }
}

fn key(name: &str) -> String {
    name.trim().to_lowercase()
}

impl SignInGuard {
    /// Decides whether an attempt may go on to the password check, and takes its tokens.
    pub fn admit(
        &self,
        source: &str,
        username: &str,
        now: DateTime<Utc>,
        policy: &GuardPolicy,
    ) -> Result<(), Refusal> {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let pair = (source.to_owned(), key(username));
        if let Some(until) = s
            .failures
            .get(&pair)
            .and_then(|f| f.locked_until)
            .filter(|until| *until > now)
        {
            return Err(Refusal::Locked(until));
        }
        let source_tokens = take_preview(&mut s.sources, source, policy.per_source, now)?;
        let user_tokens = take_preview(&mut s.usernames, &pair.1, policy.per_username, now)?;
        s.sources.insert(
            source.to_owned(),
            Bucket {
                tokens: source_tokens - 1.0,
                at: now,
            },
        );
        s.usernames.insert(
            pair.1,
            Bucket {
                tokens: user_tokens - 1.0,
                at: now,
            },
        );
        Ok(())
    }

    /// Records a wrong password (or an unknown name); returns the failures in a row from this
    /// source and the lock, when this failure set one.
    pub fn failed(
        &self,
        source: &str,
        username: &str,
        now: DateTime<Utc>,
        policy: &GuardPolicy,
    ) -> (u32, Option<DateTime<Utc>>) {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if s.failures.len() >= MAX_KEYS {
            let window = Duration::minutes(policy.lockout.lock_minutes.max(1));
            s.failures
                .retain(|_, f| f.locked_until.is_some_and(|u| u > now) || now - f.last < window);
        }
        let entry = s
            .failures
            .entry((source.to_owned(), key(username)))
            .or_insert(Failures {
                count: 0,
                locked_until: None,
                last: now,
            });
        // A lock that has run out starts a fresh count.
        if entry.locked_until.is_some_and(|u| u <= now) {
            entry.count = 0;
            entry.locked_until = None;
        }
        entry.count += 1;
        entry.last = now;
        entry.locked_until = policy.lockout.lock_after_failure(entry.count, now);
        (entry.count, entry.locked_until)
    }

    /// A successful sign-in: the count from this source ends and the tokens come back.
    pub fn succeeded(&self, source: &str, username: &str, policy: &GuardPolicy) {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let name = key(username);
        s.failures.remove(&(source.to_owned(), name.clone()));
        refund(&mut s.sources, source, policy.per_source);
        refund(&mut s.usernames, &name, policy.per_username);
    }

    /// An operator unlocked the account: every address's lock on the name ends.
    pub fn forget_username(&self, username: &str) {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let name = key(username);
        s.failures.retain(|(_, u), _| *u != name);
        s.usernames.remove(&name);
    }
}

/// The tokens `key` has now, refused when fewer than one.
fn take_preview(
    table: &mut HashMap<String, Bucket>,
    key: &str,
    t: Throttle,
    now: DateTime<Utc>,
) -> Result<f64, Refusal> {
    let tokens = match table.get(key) {
        Some(b) => b.refilled(t, now),
        None => {
            if table.len() >= MAX_KEYS {
                table.retain(|_, b| b.refilled(t, now) < f64::from(t.burst));
                if table.len() >= MAX_KEYS {
                    return Err(Refusal::Throttled(now + Duration::minutes(1)));
                }
            }
            f64::from(t.burst)
        }
    };
    if tokens < 1.0 {
        return Err(Refusal::Throttled(Bucket::next_token_at(tokens, t, now)));
    }
    Ok(tokens)
}

fn refund(table: &mut HashMap<String, Bucket>, key: &str, t: Throttle) {
    if let Some(b) = table.get_mut(key) {
        b.tokens = (b.tokens + 1.0).min(f64::from(t.burst));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn policy() -> GuardPolicy {
        GuardPolicy {
            lockout: LockoutPolicy {
                max_failures: 3,
                lock_minutes: 15,
            },
            per_source: Throttle {
                burst: 5,
                per_minute: 5,
            },
            per_username: Throttle {
                burst: 4,
                per_minute: 2,
            },
        }
    }

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 8, 0, 0).unwrap()
    }

    #[test]
    fn sec_02_lockout_is_per_source_and_username() {
        let g = SignInGuard::default();
        let p = policy();
        for i in 1..=3 {
            g.admit("10.0.0.1", "ZJ.Admin", t0(), &p).unwrap();
            let (n, lock) = g.failed("10.0.0.1", "zj.admin", t0(), &p);
            assert_eq!(n, i);
            assert_eq!(lock.is_some(), i == 3);
        }
        assert!(matches!(
            g.admit("10.0.0.1", "zj.admin", t0(), &p),
            Err(Refusal::Locked(_))
        ));
        // The owner at another address is not locked out by the guesser.
        assert_eq!(g.admit("10.0.0.2", "zj.admin", t0(), &p), Ok(()));
        // The lock ends with its period; an operator's unlock ends it at once.
        let later = t0() + Duration::minutes(16);
        assert_eq!(g.admit("10.0.0.1", "zj.admin", later, &p), Ok(()));
        g.failed("10.0.0.1", "zj.admin", later, &p);
        g.forget_username("zj.admin");
        assert_eq!(g.admit("10.0.0.1", "zj.admin", later, &p), Ok(()));
    }

    #[test]
    fn sec_02_one_source_spraying_names_is_throttled() {
        let g = SignInGuard::default();
        let p = policy();
        for i in 0..5 {
            g.admit("10.0.0.9", &format!("user{i}"), t0(), &p).unwrap();
        }
        let Err(Refusal::Throttled(retry)) = g.admit("10.0.0.9", "user9", t0(), &p) else {
            panic!("the sixth name from one address in a burst is throttled");
        };
        assert_eq!(retry, t0() + Duration::seconds(12));
        assert_eq!(g.admit("10.0.0.9", "user9", retry, &p), Ok(()));
    }

    #[test]
    fn sec_02_many_sources_on_one_name_are_throttled_and_success_refunds() {
        let g = SignInGuard::default();
        let p = policy();
        for i in 0..4 {
            g.admit(&format!("10.0.1.{i}"), "cx.admin", t0(), &p)
                .unwrap();
        }
        assert!(matches!(
            g.admit("10.0.1.9", "cx.admin", t0(), &p),
            Err(Refusal::Throttled(_))
        ));
        // Colleagues behind one address sign in all morning without throttling each other.
        for i in 0..50 {
            let name = format!("officer{i}");
            g.admit("10.0.2.1", &name, t0(), &p).unwrap();
            g.succeeded("10.0.2.1", &name, &p);
        }
    }
}
