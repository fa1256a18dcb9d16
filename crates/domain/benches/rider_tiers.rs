//! RID-08 tier performance (issue 15), pure Rust on one core:
//!
//! 1. the incremental update per event ([`TierState::observe`] + [`TierState::tier_at`]),
//!    target at most 50 µs per event;
//! 2. the batch rebuild of 1,000,000 persons with 10,000,000 events ([`tier_from_history`]
//!    per person), target under 30 s, with and without grouping the events by person first.
//!
//! `cargo bench -p roadwarden-domain --bench rider_tiers [-- PERSONS EVENTS]`

use std::collections::HashMap;
use std::hint::black_box;
use std::time::Instant;

use chrono::{DateTime, Duration, TimeZone, Utc};
use roadwarden_domain::rider::{tier_from_history, RiderTier, TierConfig, TierState};

/// xorshift64*: reproducible, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let persons = args.first().copied().unwrap_or(1_000_000) as usize;
    let events = args.get(1).copied().unwrap_or(10_000_000) as usize;
    let config = TierConfig::default();
    let now = Utc.with_ymd_and_hms(2026, 12, 4, 12, 0, 0).unwrap();
    incremental(&config, now);
    batch(&config, now, persons, events);
}

fn incremental(config: &TierConfig, now: DateTime<Utc>) {
    const PERSONS: u64 = 100_000;
    const EVENTS: usize = 2_000_000;
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let start = now - Duration::days(400);
    let span = (now - start).num_seconds() as u64;
    // Events in arrival order; 5% arrive late (up to a day out of order), 1% twice.
    let mut stream: Vec<(u64, i64, i64, i64)> = Vec::with_capacity(EVENTS + EVENTS / 100);
    for id in 0..EVENTS as i64 {
        let person = rng.below(PERSONS);
        let at = (id as u64 * span / EVENTS as u64) as i64;
        let late = if rng.below(20) == 0 {
            rng.below(86_400) as i64
        } else {
            0
        };
        stream.push((person, at - late, at, id));
        if rng.below(100) == 0 {
            stream.push((person, at - late, at, id));
        }
    }
    let mut states: HashMap<u64, TierState> = HashMap::with_capacity(PERSONS as usize);
    let mut samples = Vec::with_capacity(stream.len());
    let mut tiers = [0usize; 4];
    let t = Instant::now();
    for &(person, at_s, arrived_s, id) in &stream {
        let at = start + Duration::seconds(at_s);
        let arrived = start + Duration::seconds(arrived_s);
        let one = Instant::now();
        let state = states.entry(person).or_default();
        state.observe(at, id, config);
        let tier = state.tier_at(arrived, config).tier;
        samples.push(one.elapsed().as_nanos() as u64);
        tiers[tier as usize] += 1;
    }
    let total = t.elapsed();
    samples.sort_unstable();
    let pct = |p: f64| samples[((samples.len() as f64 * p) as usize).min(samples.len() - 1)];
    println!(
        "tier update: {} events over {PERSONS} persons in {:.3} s; per event mean {:.0} ns, \
         p50 {} ns, p99 {} ns, p99.9 {} ns, max {} ns (target <= 50 us)",
        stream.len(),
        total.as_secs_f64(),
        total.as_nanos() as f64 / stream.len() as f64,
        pct(0.50),
        pct(0.99),
        pct(0.999),
        samples.last().copied().unwrap_or(0),
    );
    black_box(tiers);
}

fn batch(config: &TierConfig, now: DateTime<Utc>, persons: usize, events: usize) {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let span = Duration::days(400).num_seconds() as u64;
    // Skewed: most persons have few events, a few have many (ids squared).
    let gen_start = Instant::now();
    let mut raw: Vec<(u32, DateTime<Utc>)> = (0..events)
        .map(|_| {
            let r = rng.below(persons as u64);
            let person = (r * r / persons as u64) as u32;
            let at = now - Duration::seconds(rng.below(span) as i64);
            (person, at)
        })
        .collect();
    let educated: Vec<Option<DateTime<Utc>>> = (0..persons)
        .map(|_| (rng.below(10) == 0).then(|| now - Duration::seconds(rng.below(span) as i64)))
        .collect();
    println!(
        "batch input: {persons} persons, {events} events generated in {:.2} s",
        gen_start.elapsed().as_secs_f64()
    );

    // As the database would hand them over: grouped by person (ORDER BY person_id).
    let t = Instant::now();
    raw.sort_unstable_by_key(|&(p, _)| p);
    let sort = t.elapsed();
    let mut offsets = vec![0usize; persons + 1];
    for &(p, _) in &raw {
        offsets[p as usize + 1] += 1;
    }
    for i in 0..persons {
        offsets[i + 1] += offsets[i];
    }
    let times: Vec<DateTime<Utc>> = raw.iter().map(|&(_, at)| at).collect();
    drop(raw);
    let group = t.elapsed();

    let t = Instant::now();
    let mut tiers = [0usize; 4];
    for p in 0..persons {
        let d = tier_from_history(&times[offsets[p]..offsets[p + 1]], educated[p], now, config);
        tiers[d.tier as usize] += 1;
    }
    let rebuild = t.elapsed();
    println!(
        "batch rebuild: {persons} persons / {events} events: tiers computed in {:.3} s \
         (+ {:.3} s sorting and {:.3} s grouping by person = {:.3} s) (target < 30 s)",
        rebuild.as_secs_f64(),
        sort.as_secs_f64(),
        (group - sort).as_secs_f64(),
        (rebuild + group).as_secs_f64(),
    );
    println!(
        "  tiers: clear {}, occasional {}, frequent {}, incorrigible {}",
        tiers[RiderTier::Clear as usize],
        tiers[RiderTier::Occasional as usize],
        tiers[RiderTier::Frequent as usize],
        tiers[RiderTier::Incorrigible as usize],
    );
}
