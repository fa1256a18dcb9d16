//! The int8 variant: each vector quantised with one global scale (`round(x * scale)`, clamped
//! to ±127), a scan over the codes for the k' best candidates, then an exact re-rank of those
//! on the `f32` vectors. A quarter of the memory traffic of the exact scan.
//!
//! The scan computes `|q|² + |c|² − 2 q·c` with each code's squared norm kept beside it: a dot
//! product is one `vpmaddubsw` per 32 bytes where a difference needs widening first, and in
//! integers the expansion is exact, so the distances are those of the direct formula.

use crate::block::{dot_i8_block, dot_i8_plain, SCAN_BLOCK};
use crate::exact::FlatIndex;
use crate::kernel::{l2sq_i8, l2sq_i8_plain, pairwise};
use crate::topk::{Hit, TopK};
use crate::{FaceId, Vector, DIM, MAX_K};

/// Candidates re-ranked exactly unless the caller says otherwise.
pub const DEFAULT_RERANK: usize = 32;
/// How much farther than the threshold (Euclidean) a candidate may look in int8 and still be
/// re-ranked: covers the rounding error (≤ 0.5 / scale per component).
const SLACK: f32 = 0.05;

#[derive(Debug, Clone)]
pub struct Int8Index {
    exact: FlatIndex,
    codes: Vec<[i8; DIM]>,
    /// `|c|²` of each code, in the same slots.
    norms: Vec<i32>,
    /// `|x − c/scale|` of each vector: how far its code may mislead (see `bounded.rs`).
    pub(crate) residuals: Vec<f32>,
    /// At least the largest of `residuals` (not lowered on removal).
    pub(crate) max_residual: f32,
    scale: f32,
}

impl Int8Index {
    /// Quantises every vector of `exact` with the scale that maps its largest component to 127.
    pub fn build(exact: FlatIndex) -> Self {
        let max = exact
            .vectors()
            .iter()
            .flat_map(|v| v.iter())
            .fold(0.0f32, |m, x| m.max(x.abs()));
        let scale = if max > 0.0 { 127.0 / max } else { 127.0 };
        Self::build_with_scale(exact, scale)
    }

    /// As [`build`](Self::build) with a given scale (components beyond ±127/scale are clamped).
    pub fn build_with_scale(exact: FlatIndex, scale: f32) -> Self {
        let codes: Vec<[i8; DIM]> = exact.vectors().iter().map(|v| quantise(v, scale)).collect();
        let norms = codes.iter().map(norm).collect();
        let residuals: Vec<f32> = exact
            .vectors()
            .iter()
            .zip(&codes)
            .map(|(v, c)| residual(v, c, scale))
            .collect();
        let max_residual = residuals.iter().copied().fold(0.0, f32::max);
        Self {
            exact,
            codes,
            norms,
            residuals,
            max_residual,
            scale,
        }
    }

    pub fn scale(&self) -> f32 {
        self.scale
    }

    pub fn exact(&self) -> &FlatIndex {
        &self.exact
    }

    pub fn len(&self) -> usize {
        self.exact.len()
    }

    pub fn is_empty(&self) -> bool {
        self.exact.is_empty()
    }

    /// Adds or replaces a face (quantised with the index's scale).
    pub fn insert(&mut self, face: FaceId, vector: Vector) {
        let code = quantise(&vector, self.scale);
        let off = residual(&vector, &code, self.scale);
        self.max_residual = self.max_residual.max(off);
        match self.exact.slot_of(face) {
            Some(slot) => {
                self.norms[slot] = norm(&code);
                self.codes[slot] = code;
                self.residuals[slot] = off;
            }
            None => {
                self.norms.push(norm(&code));
                self.codes.push(code);
                self.residuals.push(off);
            }
        }
        self.exact.insert(face, vector);
    }

    pub fn remove(&mut self, face: FaceId) -> bool {
        let Some(slot) = self.exact.slot_of(face) else {
            return false;
        };
        self.codes.swap_remove(slot);
        self.norms.swap_remove(slot);
        self.residuals.swap_remove(slot);
        self.exact.remove(face)
    }

    /// The `k` nearest faces strictly closer than `threshold`: the `rerank` (≥ k) best by the
    /// int8 distance, re-ranked on the exact distance.
    pub fn search(&self, query: &Vector, k: usize, rerank: usize, threshold: f32) -> Vec<Hit> {
        self.search_filtered(query, k, rerank, threshold, |_| true)
    }

    pub fn search_filtered(
        &self,
        query: &Vector,
        k: usize,
        rerank: usize,
        threshold: f32,
        keep: impl FnMut(FaceId) -> bool,
    ) -> Vec<Hit> {
        let code = quantise(query, self.scale);
        let mut distances = self.code_distances(&code);
        let kernel = |_: &[i8; DIM], codes: &[[i8; DIM]], out: &mut [f32], first: usize| {
            distances(first, codes, out);
        };
        self.scan(&code, query, k, rerank, threshold, keep, kernel)
    }

