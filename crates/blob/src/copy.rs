//! Moving every blob from one store to another: a switch of backend, or a backup.

use crate::{BlobError, BlobStore};

/// What [`copy_all`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CopyReport {
    /// Blobs written to the target.
    pub copied: u64,
    /// Blobs the target already held (checked, not written again).
    pub already_present: u64,
    /// Bytes written to the target.
    pub bytes: u64,
}

/// Copies every blob of `from` into `to`, then re-reads each from `to` and checks its hash.
/// `progress(done, total)` is called after each blob, counting blobs.
///
/// Each blob streams from a reader that verifies it into a put that checks it against its
/// name, so a damaged source stops the copy with `Corrupt` and a copy that arrived different
/// with `HashMismatch`. Blobs the target already holds are only verified there, which makes an
/// interrupted copy cheap to run again. Stops at the first error; what was copied stays.
pub async fn copy_all(
    from: &dyn BlobStore,
    to: &dyn BlobStore,
    progress: &(dyn Fn(u64, u64) + Send + Sync),
) -> Result<CopyReport, BlobError> {
    let ids = from.list().await?;
    let total = ids.len() as u64;
    let mut report = CopyReport::default();
    for (done, id) in (1..).zip(&ids) {
        let present = match to.len(id).await {
            Ok(_) => true,
            Err(BlobError::NotFound(_)) => false,
            Err(e) => return Err(e),
        };
        if present {
            report.already_present += 1;
        } else {
            let stored = to.put(from.open(id).await?, Some(id)).await?;
            // A concurrent writer may have stored it meanwhile: count what this copy did.
            if stored.created {
                report.copied += 1;
                report.bytes += stored.len;
            } else {
                report.already_present += 1;
            }
        }
        to.verify(id).await?;
        progress(done, total);
    }
    Ok(report)
}
