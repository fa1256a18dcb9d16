//! BWC-05, BWC-07: resumable uploads over tus and the write-once store, on disk and on S3.

use super::*;
use roadwarden_server::services::evidence::{retention, upload};

// ---- BWC-05, BWC-07: upload and the write-once store ---------------------------------------------

#[tokio::test]
async fn bwc_05_a_tus_upload_resumes_at_the_durable_offset_and_is_stored_by_its_hash() {
    let w = world().await;
    let bytes = mp4(3 << 20, 1);
    let meta = footage_meta(&w, &[("sha256", sha(&bytes))]);
    let (status, loc, body) = tus_create(&w.app, &w.admin, bytes.len(), &meta).await;
    assert_eq!(status, 201, "{body}");
    let loc = loc.unwrap();
    let half = bytes.len() / 2;
    let p = tus_patch(&w.app, &w.admin, &loc, 0, bytes[..half].to_vec()).await;
    assert_eq!((p.status, p.offset), (204, Some(half as u64)));
    assert_eq!(
        tus_head(&w.app, &w.admin, &loc).await,
        (200, Some(half as u64))
    );
    // A client that lost track and sends from the wrong offset is told where the upload is.
    let wrong = tus_patch(&w.app, &w.admin, &loc, 10, bytes[10..].to_vec()).await;
    assert_eq!(
        (wrong.status, wrong.body["error"]["code"].as_str()),
        (409, Some("upload.wrong_offset"))
    );
    // Someone else cannot see or write the upload.
    assert_eq!(tus_head(&w.app, &w.head, &loc).await.0, 404);
    let p = tus_patch(&w.app, &w.admin, &loc, half, bytes[half..].to_vec()).await;
    assert_eq!(p.status, 204, "{}", p.body);
    let id = p.evidence_id.expect("footage id");
    upload::verify_pending(&w.app.state).await.unwrap();
    let (status, page) = w.app.get(&format!("/api/v1/evidence/{id}"), &w.admin).await;
    assert_eq!(status, 200, "{page}");
    let e = &page["evidence"];
    assert_eq!(e["sha256"].as_str(), Some(sha(&bytes).as_str()));
    assert_eq!(e["length"].as_u64(), Some(bytes.len() as u64));
    assert_eq!(
        (e["media_kind"].as_str(), e["mime"].as_str()),
        (Some("video"), Some("video/mp4"))
    );
    assert_eq!(
        (e["late_hand_in"].as_bool(), e["late_storage"].as_bool()),
        (Some(false), Some(false))
    );
    assert!(
        e["released_at"].is_string(),
        "the recorder's copy is released once the stored copy verifies: {e}"
    );
    assert_eq!(e["officer_id"].as_i64(), Some(w.officer_id));
    // The bytes are in the store under their hash.
    let stored = w
        .app
        .state
        .blobs
        .get(&roadwarden_blob::BlobId::parse(&sha(&bytes)).unwrap())
        .await
        .unwrap();
    assert_eq!(stored, bytes);
    let actions = audit_actions(&w, &format!("object_type=evidence&object_id={id}")).await;
    assert!(
        actions.contains(&"evidence.stored".to_owned())
            && actions.contains(&"evidence.verified".to_owned()),
        "{actions:?}"
    );
}

#[tokio::test]
async fn bwc_05_late_hand_in_and_late_storage_are_flagged() {
    let w = world().await;
    let end = t0() - Duration::hours(30);
    let extra = [
        ("started_at", (end - Duration::minutes(10)).to_rfc3339()),
        ("ended_at", end.to_rfc3339()),
        ("handed_in_at", (t0() - Duration::hours(3)).to_rfc3339()),
    ];
    let id = store_footage(&w, &mp4(4096, 2), &extra).await;
    let (_, page) = w.app.get(&format!("/api/v1/evidence/{id}"), &w.admin).await;
    assert_eq!(
        page["evidence"]["late_hand_in"], true,
        "handed in 27 h after the duty"
    );
    assert_eq!(
        page["evidence"]["late_storage"], false,
        "stored 3 h after hand-in"
    );
    let extra = [
        ("handed_in_at", (t0() - Duration::hours(25)).to_rfc3339()),
        ("ended_at", (t0() - Duration::hours(26)).to_rfc3339()),
        ("started_at", (t0() - Duration::hours(27)).to_rfc3339()),
    ];
    let id = store_footage(&w, &mp4(4096, 3), &extra).await;
    let (_, page) = w.app.get(&format!("/api/v1/evidence/{id}"), &w.admin).await;
    assert_eq!(
        (
            page["evidence"]["late_hand_in"].as_bool(),
            page["evidence"]["late_storage"].as_bool()
        ),
        (Some(false), Some(true))
    );
}

