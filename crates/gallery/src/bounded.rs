//! Exact 1:N search that reads the int8 codes, not the `f32` vectors: the same hits as the
//! exact scan (same faces, same distances to the bit, same order), reading a quarter of the
//! memory (the codes; the `f32` vectors are still held, for the candidates).
//!
//! A code `c` stands for `c / scale`; the vector `x` is off from it by `r_x = |x − c/scale|`,
//! kept per vector. By the triangle inequality the true distance lies within
//! `r_q + r_x` of the code distance `â`. So a face can only be among the k nearest if its lower
//! bound `â − r_q − r_x` is no more than the k-th smallest upper bound `â + r_q + r_x` seen, and
//! only those few candidates are measured exactly. The exact scan is memory-bound (512 bytes a
//! face against 128 here), which is where the time goes; see BENCHMARKS.md, issue 15.

use crate::block::SCAN_BLOCK;
use crate::quant::{quantise, residual, Int8Index};
use crate::topk::{Hit, TopK};
use crate::{FaceId, Vector, MAX_K};

/// Added to every bound: covers the rounding of `f32` arithmetic in the bounds and in the exact
/// distance (about 1e-6 for descriptors of unit length), with `REL` of the distance for larger
/// vectors, whose rounding grows with their size.
const EPS: f32 = 1e-3;
const REL: f32 = 1e-5;

/// Candidates kept before those already outside the bound are dropped.
const PRUNE_AT: usize = 4_096;

impl Int8Index {
    /// Exact 1:N: the same answer as [`FlatIndex::search_filtered`](crate::FlatIndex) on the
    /// same faces. `keep` is asked only of candidates.
    pub fn search_exact(
        &self,
        query: &Vector,
        k: usize,
        threshold: f32,
        mut keep: impl FnMut(FaceId) -> bool,
    ) -> Vec<Hit> {
        let k = k.min(MAX_K);
        let exact = self.exact();
        if k == 0 || exact.is_empty() {
            return Vec::new();
        }
        if !query.iter().all(|x| x.is_finite()) || threshold.is_nan() || threshold <= 0.0 {
            // No bound holds for a NaN, and the scan reads a threshold only as its square:
            // the full scan answers these.
            return exact.search_filtered(query, k, threshold, keep);
        }
        let scale = self.scale();
        let code = quantise(query, scale);
        let query_off = residual(query, &code, scale);
        let ids = exact.ids();
        let mut distances = self.code_distances(&code);

        // `bound`: no face whose lower bound is above it can be a hit.
        let mut bound = threshold;
        // A cheap first test on the squared code distance with the largest residual.
        let gate_for = |bound: f32| {
            let reach = bound + (query_off + self.max_residual) * (1.0 + REL) + EPS;
            (reach * (1.0 + 2.0 * REL) * scale).powi(2)
        };
        let mut gate = gate_for(bound);
        let mut uppers = TopK::new(k, f32::INFINITY);
        let mut candidates: Vec<(usize, f32)> = Vec::new();
        let mut prune_at = PRUNE_AT;

        let mut d2s = [0.0f32; SCAN_BLOCK];
        for (b, block) in self.codes().chunks(SCAN_BLOCK).enumerate() {
            let first = b * SCAN_BLOCK;
            let d2s = &mut d2s[..block.len()];
            distances(first, block, d2s);
            for (i, &d2) in d2s.iter().enumerate() {
                if d2 > gate {
                    continue;
                }
                let slot = first + i;
                let approx = d2.sqrt() / scale;
                let off = (query_off + self.residuals[slot]) * (1.0 + REL) + EPS + approx * REL;
                let lower = approx - off;
                // A vector with a NaN is never a hit in the full scan: skipped here too.
                if lower.is_nan() || lower > bound || !keep(ids[slot]) {
                    continue;
                }
                candidates.push((slot, lower));
                uppers.push(approx + off, slot);
                if uppers.bound() < bound {
                    bound = uppers.bound();
                    gate = gate_for(bound);
                }
                if candidates.len() >= prune_at {
                    candidates.retain(|&(_, lower)| lower <= bound);
                    prune_at = PRUNE_AT.max(2 * candidates.len());
                }
            }
        }

        // In slot order, as the exact scan meets them, so ties fall the same way.
        let mut top = TopK::new(k, threshold * threshold);
        for (slot, lower) in candidates {
            if lower <= bound {
                top.push(exact.l2sq_slot(query, slot), slot);
            }
        }
        exact.hits(top)
    }
}

