//! Exact 1:N search: every stored vector is compared with the query.

use std::collections::HashMap;

use crate::block::{l2sq_f32_block, l2sq_f32_one, SCAN_BLOCK};
use crate::kernel::{l2sq_f32, l2sq_f32_plain, pairwise};
use crate::topk::{Hit, TopK};
use crate::{FaceId, Vector, MAX_K};

/// Vectors in one contiguous array, with their face ids; removal moves the last vector into
/// the freed slot, so the array never has holes.
#[derive(Debug, Default, Clone)]
pub struct FlatIndex {
    vectors: Vec<Vector>,
    ids: Vec<FaceId>,
    slots: HashMap<FaceId, usize>,
}

impl FlatIndex {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with_capacity(n: usize) -> Self {
        Self {
            vectors: Vec::with_capacity(n),
            ids: Vec::with_capacity(n),
            slots: HashMap::with_capacity(n),
        }
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Adds a face, replacing its vector if the id is already there.
    pub fn insert(&mut self, face: FaceId, vector: Vector) {
        if let Some(&slot) = self.slots.get(&face) {
            self.vectors[slot] = vector;
            return;
        }
        self.slots.insert(face, self.ids.len());
        self.ids.push(face);
        self.vectors.push(vector);
    }

    /// Removes a face; `false` if it was not there.
    pub fn remove(&mut self, face: FaceId) -> bool {
        let Some(slot) = self.slots.remove(&face) else {
            return false;
        };
        self.vectors.swap_remove(slot);
        self.ids.swap_remove(slot);
        if let Some(&moved) = self.ids.get(slot) {
            self.slots.insert(moved, slot);
        }
        true
    }

    pub fn get(&self, face: FaceId) -> Option<&Vector> {
        self.slots.get(&face).map(|&s| &self.vectors[s])
    }

    pub fn contains(&self, face: FaceId) -> bool {
        self.slots.contains_key(&face)
    }

    pub fn vectors(&self) -> &[Vector] {
        &self.vectors
    }

    pub fn ids(&self) -> &[FaceId] {
        &self.ids
    }

    /// The `k` nearest faces strictly closer than `threshold` (Euclidean), nearest first.
    pub fn search(&self, query: &Vector, k: usize, threshold: f32) -> Vec<Hit> {
        self.search_filtered(query, k, threshold, |_| true)
    }

    /// As [`search`](Self::search), skipping faces for which `keep` answers `false` (asked
    /// only of faces that would otherwise enter the top k).
    pub fn search_filtered(
        &self,
        query: &Vector,
        k: usize,
        threshold: f32,
        keep: impl FnMut(FaceId) -> bool,
    ) -> Vec<Hit> {
        self.scan(query, k, threshold, keep, l2sq_f32_block)
    }

    /// Many queries at once: the gallery is read in blocks that stay in cache while every
    /// query is compared with them, so each vector comes from memory once per batch rather
    /// than once per query. Answers as [`search`](Self::search) for each query.
    pub fn search_batch(&self, queries: &[Vector], k: usize, threshold: f32) -> Vec<Vec<Hit>> {
        const BATCH_BLOCK: usize = 1_024; // 512 KiB of vectors
        let mut tops: Vec<TopK> = queries
            .iter()
            .map(|_| TopK::new(k.min(MAX_K), threshold * threshold))
            .collect();
        let mut d2s = vec![0.0; BATCH_BLOCK];
        for (b, block) in self.vectors.chunks(BATCH_BLOCK).enumerate() {
            let d2s = &mut d2s[..block.len()];
            for (query, top) in queries.iter().zip(tops.iter_mut()) {
                l2sq_f32_block(query, block, d2s);
                for (i, &d2) in d2s.iter().enumerate() {
                    if d2 < top.bound() {
                        top.push(d2, b * BATCH_BLOCK + i);
                    }
                }
            }
        }
        tops.into_iter().map(|t| self.hits(t)).collect()
    }

    /// The same scan one pair at a time with the plain loop (for the benchmark).
    #[doc(hidden)]
    pub fn search_plain(&self, query: &Vector, k: usize, threshold: f32) -> Vec<Hit> {
        self.scan(query, k, threshold, |_| true, pairwise(l2sq_f32_plain))
    }

