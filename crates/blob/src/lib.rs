//! Write-once, content-addressed evidence store (DESIGN.md "Evidence is write-once").
//!
//! A blob is named by the SHA-256 of its bytes, hashed while it streams in, and becomes
//! visible under that name only once every byte is stored and the hash is known, so a crash
//! never leaves a half-written blob under a real name. Reads verify the hash. An existing blob
//! is never overwritten. Two backends sit behind [`BlobStore`]: the local filesystem
//! ([`FsStore`]) and S3-compatible object storage ([`S3Store`]); [`copy_all`] moves every blob
//! from one to the other.

mod copy;
mod fs;
mod range;
mod s3;
#[cfg(feature = "testing")]
pub mod testing;
mod verified;

pub use copy::{copy_all, CopyReport};
pub use fs::FsStore;
pub use s3::{S3Config, S3Store};

use std::pin::Pin;

use async_trait::async_trait;
use tokio::io::{AsyncRead, AsyncReadExt};

/// A SHA-256 digest as 64 lower-case hex characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BlobId(String);

impl BlobId {
    pub fn parse(raw: &str) -> Result<Self, BlobError> {
        if raw.len() == 64
            && raw
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            Ok(Self(raw.to_owned()))
        } else {
            Err(BlobError::BadId)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The id of bytes whose hashing has finished.
    pub(crate) fn from_digest(hasher: sha2::Sha256) -> Self {
        use sha2::Digest;
        Self(hex::encode(hasher.finalize()))
    }
}

impl std::fmt::Display for BlobId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("a blob id is 64 lower-case hex characters")]
    BadId,
    #[error("no blob {0}")]
    NotFound(BlobId),
    #[error("blob {0} does not match its hash: the stored copy is damaged")]
    Corrupt(BlobId),
    #[error("the bytes hash to {actual}, not the declared {expected}")]
    HashMismatch { expected: BlobId, actual: BlobId },
    #[error("range start {start} is not inside the blob's {len} bytes")]
    BadRange { start: u64, len: u64 },
    /// The object storage service failed or refused a request. The message names the
    /// operation and the key, never a credential.
    #[error("object storage: {0}")]
    Remote(String),
    #[error(transparent)]
    Io(std::io::Error),
}

/// A [`Reader`] can only fail with an `io::Error`, so a blob error met while streaming (a
/// damaged blob found at the end of [`BlobStore::open`]) travels inside one; unwrap it here so
/// callers that `?` a read still see `Corrupt`, not an opaque I/O error.
impl From<std::io::Error> for BlobError {
    fn from(e: std::io::Error) -> Self {
        match e.downcast::<BlobError>() {
            Ok(inner) => inner,
            Err(e) => Self::Io(e),
        }
    }
}

pub type Reader = Pin<Box<dyn AsyncRead + Send>>;

/// What a completed write produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub id: BlobId,
    pub len: u64,
    /// False when an identical blob was already stored (nothing was written).
    pub created: bool,
}

#[async_trait]
pub trait BlobStore: Send + Sync {
    /// Streams `reader` in, hashing as it goes. With `expected`, refuses bytes that hash to
    /// anything else and stores nothing.
    async fn put(&self, reader: Reader, expected: Option<&BlobId>) -> Result<Stored, BlobError>;
    /// Stores bytes already in memory (a capture's images). Same guarantees as [`put`]; a
    /// backend may do it with fewer hops than a stream needs.
    ///
    /// [`put`]: BlobStore::put
    async fn put_bytes(&self, bytes: bytes::Bytes) -> Result<Stored, BlobError> {
        self.put(Box::pin(std::io::Cursor::new(bytes)), None).await
    }
    /// Reads the whole blob, verifying its hash.
    async fn get(&self, id: &BlobId) -> Result<Vec<u8>, BlobError>;
    /// The blob's length, or `NotFound`.
    async fn len(&self, id: &BlobId) -> Result<u64, BlobError>;
    /// The store can be written to.
    async fn health(&self) -> Result<(), BlobError>;
    /// Every stored id (for backups and moving between stores).
    async fn list(&self) -> Result<Vec<BlobId>, BlobError>;

    /// Streams the whole blob; the stream fails with an `io::Error` wrapping
    /// [`BlobError::Corrupt`] at the end if the bytes do not hash to the id (reads verify the
    /// hash). `BlobError::from` that `io::Error` gives the `Corrupt` back.
    async fn open(&self, id: &BlobId) -> Result<Reader, BlobError>;
    /// Streams bytes `start..end` (end exclusive, clamped to the length; `None` = to the end)
    /// for video seeking. A part of a blob cannot be checked against the blob's hash, so these
    /// bytes are not verified. `Err(BadRange)` when `start >= len` (unless both are 0); an
    /// `end <= start` inside the blob gives an empty stream.
    async fn get_range(
        &self,
        id: &BlobId,
        start: u64,
        end: Option<u64>,
    ) -> Result<Reader, BlobError>;
    /// Adopts a finished local file whose SHA-256 the caller computed while it streamed in.
    /// The caller vouches for that hash where the file is moved rather than copied (FsStore on
    /// the same filesystem); a copy (FsStore across filesystems, S3Store always) re-hashes it
    /// and refuses a mismatch with `HashMismatch`.
    ///
    /// On success the source file is gone, whichever backend: moved into place, or copied
    /// and then removed, or removed because the blob was already stored (`created == false`,
    /// nothing written). On error the file is left where it was for the caller to clean up.
    async fn put_file(&self, path: &std::path::Path, id: &BlobId) -> Result<Stored, BlobError>;
    /// Re-reads the stored blob and checks its hash; returns its length. `Err(Corrupt)` on
    /// mismatch.
    async fn verify(&self, id: &BlobId) -> Result<u64, BlobError> {
        let mut reader = self.open(id).await?;
        let mut buf = vec![0u8; 256 * 1024];
        let mut len = 0u64;
        loop {
            // A mismatch surfaces as the last read's error, unwrapped to `Corrupt` by `?`.
            let n = reader.read(&mut buf).await?;
            if n == 0 {
                return Ok(len);
            }
            len += n as u64;
        }
    }
    /// Deletes a blob. Only the retention purge calls this. `Ok(false)` if it was not there.
    async fn delete(&self, id: &BlobId) -> Result<bool, BlobError>;
}
