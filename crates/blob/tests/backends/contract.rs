//! What every [`BlobStore`] promises, written once against `&dyn Backend`.

use roadwarden_blob::{BlobError, BlobId, BlobStore, Reader};
use sha2::{Digest, Sha256};
use tokio::io::AsyncReadExt;

use crate::Backend;

pub fn reader(bytes: &[u8]) -> Reader {
    Box::pin(std::io::Cursor::new(bytes.to_vec()))
}

pub fn id_of(bytes: &[u8]) -> BlobId {
    BlobId::parse(&hex::encode(Sha256::digest(bytes))).unwrap()
}

/// `len` bytes that do not repeat in any way a store could notice.
pub fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

pub async fn read_all(mut reader: Reader) -> Result<Vec<u8>, BlobError> {
    let mut out = Vec::new();
    reader.read_to_end(&mut out).await?;
    Ok(out)
}

async fn range(store: &dyn BlobStore, id: &BlobId, start: u64, end: Option<u64>) -> Vec<u8> {
    read_all(store.get_range(id, start, end).await.unwrap())
        .await
        .unwrap()
}

pub async fn round_trip(b: &dyn Backend) {
    let store = b.store();
    let stored = store.put(reader(b"evidence"), None).await.unwrap();
    assert_eq!(
        (&stored.id, stored.len, stored.created),
        (&id_of(b"evidence"), 8, true)
    );
    assert_eq!(store.get(&stored.id).await.unwrap(), b"evidence");
    let streamed = read_all(store.open(&stored.id).await.unwrap()).await;
    assert_eq!(streamed.unwrap(), b"evidence");
    assert_eq!(store.len(&stored.id).await.unwrap(), 8);
    let again = store
        .put_bytes(bytes::Bytes::from_static(b"evidence"))
        .await
        .unwrap();
    assert_eq!((again.id, again.created), (stored.id, false));
    let empty = store.put(reader(b""), None).await.unwrap();
    assert_eq!(
        store.get(&empty.id).await.unwrap(),
        b"",
        "an empty blob is a blob"
    );

    let missing = id_of(b"never stored");
    assert!(matches!(
        store.get(&missing).await,
        Err(BlobError::NotFound(_))
    ));
    assert!(matches!(
        store.open(&missing).await,
        Err(BlobError::NotFound(_))
    ));
    assert!(matches!(
        store.len(&missing).await,
        Err(BlobError::NotFound(_))
    ));
}

pub async fn mismatch_stores_nothing(b: &dyn Backend) {
    let store = b.store();
    let wrong = id_of(b"something else");
    let small = store.put(reader(b"abc"), Some(&wrong)).await.unwrap_err();
    assert!(matches!(small, BlobError::HashMismatch { .. }), "{small}");
    // Larger than one upload part, so S3 has started a multipart upload it must abort.
    let large = store
        .put(reader(&noise(9 << 20, 1)), Some(&wrong))
        .await
        .unwrap_err();
    assert!(matches!(large, BlobError::HashMismatch { .. }), "{large}");
    assert!(
        store.list().await.unwrap().is_empty(),
        "nothing half-stored"
    );
    assert!(matches!(
        store.len(&wrong).await,
        Err(BlobError::NotFound(_))
    ));
    assert_eq!(b.leftovers().await, 0, "no temporary leftovers");
}

pub async fn existing_blob_is_never_overwritten(b: &dyn Backend) {
    let store = b.store();
    let id = store.put(reader(b"original"), None).await.unwrap().id;
    // Damage the stored copy; storing the right bytes again must not touch it, so the damage
    // stays visible (write-once: not even a repair rewrites a blob).
    b.damage(&id, b"damaged!").await;
    let again = store.put(reader(b"original"), Some(&id)).await.unwrap();
    assert!(!again.created, "nothing written");
    let via_file = b.staging().join("again.bin");
    std::fs::write(&via_file, b"original").unwrap();
    assert!(!store.put_file(&via_file, &id).await.unwrap().created);
    assert!(matches!(
        store.verify(&id).await,
        Err(BlobError::Corrupt(_))
    ));
    // Known name, wrong bytes: still refused although the name exists.
    let err = store.put(reader(b"imposter"), Some(&id)).await.unwrap_err();
    assert!(matches!(err, BlobError::HashMismatch { .. }), "{err}");
}

