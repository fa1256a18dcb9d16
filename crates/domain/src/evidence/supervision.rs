//! BWC-02, BWC-13, BWC-14: supervision of recorder use.
//!
//! A duty must be recorded from start to end without breaks (BWC-02) unless a work record
//! covers the stop (BWC-03). `coverage` finds duties with no footage and the gaps inside a
//! duty; `in_sample` draws the spot-check sample at a configured rate, reproducibly, so a
//! report can be re-run and give the same sample.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// A span of time, start inclusive, end exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Span {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// Breaks shorter than this (a file split by the recorder, a battery swap) are not gaps.
pub const GAP_TOLERANCE_SECONDS: i64 = 120;

/// What supervision finds for one duty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Coverage {
    /// No footage at all for the duty (BWC-14: not recording as required).
    pub no_footage: bool,
    /// Unrecorded stretches longer than the tolerance, not covered by an approved or filed
    /// work record.
    pub gaps: Vec<Span>,
}

/// BWC-02, BWC-14: the parts of `duty` covered neither by `footage` nor by `excused` spans.
pub fn coverage(duty: Span, footage: &[Span], excused: &[Span]) -> Coverage {
    let no_footage = !footage
        .iter()
        .any(|f| f.start < duty.end && f.end > duty.start);
    let mut covered: Vec<Span> = footage.iter().chain(excused).copied().collect();
    covered.sort_by_key(|s| s.start);
    let tolerance = Duration::seconds(GAP_TOLERANCE_SECONDS);
    let mut gaps = Vec::new();
    let mut cursor = duty.start;
    for s in covered {
        if s.end <= cursor {
            continue;
        }
        if s.start >= duty.end {
            break;
        }
        if s.start > cursor && s.start - cursor > tolerance {
            gaps.push(Span {
                start: cursor,
                end: s.start,
            });
        }
        cursor = cursor.max(s.end);
    }
    if cursor < duty.end && duty.end - cursor > tolerance {
        gaps.push(Span {
            start: cursor,
            end: duty.end,
        });
    }
    Coverage { no_footage, gaps }
}

/// BWC-13: whether `item` falls in the spot-check sample at `rate_percent` for `round` (e.g.
/// "2026-11"). Keyed by the round so each round draws a fresh sample, stable within a round.
pub fn in_sample(round: &str, item: i64, rate_percent: u32) -> bool {
    if rate_percent >= 100 {
        return true;
    }
    let digest = Sha256::new()
        .chain_update(round.as_bytes())
        .chain_update(b"\0")
        .chain_update(item.to_be_bytes())
        .finalize();
    let draw = u16::from_be_bytes([digest[0], digest[1]]) % 10_000;
    u32::from(draw) < rate_percent * 100
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn m(min: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 2, 8, 0, 0).unwrap() + Duration::minutes(min)
    }

    fn span(a: i64, b: i64) -> Span {
        Span {
            start: m(a),
            end: m(b),
        }
    }

    #[test]
    fn bwc_02_a_duty_recorded_end_to_end_has_no_gaps() {
        let c = coverage(span(0, 60), &[span(0, 30), span(31, 60)], &[]);
        assert!(!c.no_footage);
        assert!(c.gaps.is_empty(), "a one-minute split is within tolerance");
    }

    #[test]
    fn bwc_14_no_footage_and_gaps_are_found() {
        let none = coverage(span(0, 60), &[], &[]);
        assert!(none.no_footage);
        assert_eq!(none.gaps, vec![span(0, 60)]);
        let gappy = coverage(span(0, 60), &[span(0, 20), span(40, 50)], &[]);
        assert_eq!(gappy.gaps, vec![span(20, 40), span(50, 60)]);
    }

    #[test]
    fn bwc_03_a_filed_stop_excuses_the_gap() {
        let c = coverage(span(0, 60), &[span(0, 20), span(40, 60)], &[span(20, 40)]);
        assert!(c.gaps.is_empty());
    }

    #[test]
    fn bwc_13_spot_check_sample_follows_the_rate_and_is_stable() {
        let picked = (0..10_000).filter(|i| in_sample("2026-11", *i, 5)).count();
        assert!((400..600).contains(&picked), "5% of 10,000 drew {picked}");
        assert_eq!(in_sample("2026-11", 42, 5), in_sample("2026-11", 42, 5));
        assert!(in_sample("2026-11", 42, 100));
        assert!(!(0..1000).any(|i| in_sample("2026-11", i, 0)));
    }
}
