//! One-pair distance kernels. simsimd picks AVX2, AVX-512 or VNNI code at run time; the plain
//! loops are kept for the benchmark that chose between them (see `benches/search.rs`,
//! `bench/last-run.txt`). The scans use `block.rs` instead, which beat simsimd there once the
//! per-pair call was gone (2026-12-07); these remain for single pairs (clustering, synthesis)
//! and as the benchmark's peers. The history:
//! At 1,000,000 × 128 on one core simsimd won both: f32 130.8 vs 152.1 ms/query (random) and
//! 187.7 vs 189.9 (clustered) — the f32 scan is memory-bound, so that is close; int8 80.3 vs
//! 486.2 and 69.0 vs 171.9, where the plain loop (SSE2 only, no unsafe intrinsics allowed)
//! cannot widen bytes fast. At 20,000 vectors (in cache) the plain f32 loop was faster
//! (1.12 vs 1.73 ms): the per-call cost of simsimd shows there.

use simsimd::SpatialSimilarity;

use crate::{Vector, DIM};

/// Squared Euclidean distance (simsimd).
#[inline]
pub fn l2sq_f32(a: &Vector, b: &Vector) -> f32 {
    // Both sides are 128 long, so simsimd never answers `None`.
    f32::l2sq(a, b).map_or(f32::INFINITY, |d| d as f32)
}

/// Inner product (simsimd).
#[inline]
pub fn dot_f32(a: &Vector, b: &Vector) -> f32 {
    f32::dot(a, b).map_or(0.0, |d| d as f32)
}

/// Squared Euclidean distance between two quantised vectors (simsimd), in quantised units.
#[inline]
pub fn l2sq_i8(a: &[i8; DIM], b: &[i8; DIM]) -> f32 {
    i8::l2sq(a, b).map_or(f32::INFINITY, |d| d as f32)
}

/// The plain loop measured against simsimd: 16 independent sums the compiler vectorises.
#[inline]
pub fn l2sq_f32_plain(a: &Vector, b: &Vector) -> f32 {
    let mut acc = [0.0f32; 16];
    for (ca, cb) in a.chunks_exact(16).zip(b.chunks_exact(16)) {
        for i in 0..16 {
            let d = ca[i] - cb[i];
            acc[i] += d * d;
        }
    }
    acc.iter().sum()
}

/// The plain `i8` loop measured against simsimd.
#[inline]
pub fn l2sq_i8_plain(a: &[i8; DIM], b: &[i8; DIM]) -> f32 {
    let mut acc = [0i32; 16];
    for (ca, cb) in a.chunks_exact(16).zip(b.chunks_exact(16)) {
        for i in 0..16 {
            let d = i32::from(ca[i]) - i32::from(cb[i]);
            acc[i] += d * d;
        }
    }
    acc.iter().sum::<i32>() as f32
}

/// A one-pair kernel as a block kernel (the benchmark's peers).
pub(crate) fn pairwise<T>(kernel: impl Fn(&T, &T) -> f32) -> impl Fn(&T, &[T], &mut [f32]) {
    move |query, block, out| {
        for (v, o) in block.iter().zip(out.iter_mut()) {
            *o = kernel(query, v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernels_agree_with_each_other() {
        let mut a = [0.0f32; DIM];
        let mut b = [0.0f32; DIM];
        let mut ai = [0i8; DIM];
        let mut bi = [0i8; DIM];
        for i in 0..DIM {
            a[i] = (i as f32 * 0.37).sin() * 0.1;
            b[i] = (i as f32 * 0.11).cos() * 0.1;
            ai[i] = (i as i32 * 7 % 255 - 127) as i8;
            bi[i] = (i as i32 * 13 % 255 - 127) as i8;
        }
        let plain: f32 = a.iter().zip(&b).map(|(x, y)| (x - y) * (x - y)).sum();
        assert!((l2sq_f32(&a, &b) - plain).abs() < 1e-5);
        assert!((l2sq_f32_plain(&a, &b) - plain).abs() < 1e-5);
        assert!((dot_f32(&a, &a) - l2sq_f32(&a, &[0.0; DIM])).abs() < 1e-5);
        assert_eq!(l2sq_i8(&ai, &bi), l2sq_i8_plain(&ai, &bi));
    }
}
