//! The S3-compatible backend: `<prefix>blobs/<sha256>`, written through `<prefix>tmp/`.
//!
//! An object appears under a blob name only complete and hashed: either a multipart upload to
//! that name that is completed only once the hash matched, or a finished temporary object
//! copied to its name. Nothing is ever overwritten on purpose; two writers racing on the same
//! name both write the same bytes (the name is their hash), so the race is harmless.
//!
//! A crash mid-upload can leave an unfinished multipart upload (invisible, but billed) or a
//! `tmp/` object behind: give the bucket a lifecycle rule that aborts incomplete multipart
//! uploads and expires `tmp/` after a day.

mod idle;
mod upload;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use futures::{StreamExt, TryStreamExt};
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as Key;
use object_store::{
    ClientOptions, GetOptions, GetRange, ObjectStore, ObjectStoreExt, PutPayload, RetryConfig,
};

use crate::{BlobError, BlobId, BlobStore, Reader, Stored};

/// Where the blobs live and how to sign requests.
#[derive(Clone)]
pub struct S3Config {
    /// The service's URL for S3-compatible stores (MinIO, Garage, …); `None` for AWS itself.
    pub endpoint: Option<String>,
    pub bucket: String,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    /// A folder inside the bucket, e.g. `roadwarden/` (slashes optional; empty for none).
    pub prefix: String,
    /// Allows a plain `http://` endpoint (a local test server); otherwise TLS is required.
    pub allow_http: bool,
}

/// Hand-written so the secret never reaches a log.
impl std::fmt::Debug for S3Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Config")
            .field("endpoint", &self.endpoint)
            .field("bucket", &self.bucket)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"[redacted]")
            .field("prefix", &self.prefix)
            .field("allow_http", &self.allow_http)
            .finish()
    }
}

/// Longest a request other than a download may take: one upload part (8 MiB) must fit in it
/// on a slow uplink.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(300);

#[derive(Clone)]
pub struct S3Store {
    /// Everything but downloads: requests with a bounded duration.
    client: Arc<AmazonS3>,
    /// Downloads, which last as long as their reader takes: no whole-request timeout (the
    /// idle limit in [`idle`] catches a stalled server), and a broken connection resumes at
    /// the byte it stopped at however long the stream has been running.
    reader: Arc<AmazonS3>,
    bucket: String,
    /// The configured prefix as `a/b/`, or empty.
    prefix: String,
}

impl std::fmt::Debug for S3Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Store")
            .field("bucket", &self.bucket)
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl S3Store {
    /// Builds a client and checks that the bucket exists and the credentials can list it.
    /// Creates nothing: provisioning the bucket is the operator's job.
    pub async fn connect(config: S3Config) -> Result<Self, BlobError> {
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(&config.bucket)
            .with_region(&config.region)
            .with_access_key_id(&config.access_key_id)
            .with_secret_access_key(&config.secret_access_key);
        if let Some(endpoint) = &config.endpoint {
            builder = builder.with_endpoint(endpoint);
        }
        // Client options are replaced whole per client, so `allow_http` goes in here.
        let options = ClientOptions::new().with_allow_http(config.allow_http);
        let client = builder
            .clone()
            .with_client_options(options.clone().with_timeout(REQUEST_TIMEOUT))
            .build()
            .map_err(remote)?;
        let reader = builder
            .with_client_options(options.with_timeout_disabled())
            .with_retry(RetryConfig {
                retry_timeout: Duration::from_secs(24 * 3600),
                ..RetryConfig::default()
            })
            .build()
            .map_err(remote)?;
        let prefix = match config.prefix.trim_matches('/') {
            "" => String::new(),
            p => format!("{p}/"),
        };
        let store = Self {
            client: Arc::new(client),
            reader: Arc::new(reader),
            bucket: config.bucket,
            prefix,
        };
        // One page of a listing: fails on a missing bucket or refused credentials.
        store
            .client
            .list_with_delimiter(Some(&store.key("blobs")))
            .await
            .map_err(remote)?;
        Ok(store)
    }

    fn key(&self, rel: &str) -> Key {
        Key::from(format!("{}{rel}", self.prefix))
    }

    fn blob_key(&self, id: &BlobId) -> Key {
        self.key(&format!("blobs/{id}"))
    }

    fn tmp_key(&self) -> Key {
        self.key(&format!("tmp/{}", uuid::Uuid::new_v4()))
    }

    /// The stored length, or `None` when there is no such blob.
    async fn stat(&self, id: &BlobId) -> Result<Option<u64>, BlobError> {
        match self.client.head(&self.blob_key(id)).await {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(remote(e)),
        }
    }

    /// Streams a range (or all) of an object.
    async fn stream(&self, id: &BlobId, range: Option<GetRange>) -> Result<Reader, BlobError> {
        let options = GetOptions::default().with_range(range);
        let got = match self.reader.get_opts(&self.blob_key(id), options).await {
            Ok(got) => got,
            Err(object_store::Error::NotFound { .. }) => {
                return Err(BlobError::NotFound(id.clone()))
            }
            Err(e) => return Err(remote(e)),
        };
        Ok(body_reader(got))
    }

    /// Best effort: a leftover temporary object is harmless, and the lifecycle rule the module
    /// documentation asks for removes it later.
    async fn delete_quietly(&self, key: &Key) {
        if let Err(e) = self.client.delete(key).await {
            tracing::warn!(key = %key, error = %e, "could not delete a temporary object");
        }
    }
}

