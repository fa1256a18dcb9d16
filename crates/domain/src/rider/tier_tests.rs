use super::*;
use chrono::TimeZone;
use proptest::prelude::*;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 4, 12, 0, 0).unwrap()
}

fn days(n: i64) -> Duration {
    Duration::days(n)
}

/// `n` events at `now - ago`, a second apart going back.
fn burst(n: u32, ago: Duration) -> Vec<DateTime<Utc>> {
    (0..n)
        .map(|i| now() - ago - Duration::seconds(i64::from(i)))
        .collect()
}

fn tier(events: &[DateTime<Utc>], educated: Option<DateTime<Utc>>) -> RiderTier {
    tier_from_history(events, educated, now(), &TierConfig::default()).tier
}

fn incremental(
    events: &[DateTime<Utc>],
    educated: Option<DateTime<Utc>>,
    at: DateTime<Utc>,
) -> RiderTier {
    let config = TierConfig::default();
    let state = TierState::from_history(
        events.iter().enumerate().map(|(i, &t)| (t, i as i64)),
        educated,
        &config,
    );
    state.tier_at(at, &config).tier
}

#[test]
fn rid_07_counts_per_window_are_reported_with_the_tier() {
    let mut events = burst(2, days(1));
    events.extend(burst(3, days(10)));
    events.extend(burst(4, days(40)));
    let d = tier_from_history(&events, None, now(), &TierConfig::default());
    assert_eq!(d.counts, WindowCounts { short: 2, long: 5 });
    assert_eq!(d.tier, RiderTier::Occasional);
}

#[test]
fn rid_08_no_violation_is_clear() {
    assert_eq!(tier(&[], None), RiderTier::Clear);
    assert_eq!(tier(&burst(20, days(31)), None), RiderTier::Clear);
}

#[test]
fn rid_08_short_window_band_edges() {
    for (n, want) in [
        (1, RiderTier::Occasional),
        (2, RiderTier::Occasional),
        (3, RiderTier::Occasional),
        (4, RiderTier::Frequent),
        (7, RiderTier::Frequent),
        // Above the frequent band: stays frequent.
        (8, RiderTier::Frequent),
        (50, RiderTier::Frequent),
    ] {
        let events = burst(n, Duration::hours(1));
        assert_eq!(tier(&events, None), want, "{n} in the last 7 days");
        assert_eq!(incremental(&events, None, now()), want, "{n}, incremental");
    }
}

#[test]
fn rid_08_long_window_band_edges() {
    // All outside the short window, inside the long one.
    for (n, want) in [
        // Meets no band but a violation in the last 30 days: occasional.
        (1, RiderTier::Occasional),
        (2, RiderTier::Occasional),
        (3, RiderTier::Occasional),
        (7, RiderTier::Occasional),
        (8, RiderTier::Frequent),
        (30, RiderTier::Frequent),
        (31, RiderTier::Frequent),
        (200, RiderTier::Frequent),
    ] {
        let events = burst(n, days(10));
        assert_eq!(tier(&events, None), want, "{n} in the last 30 days");
        assert_eq!(incremental(&events, None, now()), want, "{n}, incremental");
    }
}

#[test]
fn rid_08_window_boundaries_are_half_open() {
    let one_second = Duration::seconds(1);
    // Four events just inside the short window: frequent; exactly 7 days old: out of it.
    let inside: Vec<_> = (0..4).map(|_| now() - days(7) + one_second).collect();
    assert_eq!(tier(&inside, None), RiderTier::Frequent);
    let edge: Vec<_> = (0..4).map(|_| now() - days(7)).collect();
    assert_eq!(tier(&edge, None), RiderTier::Occasional);
    // Eight events exactly 30 days old: gone; a second younger: frequent.
    let edge: Vec<_> = (0..8).map(|_| now() - days(30)).collect();
    assert_eq!(tier(&edge, None), RiderTier::Clear);
    let inside: Vec<_> = (0..8).map(|_| now() - days(30) + one_second).collect();
    assert_eq!(tier(&inside, None), RiderTier::Frequent);
}

#[test]
fn rid_08_short_and_long_windows_combine_and_the_highest_wins() {
    // 3 this week (occasional by the short band) + 5 earlier this month = 8 in 30: frequent.
    let mut events = burst(3, Duration::hours(2));
    events.extend(burst(5, days(20)));
    assert_eq!(tier(&events, None), RiderTier::Frequent);
}

#[test]
fn rid_08_tiers_fall_as_the_windows_roll() {
    let config = TierConfig::default();
    let events = burst(4, Duration::zero());
    let at = |d: i64| tier_from_history(&events, None, now() + days(d), &config).tier;
    assert_eq!(at(0), RiderTier::Frequent);
    assert_eq!(at(6), RiderTier::Frequent);
    assert_eq!(at(7), RiderTier::Occasional);
    assert_eq!(at(29), RiderTier::Occasional);
    assert_eq!(at(30), RiderTier::Clear);
    // The incremental state falls the same way without any new event.
    for d in [0, 6, 7, 29, 30] {
        assert_eq!(
            incremental(&events, None, now() + days(d)),
            at(d),
            "day {d}"
        );
    }
}