pub async fn ranges_clamp_and_refuse(b: &dyn Backend) {
    let store = b.store();
    let bytes: Vec<u8> = (0..100).collect();
    let id = store.put(reader(&bytes), None).await.unwrap().id;
    assert_eq!(
        range(store, &id, 10, Some(20)).await,
        &bytes[10..20],
        "middle"
    );
    assert_eq!(range(store, &id, 95, None).await, &bytes[95..], "tail");
    assert_eq!(
        range(store, &id, 90, Some(1000)).await,
        &bytes[90..],
        "clamped"
    );
    assert_eq!(range(store, &id, 0, None).await, bytes, "whole");
    assert!(range(store, &id, 50, Some(50)).await.is_empty(), "empty");
    let past = store.get_range(&id, 100, None).await.err().unwrap();
    assert!(
        matches!(
            past,
            BlobError::BadRange {
                start: 100,
                len: 100
            }
        ),
        "{past}"
    );

    let empty = store.put(reader(b""), None).await.unwrap().id;
    assert!(range(store, &empty, 0, None).await.is_empty());
    let err = store.get_range(&empty, 1, None).await.err().unwrap();
    assert!(matches!(err, BlobError::BadRange { start: 1, len: 0 }));
    let missing = store.get_range(&id_of(b"nope"), 0, None).await.err();
    assert!(matches!(missing, Some(BlobError::NotFound(_))));
}

pub async fn open_verifies_the_hash(b: &dyn Backend) {
    let store = b.store();
    let id = store.put(reader(b"capture image"), None).await.unwrap().id;
    b.damage(&id, b"capture imagE").await;
    let err = read_all(store.open(&id).await.unwrap()).await.unwrap_err();
    assert!(matches!(&err, BlobError::Corrupt(c) if *c == id), "{err}");
    assert!(matches!(store.get(&id).await, Err(BlobError::Corrupt(_))));
    assert!(matches!(
        store.verify(&id).await,
        Err(BlobError::Corrupt(_))
    ));
    // A range cannot be checked against the whole blob's hash: it comes back as stored.
    assert_eq!(range(store, &id, 8, None).await, b"imagE");
}

pub async fn put_file_adopts_and_consumes_the_file(b: &dyn Backend) {
    let store = b.store();
    let bytes = noise(300_000, 2);
    let id = id_of(&bytes);
    let file = b.staging().join("upload.bin");
    std::fs::write(&file, &bytes).unwrap();
    let stored = store.put_file(&file, &id).await.unwrap();
    assert_eq!(
        (&stored.id, stored.len, stored.created),
        (&id, 300_000, true)
    );
    assert!(!file.exists(), "the source file is consumed");
    assert_eq!(store.get(&id).await.unwrap(), bytes);

    std::fs::write(&file, &bytes).unwrap();
    let again = store.put_file(&file, &id).await.unwrap();
    assert_eq!((again.len, again.created), (300_000, false));
    assert!(!file.exists(), "consumed even when already stored");
    assert_eq!(b.leftovers().await, 0);

    let missing = store
        .put_file(&b.staging().join("gone"), &id_of(b"x"))
        .await;
    assert!(missing.is_err());
}

pub async fn verify_and_delete(b: &dyn Backend) {
    let store = b.store();
    let id = store.put(reader(b"to be purged"), None).await.unwrap().id;
    assert_eq!(store.verify(&id).await.unwrap(), 12);
    assert!(store.delete(&id).await.unwrap());
    assert!(!store.delete(&id).await.unwrap(), "already gone");
    assert!(matches!(store.len(&id).await, Err(BlobError::NotFound(_))));
    assert!(matches!(
        store.verify(&id).await,
        Err(BlobError::NotFound(_))
    ));
    assert!(store.list().await.unwrap().is_empty());
}

pub async fn list_is_every_blob_sorted(b: &dyn Backend) {
    let store = b.store();
    assert!(store.list().await.unwrap().is_empty());
    let mut ids = Vec::new();
    for bytes in [&b"one"[..], b"two", b"three"] {
        ids.push(store.put(reader(bytes), None).await.unwrap().id);
    }
    ids.sort();
    assert_eq!(store.list().await.unwrap(), ids);
    store.health().await.unwrap();
    assert_eq!(
        store.list().await.unwrap(),
        ids,
        "health probes are not blobs"
    );
}

pub async fn health_writes(b: &dyn Backend) {
    b.store().health().await.unwrap();
    assert_eq!(b.leftovers().await, 0, "the probe is removed");
}