/// A download's body as a [`Reader`] that fails if the server stalls.
fn body_reader(got: object_store::GetResult) -> Reader {
    let bytes = got.into_stream().map_err(std::io::Error::other);
    let bytes = idle::Idle::new(bytes, idle::READ_IDLE_LIMIT);
    Box::pin(tokio_util::io::StreamReader::new(bytes))
}

/// Object storage errors name the operation, the URL and the service's answer; the request
/// signing keys never appear in them.
#[allow(
    clippy::needless_pass_by_value,
    reason = "shaped for `map_err(remote)`"
)]
fn remote(e: object_store::Error) -> BlobError {
    BlobError::Remote(e.to_string())
}

#[async_trait]
impl BlobStore for S3Store {
    async fn put(&self, reader: Reader, expected: Option<&BlobId>) -> Result<Stored, BlobError> {
        self.put_stream(reader, expected).await
    }

    async fn get(&self, id: &BlobId) -> Result<Vec<u8>, BlobError> {
        let mut out = Vec::new();
        let mut reader = self.open(id).await?;
        tokio::io::AsyncReadExt::read_to_end(&mut reader, &mut out).await?;
        Ok(out)
    }

    async fn len(&self, id: &BlobId) -> Result<u64, BlobError> {
        self.stat(id)
            .await?
            .ok_or_else(|| BlobError::NotFound(id.clone()))
    }

    /// Writes and deletes a probe object: listing alone would pass with read-only keys.
    async fn health(&self) -> Result<(), BlobError> {
        let probe = self.key(&format!("tmp/health-{}", uuid::Uuid::new_v4()));
        self.client
            .put(&probe, PutPayload::from_static(b"ok"))
            .await
            .map_err(remote)?;
        self.client.delete(&probe).await.map_err(remote)
    }

    async fn list(&self) -> Result<Vec<BlobId>, BlobError> {
        let mut objects = self.client.list(Some(&self.key("blobs")));
        let mut out = Vec::new();
        while let Some(meta) = objects.next().await {
            let meta = meta.map_err(remote)?;
            if let Some(id) = meta.location.filename().and_then(|n| BlobId::parse(n).ok()) {
                out.push(id);
            }
        }
        out.sort();
        Ok(out)
    }

    async fn open(&self, id: &BlobId) -> Result<Reader, BlobError> {
        let reader = self.stream(id, None).await?;
        Ok(crate::verified::verified(reader, id.clone()))
    }

    async fn get_range(
        &self,
        id: &BlobId,
        start: u64,
        end: Option<u64>,
    ) -> Result<Reader, BlobError> {
        // The length first, so a bad range gets the same answer as on the filesystem (S3
        // would answer 416 for some and clamp others).
        let len = self.len(id).await?;
        let (start, end) = crate::range::clamp(start, end, len)?;
        if start == end {
            return Ok(Box::pin(tokio::io::empty()));
        }
        self.stream(id, Some(GetRange::Bounded(start..end))).await
    }

    async fn put_file(&self, path: &std::path::Path, id: &BlobId) -> Result<Stored, BlobError> {
        if let Some(len) = self.stat(id).await? {
            tokio::fs::remove_file(path).await?;
            return Ok(Stored {
                id: id.clone(),
                len,
                created: false,
            });
        }
        let file = tokio::fs::File::open(path).await?;
        let stored = self.put_stream(Box::pin(file), Some(id)).await?;
        tokio::fs::remove_file(path).await?;
        Ok(stored)
    }

    async fn delete(&self, id: &BlobId) -> Result<bool, BlobError> {
        // S3 answers a delete of a missing key with success, so ask first.
        if self.stat(id).await?.is_none() {
            return Ok(false);
        }
        self.client
            .delete(&self.blob_key(id))
            .await
            .map_err(remote)?;
        Ok(true)
    }
}
