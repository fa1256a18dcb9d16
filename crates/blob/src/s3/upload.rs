//! Streaming writes with bounded memory: a blob that fits in one part goes up in a single
//! conditional PUT once its hash is known; a larger one goes up as a multipart upload with at
//! most [`PARTS_IN_FLIGHT`] parts of [`PART_SIZE`] in memory, never the whole blob.

use bytes::Bytes;
use object_store::path::Path as Key;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, WriteMultipart};
use sha2::{Digest, Sha256};
use tokio::io::AsyncReadExt;

use super::{body_reader, remote, S3Store};
use crate::{BlobError, BlobId, Reader, Stored};

/// S3 wants parts of at least 5 MiB and at most 10,000 of them: 8 MiB parts allow blobs up
/// to 78 GiB while one upload holds about 24 MiB.
const PART_SIZE: usize = 8 * 1024 * 1024;
/// Parts uploading at once while the next one fills, so reading and sending overlap.
const PARTS_IN_FLIGHT: usize = 2;
/// The largest object S3 copies in a single CopyObject request.
const COPY_LIMIT: u64 = 5 * 1024 * 1024 * 1024;

impl S3Store {
    pub(super) async fn put_stream(
        &self,
        mut reader: Reader,
        expected: Option<&BlobId>,
    ) -> Result<Stored, BlobError> {
        let mut hasher = Sha256::new();
        let first = read_part(&mut reader, &mut hasher).await?;
        if first.len() < PART_SIZE {
            // It all fit in one part: the name is known before anything is sent.
            let id = BlobId::from_digest(hasher);
            check(expected, &id)?;
            return self.put_small(id, first).await;
        }
        match expected {
            Some(id) => self.put_large_named(id, first, reader, hasher).await,
            None => self.put_large_unnamed(first, reader, hasher).await,
        }
    }

    async fn put_small(&self, id: BlobId, bytes: Bytes) -> Result<Stored, BlobError> {
        let len = bytes.len() as u64;
        let created = if self.stat(&id).await?.is_some() {
            false
        } else {
            // If-None-Match: * where the service supports it; where it does not, a writer
            // that slipped in since the HEAD wrote these very bytes.
            let put = self
                .client
                .put_opts(&self.blob_key(&id), bytes.into(), PutMode::Create.into())
                .await;
            match put {
                Ok(_) => true,
                Err(object_store::Error::AlreadyExists { .. }) => false,
                Err(e) => return Err(remote(e)),
            }
        };
        Ok(Stored { id, len, created })
    }

    /// The name is known up front, so the upload goes straight to it and is completed only if
    /// the bytes hash to that name. An upload that is aborted was never visible.
    async fn put_large_named(
        &self,
        id: &BlobId,
        first: Bytes,
        mut reader: Reader,
        mut hasher: Sha256,
    ) -> Result<Stored, BlobError> {
        if self.stat(id).await?.is_some() {
            // Nothing to write, but the caller still learns whether its bytes were right,
            // as on the filesystem.
            let len = first.len() as u64 + hash_rest(&mut reader, &mut hasher).await?;
            check(Some(id), &BlobId::from_digest(hasher))?;
            return Ok(Stored {
                id: id.clone(),
                len,
                created: false,
            });
        }
        let key = self.blob_key(id);
        let (_, len) = self.upload(&key, first, reader, hasher, Some(id)).await?;
        Ok(Stored {
            id: id.clone(),
            len,
            created: true,
        })
    }

    /// The name is known only at the end: upload to a temporary key, then copy it to its name.
    async fn put_large_unnamed(
        &self,
        first: Bytes,
        reader: Reader,
        hasher: Sha256,
    ) -> Result<Stored, BlobError> {
        let tmp = self.tmp_key();
        let (id, len) = self.upload(&tmp, first, reader, hasher, None).await?;
        let placed = self.promote(&tmp, &id, len).await;
        self.delete_quietly(&tmp).await;
        Ok(Stored {
            id,
            len,
            created: placed?,
        })
    }

    /// Gives a finished temporary object its blob name, unless the blob is already stored.
    async fn promote(&self, tmp: &Key, id: &BlobId, len: u64) -> Result<bool, BlobError> {
        if self.stat(id).await?.is_some() {
            return Ok(false);
        }
        let dest = self.blob_key(id);
        if len <= COPY_LIMIT {
            self.client.copy(tmp, &dest).await.map_err(remote)?;
        } else {
            // Too large for one server-side copy: stream it through again, hashed again.
            let got = self.reader.get(tmp).await.map_err(remote)?;
            self.upload(
                &dest,
                Bytes::new(),
                body_reader(got),
                Sha256::new(),
                Some(id),
            )
            .await?;
        }
        Ok(true)
    }

    /// Streams `first`, then the rest of `reader`, into a multipart upload at `key`, hashing
    /// on the way. With `must_match`, completes the upload only if the bytes hash to it; any
    /// failure aborts the upload, so nothing appears at `key`.
    async fn upload(
        &self,
        key: &Key,
        first: Bytes,
        mut reader: Reader,
        mut hasher: Sha256,
        must_match: Option<&BlobId>,
    ) -> Result<(BlobId, u64), BlobError> {
        let upload = self.client.put_multipart(key).await.map_err(remote)?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_SIZE);
        let mut len = first.len() as u64;
        writer.put(first);
        let streamed: Result<BlobId, BlobError> = async {
            let mut buf = vec![0u8; 256 * 1024];
            loop {
                let n = reader.read(&mut buf).await?;
                if n == 0 {
                    break;
                }
                hasher.update(&buf[..n]);
                len += n as u64;
                // Back pressure: the reader waits while the parts before it upload.
                writer
                    .wait_for_capacity(PARTS_IN_FLIGHT)
                    .await
                    .map_err(remote)?;
                writer.write(&buf[..n]);
            }
            let id = BlobId::from_digest(hasher);
            check(must_match, &id)?;
            Ok(id)
        }
        .await;
        match streamed {
            Ok(id) => {
                writer.finish().await.map_err(remote)?;
                Ok((id, len))
            }
            Err(e) => {
                if let Err(abort) = writer.abort().await {
                    tracing::warn!(key = %key, error = %abort, "could not abort an upload");
                }
                Err(e)
            }
        }
    }
}

/// Reads up to one part, hashing it: fewer than [`PART_SIZE`] bytes means the stream ended.
async fn read_part(reader: &mut Reader, hasher: &mut Sha256) -> std::io::Result<Bytes> {
    let mut part = Vec::with_capacity(PART_SIZE);
    reader.take(PART_SIZE as u64).read_to_end(&mut part).await?;
    hasher.update(&part);
    Ok(part.into())
}

/// Hashes the rest of a stream without keeping it; returns how many bytes that was.
async fn hash_rest(reader: &mut Reader, hasher: &mut Sha256) -> std::io::Result<u64> {
    let mut buf = vec![0u8; 256 * 1024];
    let mut len = 0u64;
    loop {
        let n = reader.read(&mut buf).await?;
        if n == 0 {
            return Ok(len);
        }
        hasher.update(&buf[..n]);
        len += n as u64;
    }
}

fn check(expected: Option<&BlobId>, actual: &BlobId) -> Result<(), BlobError> {
    match expected {
        Some(expected) if expected != actual => Err(BlobError::HashMismatch {
            expected: expected.clone(),
            actual: actual.clone(),
        }),
        _ => Ok(()),
    }
}