#[test]
fn rid_08_incorrigible_needs_a_violation_after_education_within_365_days() {
    let educated = now() - days(100);
    // Violations before the education only: not incorrigible (and old: clear).
    assert_eq!(tier(&burst(2, days(150)), Some(educated)), RiderTier::Clear);
    // One violation after it: incorrigible, even though it is outside the 30-day window.
    assert_eq!(
        tier(&burst(1, days(50)), Some(educated)),
        RiderTier::Incorrigible
    );
    // At the very instant of the education is not after it.
    assert_eq!(tier(&[educated], Some(educated)), RiderTier::Clear);
    // Outranks frequent.
    let mut events = burst(10, Duration::hours(1));
    events.push(now() - days(1));
    assert_eq!(
        tier(&events, Some(now() - days(2))),
        RiderTier::Incorrigible
    );
    // No education: never incorrigible however many violations.
    assert_eq!(tier(&burst(40, days(1)), None), RiderTier::Frequent);
}

#[test]
fn rid_08_events_before_the_history_start_never_matter() {
    let config = TierConfig::default();
    let start = config.history_start(now());
    assert_eq!(start, now() - days(365));
    let educated = Some(now() - days(364));
    let mut events = burst(3, days(2));
    let with_old = {
        let mut all = events.clone();
        all.extend(burst(50, days(365)));
        all
    };
    events.retain(|&t| t > start);
    assert_eq!(
        tier_from_history(&events, educated, now(), &config),
        tier_from_history(&with_old, educated, now(), &config)
    );
}

#[test]
fn rid_08_incorrigible_falls_when_the_education_is_365_days_old() {
    let config = TierConfig::default();
    let educated = now() - days(364);
    let events = vec![now() - days(300)];
    let at = |d: i64| tier_from_history(&events, Some(educated), now() + days(d), &config).tier;
    assert_eq!(at(0), RiderTier::Incorrigible);
    assert_eq!(at(1), RiderTier::Clear);
    let state = TierState::from_history([(events[0], 1)], Some(educated), &config);
    assert_eq!(state.tier_at(now(), &config).tier, RiderTier::Incorrigible);
    assert_eq!(
        state.tier_at(now() + days(1), &config).tier,
        RiderTier::Clear
    );
}

#[test]
fn rid_08_education_recorded_later_makes_the_next_violation_count() {
    let config = TierConfig::default();
    let mut state = TierState::new(None);
    state.observe(now() - days(3), 1, &config);
    assert_eq!(state.tier_at(now(), &config).tier, RiderTier::Occasional);
    state.educated(now() - days(2));
    // An earlier education does not replace a later one.
    state.educated(now() - days(50));
    assert_eq!(state.last_education(), Some(now() - days(2)));
    assert_eq!(state.tier_at(now(), &config).tier, RiderTier::Occasional);
    state.observe(now() - days(1), 2, &config);
    assert_eq!(state.tier_at(now(), &config).tier, RiderTier::Incorrigible);
}

#[test]
fn rid_08_out_of_order_events_give_the_same_tier() {
    let config = TierConfig::default();
    let mut events = burst(3, days(2));
    events.extend(burst(6, days(20)));
    events.extend(burst(5, days(200)));
    let mut forward = TierState::new(None);
    let mut backward = TierState::new(None);
    for (i, &t) in events.iter().enumerate() {
        forward.observe(t, i as i64, &config);
    }
    for (i, &t) in events.iter().enumerate().rev() {
        backward.observe(t, i as i64, &config);
    }
    let want = tier_from_history(&events, None, now(), &config);
    assert_eq!(want.tier, RiderTier::Frequent);
    assert_eq!(forward.tier_at(now(), &config).tier, want.tier);
    assert_eq!(backward.tier_at(now(), &config).tier, want.tier);
    // The state keeps only the events that can decide the tier: its counts stop at that.
    assert_eq!(want.counts, WindowCounts { short: 3, long: 9 });
    assert_eq!(
        forward.tier_at(now(), &config).counts,
        WindowCounts { short: 3, long: 8 }
    );
    assert_eq!(forward, backward);
    assert!(forward.kept() <= config.state_capacity());
}

#[test]
fn rid_08_the_same_event_twice_counts_once() {
    let config = TierConfig::default();
    let mut state = TierState::new(None);
    let t = now() - Duration::hours(1);
    for id in 1..=3 {
        assert_eq!(state.observe(t, id, &config), Observed::Added);
    }
    assert_eq!(state.observe(t, 3, &config), Observed::Duplicate);
    assert_eq!(state.observe(t, 2, &config), Observed::Duplicate);
    let d = state.tier_at(now(), &config);
    assert_eq!(d.counts.short, 3);
    assert_eq!(d.tier, RiderTier::Occasional);
    // A fourth distinct event at the same second does count.
    assert_eq!(state.observe(t, 4, &config), Observed::Added);
    assert_eq!(state.tier_at(now(), &config).tier, RiderTier::Frequent);
}

