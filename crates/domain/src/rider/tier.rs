//! RID-07, RID-08: a rider's tier from how often they were caught (Table 1 of seed 002 §8.1.1,
//! with the interpretation in RULES.md).
//!
//! * **occasional**: 1-3 violations in the short window (7 days) or 3-7 in the long one (30);
//!   any violation in the long window that meets no band is occasional too;
//! * **frequent**: 4-7 in the short window or 8-30 in the long one; counts above these bands
//!   stay frequent;
//! * **incorrigible**: a violation after the person received education or a fine, while that
//!   education lies within the last 365 days ("近365天内有安全教育、罚款处置后,再发生违法1次").
//!   The violation is therefore always within 365 days after the education, and the tier falls
//!   once the education is older than 365 days.
//!
//! A violation at `t` is in a window of length `w` at `now` when `now - w < t <= now`: one caught
//! exactly 7 days ago has left the short window. Violations later than `now` (a capture point's
//! clock ahead of ours) count once `now` reaches them. Ranked incorrigible > frequent >
//! occasional; a person holds the highest that applies, and tiers fall as windows roll because
//! every answer is a function of `now`.
//!
//! Two ways in: [`tier_from_history`] recomputes from all of a person's event times (the nightly
//! rebuild, or after an identity is corrected), and [`TierState`] updates in O(1) per new event
//! by keeping only the few most recent events that can still decide the tier.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::FieldError;

/// A rider's tier, ordered by rank: `Clear < Occasional < Frequent < Incorrigible`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RiderTier {
    /// No violation in the long window and not incorrigible.
    Clear,
    /// 偶尔违法人员
    Occasional,
    /// 频繁违法人员
    Frequent,
    /// 屡教不改人员
    Incorrigible,
}

impl RiderTier {
    pub const ALL: [RiderTier; 4] = [
        RiderTier::Clear,
        RiderTier::Occasional,
        RiderTier::Frequent,
        RiderTier::Incorrigible,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RiderTier::Clear => "clear",
            RiderTier::Occasional => "occasional",
            RiderTier::Frequent => "frequent",
            RiderTier::Incorrigible => "incorrigible",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == raw.trim())
            .ok_or_else(|| {
                FieldError::new(
                    "tier",
                    "must be clear, occasional, frequent or incorrigible (RID-08)",
                )
            })
    }
}

crate::stored_as_text!(RiderTier);

/// An inclusive range of violation counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Band {
    pub min: u32,
    pub max: u32,
}

impl Band {
    pub const fn new(min: u32, max: u32) -> Self {
        Self { min, max }
    }

    pub fn contains(self, count: u32) -> bool {
        self.min <= count && count <= self.max
    }
}

/// The most recent events a [`TierState`] may need to keep; bounds the bands' lower ends.
pub const MAX_STATE_EVENTS: u32 = 1_000;

/// Table 1's windows and bands *(config)*.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TierConfig {
    /// The short window ("近1周"), in days.
    pub short_window_days: u32,
    /// The long window ("近30天"), in days.
    pub long_window_days: u32,
    /// How long after an education or fine a new violation makes a person incorrigible.
    pub incorrigible_window_days: u32,
    pub occasional_short: Band,
    pub occasional_long: Band,
    pub frequent_short: Band,
    pub frequent_long: Band,
}

impl Default for TierConfig {
    fn default() -> Self {
        Self {
            short_window_days: 7,
            long_window_days: 30,
            incorrigible_window_days: 365,
            occasional_short: Band::new(1, 3),
            occasional_long: Band::new(3, 7),
            frequent_short: Band::new(4, 7),
            frequent_long: Band::new(8, 30),
        }
    }
}

