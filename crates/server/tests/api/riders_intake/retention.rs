//! SEC-10: face data kept only as long as configured, then purged with its vectors by the daily
//! job; the gallery forgets the purged faces; a library photo is kept while it is the person's
//! current one and purged once a newer one supersedes it; bytes another row names are never
//! deleted. The clock moves; real faces (dlib models, registry images).

use roadwarden_blob::BlobId;
use roadwarden_server::jobs::{tasks, Job};
use roadwarden_server::services::riders::retention::{self, RetentionReport};
use roadwarden_store::riders::{faces, retention as rows};

use super::library_photos::{
    audit_details, import_with_photos, officer, person_by_id_number, zip_of,
};
use super::*;

async fn vectors_of(w: &World, event: i64) -> bool {
    let mut tx = w.app.state.store.begin_read().await.unwrap();
    faces::of_event(&mut tx, RiderEventId(event))
        .await
        .unwrap()
        .is_some()
}

async fn blob_exists(w: &World, id: &str) -> bool {
    w.app
        .state
        .blobs
        .len(&BlobId::parse(id).unwrap())
        .await
        .is_ok()
}

async fn current(w: &World, person: roadwarden_domain::RiderPersonId) -> Vec<(i64, String)> {
    let mut tx = w.app.state.store.begin_read().await.unwrap();
    rows::library_photos(&mut tx, person).await.unwrap()
}

async fn purge(w: &World) -> RetentionReport {
    retention::run(&w.app.state).await.unwrap()
}

#[tokio::test]
async fn sec_10_event_faces_past_retention_are_purged_with_their_vectors() {
    let (Some(obama), Some(obama2)) = (face_image("obama.jpg"), face_image("obama2.jpg")) else {
        return;
    };
    // Two faces make a provisional person: the first face alone waits in its cluster.
    let w = world_with(|s| {
        s.riders.face_retention_days = 60;
        s.riders.face.cluster_min_faces = 2;
    })
    .await;
    let old = w.stored(POINT, &w.event("ret-1", &obama)).await;
    let face = old.face_blob.clone().unwrap();
    let scene = old.scene_blob.clone().unwrap();
    assert!(vectors_of(&w, old.id.0).await);

    // Day 59: nothing is due.
    w.clock.advance(chrono::Duration::days(59));
    let report = purge(&w).await;
    assert_eq!((report.event_faces, report.vectors), (0, 0));
    // Day 61, through the scheduled job: the photo and the vector go, the event stays.
    w.clock.advance(chrono::Duration::days(2));
    tasks::run(&w.app.state, &Job::RiderFaceRetention)
        .await
        .unwrap();
    let purged = w.event_row(old.id.0).await;
    assert_eq!(purged.face_blob, None);
    assert_eq!(
        purged.scene_blob.as_deref(),
        Some(scene.as_str()),
        "the record stays"
    );
    assert!(!vectors_of(&w, old.id.0).await);
    assert!(
        !blob_exists(&w, &face).await,
        "the photo's bytes are deleted"
    );
    assert!(blob_exists(&w, &scene).await);
    let audit = audit_details(&w, "rider.face_purged").await;
    assert_eq!(audit.len(), 2, "a page and the summary: {audit:?}");
    assert_eq!(audit[0]["summary"]["event_faces"], 1, "{audit:?}");
    assert_eq!(audit[0]["summary"]["blobs_deleted"], 1, "{audit:?}");
    assert_eq!(audit[1]["events"], json!([old.id.0]), "{audit:?}");
    // Nothing left to purge: a second run finds nothing.
    assert_eq!(purge(&w).await.event_faces, 0);

    // The gallery forgot the face: the same man again starts alone instead of completing a
    // two-face cluster into a provisional person.
    let fresh = w.stored(POINT, &w.event("ret-2", &obama2)).await;
    assert_eq!(
        (fresh.match_state, fresh.person()),
        (MatchState::Unmatched, None),
        "{fresh:?}"
    );
}