#[test]
fn rid_08_an_old_event_after_a_full_state_changes_nothing() {
    let config = TierConfig::default();
    let mut state = TierState::new(None);
    for i in 0..config.state_capacity() as i64 {
        state.observe(now() - Duration::minutes(i), i, &config);
    }
    let before = state.clone();
    assert_eq!(
        state.observe(now() - days(90), 999, &config),
        Observed::TooOld
    );
    assert_eq!(state, before);
}

#[test]
fn rid_08_an_event_from_the_future_counts_once_its_time_comes() {
    let config = TierConfig::default();
    let ahead = now() + Duration::minutes(5);
    let events: Vec<_> = (0..4).map(|_| ahead).collect();
    assert_eq!(tier(&events, None), RiderTier::Clear);
    assert_eq!(
        tier_from_history(&events, None, ahead, &config).tier,
        RiderTier::Frequent
    );
}

#[test]
fn rid_08_windows_and_bands_come_from_configuration() {
    let config = TierConfig {
        short_window_days: 3,
        long_window_days: 14,
        incorrigible_window_days: 30,
        occasional_short: Band::new(1, 1),
        occasional_long: Band::new(2, 3),
        frequent_short: Band::new(2, 5),
        frequent_long: Band::new(4, 10),
    };
    config.validate().unwrap();
    let t = |events: &[DateTime<Utc>], e| tier_from_history(events, e, now(), &config).tier;
    assert_eq!(t(&burst(2, days(1)), None), RiderTier::Frequent);
    assert_eq!(t(&burst(1, days(1)), None), RiderTier::Occasional);
    assert_eq!(t(&burst(4, days(5)), None), RiderTier::Frequent);
    assert_eq!(t(&burst(3, days(5)), None), RiderTier::Occasional);
    assert_eq!(t(&burst(3, days(14)), None), RiderTier::Clear);
    assert_eq!(
        t(&burst(1, days(5)), Some(now() - days(29))),
        RiderTier::Incorrigible
    );
    assert_eq!(
        t(&burst(1, days(5)), Some(now() - days(30))),
        RiderTier::Occasional
    );
    assert_eq!(config.state_capacity(), 4);
}

#[test]
fn rid_08_unusable_configurations_are_refused() {
    let ok = TierConfig::default();
    ok.validate().unwrap();
    assert_eq!(ok.state_capacity(), 8);
    for bad in [
        TierConfig {
            short_window_days: 0,
            ..ok.clone()
        },
        TierConfig {
            short_window_days: 31,
            ..ok.clone()
        },
        TierConfig {
            frequent_long: Band::new(9, 8),
            ..ok.clone()
        },
        TierConfig {
            occasional_short: Band::new(0, 3),
            ..ok.clone()
        },
        TierConfig {
            frequent_long: Band::new(5_000, 6_000),
            ..ok
        },
    ] {
        assert!(bad.validate().is_err(), "{bad:?}");
    }
    let parsed: TierConfig =
        toml::from_str("long_window_days = 60\n[frequent_long]\nmin = 10\nmax = 40\n").unwrap();
    assert_eq!(parsed.long_window_days, 60);
    assert_eq!(parsed.frequent_long, Band::new(10, 40));
    assert_eq!(parsed.short_window_days, 7);
}

#[test]
fn rid_08_tiers_are_ranked_and_stored_as_text() {
    assert!(RiderTier::Incorrigible > RiderTier::Frequent);
    assert!(RiderTier::Frequent > RiderTier::Occasional);
    assert!(RiderTier::Occasional > RiderTier::Clear);
    for t in RiderTier::ALL {
        assert_eq!(RiderTier::try_from(t.as_str().to_owned()), Ok(t));
    }
    assert!(RiderTier::parse("sometimes").is_err());
}

proptest! {
    /// The incremental state agrees with the full recomputation whatever the order, the
    /// duplicates and the education, at any time from the newest event on.
    #[test]
    fn rid_08_incremental_equals_recompute(
        raw in proptest::collection::vec((0i64..400 * 24, 0i64..60), 0..60),
        educated_hours_ago in proptest::option::of(0i64..500 * 24),
        later_hours in 0i64..400 * 24,
    ) {
        let config = TierConfig::default();
        let base = now();
        // (hours before base, event id): ids repeat, so some events arrive twice.
        let mut by_id = std::collections::BTreeMap::new();
        for &(h, id) in &raw {
            by_id.entry(id).or_insert(base - Duration::hours(h));
        }
        let educated = educated_hours_ago.map(|h| base - Duration::hours(h));
        let mut state = TierState::new(educated);
        for &(_, id) in &raw {
            // The first time an id arrives decides its time, as the store's unique key does.
            state.observe(by_id[&id], id, &config);
        }
        let times: Vec<_> = by_id.values().copied().collect();
        for at in [base, base + Duration::hours(later_hours)] {
            prop_assert_eq!(
                state.tier_at(at, &config).tier,
                tier_from_history(&times, educated, at, &config).tier
            );
        }
    }
}