impl TierConfig {
    /// Refuses a configuration the rules cannot work with.
    pub fn validate(&self) -> Result<(), FieldError> {
        let windows = [
            self.short_window_days,
            self.long_window_days,
            self.incorrigible_window_days,
        ];
        if windows.iter().any(|&d| d == 0 || d > 3_660) {
            return Err(FieldError::new(
                "tiers",
                "windows must be between 1 and 3660 days",
            ));
        }
        if self.short_window_days > self.long_window_days {
            return Err(FieldError::new(
                "tiers",
                "the short window may not be longer than the long one",
            ));
        }
        let bands = [
            self.occasional_short,
            self.occasional_long,
            self.frequent_short,
            self.frequent_long,
        ];
        if bands.iter().any(|b| b.min == 0 || b.min > b.max) {
            return Err(FieldError::new("tiers", "each band needs 1 <= min <= max"));
        }
        if self.state_capacity() > MAX_STATE_EVENTS as usize {
            return Err(FieldError::new(
                "tiers",
                "bands may not start above 1000 violations",
            ));
        }
        Ok(())
    }

    pub fn short_window(&self) -> Duration {
        Duration::days(i64::from(self.short_window_days))
    }

    pub fn long_window(&self) -> Duration {
        Duration::days(i64::from(self.long_window_days))
    }

    pub fn incorrigible_window(&self) -> Duration {
        Duration::days(i64::from(self.incorrigible_window_days))
    }

    /// The earliest instant whose events can still matter at `now` (the longer of the long
    /// window and the incorrigible window back): a recompute reads events after it only.
    pub fn history_start(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now - self.long_window().max(self.incorrigible_window())
    }

    /// How many of a person's most recent events decide their tier: enough to tell whether
    /// each band's edges are reached (a count past every band's upper end changes nothing).
    pub fn state_capacity(&self) -> usize {
        let needed = [
            self.frequent_short.min,
            self.frequent_long.min,
            self.occasional_short.max.saturating_add(1),
            self.occasional_long.max.saturating_add(1),
        ];
        needed.into_iter().max().unwrap_or(1) as usize
    }

    /// The tier Table 1 gives for these window counts and this incorrigible finding.
    pub fn tier_for(&self, counts: WindowCounts, incorrigible: bool) -> RiderTier {
        if incorrigible {
            return RiderTier::Incorrigible;
        }
        // Counts above the frequent bands stay frequent (RID-08 interpretation).
        if counts.short >= self.frequent_short.min || counts.long >= self.frequent_long.min {
            return RiderTier::Frequent;
        }
        // Any violation in the long window that meets no band is occasional.
        if self.occasional_short.contains(counts.short)
            || self.occasional_long.contains(counts.long)
            || counts.long > 0
        {
            return RiderTier::Occasional;
        }
        RiderTier::Clear
    }
}

/// RID-07: violations in the short and the long window at some `now`. From a [`TierState`]
/// they are exact up to [`TierConfig::state_capacity`] and capped there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct WindowCounts {
    pub short: u32,
    pub long: u32,
}

/// A tier with the counts that gave it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TierDecision {
    pub tier: RiderTier,
    pub counts: WindowCounts,
}

/// Counts events into the windows ending at `now`, one at a time, in any order.
#[derive(Debug, Clone)]
pub struct TierTally {
    now: DateTime<Utc>,
    short_start: DateTime<Utc>,
    long_start: DateTime<Utc>,
    counts: WindowCounts,
    latest: Option<DateTime<Utc>>,
}

impl TierTally {
    pub fn new(now: DateTime<Utc>, config: &TierConfig) -> Self {
        Self {
            now,
            short_start: now - config.short_window(),
            long_start: now - config.long_window(),
            counts: WindowCounts::default(),
            latest: None,
        }
    }

    pub fn add(&mut self, at: DateTime<Utc>) {
        if at > self.now {
            return;
        }
        if self.latest.is_none_or(|l| at > l) {
            self.latest = Some(at);
        }
        if at > self.long_start {
            self.counts.long += 1;
            if at > self.short_start {
                self.counts.short += 1;
            }
        }
    }