#[tokio::test]
async fn bwc_07_bad_uploads_are_refused_and_nothing_is_half_stored() {
    let w = world().await;
    let before = blob_count(&w);
    // Declared hash does not match the bytes.
    let bytes = mp4(100_000, 4);
    let meta = footage_meta(&w, &[("sha256", sha(b"something else"))]);
    let (_, loc, _) = tus_create(&w.app, &w.admin, bytes.len(), &meta).await;
    let p = tus_patch(&w.app, &w.admin, &loc.clone().unwrap(), 0, bytes.clone()).await;
    assert_eq!(
        (p.status, p.body["error"]["code"].as_str()),
        (422, Some("upload.hash_mismatch")),
        "{}",
        p.body
    );
    assert_eq!(
        tus_head(&w.app, &w.admin, &loc.unwrap()).await.0,
        410,
        "the upload has ended"
    );
    // Not video, audio or an image.
    let pdf = b"%PDF-1.7 not footage at all".repeat(100);
    let (_, loc, _) = tus_create(&w.app, &w.admin, pdf.len(), &footage_meta(&w, &[])).await;
    let p = tus_patch(&w.app, &w.admin, &loc.unwrap(), 0, pdf).await;
    assert_eq!(
        (p.status, p.body["error"]["code"].as_str()),
        (415, Some("upload.not_media"))
    );
    // More bytes than declared.
    let (_, loc, _) = tus_create(&w.app, &w.admin, 1000, &footage_meta(&w, &[])).await;
    let p = tus_patch(&w.app, &w.admin, &loc.unwrap(), 0, mp4(2000, 5)).await;
    assert_eq!(
        (p.status, p.body["error"]["code"].as_str()),
        (413, Some("upload.past_length"))
    );
    assert_eq!(blob_count(&w), before, "nothing reached the store");
    let leftovers: Vec<_> = std::fs::read_dir(w.app.state.settings.upload_dir())
        .unwrap()
        .flatten()
        .filter(|e| {
            std::fs::metadata(e.path())
                .map(|m| m.len() > 1000)
                .unwrap_or(false)
        })
        .collect();
    assert!(
        leftovers.is_empty(),
        "refused uploads leave no bytes behind"
    );
    // Bad metadata is refused at creation, naming the field.
    let (status, body) = tus_create(
        &w.app,
        &w.admin,
        10,
        &footage_meta(&w, &[("activity", "lunch".into())]),
    )
    .await
    .into_status_body();
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("activity"))
    );
    let (status, _) = tus_create(
        &w.app,
        &w.admin,
        10,
        &footage_meta(&w, &[("ended_at", "yesterday".into())]),
    )
    .await
    .into_status_body();
    assert_eq!(status, 422);
    // The same file twice is one piece of footage.
    let first = store_footage(&w, &mp4(5000, 6), &[]).await;
    let (_, loc, _) = tus_create(&w.app, &w.admin, 5000, &footage_meta(&w, &[])).await;
    let p = tus_patch(&w.app, &w.admin, &loc.unwrap(), 0, mp4(5000, 6)).await;
    assert_eq!(
        (p.status, p.body["error"]["code"].as_str()),
        (409, Some("evidence.duplicate"))
    );
    assert!(p.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains(&format!("#{first}")));
    // Nobody deletes footage by hand; the attempt is on record.
    let (status, err) = w
        .app
        .delete(&format!("/api/v1/evidence/{first}"), &w.head)
        .await;
    assert_eq!(
        (status, err["error"]["rule"].as_str()),
        (422, Some("BWC-07"))
    );
    let actions = audit_actions(&w, "action=evidence.delete_refused").await;
    assert_eq!(actions.len(), 1);
    // Footage one cannot see, or that does not exist, is "not found", and a scan of ids is
    // counted with the refused accesses instead of writing one chain entry per id.
    roadwarden_testkit::account(
        &w.app.state,
        &w.o.sibling_county,
        "wx.head",
        41,
        &["unit_head"],
    )
    .await;
    let stranger = w.app.token("wx.head", roadwarden_testkit::PASSWORD).await;
    let theirs = w
        .app
        .delete(&format!("/api/v1/evidence/{first}"), &stranger)
        .await;
    for missing in 900_000..900_050 {
        let gone = w
            .app
            .delete(&format!("/api/v1/evidence/{missing}"), &stranger)
            .await;
        assert_eq!(gone, theirs, "not yours and missing answer alike");
    }
    assert_eq!(theirs.0, 404, "{}", theirs.1);
    let actions = audit_actions(&w, "action=evidence.delete_refused").await;
    assert_eq!(actions.len(), 1, "no entry per scanned id");
    // Only an uploader role may upload.
    assert_eq!(
        tus_create(&w.app, &w.reviewer, 10, &footage_meta(&w, &[]))
            .await
            .0,
        403
    );
}