    /// `distances(first slot, codes, out)`: squared distances, in code units, from `code` to a
    /// block of codes (exact integers, as `f32`).
    pub(crate) fn code_distances<'a>(
        &'a self,
        code: &'a [i8; DIM],
    ) -> impl FnMut(usize, &[[i8; DIM]], &mut [f32]) + 'a {
        let code_norm = norm(code);
        let mut dots = [0i32; SCAN_BLOCK];
        move |first, codes, out| {
            let dots = &mut dots[..codes.len()];
            dot_i8_block(code, codes, dots);
            for ((o, &dot), &n) in out.iter_mut().zip(&*dots).zip(&self.norms[first..]) {
                *o = (code_norm + n - 2 * dot) as f32;
            }
        }
    }

    pub(crate) fn codes(&self) -> &[[i8; DIM]] {
        &self.codes
    }

    /// The same one pair at a time with the plain `i8` loop (for the benchmark).
    #[doc(hidden)]
    pub fn search_plain(
        &self,
        query: &Vector,
        k: usize,
        rerank: usize,
        threshold: f32,
    ) -> Vec<Hit> {
        self.search_pairwise(query, k, rerank, threshold, l2sq_i8_plain)
    }

    /// The same one pair at a time with simsimd (for the benchmark).
    #[doc(hidden)]
    pub fn search_simsimd(
        &self,
        query: &Vector,
        k: usize,
        rerank: usize,
        threshold: f32,
    ) -> Vec<Hit> {
        self.search_pairwise(query, k, rerank, threshold, l2sq_i8)
    }

    fn search_pairwise(
        &self,
        query: &Vector,
        k: usize,
        rerank: usize,
        threshold: f32,
        pair: fn(&[i8; DIM], &[i8; DIM]) -> f32,
    ) -> Vec<Hit> {
        let pairs = pairwise(pair);
        let code = quantise(query, self.scale);
        let kernel = |q: &[i8; DIM], codes: &[[i8; DIM]], out: &mut [f32], _: usize| {
            pairs(q, codes, out);
        };
        self.scan(&code, query, k, rerank, threshold, |_| true, kernel)
    }

    /// `kernel(code, block, out, first slot)` fills the int8 distances of one block.
    #[allow(clippy::too_many_arguments)]
    fn scan(
        &self,
        code: &[i8; DIM],
        query: &Vector,
        k: usize,
        rerank: usize,
        threshold: f32,
        mut keep: impl FnMut(FaceId) -> bool,
        mut kernel: impl FnMut(&[i8; DIM], &[[i8; DIM]], &mut [f32], usize),
    ) -> Vec<Hit> {
        let k = k.min(MAX_K);
        let loose = (threshold + SLACK) * self.scale;
        let mut candidates = TopK::new(rerank.clamp(k, MAX_K), loose * loose);
        let ids = self.exact.ids();
        let mut d2s = [0.0f32; SCAN_BLOCK];
        for (b, block) in self.codes.chunks(SCAN_BLOCK).enumerate() {
            let first = b * SCAN_BLOCK;
            let d2s = &mut d2s[..block.len()];
            kernel(code, block, d2s, first);
            for (i, &d2) in d2s.iter().enumerate() {
                if d2 < candidates.bound() && keep(ids[first + i]) {
                    candidates.push(d2, first + i);
                }
            }
        }
        let mut top = TopK::new(k, threshold * threshold);
        for (_, slot) in candidates.into_sorted() {
            top.push(self.exact.l2sq_slot(query, slot), slot);
        }
        self.exact.hits(top)
    }
}

fn norm(code: &[i8; DIM]) -> i32 {
    dot_i8_plain(code, code)
}

/// `|v − code/scale|`, summed in `f64` (the bound must not be smaller than the truth).
pub(crate) fn residual(v: &Vector, code: &[i8; DIM], scale: f32) -> f32 {
    let inv = 1.0 / f64::from(scale);
    let sum: f64 = v
        .iter()
        .zip(code)
        .map(|(&x, &c)| (f64::from(x) - f64::from(c) * inv).powi(2))
        .sum();
    sum.sqrt() as f32
}

pub(crate) fn quantise(v: &Vector, scale: f32) -> [i8; DIM] {
    let mut out = [0i8; DIM];
    for (o, x) in out.iter_mut().zip(v) {
        *o = (x * scale).round().clamp(-127.0, 127.0) as i8;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::Synth;

    #[test]
    fn rid_05_int8_search_agrees_with_exact_on_clustered_faces() {
        let mut rng = Synth::new(7);
        let people: Vec<Vector> = (0..200).map(|_| rng.unit()).collect();
        let mut exact = FlatIndex::new();
        for (i, p) in people.iter().enumerate() {
            for j in 0..3 {
                exact.insert(FaceId((i * 3 + j) as i64), rng.near(p, 0.2));
            }
        }
        let idx = Int8Index::build(exact.clone());
        assert_eq!(idx.len(), 600);
        for p in people.iter().take(50) {
            let q = rng.near(p, 0.2);
            let want = exact.search(&q, 1, 0.6);
            assert_eq!(idx.search(&q, 1, DEFAULT_RERANK, 0.6), want);
            assert_eq!(idx.search_plain(&q, 1, DEFAULT_RERANK, 0.6), want);
        }
    }

    #[test]
    fn rid_05_int8_insert_and_remove_stay_in_step_with_the_codes() {
        let mut rng = Synth::new(3);
        let mut idx = Int8Index::build_with_scale(FlatIndex::new(), 300.0);
        let a = rng.unit();
        let b = rng.unit();
        idx.insert(FaceId(1), a);
        idx.insert(FaceId(2), b);
        assert!(idx.remove(FaceId(1)));
        assert_eq!(idx.search(&b, 1, 8, 0.6)[0].face, FaceId(2));
        assert!(idx.search(&a, 1, 8, 0.6).is_empty());
        idx.insert(FaceId(2), a);
        assert_eq!(idx.search(&a, 1, 8, 0.6)[0].face, FaceId(2));
    }
}
