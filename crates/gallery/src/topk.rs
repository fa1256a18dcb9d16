//! The k best hits seen so far, kept sorted (k is small: a linear insert beats a heap).

use crate::FaceId;

/// One search result: the face and its Euclidean distance to the query.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    pub face: FaceId,
    pub distance: f32,
}

/// Slots and squared distances, best first; `bound` is the squared distance a newcomer must beat.
pub(crate) struct TopK {
    k: usize,
    items: Vec<(f32, usize)>,
    limit: f32,
}

impl TopK {
    /// Keeps at most `k` hits strictly under `limit` (a squared distance).
    pub(crate) fn new(k: usize, limit: f32) -> Self {
        Self {
            k,
            items: Vec::with_capacity(k + 1),
            limit,
        }
    }

    /// The squared distance a candidate must be strictly under to enter.
    #[inline]
    pub(crate) fn bound(&self) -> f32 {
        if self.items.len() < self.k {
            self.limit
        } else {
            self.items.last().map_or(self.limit, |&(d, _)| d)
        }
    }

    #[inline]
    pub(crate) fn push(&mut self, d2: f32, slot: usize) {
        if self.k == 0 || d2 >= self.bound() {
            return;
        }
        let at = self.items.partition_point(|&(x, _)| x <= d2);
        self.items.insert(at, (d2, slot));
        self.items.truncate(self.k);
    }

    pub(crate) fn into_sorted(self) -> Vec<(f32, usize)> {
        self.items
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_k_nearest_under_the_limit() {
        let mut t = TopK::new(2, 1.0);
        for (d, s) in [(0.9, 0), (1.5, 1), (0.2, 2), (0.5, 3), (0.3, 4)] {
            t.push(d, s);
        }
        assert_eq!(t.into_sorted(), vec![(0.2, 2), (0.3, 4)]);
        let mut none = TopK::new(0, 1.0);
        none.push(0.1, 0);
        assert!(none.into_sorted().is_empty());
    }
}