#[tokio::test]
async fn bwc_07_overwriting_or_deleting_a_completed_upload_is_refused_and_counted_as_a_delete_attempt(
) {
    let w = world().await;
    let bytes = mp4(8000, 40);
    let (_, loc, _) = tus_create(&w.app, &w.admin, bytes.len(), &footage_meta(&w, &[])).await;
    let loc = loc.unwrap();
    let done = tus_patch(&w.app, &w.admin, &loc, 0, bytes.clone()).await;
    assert_eq!(done.status, 204, "{}", done.body);
    let id = done.evidence_id.unwrap();
    // Overwrite from the start, and delete the tus resource: both refused as tus refuses them.
    let again = tus_patch(&w.app, &w.admin, &loc, 0, mp4(8000, 41)).await;
    assert_eq!(
        (again.status, again.body["error"]["code"].as_str()),
        (409, Some("upload.complete"))
    );
    let resp = w
        .app
        .client
        .delete(w.app.url(&loc))
        .bearer_auth(&w.admin)
        .header("Tus-Resumable", "1.0.0")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 409);
    // ... and both are on record against the footage, like any other delete attempt.
    let entries = audit_actions(
        &w,
        &format!("action=evidence.delete_refused&object_id={id}"),
    )
    .await;
    assert_eq!(entries.len(), 2, "{entries:?}");
    // The footage is untouched.
    let (_, view) = w.app.get(&format!("/api/v1/evidence/{id}"), &w.admin).await;
    assert_eq!(
        view["evidence"]["sha256"].as_str(),
        Some(sha(&bytes).as_str()),
        "{view}"
    );
    // The supervision report counts them (BWC-14).
    let sup = w.app.token("cx.super", roadwarden_testkit::PASSWORD).await;
    let from = (t0() - Duration::days(1)).to_rfc3339().replace('+', "%2B");
    let to = (t0() + Duration::days(1)).to_rfc3339().replace('+', "%2B");
    let (status, report) = w
        .app
        .get(
            &format!("/api/v1/evidence-supervision?from={from}&to={to}"),
            &sup,
        )
        .await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["delete_attempts"], 2, "{report}");
}

#[tokio::test]
async fn bwc_05_an_upload_survives_a_server_restart_and_resumes() {
    let w = world().await;
    let bytes = mp4(2 << 20, 7);
    let (_, loc, _) = tus_create(
        &w.app,
        &w.admin,
        bytes.len(),
        &footage_meta(&w, &[("sha256", sha(&bytes))]),
    )
    .await;
    let loc = loc.unwrap();
    let third = bytes.len() / 3;
    assert_eq!(
        tus_patch(&w.app, &w.admin, &loc, 0, bytes[..third].to_vec())
            .await
            .status,
        204
    );
    // The crash came after some bytes reached the file but before the offset was recorded:
    // those bytes are cut off on resume and sent again.
    let part = w
        .app
        .state
        .settings
        .upload_dir()
        .join(format!("{}.part", loc.rsplit('/').next().unwrap()));
    {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&part)
            .unwrap();
        f.write_all(b"garbage from a write that never finished")
            .unwrap();
    }
    let World {
        base: roadwarden_testkit::World { app, o, clock },
        admin,
        head,
        head2,
        sq_head,
        sq_head2,
        reviewer,
        officer_id,
    } = w;
    let app = app.restart().await;
    let w = World {
        base: roadwarden_testkit::World { app, o, clock },
        admin,
        head,
        head2,
        sq_head,
        sq_head2,
        reviewer,
        officer_id,
    };
    assert_eq!(
        tus_head(&w.app, &w.admin, &loc).await,
        (200, Some(third as u64))
    );
    let p = tus_patch(&w.app, &w.admin, &loc, third, bytes[third..].to_vec()).await;
    assert_eq!(p.status, 204, "{}", p.body);
    let id = p.evidence_id.unwrap();
    // An upload whose bytes vanished (a restore from backup) tells the client to start over.
    let (_, lost, _) = tus_create(&w.app, &w.admin, 5000, &footage_meta(&w, &[])).await;
    let lost = lost.unwrap();
    assert_eq!(
        tus_patch(&w.app, &w.admin, &lost, 0, mp4(100, 40))
            .await
            .status,
        204
    );
    let part = w
        .app
        .state
        .settings
        .upload_dir()
        .join(format!("{}.part", lost.rsplit('/').next().unwrap()));
    std::fs::remove_file(part).unwrap();
    let p = tus_patch(&w.app, &w.admin, &lost, 100, mp4(4900, 40)[..4900].to_vec()).await;
    assert_eq!(
        (p.status, p.body["error"]["code"].as_str()),
        (410, Some("upload.lost"))
    );
    let (_, page) = w.app.get(&format!("/api/v1/evidence/{id}"), &w.admin).await;
    assert_eq!(
        page["evidence"]["sha256"].as_str(),
        Some(sha(&bytes).as_str())
    );
}

