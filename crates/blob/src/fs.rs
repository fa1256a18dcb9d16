//! The filesystem backend: `<root>/ab/cd/<sha256>`, written through `<root>/tmp/`.

mod adopt;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

use crate::{BlobError, BlobId, BlobStore, Reader, Stored};

#[derive(Debug, Clone)]
pub struct FsStore {
    root: PathBuf,
    /// Fan-out directories whose entries up to the root are known to be on disk, so a writer
    /// that finds a directory another writer has just created still makes it durable.
    durable_dirs: Arc<Mutex<HashSet<PathBuf>>>,
}

impl FsStore {
    /// Opens (creating if needed) a store rooted at `root`, and clears temporary files that a
    /// crash may have left behind.
    pub async fn open(root: impl Into<PathBuf>) -> Result<Self, BlobError> {
        let root = root.into();
        let tmp = root.join("tmp");
        if tmp.exists() {
            tokio::fs::remove_dir_all(&tmp).await?;
        }
        tokio::fs::create_dir_all(&tmp).await?;
        Ok(Self {
            root,
            durable_dirs: Arc::default(),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn path_of(&self, id: &BlobId) -> PathBuf {
        path_in(&self.root, id)
    }

    /// Opens the stored file, `NotFound` naming the blob.
    async fn open_file(&self, id: &BlobId) -> Result<tokio::fs::File, BlobError> {
        match tokio::fs::File::open(self.path_of(id)).await {
            Ok(file) => Ok(file),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Err(BlobError::NotFound(id.clone()))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// [`place`] on the blocking pool.
    async fn place(&self, from: PathBuf, id: &BlobId) -> std::io::Result<()> {
        let (root, durable) = (self.root.clone(), Arc::clone(&self.durable_dirs));
        let final_path = self.path_of(id);
        tokio::task::spawn_blocking(move || place(&root, &durable, &from, &final_path))
            .await
            .map_err(std::io::Error::other)?
    }
}

/// `<root>/ab/cd/<sha256>`.
fn path_in(root: &Path, id: &BlobId) -> PathBuf {
    let s = id.as_str();
    root.join(&s[..2]).join(&s[2..4]).join(s)
}

/// [`BlobStore::put_bytes`] for bytes in memory, in one blocking call: the same steps as a
/// streamed put (temporary file, sync, rename, sync the directory) without a thread hop each.
fn put_in_memory(
    root: &Path,
    durable_dirs: &Mutex<HashSet<PathBuf>>,
    bytes: &[u8],
) -> Result<Stored, BlobError> {
    use std::io::Write;
    let id = BlobId(hex::encode(Sha256::digest(bytes)));
    let len = bytes.len() as u64;
    let final_path = path_in(root, &id);
    if final_path.try_exists()? {
        // Another writer may have named it a moment ago without syncing the directory yet:
        // the caller is about to rely on it, so make the name durable here too.
        sync_parent(&final_path)?;
        return Ok(Stored {
            id,
            len,
            created: false,
        });
    }
    let tmp_path = root.join("tmp").join(uuid::Uuid::new_v4().to_string());
    let placed = std::fs::File::create(&tmp_path)
        .and_then(|mut file| {
            file.write_all(bytes)?;
            file.sync_all()
        })
        .and_then(|()| place(root, durable_dirs, &tmp_path, &final_path));
    if let Err(e) = placed {
        let _ = std::fs::remove_file(&tmp_path);
        return Err(e.into());
    }
    Ok(Stored {
        id,
        len,
        created: true,
    })
}

/// Renames a file whose bytes are already synced to its blob name, making the name (and any
/// fan-out directory created for it) durable before returning: once a put returns, a crash
/// cannot lose the blob.
fn place(
    root: &Path,
    durable_dirs: &Mutex<HashSet<PathBuf>>,
    from: &Path,
    final_path: &Path,
) -> std::io::Result<()> {
    let dir = final_path.parent().expect("blob paths have a parent");
    ensure_dir_durably(root, dir, durable_dirs)?;
    std::fs::rename(from, final_path)?;
    std::fs::File::open(dir)?.sync_all()
}

/// Syncs the directory holding `path`, so a name just added or removed there survives a crash.
fn sync_parent(path: &Path) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::File::open(dir)?.sync_all()
}

/// Makes sure `dir` (two levels under `root`) exists and that its entry and its parent's are
/// on disk: created here or by another writer, each parent is synced once per process.
fn ensure_dir_durably(
    root: &Path,
    dir: &Path,
    durable_dirs: &Mutex<HashSet<PathBuf>>,
) -> std::io::Result<()> {
    let known = |d: &Path| durable_dirs.lock().is_ok_and(|set| set.contains(d));
    if known(dir) {
        return Ok(());
    }
    std::fs::create_dir_all(dir)?;
    let mut parent = dir.parent();
    while let Some(p) = parent {
        std::fs::File::open(p)?.sync_all()?;
        if p == root {
            break;
        }
        parent = p.parent();
    }
    if let Ok(mut set) = durable_dirs.lock() {
        set.insert(dir.to_path_buf());
    }
    Ok(())
}

#[async_trait]
impl BlobStore for FsStore {
    async fn put(
        &self,
        mut reader: Reader,
        expected: Option<&BlobId>,
    ) -> Result<Stored, BlobError> {
        let tmp_path = self.root.join("tmp").join(uuid::Uuid::new_v4().to_string());
        let mut file = tokio::fs::File::create(&tmp_path).await?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 256 * 1024];
        let mut len = 0u64;
        let outcome: Result<(), BlobError> = async {
            loop {
                let n = reader.read(&mut buf).await?;
                if n == 0 {
                    break;
                }
                hasher.update(&buf[..n]);
                file.write_all(&buf[..n]).await?;
                len += n as u64;
            }
            file.sync_all().await?;
            Ok(())
        }
        .await;
        drop(file);
        if let Err(e) = outcome {
            let _ = tokio::fs::remove_file(&tmp_path).await;
            return Err(e);
        }
        let id = BlobId(hex::encode(hasher.finalize()));
        if let Some(expected) = expected.filter(|e| **e != id) {
            let _ = tokio::fs::remove_file(&tmp_path).await;
            return Err(BlobError::HashMismatch {
                expected: expected.clone(),
                actual: id,
            });
        }
        let final_path = self.path_of(&id);
        if tokio::fs::try_exists(&final_path).await? {
            tokio::fs::remove_file(&tmp_path).await?;
            return Ok(Stored {
                id,
                len,
                created: false,
            });
        }
        if let Err(e) = self.place(tmp_path.clone(), &id).await {
            let _ = tokio::fs::remove_file(&tmp_path).await;
            return Err(e.into());
        }
        Ok(Stored {
            id,
            len,
            created: true,
        })
    }

    async fn put_bytes(&self, bytes: bytes::Bytes) -> Result<Stored, BlobError> {
        let (root, durable) = (self.root.clone(), Arc::clone(&self.durable_dirs));
        tokio::task::spawn_blocking(move || put_in_memory(&root, &durable, &bytes))
            .await
            .map_err(std::io::Error::other)?
    }

    async fn get(&self, id: &BlobId) -> Result<Vec<u8>, BlobError> {
        let bytes = match tokio::fs::read(self.path_of(id)).await {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(BlobError::NotFound(id.clone()))
            }
            Err(e) => return Err(e.into()),
        };
        if hex::encode(Sha256::digest(&bytes)) != id.as_str() {
            return Err(BlobError::Corrupt(id.clone()));
        }
        Ok(bytes)
    }

    async fn len(&self, id: &BlobId) -> Result<u64, BlobError> {
        match tokio::fs::metadata(self.path_of(id)).await {
            Ok(m) => Ok(m.len()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Err(BlobError::NotFound(id.clone()))
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn health(&self) -> Result<(), BlobError> {
        let probe = self.root.join("tmp").join(".health");
        tokio::fs::write(&probe, b"ok").await?;
        tokio::fs::remove_file(&probe).await?;
        Ok(())
    }

    async fn list(&self) -> Result<Vec<BlobId>, BlobError> {
        let mut out = Vec::new();
        let mut stack = vec![self.root.clone()];
        while let Some(dir) = stack.pop() {
            let mut entries = tokio::fs::read_dir(&dir).await?;
            while let Some(entry) = entries.next_entry().await? {
                let name = entry.file_name().to_string_lossy().into_owned();
                if entry.file_type().await?.is_dir() {
                    if name != "tmp" {
                        stack.push(entry.path());
                    }
                } else if let Ok(id) = BlobId::parse(&name) {
                    out.push(id);
                }
            }
        }
        out.sort();
        Ok(out)
    }

    async fn open(&self, id: &BlobId) -> Result<Reader, BlobError> {
        let file = self.open_file(id).await?;
        Ok(crate::verified::verified(Box::pin(file), id.clone()))
    }

    async fn get_range(
        &self,
        id: &BlobId,
        start: u64,
        end: Option<u64>,
    ) -> Result<Reader, BlobError> {
        let mut file = self.open_file(id).await?;
        let len = file.metadata().await?.len();
        let (start, end) = crate::range::clamp(start, end, len)?;
        file.seek(std::io::SeekFrom::Start(start)).await?;
        Ok(Box::pin(file.take(end - start)))
    }

    async fn put_file(&self, path: &Path, id: &BlobId) -> Result<Stored, BlobError> {
        self.adopt(path, id).await
    }

    async fn delete(&self, id: &BlobId) -> Result<bool, BlobError> {
        let path = self.path_of(id);
        match tokio::fs::remove_file(&path).await {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(e.into()),
        }
        // A purged blob must not come back after a crash.
        tokio::task::spawn_blocking(move || sync_parent(&path))
            .await
            .map_err(std::io::Error::other)??;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader(bytes: &'static [u8]) -> Reader {
        Box::pin(bytes)
    }

    #[tokio::test]
    async fn stores_by_hash_once_and_verifies_on_read() {
        let dir = tempfile::tempdir().unwrap();
        let store = FsStore::open(dir.path()).await.unwrap();
        let first = store.put(reader(b"evidence"), None).await.unwrap();
        assert!(first.created);
        assert_eq!(first.len, 8);
        let again = store.put(reader(b"evidence"), None).await.unwrap();
        assert_eq!(again.id, first.id);
        assert!(
            !again.created,
            "write-once: the same bytes are not written twice"
        );
        assert_eq!(store.get(&first.id).await.unwrap(), b"evidence");
        assert_eq!(store.list().await.unwrap(), vec![first.id.clone()]);

        // Damage the stored copy behind the store's back: the read refuses it.
        std::fs::write(store.path_of(&first.id), b"tampered").unwrap();
        assert!(matches!(
            store.get(&first.id).await,
            Err(BlobError::Corrupt(_))
        ));
    }

    #[tokio::test]
    async fn refuses_bytes_that_do_not_match_the_declared_hash() {
        let dir = tempfile::tempdir().unwrap();
        let store = FsStore::open(dir.path()).await.unwrap();
        let wrong = BlobId::parse(&"0".repeat(64)).unwrap();
        let err = store.put(reader(b"abc"), Some(&wrong)).await.unwrap_err();
        assert!(matches!(err, BlobError::HashMismatch { .. }));
        assert!(
            store.list().await.unwrap().is_empty(),
            "nothing half-stored"
        );
        assert_eq!(
            std::fs::read_dir(dir.path().join("tmp")).unwrap().count(),
            0
        );
    }

    #[tokio::test]
    async fn bytes_in_memory_are_stored_like_a_stream() {
        let dir = tempfile::tempdir().unwrap();
        let store = FsStore::open(dir.path()).await.unwrap();
        let streamed = store.put(reader(b"capture image"), None).await.unwrap();
        let again = store
            .put_bytes(bytes::Bytes::from_static(b"capture image"))
            .await
            .unwrap();
        assert_eq!(again.id, streamed.id, "the same name whichever way it came");
        assert!(!again.created, "write-once: not written twice");
        let other = store
            .put_bytes(bytes::Bytes::from_static(b"another image"))
            .await
            .unwrap();
        assert!(other.created);
        assert_eq!(store.get(&other.id).await.unwrap(), b"another image");
        assert_eq!(
            std::fs::read_dir(dir.path().join("tmp")).unwrap().count(),
            0,
            "no temporary file left behind"
        );
    }
}
