//! Write-once, content-addressed evidence store (DESIGN.md "Evidence is write-once").
//!
//! A blob is named by the SHA-256 of its bytes, hashed while it streams in, written to a
//! temporary file, synced, and only then renamed into place, so a crash never leaves a
//! half-written blob under a real name. Reads verify the hash. An existing blob is never
//! overwritten. The S3-compatible backend arrives with the evidence issue behind this trait.

mod fs;

pub use fs::FsStore;

use std::pin::Pin;

use async_trait::async_trait;
use tokio::io::AsyncRead;

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
    #[error(transparent)]
    Io(#[from] std::io::Error),
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
}
