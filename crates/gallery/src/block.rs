//! Block kernels: the distance from one query to many stored vectors at once, for the scans.
//!
//! simsimd answers one pair per call, through a dispatch table. Over a million vectors that
//! per-pair cost, not the memory, was what the scans waited on. Here a block of vectors is
//! compared inside one AVX2 region (`pulp`'s safe run-time dispatch; the workspace forbids
//! `unsafe`), each vector read front to back: interleaving four vectors was faster in cache but
//! slower from memory, where the prefetcher lost the strided streams (BENCHMARKS.md, issue 15).
//! A vector's distance is summed in one fixed order, alone or in a block, so the exact re-rank
//! and the scan agree to the bit. Without AVX2 the plain loops answer.
//!
//! - `f32`: squared Euclidean distance, the subtraction first (as the plain loop), so the
//!   values are those of an exact scan, not the `|q|² + |x|² − 2q·x` expansion that loses
//!   digits on near neighbours.
//! - `i8`: the dot product, exact in integers; the caller adds the norms. `vpmaddubsw` needs
//!   one unsigned side, so the query's absolute value meets the code with the query's sign
//!   moved onto it (`vpsignb`); products stay within `i16` because codes are clamped to ±127.

use crate::{Vector, DIM};

/// Vectors compared per kernel call: 64 KiB of `f32`, the distances stay in L1.
pub(crate) const SCAN_BLOCK: usize = 128;

/// Squared distances from `query` to each of `vectors`, into `out` (same length).
pub(crate) fn l2sq_f32_block(query: &Vector, vectors: &[Vector], out: &mut [f32]) {
    debug_assert_eq!(vectors.len(), out.len());
    #[cfg(target_arch = "x86_64")]
    if let Some(simd) = pulp::x86::V3::try_new() {
        return avx2::l2sq_f32_block(simd, query, vectors, out);
    }
    for (v, o) in vectors.iter().zip(out.iter_mut()) {
        *o = crate::kernel::l2sq_f32_plain(query, v);
    }
}

/// The squared distance between two vectors, summed as [`l2sq_f32_block`] sums it (so a
/// re-rank gives the exact scan's values to the last bit).
pub(crate) fn l2sq_f32_one(query: &Vector, v: &Vector) -> f32 {
    let mut out = [0.0];
    l2sq_f32_block(query, std::slice::from_ref(v), &mut out);
    out[0]
}

/// Dot products of `query` with each of `codes`, into `out` (same length).
pub(crate) fn dot_i8_block(query: &[i8; DIM], codes: &[[i8; DIM]], out: &mut [i32]) {
    debug_assert_eq!(codes.len(), out.len());
    #[cfg(target_arch = "x86_64")]
    if let Some(simd) = pulp::x86::V3::try_new() {
        return avx2::dot_i8_block(simd, query, codes, out);
    }
    for (c, o) in codes.iter().zip(out.iter_mut()) {
        *o = dot_i8_plain(query, c);
    }
}

