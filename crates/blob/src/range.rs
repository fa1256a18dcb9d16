//! The one rule for ranged reads, shared by every backend.

use crate::BlobError;

/// Turns a requested `start..end` into the byte range to send for a blob of `len` bytes:
/// `end` clamped to the length (`None` = to the end), an `end` before `start` read as empty,
/// and a `start` outside the blob refused (an empty blob still allows `0..`).
pub(crate) fn clamp(start: u64, end: Option<u64>, len: u64) -> Result<(u64, u64), BlobError> {
    if start >= len && !(len == 0 && start == 0) {
        return Err(BlobError::BadRange { start, len });
    }
    let end = end.unwrap_or(len).min(len).max(start);
    Ok((start, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clamps_to_the_length_and_refuses_a_start_past_it() {
        assert_eq!(clamp(2, Some(5), 10).unwrap(), (2, 5));
        assert_eq!(clamp(2, None, 10).unwrap(), (2, 10));
        assert_eq!(clamp(2, Some(99), 10).unwrap(), (2, 10));
        assert_eq!(
            clamp(5, Some(3), 10).unwrap(),
            (5, 5),
            "backwards reads as empty"
        );
        assert_eq!(
            clamp(0, None, 0).unwrap(),
            (0, 0),
            "an empty blob reads as empty"
        );
        assert!(matches!(
            clamp(10, None, 10),
            Err(BlobError::BadRange { start: 10, len: 10 })
        ));
        assert!(matches!(clamp(1, None, 0), Err(BlobError::BadRange { .. })));
    }
}
