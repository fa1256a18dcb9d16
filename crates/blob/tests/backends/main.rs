//! The blob store contract, run against both backends: the filesystem, and a real
//! S3-compatible server (moto). One test binary, so moto starts once.

mod contract;
mod copy_and_streaming;

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use object_store::aws::AmazonS3;
use object_store::path::Path as Key;
use object_store::{ObjectStore, ObjectStoreExt};
use roadwarden_blob::{BlobId, BlobStore, FsStore, S3Config, S3Store};
use tempfile::TempDir;

/// A backend under test, with the back doors the contract needs to look behind the store.
#[async_trait]
pub trait Backend: Send + Sync {
    fn store(&self) -> &dyn BlobStore;
    /// Temporary files or objects left behind by writes.
    async fn leftovers(&self) -> usize;
    /// Replaces a stored blob's bytes behind the store's back.
    async fn damage(&self, id: &BlobId, bytes: &[u8]);
    /// A local folder for files to hand to `put_file` (on the store's filesystem for fs).
    fn staging(&self) -> &Path;
}

pub struct Fs {
    dir: TempDir,
    store: FsStore,
}

pub async fn fs() -> Fs {
    let dir = tempfile::tempdir().unwrap();
    let store = FsStore::open(dir.path().join("store")).await.unwrap();
    Fs { dir, store }
}

#[async_trait]
impl Backend for Fs {
    fn store(&self) -> &dyn BlobStore {
        &self.store
    }

    async fn leftovers(&self) -> usize {
        std::fs::read_dir(self.store.root().join("tmp"))
            .unwrap()
            .count()
    }

    async fn damage(&self, id: &BlobId, bytes: &[u8]) {
        let s = id.as_str();
        let path: PathBuf = self.store.root().join(&s[..2]).join(&s[2..4]).join(s);
        std::fs::write(path, bytes).unwrap();
    }

    fn staging(&self) -> &Path {
        self.dir.path()
    }
}

pub struct S3 {
    dir: TempDir,
    store: S3Store,
    /// The same bucket seen without the store in between.
    raw: AmazonS3,
    pub config: S3Config,
}

const PREFIX: &str = "evidence/";

pub fn s3_config(endpoint: &str, bucket: &str) -> S3Config {
    S3Config {
        endpoint: Some(endpoint.to_owned()),
        bucket: bucket.to_owned(),
        region: "us-east-1".to_owned(),
        access_key_id: "testing".to_owned(),
        secret_access_key: "testing-secret".to_owned(),
        prefix: PREFIX.to_owned(),
        allow_http: true,
    }
}

/// A store on a fresh bucket of the shared moto server, or `None` where moto is missing.
pub async fn s3() -> Option<S3> {
    let moto = roadwarden_blob::testing::moto()?;
    let config = s3_config(&moto.endpoint, &moto.bucket().await);
    let store = S3Store::connect(config.clone()).await.unwrap();
    let raw = object_store::aws::AmazonS3Builder::new()
        .with_endpoint(&moto.endpoint)
        .with_bucket_name(&config.bucket)
        .with_region(&config.region)
        .with_access_key_id(&config.access_key_id)
        .with_secret_access_key(&config.secret_access_key)
        .with_allow_http(true)
        .build()
        .unwrap();
    Some(S3 {
        dir: tempfile::tempdir().unwrap(),
        store,
        raw,
        config,
    })
}

#[async_trait]
impl Backend for S3 {
    fn store(&self) -> &dyn BlobStore {
        &self.store
    }

    async fn leftovers(&self) -> usize {
        use futures::TryStreamExt;
        let tmp = Key::from(format!("{PREFIX}tmp"));
        let objects: Vec<_> = self.raw.list(Some(&tmp)).try_collect().await.unwrap();
        objects.len()
    }

    async fn damage(&self, id: &BlobId, bytes: &[u8]) {
        let key = Key::from(format!("{PREFIX}blobs/{id}"));
        self.raw.put(&key, bytes.to_vec().into()).await.unwrap();
    }

    fn staging(&self) -> &Path {
        self.dir.path()
    }
}

/// The backend a contract test runs on.
macro_rules! open_backend {
    (fs) => {
        Some(crate::fs().await)
    };
    (s3) => {
        crate::s3().await
    };
}

/// One test per contract rule and backend, so a failure names both.
macro_rules! contract_tests {
    ($backend:ident: $($rule:ident),* $(,)?) => {
        mod $backend {
            $(
                #[tokio::test]
                async fn $rule() {
                    let Some(backend) = open_backend!($backend) else { return };
                    crate::contract::$rule(&backend).await;
                }
            )*
        }
    };
}

contract_tests!(fs: round_trip, mismatch_stores_nothing, existing_blob_is_never_overwritten,
    ranges_clamp_and_refuse, open_verifies_the_hash, put_file_adopts_and_consumes_the_file,
    verify_and_delete, list_is_every_blob_sorted, health_writes);
contract_tests!(s3: round_trip, mismatch_stores_nothing, existing_blob_is_never_overwritten,
    ranges_clamp_and_refuse, open_verifies_the_hash, put_file_adopts_and_consumes_the_file,
    verify_and_delete, list_is_every_blob_sorted, health_writes);