// ---- the same chain on S3-compatible object storage ------------------------------------------------

#[tokio::test]
async fn bwc_07_footage_on_s3_is_uploaded_resumably_seeked_copied_and_purged() {
    let Some(moto) = roadwarden_blob::testing::moto() else {
        return; // printed by testing::moto(); CI installs moto and fails instead
    };
    let cfg = moto.config().await;
    let w = world_with(|s| {
        s.blobs.backend = "s3".into();
        s.blobs.s3_endpoint = cfg.endpoint.clone().unwrap_or_default();
        s.blobs.s3_bucket = cfg.bucket.clone();
        s.blobs.s3_region = cfg.region.clone();
        s.blobs.s3_access_key_id = cfg.access_key_id.clone();
        s.blobs.s3_secret_access_key =
            roadwarden_server::config::Secret::new(cfg.secret_access_key.clone());
        s.blobs.s3_prefix = cfg.prefix.clone();
        s.blobs.s3_allow_http = true;
    })
    .await;
    let bytes = mp4(10 << 20, 50);
    let (_, loc, _) = tus_create(
        &w.app,
        &w.admin,
        bytes.len(),
        &footage_meta(&w, &[("sha256", sha(&bytes))]),
    )
    .await;
    let loc = loc.unwrap();
    let half = bytes.len() / 2;
    assert_eq!(
        tus_patch(&w.app, &w.admin, &loc, 0, bytes[..half].to_vec())
            .await
            .status,
        204
    );
    let p = tus_patch(&w.app, &w.admin, &loc, half, bytes[half..].to_vec()).await;
    assert_eq!(p.status, 204, "{}", p.body);
    let id = p.evidence_id.unwrap();
    upload::verify_pending(&w.app.state).await.unwrap();
    let (_, page) = w.app.get(&format!("/api/v1/evidence/{id}"), &w.admin).await;
    assert!(
        page["evidence"]["released_at"].is_string(),
        "verified on S3: {page}"
    );
    let (_, req) = request(&w, &w.reviewer, &[id], "copy").await;
    let rid = req["id"].as_i64().unwrap();
    decide(&w, &w.sq_head, rid, "approve").await;
    let resp = content(&w, &w.reviewer, id, Some("bytes=7000000-7000999")).await;
    assert_eq!(resp.status().as_u16(), 206);
    assert_eq!(
        resp.bytes().await.unwrap().as_ref(),
        &bytes[7_000_000..7_001_000]
    );
    let (_, view) = w
        .app
        .post(
            &format!("/api/v1/access-requests/{rid}/exports"),
            &w.admin,
            &json!({}),
        )
        .await;
    let export = view["exports"][0]["id"].as_i64().unwrap();
    let resp = w
        .app
        .client
        .get(w.app.url(&format!("/api/v1/exports/{export}/files/{id}")))
        .bearer_auth(&w.reviewer)
        .send()
        .await
        .unwrap();
    assert_eq!(sha(&resp.bytes().await.unwrap()), sha(&bytes));
    w.clock.advance(Duration::days(100));
    retention::purge(&w.app.state).await.unwrap();
    w.clock.advance(Duration::days(8));
    assert_eq!(retention::purge(&w.app.state).await.unwrap().destroyed, 1);
    let blob = roadwarden_blob::BlobId::parse(&sha(&bytes)).unwrap();
    assert!(matches!(
        w.app.state.blobs.len(&blob).await,
        Err(roadwarden_blob::BlobError::NotFound(_))
    ));
}
