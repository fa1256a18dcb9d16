//! [`BlobStore::put_file`] for the filesystem: a finished upload is renamed into place
//! instead of being copied, so a multi-gigabyte video is not written twice.

use std::path::{Path, PathBuf};

use super::{place, sync_parent, FsStore};
use crate::{BlobError, BlobId, BlobStore, Stored};

/// How a rename attempt ended.
enum Renamed {
    /// The blob was already stored: the source was removed and nothing written.
    AlreadyStored {
        len: u64,
    },
    Moved {
        len: u64,
    },
    /// The source is on another filesystem, where a rename cannot go.
    OtherFilesystem,
}

impl FsStore {
    pub(super) async fn adopt(&self, path: &Path, id: &BlobId) -> Result<Stored, BlobError> {
        let (root, durable) = (self.root.clone(), std::sync::Arc::clone(&self.durable_dirs));
        let (source, final_path) = (path.to_path_buf(), self.path_of(id));
        let renamed = tokio::task::spawn_blocking(move || {
            let durable = &*durable;
            rename_into_place(&source, &final_path, |from, to| {
                place(&root, durable, from, to)
            })
        })
        .await
        .map_err(std::io::Error::other)??;
        let (len, created) = match renamed {
            Renamed::AlreadyStored { len } => (len, false),
            Renamed::Moved { len } => (len, true),
            Renamed::OtherFilesystem => return self.adopt_by_copy(path, id).await,
        };
        Ok(Stored {
            id: id.clone(),
            len,
            created,
        })
    }

    /// Copies the file in through [`BlobStore::put`], which hashes it on the way (so the
    /// caller's hash is checked here), then removes the source.
    async fn adopt_by_copy(&self, path: &Path, id: &BlobId) -> Result<Stored, BlobError> {
        let file = tokio::fs::File::open(path).await?;
        let stored = self.put(Box::pin(file), Some(id)).await?;
        remove_source(path.to_path_buf()).await?;
        Ok(stored)
    }
}

/// The blocking steps of adopting `source` as `final_path`: `place` renames a synced file to
/// its blob name durably (a parameter so a test can make it fail like a rename across
/// filesystems does).
fn rename_into_place(
    source: &Path,
    final_path: &Path,
    place: impl FnOnce(&Path, &Path) -> std::io::Result<()>,
) -> std::io::Result<Renamed> {
    let file = std::fs::File::open(source)?;
    if final_path.try_exists()? {
        // Another writer may have named it a moment ago without syncing the directory yet.
        sync_parent(final_path)?;
        let len = std::fs::metadata(final_path)?.len();
        drop(file);
        std::fs::remove_file(source)?;
        sync_parent(source)?;
        return Ok(Renamed::AlreadyStored { len });
    }
    let len = file.metadata()?.len();
    // The bytes must be on disk before a name points at them.
    file.sync_all()?;
    drop(file);
    match place(source, final_path) {
        Err(e) if e.kind() == std::io::ErrorKind::CrossesDevices => {
            return Ok(Renamed::OtherFilesystem)
        }
        other => other?,
    }
    // The source's old name must not come back after a crash either.
    sync_parent(source)?;
    Ok(Renamed::Moved { len })
}

async fn remove_source(path: PathBuf) -> std::io::Result<()> {
    tokio::task::spawn_blocking(move || {
        std::fs::remove_file(&path)?;
        sync_parent(&path)
    })
    .await
    .map_err(std::io::Error::other)?
}

#[cfg(test)]
mod tests {
    use sha2::{Digest, Sha256};

    use super::*;

    fn id_of(bytes: &[u8]) -> BlobId {
        BlobId::parse(&hex::encode(Sha256::digest(bytes))).unwrap()
    }

    #[tokio::test]
    async fn a_rename_across_filesystems_falls_back_to_a_hashed_copy() {
        let dir = tempfile::tempdir().unwrap();
        let store = FsStore::open(dir.path().join("store")).await.unwrap();
        let source = dir.path().join("upload.bin");
        std::fs::write(&source, b"dashcam video").unwrap();
        let id = id_of(b"dashcam video");

        let cross_device =
            |_: &Path, _: &Path| Err(std::io::Error::from(std::io::ErrorKind::CrossesDevices));
        let renamed = rename_into_place(&source, &store.path_of(&id), cross_device).unwrap();
        assert!(matches!(renamed, Renamed::OtherFilesystem));
        assert!(source.exists(), "nothing moved yet");

        let stored = store.adopt_by_copy(&source, &id).await.unwrap();
        assert_eq!(
            (stored.id.clone(), stored.len, stored.created),
            (id, 13, true)
        );
        assert!(!source.exists(), "the source is consumed");
        assert_eq!(store.get(&stored.id).await.unwrap(), b"dashcam video");
    }

    #[tokio::test]
    async fn a_copied_file_is_checked_against_the_callers_hash() {
        let dir = tempfile::tempdir().unwrap();
        let store = FsStore::open(dir.path().join("store")).await.unwrap();
        let source = dir.path().join("upload.bin");
        std::fs::write(&source, b"not what was hashed").unwrap();
        let err = store
            .adopt_by_copy(&source, &id_of(b"something else"))
            .await
            .unwrap_err();
        assert!(matches!(err, BlobError::HashMismatch { .. }));
        assert!(source.exists(), "left for the caller on error");
        assert!(store.list().await.unwrap().is_empty());
    }
}