    /// The same scan one pair at a time with simsimd (for the benchmark).
    #[doc(hidden)]
    pub fn search_simsimd(&self, query: &Vector, k: usize, threshold: f32) -> Vec<Hit> {
        self.scan(query, k, threshold, |_| true, pairwise(l2sq_f32))
    }

    /// Distances a block at a time (`kernel` fills one per vector), then the top k of them.
    fn scan(
        &self,
        query: &Vector,
        k: usize,
        threshold: f32,
        mut keep: impl FnMut(FaceId) -> bool,
        kernel: impl Fn(&Vector, &[Vector], &mut [f32]),
    ) -> Vec<Hit> {
        let mut top = TopK::new(k.min(MAX_K), threshold * threshold);
        let mut d2s = [0.0f32; SCAN_BLOCK];
        for (b, block) in self.vectors.chunks(SCAN_BLOCK).enumerate() {
            let d2s = &mut d2s[..block.len()];
            kernel(query, block, d2s);
            for (i, &d2) in d2s.iter().enumerate() {
                let slot = b * SCAN_BLOCK + i;
                if d2 < top.bound() && keep(self.ids[slot]) {
                    top.push(d2, slot);
                }
            }
        }
        self.hits(top)
    }

    pub(crate) fn hits(&self, top: TopK) -> Vec<Hit> {
        top.into_sorted()
            .into_iter()
            .map(|(d2, slot)| Hit {
                face: self.ids[slot],
                distance: d2.max(0.0).sqrt(),
            })
            .collect()
    }

    /// Squared distance from the query to the vector in `slot` (for re-ranking).
    pub(crate) fn l2sq_slot(&self, query: &Vector, slot: usize) -> f32 {
        l2sq_f32_one(query, &self.vectors[slot])
    }

    pub(crate) fn slot_of(&self, face: FaceId) -> Option<usize> {
        self.slots.get(&face).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DIM;

    fn unit(i: usize) -> Vector {
        let mut v = [0.0; DIM];
        v[i] = 1.0;
        v
    }

    #[test]
    fn rid_05_exact_search_finds_the_nearest_under_the_threshold() {
        let mut idx = FlatIndex::new();
        for i in 0..10 {
            idx.insert(FaceId(i as i64 + 1), unit(i));
        }
        let mut q = unit(3);
        q[4] = 0.2;
        let hits = idx.search(&q, 3, 0.6);
        assert_eq!(hits.len(), 1, "only face 4 is under 0.6");
        assert_eq!(hits[0].face, FaceId(4));
        assert!((hits[0].distance - 0.2).abs() < 1e-6);
        assert_eq!(idx.search(&q, 3, 2.0).len(), 3);
        assert_eq!(idx.search_plain(&q, 3, 2.0), idx.search(&q, 3, 2.0));
        assert!(idx.search(&q, 0, 2.0).is_empty());
    }

    #[test]
    fn rid_05_a_batch_answers_as_one_query_at_a_time() {
        let mut rng = crate::synth::Synth::new(5);
        let mut idx = FlatIndex::new();
        for i in 0..3_000 {
            idx.insert(FaceId(i), rng.unit());
        }
        let queries: Vec<Vector> = (0..7).map(|_| rng.unit()).collect();
        let batch = idx.search_batch(&queries, 4, 1.5);
        for (q, got) in queries.iter().zip(&batch) {
            assert_eq!(got, &idx.search(q, 4, 1.5));
        }
    }

    #[test]
    fn rid_05_remove_keeps_the_others_findable() {
        let mut idx = FlatIndex::new();
        for i in 0..5 {
            idx.insert(FaceId(i as i64), unit(i));
        }
        assert!(idx.remove(FaceId(1)));
        assert!(!idx.remove(FaceId(1)));
        assert_eq!(idx.len(), 4);
        for i in [0, 2, 3, 4] {
            assert_eq!(idx.search(&unit(i), 1, 0.6)[0].face, FaceId(i as i64));
        }
        assert!(idx.search(&unit(1), 1, 0.6).is_empty());
        idx.insert(FaceId(4), unit(1));
        assert_eq!(idx.len(), 4, "re-inserting an id replaces its vector");
        assert_eq!(idx.search(&unit(1), 1, 0.6)[0].face, FaceId(4));
    }
}
