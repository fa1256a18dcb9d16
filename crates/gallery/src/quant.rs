//! The int8 variant: each vector quantised with one global scale (`round(x * scale)`, clamped
//! to ±127), a scan over the codes for the k' best candidates, then an exact re-rank of those
//! on the `f32` vectors. A quarter of the memory traffic of the exact scan.

use crate::exact::FlatIndex;
use crate::kernel::{l2sq_i8, l2sq_i8_plain};
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
        let codes = exact.vectors().iter().map(|v| quantise(v, scale)).collect();
        Self {
            exact,
            codes,
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
        match self.exact.slot_of(face) {
            Some(slot) => self.codes[slot] = code,
            None => self.codes.push(code),
        }
        self.exact.insert(face, vector);
    }

    pub fn remove(&mut self, face: FaceId) -> bool {
        let Some(slot) = self.exact.slot_of(face) else {
            return false;
        };
        self.codes.swap_remove(slot);
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
        self.scan(query, k, rerank, threshold, keep, l2sq_i8)
    }

    /// The same with the plain `i8` loop instead of simsimd (for the benchmark).
    #[doc(hidden)]
    pub fn search_plain(
        &self,
        query: &Vector,
        k: usize,
        rerank: usize,
        threshold: f32,
    ) -> Vec<Hit> {
        self.scan(query, k, rerank, threshold, |_| true, l2sq_i8_plain)
    }

    fn scan(
        &self,
        query: &Vector,
        k: usize,
        rerank: usize,
        threshold: f32,
        mut keep: impl FnMut(FaceId) -> bool,
        kernel: impl Fn(&[i8; DIM], &[i8; DIM]) -> f32,
    ) -> Vec<Hit> {
        let k = k.min(MAX_K);
        let loose = (threshold + SLACK) * self.scale;
        let mut candidates = TopK::new(rerank.clamp(k, MAX_K), loose * loose);
        let code = quantise(query, self.scale);
        let ids = self.exact.ids();
        for (slot, c) in self.codes.iter().enumerate() {
            let d2 = kernel(&code, c);
            if d2 < candidates.bound() && keep(ids[slot]) {
                candidates.push(d2, slot);
            }
        }
        let mut top = TopK::new(k, threshold * threshold);
        for (_, slot) in candidates.into_sorted() {
            top.push(self.exact.l2sq_slot(query, slot), slot);
        }
        self.exact.hits(top)
    }
}

fn quantise(v: &Vector, scale: f32) -> [i8; DIM] {
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