#[tokio::test]
async fn sec_10_a_photo_another_row_names_is_never_deleted() {
    let Some(obama) = face_image("obama.jpg") else {
        return;
    };
    let w = world_with(|s| s.riders.face_retention_days = 30).await;
    let old = w.stored(POINT, &w.event("shared-1", &obama)).await;
    w.clock.advance(chrono::Duration::days(40));
    // The same bytes again, recently: one blob, named by the new event.
    let new = w.stored(POINT, &w.event("shared-2", &obama)).await;
    assert_eq!(old.face_blob, new.face_blob);
    let report = purge(&w).await;
    assert_eq!(
        (
            report.event_faces,
            report.blobs_deleted,
            report.blobs_shared
        ),
        (1, 0, 1)
    );
    assert_eq!(w.event_row(old.id.0).await.face_blob, None);
    assert!(blob_exists(&w, new.face_blob.as_deref().unwrap()).await);
    assert!(vectors_of(&w, new.id.0).await);
}

#[tokio::test]
async fn sec_10_a_library_photo_is_kept_while_current_and_purged_once_superseded() {
    let (Some(obama), Some(obama3), Some(obama2)) = (
        face_image("obama.jpg"),
        face_image("obama3.jpg"),
        face_image("obama2.jpg"),
    ) else {
        return;
    };
    let w = world_with(|s| s.riders.face_retention_days = 30).await;
    let officer = officer(&w).await;
    let id_number = roadwarden_testkit::cn_id(850);
    let code = &w.o.village.code;
    let csv = format!("id_number,name,unit_code,photo\n{id_number},奥巴马,{code},me.jpg\n");
    let (status, report) =
        import_with_photos(&w, &officer, &csv, zip_of(&[("me.jpg", &obama)]), false).await;
    assert_eq!(
        (status, report["enrolled"].as_u64()),
        (201, Some(1)),
        "{report}"
    );
    let person = person_by_id_number(&w, &id_number).await.unwrap();
    let first = current(&w, person).await;
    // Long past the retention, the current library photo stays (its own rule).
    w.clock.advance(chrono::Duration::days(400));
    let report = purge(&w).await;
    assert_eq!(report.library_photos, 0);
    assert_eq!(current(&w, person).await, first);
    assert!(blob_exists(&w, &first[0].1).await);
    // A newer photo supersedes it; the job removes the old one, vector and bytes.
    let (status, report) =
        import_with_photos(&w, &officer, &csv, zip_of(&[("me.jpg", &obama3)]), false).await;
    assert_eq!(
        (status, report["enrolled"].as_u64()),
        (201, Some(1)),
        "{report}"
    );
    let report = purge(&w).await;
    assert_eq!(
        (report.library_photos, report.vectors, report.blobs_deleted),
        (1, 1, 1)
    );
    let second = current(&w, person).await;
    assert_eq!(second.len(), 1);
    assert_ne!(second[0].1, first[0].1);
    assert!(!blob_exists(&w, &first[0].1).await);
    assert!(blob_exists(&w, &second[0].1).await);
    // The gallery still knows him by the new photo.
    let e = w.stored(POINT, &w.event("lib-ret", &obama2)).await;
    assert_eq!(
        (e.match_reason.as_str(), e.person()),
        ("gallery", Some(person))
    );
}

#[tokio::test]
async fn sec_10_a_retention_below_the_floor_or_a_missing_onnx_model_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let clock =
        roadwarden_server::Clock::manual(Utc.with_ymd_and_hms(2026, 11, 23, 2, 0, 0).unwrap());
    let mut s = Settings {
        data_dir: dir.path().to_path_buf(),
        ..Settings::default()
    };
    s.riders.face_retention_days = 7;
    let err = roadwarden_server::open_state(s.clone(), clock.clone())
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("face_retention_days is 7: at least 30"),
        "{err}"
    );
    // RID-04: engine = "onnx" with no model file: a clear error at start, not a panic.
    s.riders.face_retention_days = 365;
    s.riders.face.engine = "onnx".into();
    s.riders.face.models_dir = models_dir();
    s.riders.face.onnx.runtime = models_dir().join("onnxruntime/libonnxruntime.so");
    s.riders.face.onnx.model = dir.path().join("site-encoder.onnx");
    let err = roadwarden_server::open_state(s.clone(), clock.clone())
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("ONNX Runtime library not found") || err.contains("ONNX model not found"),
        "{err}"
    );
    s.riders.face.onnx.runtime = dir.path().join("libonnxruntime.so");
    let err = roadwarden_server::open_state(s.clone(), clock.clone())
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("ONNX Runtime library not found at"), "{err}");
    s.riders.face.engine = "tensorflow".into();
    let err = roadwarden_server::open_state(s, clock)
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("not dlib, onnx or none"), "{err}");
}