/// The plain `i8` dot product (also the fallback and the tests' reference).
pub(crate) fn dot_i8_plain(a: &[i8; DIM], b: &[i8; DIM]) -> i32 {
    let mut acc = [0i32; 16];
    for (ca, cb) in a.chunks_exact(16).zip(b.chunks_exact(16)) {
        for i in 0..16 {
            acc[i] += i32::from(ca[i]) * i32::from(cb[i]);
        }
    }
    acc.iter().sum()
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use core::arch::x86_64::{__m256, __m256i};

    use pulp::x86::V3;

    use crate::{Vector, DIM};

    const F32_LANES: usize = DIM / 8;
    const _: () = assert!(DIM / 32 * 32 == DIM, "the kernels read whole 32-byte lanes");
    const I8_LANES: usize = DIM / 32;

    /// Eight partial sums of `(v − q)²`. Both sides are read 8 lanes at a time from memory
    /// (the query from L1): holding all 16 query registers made LLVM spill.
    #[inline(always)]
    fn l2sq_lanes(simd: V3, q: &[[f32; 8]; F32_LANES], v: &Vector) -> __m256 {
        let x: &[[f32; 8]; F32_LANES] = bytemuck::cast_ref(v);
        let mut a0 = simd.avx._mm256_setzero_ps();
        let mut a1 = simd.avx._mm256_setzero_ps();
        for j in (0..F32_LANES).step_by(2) {
            let load = |c: [f32; 8]| -> __m256 { bytemuck::cast(c) };
            let d0 = simd.avx._mm256_sub_ps(load(x[j]), load(q[j]));
            let d1 = simd.avx._mm256_sub_ps(load(x[j + 1]), load(q[j + 1]));
            a0 = simd.fma._mm256_fmadd_ps(d0, d0, a0);
            a1 = simd.fma._mm256_fmadd_ps(d1, d1, a1);
        }
        simd.avx._mm256_add_ps(a0, a1)
    }

    /// The eight lanes summed pairwise, in a fixed order.
    #[inline(always)]
    fn sum_lanes(simd: V3, lanes: __m256) -> f32 {
        let lo = simd.avx._mm256_castps256_ps128(lanes);
        let hi = simd.avx._mm256_extractf128_ps::<1>(lanes);
        let four = simd.sse._mm_add_ps(lo, hi);
        let two = simd
            .sse
            ._mm_add_ps(four, simd.sse._mm_movehl_ps(four, four));
        let l: [f32; 4] = bytemuck::cast(two);
        l[0] + l[1]
    }

    /// The eight lanes summed.
    #[inline(always)]
    fn sum_lanes_i32(simd: V3, lanes: __m256i) -> i32 {
        let lo = simd.avx._mm256_castsi256_si128(lanes);
        let hi = simd.avx2._mm256_extracti128_si256::<1>(lanes);
        let four = simd.sse2._mm_add_epi32(lo, hi);
        let two = simd
            .sse2
            ._mm_add_epi32(four, simd.sse2._mm_unpackhi_epi64(four, four));
        let l: [i32; 4] = bytemuck::cast(two);
        l[0] + l[1]
    }

    /// Eight partial sums of `q·c`.
    #[inline(always)]
    fn dot_lanes(
        simd: V3,
        q: &[__m256i; I8_LANES],
        q_abs: &[__m256i; I8_LANES],
        ones: __m256i,
        c: &[i8; DIM],
    ) -> __m256i {
        let x: [__m256i; I8_LANES] = bytemuck::cast(*c);
        let mut acc = simd.avx._mm256_setzero_si256();
        for j in 0..I8_LANES {
            let signed = simd.avx2._mm256_sign_epi8(x[j], q[j]);
            let pairs = simd.avx2._mm256_maddubs_epi16(q_abs[j], signed);
            acc = simd
                .avx2
                ._mm256_add_epi32(acc, simd.avx2._mm256_madd_epi16(pairs, ones));
        }
        acc
    }

    pub(super) fn l2sq_f32_block(simd: V3, query: &Vector, vectors: &[Vector], out: &mut [f32]) {
        simd.vectorize(
            #[inline(always)]
            || {
                let q: &[[f32; 8]; F32_LANES] = bytemuck::cast_ref(query);
                let one = |v: &Vector| l2sq_lanes(simd, q, v);
                for (v, o) in vectors.iter().zip(out.iter_mut()) {
                    *o = sum_lanes(simd, one(v));
                }
            },
        );
    }

    pub(super) fn dot_i8_block(simd: V3, query: &[i8; DIM], codes: &[[i8; DIM]], out: &mut [i32]) {
        simd.vectorize(
            #[inline(always)]
            || {
                let q: [__m256i; I8_LANES] = bytemuck::cast(*query);
                let q_abs = q.map(|x| simd.avx2._mm256_abs_epi8(x));
                let ones = simd.avx._mm256_set1_epi16(1);
                let one = |c: &[i8; DIM]| dot_lanes(simd, &q, &q_abs, ones, c);
                for (c, o) in codes.iter().zip(out.iter_mut()) {
                    *o = sum_lanes_i32(simd, one(c));
                }
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::Synth;

    #[test]
    fn the_block_kernels_agree_with_the_plain_loops_at_every_block_length() {
        let mut rng = Synth::new(11);
        let query = rng.unit();
        let vectors: Vec<Vector> = (0..11).map(|_| rng.unit()).collect();
        let code = |v: &Vector| v.map(|x| (x * 400.0).round().clamp(-127.0, 127.0) as i8);
        let mut extreme = [127i8; DIM];
        extreme[..DIM / 2].fill(-127);
        let codes: Vec<[i8; DIM]> = vectors.iter().map(code).chain([extreme]).collect();
        let qcode = code(&query);
        for n in 0..vectors.len() {
            let mut out = vec![0.0; n];
            l2sq_f32_block(&query, &vectors[..n], &mut out);
            for (v, d) in vectors.iter().zip(&out) {
                assert!((crate::kernel::l2sq_f32_plain(&query, v) - d).abs() < 1e-5);
                assert_eq!(
                    l2sq_f32_one(&query, v),
                    *d,
                    "the same bits in or out of a block"
                );
            }
        }
        for n in 0..codes.len() {
            let mut out = vec![0; n];
            dot_i8_block(&qcode, &codes[..n], &mut out);
            for (c, d) in codes.iter().zip(&out) {
                assert_eq!(dot_i8_plain(&qcode, c), *d);
            }
            dot_i8_block(&extreme, &codes[..n], &mut out);
            for (c, d) in codes.iter().zip(&out) {
                assert_eq!(dot_i8_plain(&extreme, c), *d, "±127 products stay exact");
            }
        }
    }
}
