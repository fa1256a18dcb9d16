//! What needs both backends at once (moving blobs between them) or a real object store
//! (multipart uploads, the bucket check, the secret kept out of logs).

use std::sync::Mutex;

use roadwarden_blob::{copy_all, BlobError, BlobStore, CopyReport, S3Store};
use sha2::{Digest, Sha256};
use tokio::io::AsyncReadExt;

use crate::contract::{id_of, noise, read_all, reader};
use crate::{fs, s3, Backend};

async fn fill(store: &dyn BlobStore) -> Vec<roadwarden_blob::BlobId> {
    let mut ids = Vec::new();
    for (i, len) in [0usize, 17, 200_000].into_iter().enumerate() {
        ids.push(
            store
                .put(reader(&noise(len, i as u64)), None)
                .await
                .unwrap()
                .id,
        );
    }
    ids.sort();
    ids
}

/// Runs `copy_all`, checking the progress it reports along the way.
async fn copy(from: &dyn BlobStore, to: &dyn BlobStore) -> CopyReport {
    let seen = Mutex::new(Vec::new());
    let report = copy_all(from, to, &|done, total| {
        seen.lock().unwrap().push((done, total));
    })
    .await
    .unwrap();
    assert_eq!(seen.into_inner().unwrap(), vec![(1, 3), (2, 3), (3, 3)]);
    report
}

#[tokio::test]
async fn copy_all_moves_every_blob_from_fs_to_s3_and_back() {
    let Some(remote) = s3().await else { return };
    let (local, back) = (fs().await, fs().await);
    let ids = fill(local.store()).await;

    let report = copy(local.store(), remote.store()).await;
    let expected = CopyReport {
        copied: 3,
        already_present: 0,
        bytes: 200_017,
    };
    assert_eq!(report, expected);
    assert_eq!(remote.store().list().await.unwrap(), ids);
    let again = copy(local.store(), remote.store()).await;
    assert_eq!((again.copied, again.already_present), (0, 3), "resumable");

    assert_eq!(copy(remote.store(), back.store()).await, expected);
    for id in &ids {
        assert_eq!(
            back.store().get(id).await.unwrap(),
            local.store().get(id).await.unwrap()
        );
    }
}

#[tokio::test]
async fn copy_all_stops_at_a_damaged_source_blob() {
    let Some(remote) = s3().await else { return };
    let local = fs().await;
    let ids = fill(local.store()).await;
    local.damage(&ids[1], b"not the bytes").await;
    let err = copy_all(local.store(), remote.store(), &|_, _| {})
        .await
        .unwrap_err();
    assert!(
        matches!(&err, BlobError::Corrupt(id) if *id == ids[1]),
        "{err}"
    );
    assert_eq!(
        remote.store().list().await.unwrap(),
        ids[..1],
        "the bad one not copied"
    );
    assert_eq!(remote.leftovers().await, 0);
}

/// 40 MB through S3 in 8 MiB parts: a multipart upload to a temporary key (the name is known
/// only at the end), then to its name; and once more straight to a name given up front.
#[tokio::test]
async fn a_large_stream_goes_up_in_parts_and_reads_back_whole() {
    let Some(remote) = s3().await else { return };
    let store = remote.store();
    let bytes = noise(40 << 20, 3);
    let stored = store.put(reader(&bytes), None).await.unwrap();
    assert_eq!(
        (&stored.id, stored.len, stored.created),
        (&id_of(&bytes), 40 << 20, true)
    );
    assert_eq!(remote.leftovers().await, 0, "the temporary object is gone");

    let mut back = store.open(&stored.id).await.unwrap();
    let (mut hasher, mut buf, mut len) = (Sha256::new(), vec![0u8; 1 << 20], 0usize);
    loop {
        let n = back.read(&mut buf).await.unwrap();
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        len += n;
    }
    assert_eq!(
        (hex::encode(hasher.finalize()), len),
        (stored.id.to_string(), 40 << 20)
    );
    let seam = 8 << 20;
    let across = read_all(
        store
            .get_range(&stored.id, seam - 5, Some(seam + 5))
            .await
            .unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(across, &bytes[seam as usize - 5..seam as usize + 5]);

    let other = noise(20 << 20, 4);
    let file = remote.staging().join("video.mp4");
    std::fs::write(&file, &other).unwrap();
    let adopted = store.put_file(&file, &id_of(&other)).await.unwrap();
    assert!(adopted.created);
    assert_eq!(store.verify(&adopted.id).await.unwrap(), 20 << 20);
    assert_eq!(remote.leftovers().await, 0);
}

#[tokio::test]
async fn connect_refuses_a_missing_bucket_and_hides_the_secret() {
    let Some(remote) = s3().await else { return };
    let mut config = remote.config.clone();
    assert!(!format!("{config:?}").contains(&config.secret_access_key));
    config.bucket = "no-such-bucket".to_owned();
    let err = S3Store::connect(config.clone()).await.unwrap_err();
    assert!(matches!(err, BlobError::Remote(_)), "{err}");
    assert!(!err.to_string().contains(&config.secret_access_key));
}