#[cfg(test)]
mod tests {
    use crate::synth::Synth;
    use crate::{FaceId, FlatIndex, Int8Index, Vector};

    fn assert_same(idx: &Int8Index, q: &Vector, k: usize, threshold: f32) {
        let keep = |f: FaceId| f.0 % 7 != 3;
        assert_eq!(
            idx.search_exact(q, k, threshold, keep),
            idx.exact().search_filtered(q, k, threshold, keep),
            "k {k}, threshold {threshold}"
        );
    }

    #[test]
    fn rid_05_exact_search_through_the_codes_answers_as_the_exact_scan() {
        let mut rng = Synth::new(21);
        let people: Vec<Vector> = (0..300).map(|_| rng.unit()).collect();
        let mut flat = FlatIndex::new();
        for (i, p) in people.iter().enumerate() {
            for j in 0..4 {
                flat.insert(FaceId((i * 4 + j) as i64), rng.near(p, 0.2));
            }
        }
        // Two faces at one place: the tie falls to the earlier slot, as in the scan.
        flat.insert(FaceId(5_000), people[0]);
        flat.insert(FaceId(5_001), people[0]);
        let mut idx = Int8Index::build(flat);
        for p in people.iter().take(40) {
            let q = rng.near(p, 0.2);
            for (k, threshold) in [(1, 0.6), (3, 0.6), (10, 2.0), (0, 2.0), (1_000, 0.5)] {
                assert_same(&idx, &q, k, threshold);
            }
        }
        assert_same(&idx, &people[0], 2, 0.6);
        // Random queries: many faces at almost the same distance.
        for _ in 0..20 {
            assert_same(&idx, &rng.unit(), 5, f32::INFINITY);
        }
        // A face inserted after the build, far outside the scale: its code clips, its residual
        // is large, and it is still found exactly.
        let far = [0.9; crate::DIM];
        idx.insert(FaceId(9_000), far);
        assert_eq!(
            idx.search_exact(&far, 1, 0.6, |_| true)[0].face,
            FaceId(9_000)
        );
        assert_same(&idx, &far, 3, f32::INFINITY);
        assert!(idx.remove(FaceId(9_000)));
        assert_same(&idx, &far, 3, f32::INFINITY);
    }

    #[test]
    fn rid_05_exact_search_through_the_codes_on_an_empty_index_and_a_broken_query() {
        let idx = Int8Index::build(FlatIndex::new());
        assert!(idx
            .search_exact(&[0.1; crate::DIM], 3, 0.6, |_| true)
            .is_empty());
        let mut flat = FlatIndex::new();
        flat.insert(FaceId(1), [0.1; crate::DIM]);
        let idx = Int8Index::build(flat);
        let mut broken = [0.1; crate::DIM];
        broken[5] = f32::NAN;
        assert_same(&idx, &broken, 1, f32::INFINITY);
        // A threshold is read as its square by the scan; the same answer here.
        assert_same(&idx, &[0.1; crate::DIM], 1, -0.5);
        assert_same(&idx, &[0.1; crate::DIM], 1, f32::NAN);
    }

    #[test]
    fn rid_05_exact_search_through_the_codes_skips_a_stored_nan_as_the_scan_does() {
        let mut flat = FlatIndex::new();
        let mut broken = [0.1; crate::DIM];
        broken[0] = f32::NAN;
        flat.insert(FaceId(1), broken);
        flat.insert(FaceId(2), [0.1; crate::DIM]);
        let mut near = [0.1; crate::DIM];
        near[1] = 0.15;
        flat.insert(FaceId(3), near);
        let idx = Int8Index::build(flat);
        assert_same(&idx, &[0.1; crate::DIM], 2, 0.6);
    }
}
