//! The distance between two faces and the rule that calls them the same person.

/// The length of a face descriptor (dlib's ResNet).
pub const DESCRIPTOR_LEN: usize = 128;

/// dlib's threshold for its ResNet descriptor: at or over 0.6 apart, two faces are different
/// people (99.38% on LFW per dlib's documentation).
pub const DLIB_THRESHOLD: f32 = 0.6;

/// A face described as a point in 128-dimensional space.
#[derive(Debug, Clone, PartialEq)]
pub struct Descriptor(pub [f32; DESCRIPTOR_LEN]);

impl Descriptor {
    /// From a slice of exactly 128 values (as stored), else `None`.
    pub fn from_slice(values: &[f32]) -> Option<Self> {
        values.try_into().ok().map(Self)
    }

    pub fn as_slice(&self) -> &[f32] {
        &self.0
    }
}

/// Euclidean distance between two descriptors.
pub fn distance(a: &Descriptor, b: &Descriptor) -> f32 {
    a.0.iter()
        .zip(b.0.iter())
        .map(|(x, y)| (x - y) * (x - y))
        .sum::<f32>()
        .sqrt()
}

/// Two descriptors are the same person when they are strictly closer than the threshold.
/// This says "the faces look alike", nothing more: it never confirms an identity on its own.
pub fn same_person(a: &Descriptor, b: &Descriptor, threshold: f32) -> bool {
    distance(a, b) < threshold
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_is_euclidean_and_threshold_is_strict() {
        let a = Descriptor([0.0; DESCRIPTOR_LEN]);
        let mut values = [0.0; DESCRIPTOR_LEN];
        values[0] = 0.3;
        values[1] = 0.4;
        let b = Descriptor(values);
        assert!((distance(&a, &b) - 0.5).abs() < 1e-6);
        assert!(same_person(&a, &b, DLIB_THRESHOLD));
        assert!(!same_person(&a, &b, 0.5));
        assert!(Descriptor::from_slice(&[0.0; 127]).is_none());
    }
}