    /// The tier, given when the person last received education or a fine.
    pub fn finish(
        &self,
        last_education: Option<DateTime<Utc>>,
        config: &TierConfig,
    ) -> TierDecision {
        let incorrigible = is_incorrigible(
            self.latest,
            last_education,
            self.now,
            config.incorrigible_window(),
        );
        TierDecision {
            tier: config.tier_for(self.counts, incorrigible),
            counts: self.counts,
        }
    }
}

/// RID-08 incorrigible: education or a fine within the window before `now`, and a violation
/// after it (`latest` is the newest violation not after `now`).
fn is_incorrigible(
    latest: Option<DateTime<Utc>>,
    last_education: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    window: Duration,
) -> bool {
    match (latest, last_education) {
        (Some(latest), Some(educated)) => {
            educated <= now && now - educated < window && latest > educated
        }
        _ => false,
    }
}

/// RID-08 recomputed from all of a person's violation times (any order; each time is one
/// event: the store keeps an event once however often a point sends it).
pub fn tier_from_history(
    events: &[DateTime<Utc>],
    last_education: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    config: &TierConfig,
) -> TierDecision {
    let mut tally = TierTally::new(now, config);
    for &at in events {
        tally.add(at);
    }
    tally.finish(last_education, config)
}

/// What [`TierState::observe`] did with an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Observed {
    /// Kept: it is among the person's most recent events.
    Added,
    /// Already seen (same event id): nothing changed.
    Duplicate,
    /// Older than every kept event while the state is full: it cannot change the tier.
    TooOld,
}

/// A person's window state for O(1) tier updates: their [`TierConfig::state_capacity`] most
/// recent events (time, event id), oldest first, and their last education or fine.
///
/// Equal to [`tier_from_history`] over every event observed, at any `now` not before the newest
/// of them. Built for one configuration: rebuild the states when the bands change.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TierState {
    recent: Vec<(DateTime<Utc>, i64)>,
    last_education: Option<DateTime<Utc>>,
}

impl TierState {
    pub fn new(last_education: Option<DateTime<Utc>>) -> Self {
        Self {
            recent: Vec::new(),
            last_education,
        }
    }

    /// A state from a person's stored events (time, event id).
    pub fn from_history(
        events: impl IntoIterator<Item = (DateTime<Utc>, i64)>,
        last_education: Option<DateTime<Utc>>,
        config: &TierConfig,
    ) -> Self {
        let mut state = Self::new(last_education);
        for (at, id) in events {
            state.observe(at, id, config);
        }
        state
    }

    /// A new event, in or out of order, possibly one already seen. O(capacity), a constant.
    pub fn observe(&mut self, at: DateTime<Utc>, event_id: i64, config: &TierConfig) -> Observed {
        if self.recent.iter().any(|&(_, id)| id == event_id) {
            return Observed::Duplicate;
        }
        let capacity = config.state_capacity().max(1);
        let key = (at, event_id);
        if self.recent.len() >= capacity && self.recent.first().is_some_and(|&oldest| key < oldest)
        {
            return Observed::TooOld;
        }
        let slot = self.recent.partition_point(|&kept| kept < key);
        self.recent.insert(slot, key);
        if self.recent.len() > capacity {
            self.recent.remove(0);
        }
        Observed::Added
    }

    /// The person received education or a fine at `at` (the later of two wins).
    pub fn educated(&mut self, at: DateTime<Utc>) {
        if self.last_education.is_none_or(|e| at > e) {
            self.last_education = Some(at);
        }
    }

    pub fn last_education(&self) -> Option<DateTime<Utc>> {
        self.last_education
    }

    /// The tier at `now`; falls as the kept events leave their windows.
    pub fn tier_at(&self, now: DateTime<Utc>, config: &TierConfig) -> TierDecision {
        let mut tally = TierTally::new(now, config);
        for &(at, _) in &self.recent {
            tally.add(at);
        }
        tally.finish(self.last_education, config)
    }

    /// How many events the state keeps (at most the configuration's capacity).
    pub fn kept(&self) -> usize {
        self.recent.len()
    }
}

#[cfg(test)]
#[path = "tier_tests.rs"]
mod tests;
