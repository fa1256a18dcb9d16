//! Synthetic descriptors for tests and the benchmark (no real faces needed): a seeded
//! generator, random unit vectors, and "people" as centres with faces scattered around them
//! at dlib-like distances (same person 0.3–0.5 apart, different people well over 0.7).

use crate::{Vector, DIM};

/// SplitMix64 with Box–Muller normals: small, seeded, reproducible.
#[derive(Debug, Clone)]
pub struct Synth {
    state: u64,
}

/// How far a person's centre lies from the shared offset: centres end up about 0.9 apart.
pub const CENTRE_SPREAD: f32 = 0.65;
/// How far a face lies from its person's centre: two faces of one person end up about
/// 0.35 apart (0.25 × √2).
pub const FACE_SPREAD: f32 = 0.25;

impl Synth {
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }

    /// Standard normal.
    pub fn normal(&mut self) -> f32 {
        let u1 = self.uniform().max(1e-7);
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (std::f32::consts::TAU * u2).cos()
    }

    /// A random direction, length 1.
    pub fn unit(&mut self) -> Vector {
        let mut v = [0.0; DIM];
        for x in &mut v {
            *x = self.normal();
        }
        let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.map(|x| x / n)
    }

    /// A point `radius` away from `p` in a random direction.
    pub fn near(&mut self, p: &Vector, radius: f32) -> Vector {
        let d = self.unit();
        let mut out = *p;
        for (o, x) in out.iter_mut().zip(d) {
            *o += radius * x;
        }
        out
    }

    /// A person's centre: the shared `offset` (descriptors are not zero-mean) plus a random
    /// direction of length [`CENTRE_SPREAD`].
    pub fn centre(&mut self, offset: &Vector) -> Vector {
        self.near(offset, CENTRE_SPREAD)
    }

    /// A face of the person at `centre`.
    pub fn face(&mut self, centre: &Vector) -> Vector {
        self.near(centre, FACE_SPREAD)
    }
}

/// Euclidean distance (for tests and reports).
pub fn distance(a: &Vector, b: &Vector) -> f32 {
    crate::kernel::l2sq_f32(a, b).max(0.0).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synthetic_people_sit_at_dlib_like_distances() {
        let mut s = Synth::new(1);
        let offset = s.near(&[0.0; DIM], 0.5);
        let (a, b) = (s.centre(&offset), s.centre(&offset));
        let (a1, a2, b1) = (s.face(&a), s.face(&a), s.face(&b));
        let same = distance(&a1, &a2);
        let other = distance(&a1, &b1);
        assert!((0.25..0.5).contains(&same), "same person {same}");
        assert!(other > 0.7, "different people {other}");
    }
}
