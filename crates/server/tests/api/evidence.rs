//! Body-worn recorder evidence over HTTP: the ledger (BWC-01/04/12), resumable uploads over tus
//! and the write-once store (BWC-05/07), access under approval with exports (BWC-08..10,
//! SEC-07), retention and the purge (BWC-06, AUD-05), work records and supervision
//! (BWC-02/03/13/14). Footage bytes are synthetic MP4s (a real `ftyp` box, then noise).

use base64::Engine;
use chrono::{DateTime, Duration, TimeZone, Utc};
use roadwarden_server::services::evidence::{retention, upload};
use roadwarden_server::Clock;
use roadwarden_testkit::{account, org, Org, TestApp};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

pub(crate) struct World {
    pub app: TestApp,
    pub o: Org,
    pub clock: Clock,
    /// recorder_admin at the county.
    pub admin: String,
    /// unit_head at the county, and a second head there.
    pub head: String,
    pub head2: String,
    /// unit_head of the squad, the footage's own unit (the officer's), and a second one: they
    /// decide requests for it (BWC-08).
    pub sq_head: String,
    pub sq_head2: String,
    /// reviewer at the county, who asks to see footage.
    pub reviewer: String,
    /// The officer who wears the recorder (a collector in the squad).
    pub officer_id: i64,
}

pub(crate) fn t0() -> DateTime<Utc> {
    // Monday 23 November 2026, 10:00 in Shanghai.
    Utc.with_ymd_and_hms(2026, 11, 23, 2, 0, 0).unwrap()
}

pub(crate) async fn world() -> World {
    world_with(|_| {}).await
}

pub(crate) async fn world_with(
    adjust: impl FnOnce(&mut roadwarden_server::config::Settings),
) -> World {
    let clock = Clock::manual(t0());
    let app = TestApp::spawn_with(
        |s| {
            s.security.api_token_days = 3650;
            s.security.password_max_age_days = 0;
            s.evidence.national_minimum = false;
            adjust(s);
        },
        clock.clone(),
    )
    .await;
    let o = org(&app.state).await;
    let s = &app.state;
    account(s, &o.county, "cx.recadmin", 21, &["recorder_admin"]).await;
    account(s, &o.county, "cx.head", 22, &["unit_head"]).await;
    account(s, &o.county, "cx.head2", 23, &["unit_head"]).await;
    account(s, &o.county, "cx.viewer", 24, &["reviewer"]).await;
    account(s, &o.squad, "sq.officer", 25, &["collector"]).await;
    account(s, &o.county, "cx.super", 26, &["supervisor"]).await;
    account(s, &o.squad, "sq.head", 31, &["unit_head"]).await;
    account(s, &o.squad, "sq.head2", 32, &["unit_head"]).await;
    account(
        s,
        &o.sibling_county,
        "sib.head",
        27,
        &["unit_head", "recorder_admin"],
    )
    .await;
    let tok = |u: &'static str| {
        let app = &app;
        async move { app.token(u, roadwarden_testkit::PASSWORD).await }
    };
    let admin = tok("cx.recadmin").await;
    let head = tok("cx.head").await;
    let head2 = tok("cx.head2").await;
    let reviewer = tok("cx.viewer").await;
    let sq_head = tok("sq.head").await;
    let sq_head2 = tok("sq.head2").await;
    let officer = tok("sq.officer").await;
    let (_, me) = app.get("/api/v1/me", &officer).await;
    let officer_id = me["id"]
        .as_i64()
        .or(me["user"]["id"].as_i64())
        .expect("officer id");
    World {
        app,
        o,
        clock,
        admin,
        head,
        head2,
        sq_head,
        sq_head2,
        reviewer,
        officer_id,
    }
}

/// A synthetic MP4: a real `ftyp` box, then bytes derived from `seed`.
pub(crate) fn mp4(len: usize, seed: u8) -> Vec<u8> {
    let mut v = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2".to_vec();
    let mut x = u32::from(seed).wrapping_mul(2_654_435_761) | 1;
    while v.len() < len {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        v.push(x as u8);
    }
    v.truncate(len);
    v
}

pub(crate) fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn tus_meta(fields: &[(&str, String)]) -> String {
    fields
        .iter()
        .map(|(k, v)| {
            format!(
                "{k} {}",
                base64::engine::general_purpose::STANDARD.encode(v)
            )
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// The metadata of a recording that ended at t0 - 1h and was handed in at t0.
pub(crate) fn footage_meta(w: &World, extra: &[(&str, String)]) -> Vec<(&'static str, String)> {
    let end = t0() - Duration::hours(1);
    let mut m: Vec<(&'static str, String)> = vec![
        ("officer", w.officer_id.to_string()),
        ("activity", "roadside_inspection".into()),
        ("started_at", (end - Duration::minutes(30)).to_rfc3339()),
        ("ended_at", end.to_rfc3339()),
        ("handed_in_at", t0().to_rfc3339()),
        ("place", "G60 K123".into()),
        ("filename", "DSC_0001.MP4".into()),
    ];
    for (k, v) in extra {
        let key: &'static str = Box::leak(k.to_string().into_boxed_str());
        m.retain(|(existing, _)| *existing != key);
        m.push((key, v.clone()));
    }
    m
}

pub(crate) async fn tus_create(
    app: &TestApp,
    token: &str,
    len: usize,
    meta: &[(&str, String)],
) -> (u16, Option<String>, Value) {
    let resp = app
        .client
        .post(app.url("/api/v1/evidence/uploads"))
        .bearer_auth(token)
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", len.to_string())
        .header("Upload-Metadata", tus_meta(meta))
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let loc = resp
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, loc, resp.json().await.unwrap_or(Value::Null))
}

pub(crate) struct Patched {
    pub status: u16,
    pub offset: Option<u64>,
    pub evidence_id: Option<i64>,
    pub body: Value,
}

pub(crate) async fn tus_patch(
    app: &TestApp,
    token: &str,
    loc: &str,
    offset: usize,
    bytes: Vec<u8>,
) -> Patched {
    let resp = app
        .client
        .patch(app.url(loc))
        .bearer_auth(token)
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Offset", offset.to_string())
        .header("Content-Type", "application/offset+octet-stream")
        .body(bytes)
        .send()
        .await
        .unwrap();
    let h = |n: &str| {
        resp.headers()
            .get(n)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let offset = h("upload-offset").and_then(|v| v.parse().ok());
    let evidence_id = h("x-evidence-id").and_then(|v| v.parse().ok());
    let status = resp.status().as_u16();
    Patched {
        status,
        offset,
        evidence_id,
        body: resp.json().await.unwrap_or(Value::Null),
    }
}

pub(crate) async fn tus_head(app: &TestApp, token: &str, loc: &str) -> (u16, Option<u64>) {
    let resp = app
        .client
        .head(app.url(loc))
        .bearer_auth(token)
        .header("Tus-Resumable", "1.0.0")
        .send()
        .await
        .unwrap();
    let offset = resp
        .headers()
        .get("upload-offset")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    (resp.status().as_u16(), offset)
}

/// Uploads `bytes` in one go; returns the footage id.
pub(crate) async fn store_footage(w: &World, bytes: &[u8], extra: &[(&str, String)]) -> i64 {
    upload_on(&w.app, &w.admin, bytes, &footage_meta(w, extra)).await
}

fn blob_count(w: &World) -> usize {
    walk(&w.app.state.settings.blob_dir())
}

fn walk(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| {
                    let p = e.path();
                    if p.is_dir() {
                        if p.file_name().is_some_and(|n| n == "tmp") {
                            0
                        } else {
                            walk(&p)
                        }
                    } else {
                        1
                    }
                })
                .sum()
        })
        .unwrap_or(0)
}

async fn audit_actions(w: &World, query: &str) -> Vec<String> {
    let root = w.app.token(&w.o.root_admin.0, &w.o.root_admin.1).await;
    let (_, entries) = w.app.get(&format!("/api/v1/audit?{query}"), &root).await;
    entries
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect()
}

// ---- BWC-01, BWC-04, BWC-12: the ledger -------------------------------------------------------

#[tokio::test]
async fn bwc_01_bwc_04_a_recorder_is_issued_only_after_a_passed_check_and_comes_back_to_the_store()
{
    let w = world().await;
    let (status, rec) = w
        .app
        .post(
            "/api/v1/recorders",
            &w.admin,
            &json!({"number": "zj-bwc-0001", "brand": "Hikvision", "model": "DS-MH2311"}),
        )
        .await;
    assert_eq!(status, 201, "{rec}");
    assert_eq!(rec["recorder"]["number"], "ZJ-BWC-0001");
    let id = rec["recorder"]["id"].as_i64().unwrap();
    let path = format!("/api/v1/recorders/{id}/ledger");
    let issue = json!({"step": "issue", "officer_id": w.officer_id, "condition": "good"});
    let (status, err) = w.app.post(&path, &w.admin, &issue).await;
    assert_eq!(
        (
            status,
            err["error"]["rule"].as_str(),
            err["error"]["code"].as_str()
        ),
        (422, Some("BWC-04"), Some("recorder.not_checked"))
    );
    let check = |spare: bool| {
        json!({"step": "check", "officer_id": w.officer_id, "fault_free": true,
        "main_battery_charged": true, "spare_battery_charged": spare, "storage_sufficient": true,
        "time_and_place_stamp_correct": true})
    };
    assert_eq!(w.app.post(&path, &w.admin, &check(false)).await.0, 200);
    let (status, err) = w.app.post(&path, &w.admin, &issue).await;
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (422, Some("recorder.check_failed"))
    );
    assert!(err["error"]["message"]
        .as_str()
        .unwrap()
        .contains("spare_battery_charged"));
    assert_eq!(w.app.post(&path, &w.admin, &check(true)).await.0, 200);
    let (status, page) = w.app.post(&path, &w.admin, &issue).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["recorder"]["state"], "issued");
    assert_eq!(page["recorder"]["holder_id"].as_i64(), Some(w.officer_id));
    let (status, err) = w.app.post(&path, &w.admin, &issue).await;
    assert_eq!(
        (status, err["error"]["rule"].as_str()),
        (422, Some("BWC-01")),
        "not twice"
    );
    // A shift later without a hand-over back, the ledger flags it.
    w.clock.advance(Duration::hours(25));
    let (_, list) = w.app.get("/api/v1/recorders", &w.admin).await;
    assert_eq!(list[0]["flags"], json!(["held_without_hand_over"]));
    let (status, page) = w
        .app
        .post(
            &path,
            &w.admin,
            &json!({"step": "return", "condition": "scratched lens cover"}),
        )
        .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["recorder"]["state"], "in_store");
    let kinds: Vec<&str> = page["ledger"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["return", "issue", "check", "check", "registered"],
        "newest first"
    );
    assert_eq!(page["ledger"][0]["condition"], "scratched lens cover");
    // Another county's recorder administrator does not see it.
    let sib = w.app.token("sib.head", roadwarden_testkit::PASSWORD).await;
    assert_eq!(
        w.app.get(&format!("/api/v1/recorders/{id}"), &sib).await.0,
        404
    );
}

#[tokio::test]
async fn bwc_12_a_damaged_recorder_goes_to_logistics_within_24_hours() {
    let w = world().await;
    let (_, rec) = w
        .app
        .post(
            "/api/v1/recorders",
            &w.admin,
            &json!({"number": "ZJ-BWC-0002", "brand": "Hikvision", "model": "X"}),
        )
        .await;
    let id = rec["recorder"]["id"].as_i64().unwrap();
    let path = format!("/api/v1/recorders/{id}/ledger");
    assert_eq!(
        w.app
            .post(
                &path,
                &w.admin,
                &json!({"step": "damage", "condition": "screen cracked"})
            )
            .await
            .0,
        200
    );
    let (status, err) = w
        .app
        .post(
            &path,
            &w.admin,
            &json!({"step": "send_for_repair", "destination": "outside_shop"}),
        )
        .await;
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (422, Some("recorder.outside_repair_forbidden"))
    );
    w.clock.advance(Duration::hours(25));
    let (_, list) = w.app.get("/api/v1/recorders", &w.admin).await;
    assert_eq!(list[0]["flags"], json!(["repair_overdue"]));
    let (status, page) = w
        .app
        .post(
            &path,
            &w.admin,
            &json!({"step": "send_for_repair", "destination": "logistics_department"}),
        )
        .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(
        page["ledger"][0]["detail"]
            .as_str()
            .map(|d| d.contains("\"late\":true")),
        Some(true),
        "sent late, and it shows"
    );
    assert_eq!(
        w.app
            .post(
                &path,
                &w.admin,
                &json!({"step": "repaired", "condition": "screen replaced"})
            )
            .await
            .0,
        200
    );
}

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

trait StatusBody {
    fn into_status_body(self) -> (u16, Value);
}

impl StatusBody for (u16, Option<String>, Value) {
    fn into_status_body(self) -> (u16, Value) {
        (self.0, self.2)
    }
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
        app,
        o,
        clock,
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
        app,
        o,
        clock,
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

// ---- BWC-08..10, SEC-07: access under approval --------------------------------------------------

async fn request(w: &World, token: &str, ids: &[i64], purpose: &str) -> (u16, Value) {
    w.app
        .post("/api/v1/access-requests", token, &json!({"evidence_ids": ids, "purpose": purpose, "reason": "evidence for objection case 2026-118"}))
        .await
}

async fn decide(w: &World, token: &str, id: i64, decision: &str) -> (u16, Value) {
    w.app
        .post(
            &format!("/api/v1/access-requests/{id}/decision"),
            token,
            &json!({"decision": decision, "reason": "not related to the case"}),
        )
        .await
}

async fn content(w: &World, token: &str, id: i64, range: Option<&str>) -> reqwest::Response {
    let mut req = w
        .app
        .client
        .get(w.app.url(&format!("/api/v1/evidence/{id}/content")))
        .bearer_auth(token);
    if let Some(r) = range {
        req = req.header("Range", r);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn bwc_08_viewing_needs_a_request_approved_by_the_unit_head_and_every_view_is_audited() {
    let w = world().await;
    let bytes = mp4(1 << 20, 8);
    let id = store_footage(&w, &bytes, &[]).await;
    let resp = content(&w, &w.reviewer, id, None).await;
    assert_eq!(resp.status().as_u16(), 422);
    let err: Value = resp.json().await.unwrap();
    assert_eq!(err["error"]["code"], "access.no_request");
    let (status, req) = request(&w, &w.reviewer, &[id], "view").await;
    assert_eq!(status, 201, "{req}");
    let rid = req["id"].as_i64().unwrap();
    assert_eq!(
        content(&w, &w.reviewer, id, None).await.status().as_u16(),
        422,
        "pending is not approved"
    );
    // The requester cannot approve; a head of another county does not even see it.
    let (status, err) = decide(&w, &w.reviewer, rid, "approve").await;
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (403, Some("role.missing"))
    );
    let sib = w.app.token("sib.head", roadwarden_testkit::PASSWORD).await;
    assert_eq!(decide(&w, &sib, rid, "approve").await.0, 404);
    // The footage is the squad's: the head of the county above it does not approve (BWC-08).
    let (status, err) = decide(&w, &w.head, rid, "approve").await;
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (422, Some("access.not_unit_head"))
    );
    let (status, approved) = decide(&w, &w.sq_head, rid, "approve").await;
    assert_eq!(status, 200, "{approved}");
    assert_eq!(approved["state"], "approved");
    // The player seeks without reading the whole file.
    let resp = content(&w, &w.reviewer, id, Some("bytes=1000-1999")).await;
    assert_eq!(resp.status().as_u16(), 206);
    assert_eq!(
        resp.headers()["content-range"],
        format!("bytes 1000-1999/{}", bytes.len()).as_str()
    );
    assert_eq!(resp.bytes().await.unwrap().as_ref(), &bytes[1000..2000]);
    let resp = content(&w, &w.reviewer, id, Some("bytes=0-")).await;
    assert_eq!(resp.status().as_u16(), 206);
    assert_eq!(resp.bytes().await.unwrap().len(), bytes.len());
    assert_eq!(
        content(&w, &w.reviewer, id, Some("bytes=99999999-"))
            .await
            .status()
            .as_u16(),
        416
    );
    let views = audit_actions(&w, &format!("action=evidence.view&object_id={id}")).await;
    assert_eq!(
        views.len(),
        1,
        "opening the file is one entry; seeking inside it is not"
    );
    // The approval does not cover a copy, and it runs out.
    let (status, err) = w
        .app
        .post(
            &format!("/api/v1/access-requests/{rid}/exports"),
            &w.admin,
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (422, Some("access.view_only"))
    );
    w.clock.advance(Duration::days(8));
    let err: Value = content(&w, &w.reviewer, id, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(err["error"]["code"], "access.expired");
}

#[tokio::test]
async fn bwc_08_outside_bodies_are_registered_and_refusals_and_revocations_hold() {
    let w = world().await;
    let id = store_footage(&w, &mp4(10_000, 9), &[]).await;
    let (status, err) = w
        .app
        .post(
            "/api/v1/access-requests",
            &w.admin,
            &json!({"evidence_ids": [id], "purpose": "copy",
        "requester": "court", "reason": "trial of case (2026) Zhe 0106 No. 12"}),
        )
        .await;
    assert_eq!(
        (status, err["error"]["field"].as_str()),
        (422, Some("register"))
    );
    let (status, err) = w
        .app
        .post(
            "/api/v1/access-requests",
            &w.admin,
            &json!({"evidence_ids": [id], "purpose": "copy",
        "requester": "public_use", "reason": "road safety publicity video"}),
        )
        .await;
    assert_eq!(
        (status, err["error"]["field"].as_str()),
        (422, Some("committee_approval"))
    );
    let (status, req) = w.app.post("/api/v1/access-requests", &w.admin, &json!({"evidence_ids": [id], "purpose": "copy",
        "requester": "court", "reason": "trial of case (2026) Zhe 0106 No. 12", "register": "Xihu court, judge Li, letter 2026-77"})).await;
    assert_eq!(status, 201, "{req}");
    let rid = req["id"].as_i64().unwrap();
    let (status, refused) = decide(&w, &w.sq_head, rid, "refuse").await;
    assert_eq!((status, refused["state"].as_str()), (200, Some("refused")));
    assert_eq!(
        decide(&w, &w.sq_head, rid, "approve").await.1["error"]["code"],
        "access.not_pending"
    );
    let (_, req) = request(&w, &w.reviewer, &[id], "view").await;
    let rid = req["id"].as_i64().unwrap();
    decide(&w, &w.sq_head, rid, "approve").await;
    assert_eq!(
        content(&w, &w.reviewer, id, None).await.status().as_u16(),
        200
    );
    let (status, revoked) = decide(&w, &w.head, rid, "revoke").await;
    assert_eq!((status, revoked["state"].as_str()), (200, Some("revoked")));
    let err: Value = content(&w, &w.reviewer, id, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(err["error"]["code"], "access.revoked");
}

#[tokio::test]
async fn bwc_09_restricted_footage_needs_two_different_heads() {
    let w = world().await;
    let id = store_footage(&w, &mp4(10_000, 10), &[("restriction", "privacy".into())]).await;
    let (_, req) = request(&w, &w.reviewer, &[id], "view").await;
    let rid = req["id"].as_i64().unwrap();
    assert_eq!(req["approvals_needed"], 2);
    let (_, first) = decide(&w, &w.sq_head, rid, "approve").await;
    assert_eq!(first["state"], "pending", "one head is not enough: {first}");
    assert_eq!(
        decide(&w, &w.sq_head, rid, "approve").await.1["error"]["code"],
        "access.same_approver"
    );
    let (_, second) = decide(&w, &w.sq_head2, rid, "approve").await;
    assert_eq!(second["state"], "approved");
    assert_eq!(second["approvals"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn bwc_10_sec_07_an_approved_copy_is_an_export_with_its_sheet_manifest_and_custody() {
    let w = world().await;
    let a = mp4(50_000, 11);
    let b = mp4(60_000, 12);
    let ida = store_footage(&w, &a, &[("case_ref", "2026-118".into())]).await;
    let idb = store_footage(&w, &b, &[("case_ref", "2026-118".into())]).await;
    let (_, req) = request(&w, &w.reviewer, &[ida, idb], "copy").await;
    let rid = req["id"].as_i64().unwrap();
    let (status, err) = w
        .app
        .post(
            &format!("/api/v1/access-requests/{rid}/exports"),
            &w.admin,
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (422, Some("access.not_approved"))
    );
    decide(&w, &w.sq_head, rid, "approve").await;
    // BWC-08: the recorder administrator provides the copy; the requester receives it.
    let (status, view) = w
        .app
        .post(
            &format!("/api/v1/access-requests/{rid}/exports"),
            &w.admin,
            &json!({}),
        )
        .await;
    assert_eq!(status, 201, "{view}");
    let export = view["exports"][0]["id"].as_i64().unwrap();
    let resp = w
        .app
        .client
        .get(w.app.url(&format!("/api/v1/exports/{export}/sheet")))
        .bearer_auth(&w.reviewer)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let pdf = resp.bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    if let Some(text) = pdftotext(&pdf) {
        assert!(
            text.contains(&sha(&a)) || text.contains(&sha(&a)[..32]),
            "the manifest lists the hashes"
        );
        assert!(
            text.contains("cx.viewer"),
            "the watermark names who copied it"
        );
        assert!(
            text.contains("evidence.stored"),
            "the chain of custody is printed"
        );
    }
    let resp = w
        .app
        .client
        .get(w.app.url(&format!("/api/v1/exports/{export}/files/{idb}")))
        .bearer_auth(&w.reviewer)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let disposition = resp.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(disposition.contains("cx.viewer"), "{disposition}");
    assert_eq!(
        sha(&resp.bytes().await.unwrap()),
        sha(&b),
        "the copy is the original, unaltered"
    );
    let copies = audit_actions(&w, "action=evidence.copy").await;
    assert_eq!(copies.len(), 1);
    let exports = audit_actions(&w, "action=evidence.export").await;
    assert_eq!(
        exports.iter().filter(|a| *a == "evidence.export").count(),
        1
    );
    assert_eq!(
        exports
            .iter()
            .filter(|a| *a == "evidence.export_sheet")
            .count(),
        1
    );
}

#[tokio::test]
async fn bwc_08_the_recorder_admin_provides_the_copy_the_footage_units_head_approves_and_a_superior_bodys_retrieval_is_its_own(
) {
    let w = world().await;
    let bytes = mp4(30_000, 42);
    let id = store_footage(&w, &bytes, &[("case_ref", "2026-201".into())]).await;
    let body = |kind: &str| {
        json!({"evidence_ids": [id], "purpose": "copy", "requester": kind,
            "reason": "retrieval for the city's law-enforcement inspection",
            "register": "county inspection office, Inspector Chen, letter 2026-9"})
    };
    // A superior body's retrieval is filed from a unit above the footage's unit.
    let officer = w
        .app
        .token("sq.officer", roadwarden_testkit::PASSWORD)
        .await;
    let (status, err) = w
        .app
        .post("/api/v1/access-requests", &officer, &body("superior_body"))
        .await;
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (422, Some("access.not_superior_body"))
    );
    let sup = w.app.token("cx.super", roadwarden_testkit::PASSWORD).await;
    let (status, req) = w
        .app
        .post("/api/v1/access-requests", &sup, &body("superior_body"))
        .await;
    assert_eq!(status, 201, "{req}");
    let rid = req["id"].as_i64().unwrap();
    // Recorded as the county's retrieval of the squad's footage.
    assert_eq!(req["requesting_unit_id"], w.o.county.id.0);
    assert_eq!(req["unit_id"], w.o.squad.id.0);
    assert_eq!(req["requesting_unit_name"], w.o.county.name.as_str());
    // Only the head of the footage's own unit decides: not the county head above it.
    for head in [&w.head, &w.head2] {
        let (status, err) = decide(&w, head, rid, "approve").await;
        assert_eq!(
            (status, err["error"]["code"].as_str()),
            (422, Some("access.not_unit_head"))
        );
        let (status, err) = decide(&w, head, rid, "refuse").await;
        assert_eq!(
            (status, err["error"]["code"].as_str()),
            (422, Some("access.not_unit_head"))
        );
    }
    let card = |html: String| {
        html.split(&format!("id=\"request-{rid}\""))
            .nth(1)
            .unwrap_or("")
            .split("</section>")
            .next()
            .unwrap_or("")
            .to_owned()
    };
    // The county head's inbox shows it without an approve button; the squad head's has one.
    let county_head_card = card(w.app.page("/evidence/requests", Some(&w.head)).await);
    assert!(
        county_head_card.contains("not-own-unit") && !county_head_card.contains("approve\" type"),
        "{county_head_card}"
    );
    let squad_head_card = card(w.app.page("/evidence/requests", Some(&w.sq_head)).await);
    assert!(
        squad_head_card.contains("approve\" type"),
        "{squad_head_card}"
    );
    let (status, approved) = decide(&w, &w.sq_head, rid, "approve").await;
    assert_eq!(
        (status, approved["state"].as_str()),
        (200, Some("approved"))
    );
    // The requester does not make the copy; the recorder administrator provides it. The pages
    // offer it that way: the administrator's has the button, the requester's says who makes it.
    let admin_card = card(w.app.page("/evidence/requests", Some(&w.admin)).await);
    assert!(admin_card.contains("make-export"), "{admin_card}");
    let sup_card = card(w.app.page("/evidence/requests", Some(&sup)).await);
    assert!(
        !sup_card.contains("make-export") && sup_card.contains("awaiting-copy"),
        "{sup_card}"
    );
    let exports = format!("/api/v1/access-requests/{rid}/exports");
    let (status, err) = w.app.post(&exports, &sup, &json!({})).await;
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (422, Some("access.copy_by_recorder_admin"))
    );
    let (status, view) = w.app.post(&exports, &w.admin, &json!({})).await;
    assert_eq!(status, 201, "{view}");
    let export = view["exports"][0]["id"].as_i64().unwrap();
    let admin_id = w.app.get("/api/v1/me", &w.admin).await.1;
    let admin_id = admin_id["id"]
        .as_i64()
        .or(admin_id["user"]["id"].as_i64())
        .unwrap();
    assert_eq!(view["exports"][0]["created_by"], admin_id);
    // The requester receives it: the file, unaltered.
    let resp = w
        .app
        .client
        .get(w.app.url(&format!("/api/v1/exports/{export}/files/{id}")))
        .bearer_auth(&sup)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(sha(&resp.bytes().await.unwrap()), sha(&bytes));
    // The retrieval is on record by the administrator, naming the requesting unit.
    let root = w.app.token(&w.o.root_admin.0, &w.o.root_admin.1).await;
    let (_, entries) = w
        .app
        .get(
            &format!("/api/v1/audit?action=evidence.export&object_id={rid}"),
            &root,
        )
        .await;
    let entry = &entries.as_array().unwrap()[0];
    assert_eq!(entry["actor"], "cx.recadmin", "{entry}");
    let detail = entry["detail"]
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| entry["detail"].to_string());
    assert!(
        detail.contains(&format!("\"requesting_unit\":{}", w.o.county.id.0)),
        "{detail}"
    );
    // The county page shows whose retrieval it is.
    let html = w.app.page("/evidence/requests", Some(&sup)).await;
    assert!(
        html.contains("requesting-unit"),
        "the requesting unit is shown"
    );
}

fn pdftotext(pdf: &[u8]) -> Option<String> {
    let dir = tempfile::tempdir().ok()?;
    let path = dir.path().join("sheet.pdf");
    std::fs::write(&path, pdf).ok()?;
    let out = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

// ---- BWC-06, AUD-05: retention and the purge ----------------------------------------------------

#[tokio::test]
async fn bwc_06_footage_is_purged_only_when_due_restorable_for_a_window_then_destroyed() {
    let w = world().await;
    let general = store_footage(&w, &mp4(9000, 13), &[]).await;
    let held = store_footage(&w, &mp4(9000, 14), &[]).await;
    let case = store_footage(&w, &mp4(9000, 15), &[("case_ref", "2026-200".into())]).await;
    let (_, page) = w
        .app
        .get(&format!("/api/v1/evidence/{general}"), &w.admin)
        .await;
    assert_eq!(page["evidence"]["retention_category"], "general");
    // Recorded on 23 Nov (local), kept 3 months: it may go from 24 Feb 2027 00:00 Shanghai.
    assert_eq!(page["evidence"]["purge_from"], "2027-02-23T16:00:00Z");
    let (status, e) = w
        .app
        .post(
            &format!("/api/v1/evidence/{held}/reasons"),
            &w.head,
            &json!({"kind": "hold", "note": "litigation hold, case 2026-301"}),
        )
        .await;
    assert_eq!(
        (status, e["retention_category"].as_str()),
        (200, Some("legal_hold")),
        "{e}"
    );
    let (_, page) = w
        .app
        .get(&format!("/api/v1/evidence/{case}"), &w.admin)
        .await;
    assert_eq!(page["evidence"]["retention_category"], "case_evidence");
    // A week before, the footage is on the warning list.
    w.clock.advance(Duration::days(88));
    let (_, cal) = w
        .app
        .get("/api/v1/evidence-retention?days=7", &w.head)
        .await;
    let upcoming: Vec<i64> = cal["upcoming"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    assert_eq!(upcoming, vec![general]);
    let report = retention::purge(&w.app.state).await.unwrap();
    assert_eq!(report.purged, 0, "not due yet");
    w.clock.advance(Duration::days(5));
    let report = retention::purge(&w.app.state).await.unwrap();
    assert_eq!(report.purged, 1, "{report:?}");
    let (_, page) = w
        .app
        .get(&format!("/api/v1/evidence/{general}"), &w.admin)
        .await;
    assert_eq!(page["evidence"]["life_state"], "purged");
    for kept in [held, case] {
        let (_, page) = w
            .app
            .get(&format!("/api/v1/evidence/{kept}"), &w.admin)
            .await;
        assert_eq!(
            page["evidence"]["life_state"], "kept",
            "the longest reason wins"
        );
    }
    // Restored inside the window, under a hold that says why.
    let (status, e) = w
        .app
        .post(
            &format!("/api/v1/evidence/{general}/restore"),
            &w.head,
            &json!({"reason": "complaint received late"}),
        )
        .await;
    assert_eq!(
        (status, e["life_state"].as_str()),
        (200, Some("kept")),
        "{e}"
    );
    // Released, it is due again and purged; after the window the bytes are gone.
    let (_, page) = w
        .app
        .get(&format!("/api/v1/evidence/{general}"), &w.admin)
        .await;
    let reason = page["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "hold")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/v1/evidence/{general}/reasons/{reason}/release");
    assert_eq!(w.app.post(&path, &w.head, &json!({})).await.0, 200);
    assert_eq!(retention::purge(&w.app.state).await.unwrap().purged, 1);
    w.clock.advance(Duration::days(8));
    let (status, err) = w
        .app
        .post(
            &format!("/api/v1/evidence/{general}/restore"),
            &w.head,
            &json!({"reason": "too late now"}),
        )
        .await;
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (422, Some("retention.restore_window_closed"))
    );
    let report = retention::purge(&w.app.state).await.unwrap();
    assert_eq!(report.destroyed, 1);
    let (_, page) = w
        .app
        .get(&format!("/api/v1/evidence/{general}"), &w.admin)
        .await;
    assert_eq!(page["evidence"]["life_state"], "destroyed");
    let blob =
        roadwarden_blob::BlobId::parse(page["evidence"]["sha256"].as_str().unwrap()).unwrap();
    assert!(matches!(
        w.app.state.blobs.len(&blob).await,
        Err(roadwarden_blob::BlobError::NotFound(_))
    ));
    let actions = audit_actions(&w, &format!("object_type=evidence&object_id={general}")).await;
    for a in ["evidence.purged", "evidence.restored", "evidence.destroyed"] {
        assert!(actions.contains(&a.to_owned()), "{a} in {actions:?}");
    }
}

#[tokio::test]
async fn bwc_06a_the_national_six_months_apply_when_stricter() {
    let w = world_with(|s| s.evidence.national_minimum = true).await;
    let id = store_footage(&w, &mp4(9000, 16), &[]).await;
    let (_, page) = w.app.get(&format!("/api/v1/evidence/{id}"), &w.admin).await;
    // Recorded on 23 Nov (local): kept to 23 May, gone from 24 May 00:00 in Shanghai.
    assert_eq!(page["evidence"]["purge_from"], "2027-05-23T16:00:00Z");
}

#[tokio::test]
async fn bwc_06_early_deletion_needs_two_approvers_and_happens_only_in_the_purge() {
    let w = world().await;
    let id = store_footage(&w, &mp4(9000, 17), &[]).await;
    let (status, d) = w
        .app
        .post(
            &format!("/api/v1/evidence/{id}/deletion"),
            &w.admin,
            &json!({"reason": "recorded in a changing room by mistake"}),
        )
        .await;
    assert_eq!(status, 200, "{d}");
    let approve = format!("/api/v1/evidence/{id}/deletion/approve");
    assert_eq!(w.app.post(&approve, &w.head, &json!({})).await.0, 200);
    assert_eq!(
        w.app.post(&approve, &w.head, &json!({})).await.1["error"]["code"],
        "retention.same_approver"
    );
    let (_, d) = w.app.post(&approve, &w.head2, &json!({})).await;
    assert_eq!(d["state"], "approved");
    let (_, page) = w.app.get(&format!("/api/v1/evidence/{id}"), &w.admin).await;
    assert_eq!(
        page["evidence"]["life_state"], "kept",
        "approval alone deletes nothing"
    );
    let report = retention::purge(&w.app.state).await.unwrap();
    assert_eq!(report.early, 1);
    let (_, page) = w.app.get(&format!("/api/v1/evidence/{id}"), &w.admin).await;
    assert_eq!(page["evidence"]["life_state"], "purged");
}

#[tokio::test]
async fn bwc_06_case_evidence_and_long_term_footage_cannot_be_deleted_early_by_two_heads() {
    let w = world().await;
    let ask = json!({"reason": "recorded in a changing room by mistake"});
    // Case evidence is kept as long as the case file: no early deletion is even asked for.
    let case = store_footage(&w, &mp4(9000, 43), &[("case_ref", "2026-118".into())]).await;
    let (status, err) = w
        .app
        .post(&format!("/api/v1/evidence/{case}/deletion"), &w.admin, &ask)
        .await;
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (422, Some("retention.early_deletion_not_general")),
        "{err}"
    );
    let long_term = |id: i64| {
        let w = &w;
        async move {
            let (status, e) = w
                .app
                .post(
                    &format!("/api/v1/evidence/{id}/reasons"),
                    &w.admin,
                    &json!({"kind": "long_term", "trigger": "party_objection"}),
                )
                .await;
            assert_eq!(status, 200, "{e}");
        }
    };
    // General footage becomes long term between the two approvals: the second is refused.
    let id = store_footage(&w, &mp4(9000, 44), &[]).await;
    let (status, d) = w
        .app
        .post(&format!("/api/v1/evidence/{id}/deletion"), &w.admin, &ask)
        .await;
    assert_eq!(status, 200, "{d}");
    let approve = format!("/api/v1/evidence/{id}/deletion/approve");
    assert_eq!(w.app.post(&approve, &w.head, &json!({})).await.0, 200);
    long_term(id).await;
    let (status, err) = w.app.post(&approve, &w.head2, &json!({})).await;
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (422, Some("retention.early_deletion_not_general"))
    );
    // Fully approved, then long term before the purge runs: the purge keeps it and the early
    // deletion lapses.
    let id = store_footage(&w, &mp4(9000, 45), &[]).await;
    w.app
        .post(&format!("/api/v1/evidence/{id}/deletion"), &w.admin, &ask)
        .await;
    let approve = format!("/api/v1/evidence/{id}/deletion/approve");
    assert_eq!(w.app.post(&approve, &w.head, &json!({})).await.0, 200);
    let (_, d) = w.app.post(&approve, &w.head2, &json!({})).await;
    assert_eq!(d["state"], "approved");
    long_term(id).await;
    let report = retention::purge(&w.app.state).await.unwrap();
    assert_eq!((report.early, report.refused), (0, 1));
    let (_, page) = w.app.get(&format!("/api/v1/evidence/{id}"), &w.admin).await;
    assert_eq!(page["evidence"]["life_state"], "kept");
    let lapsed = audit_actions(
        &w,
        &format!("action=evidence.deletion_lapsed&object_id={id}"),
    )
    .await;
    assert_eq!(lapsed.len(), 1);
    assert_eq!(retention::purge(&w.app.state).await.unwrap().refused, 0);
}

#[tokio::test]
async fn bwc_06_a_purge_interrupted_between_bytes_and_record_is_finished_by_the_next_run() {
    let w = world().await;
    let id = store_footage(&w, &mp4(9000, 18), &[]).await;
    w.clock.advance(Duration::days(100));
    retention::purge(&w.app.state).await.unwrap();
    w.clock.advance(Duration::days(8));
    // The crash: the bytes were deleted, the record not yet marked.
    let (_, page) = w.app.get(&format!("/api/v1/evidence/{id}"), &w.admin).await;
    let blob =
        roadwarden_blob::BlobId::parse(page["evidence"]["sha256"].as_str().unwrap()).unwrap();
    assert!(w.app.state.blobs.delete(&blob).await.unwrap());
    let report = retention::purge(&w.app.state).await.unwrap();
    assert_eq!(report.destroyed, 1);
    let (_, page) = w.app.get(&format!("/api/v1/evidence/{id}"), &w.admin).await;
    assert_eq!(page["evidence"]["life_state"], "destroyed");
}

// ---- BWC-03, BWC-13, BWC-14: work records and supervision ----------------------------------------

#[tokio::test]
async fn bwc_03_a_stopped_recording_is_filed_and_approved_by_the_unit_head() {
    let w = world().await;
    let officer = w
        .app
        .token("sq.officer", roadwarden_testkit::PASSWORD)
        .await;
    let body = json!({"reason": "party_request", "basis": "the victim asked not to be filmed while giving her statement",
        "stopped_at": (t0() - Duration::hours(2)).to_rfc3339(), "resumed_at": (t0() - Duration::minutes(90)).to_rfc3339()});
    let (status, rec) = w.app.post("/api/v1/non-recording", &officer, &body).await;
    assert_eq!(status, 201, "{rec}");
    let id = rec["id"].as_i64().unwrap();
    let (status, err) = w
        .app
        .post(
            "/api/v1/non-recording",
            &officer,
            &json!({"reason": "bored", "basis": "x", "stopped_at": t0().to_rfc3339()}),
        )
        .await;
    assert_eq!(
        (status, err["error"]["field"].as_str()),
        (422, Some("reason"))
    );
    assert_eq!(
        w.app
            .post(
                &format!("/api/v1/non-recording/{id}/decision"),
                &officer,
                &json!({"approve": true})
            )
            .await
            .0,
        403
    );
    let (status, rec) = w
        .app
        .post(
            &format!("/api/v1/non-recording/{id}/decision"),
            &w.head,
            &json!({"approve": true}),
        )
        .await;
    assert_eq!((status, rec["state"].as_str()), (200, Some("approved")));
    // The recorder administrator and the legal office have their copies.
    let (_, list) = w.app.get("/api/v1/non-recording", &w.admin).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    let legal_dept = roadwarden_testkit::unit(
        &w.app.state,
        Some(&w.o.county),
        "330522-FZ",
        "squad",
        "legal_department",
    )
    .await;
    account(
        &w.app.state,
        &legal_dept,
        "cx.legal",
        28,
        &["legal_reviewer"],
    )
    .await;
    let legal = w.app.token("cx.legal", roadwarden_testkit::PASSWORD).await;
    let (_, list) = w.app.get("/api/v1/non-recording", &legal).await;
    assert_eq!(
        list.as_array().map(Vec::len),
        Some(1),
        "the legal office beside the county sees the county's records: {list}"
    );
}

#[tokio::test]
async fn bwc_13_bwc_14_supervision_finds_missing_footage_gaps_late_uploads_and_delete_attempts() {
    let w = world().await;
    let duty_end = t0() - Duration::hours(1);
    let duty_start = duty_end - Duration::minutes(60);
    // Duty 1: footage covers 0-20 and 40-60 minutes; 20-40 is a gap.
    let (status, _) = w
        .app
        .post(
            "/api/v1/duties",
            &w.admin,
            &json!({"officer_id": w.officer_id, "activity": "roadside_inspection",
        "started_at": duty_start.to_rfc3339(), "ended_at": duty_end.to_rfc3339()}),
        )
        .await;
    assert_eq!(status, 201);
    for (seed, from, to) in [(20u8, 0, 20), (21, 40, 60)] {
        let s = duty_start + Duration::minutes(from);
        let e = duty_start + Duration::minutes(to);
        store_footage(
            &w,
            &mp4(5000, seed),
            &[
                ("started_at", s.to_rfc3339()),
                ("ended_at", e.to_rfc3339()),
                ("duty_ended_at", duty_end.to_rfc3339()),
            ],
        )
        .await;
    }
    // Duty 2, the day before: no footage at all.
    let d2 = duty_start - Duration::hours(24);
    w.app
        .post(
            "/api/v1/duties",
            &w.admin,
            &json!({"officer_id": w.officer_id, "activity": "traffic_violation_accident_checkpoint",
        "started_at": d2.to_rfc3339(), "ended_at": (d2 + Duration::minutes(30)).to_rfc3339()}),
        )
        .await;
    w.app.delete("/api/v1/evidence/1", &w.admin).await;
    let sup = w.app.token("cx.super", roadwarden_testkit::PASSWORD).await;
    let from = (t0() - Duration::days(3)).to_rfc3339().replace('+', "%2B");
    let to = (t0() + Duration::days(1)).to_rfc3339().replace('+', "%2B");
    let (status, report) = w
        .app
        .get(
            &format!("/api/v1/evidence-supervision?from={from}&to={to}"),
            &sup,
        )
        .await;
    assert_eq!(status, 200, "{report}");
    let line = &report["officers"][0];
    assert_eq!(
        (
            line["duties"].as_u64(),
            line["duties_without_footage"].as_u64(),
            line["gaps"].as_u64()
        ),
        (Some(2), Some(1), Some(1)),
        "{report}"
    );
    assert_eq!(line["gap_minutes"], 20);
    assert_eq!(line["files"], 2);
    assert_eq!(report["delete_attempts"], 1);
    assert_eq!(
        (
            report["units"][0]["unit_id"].as_i64(),
            report["units"][0]["duties"].as_u64()
        ),
        (Some(w.o.squad.id.0), Some(2))
    );
    let rules: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules.len(), 2);
    assert!(rules.contains(&"BWC-14") && rules.contains(&"BWC-02"));
}

#[tokio::test]
async fn org_02_footage_of_another_county_does_not_exist_for_its_head() {
    let w = world().await;
    let id = store_footage(&w, &mp4(5000, 22), &[]).await;
    let sib = w.app.token("sib.head", roadwarden_testkit::PASSWORD).await;
    assert_eq!(
        w.app.get(&format!("/api/v1/evidence/{id}"), &sib).await.0,
        404
    );
    let (_, list) = w.app.get("/api/v1/evidence", &sib).await;
    assert_eq!(list.as_array().unwrap().len(), 0);
    let (status, _) = w.app.post("/api/v1/access-requests", &sib, &json!({"evidence_ids": [id], "purpose": "view", "reason": "curious about the neighbours"})).await;
    assert_eq!(status, 404);
}

// ---- the pages ---------------------------------------------------------------------------------------

#[tokio::test]
async fn bwc_11_the_evidence_pages_render_for_each_role() {
    let w = world().await;
    let id = store_footage(&w, &mp4(20_000, 23), &[("case_ref", "2026-118".into())]).await;
    w.app
        .post(
            "/api/v1/recorders",
            &w.admin,
            &json!({"number": "ZJ-BWC-0009", "brand": "Hikvision", "model": "X"}),
        )
        .await;
    let (_, req) = request(&w, &w.reviewer, &[id], "copy").await;
    let rid = req["id"].as_i64().unwrap();
    decide(&w, &w.sq_head, rid, "approve").await;
    w.app
        .post(
            &format!("/api/v1/access-requests/{rid}/exports"),
            &w.admin,
            &json!({}),
        )
        .await;
    for (token, path, expect) in [
        (&w.admin, "/evidence".to_owned(), format!("evidence-{id}")),
        (
            &w.admin,
            format!(
                "/evidence?day={}&case_ref=2026-118",
                t0().format("%Y-%m-%d")
            ),
            format!("evidence-{id}"),
        ),
        (
            &w.reviewer,
            format!("/evidence/{id}"),
            "class=\"player\"".to_owned(),
        ),
        (&w.admin, format!("/evidence/{id}"), "/requests".to_owned()),
        (
            &w.head,
            "/evidence/requests".to_owned(),
            format!("request-{rid}"),
        ),
        (
            &w.reviewer,
            "/evidence/requests".to_owned(),
            "/sheet".to_owned(),
        ),
        (&w.admin, "/recorders".to_owned(), "ZJ-BWC-0009".to_owned()),
        (
            &w.head,
            "/evidence/retention".to_owned(),
            "Due for purge".to_owned(),
        ),
        (
            &w.head,
            "/evidence/supervision".to_owned(),
            "id=\"supervision\"".to_owned(),
        ),
    ] {
        let html = w.app.page(&path, Some(token)).await;
        assert!(
            html.contains(&expect),
            "{path} lacks {expect}: {}",
            html.split("<main")
                .nth(1)
                .unwrap_or(&html)
                .chars()
                .take(3000)
                .collect::<String>()
        );
        assert!(
            !html.contains("class=\"error-page\""),
            "{path} is an error page"
        );
    }
}

/// Uploads footage in one PATCH on any running app; returns the footage id.
async fn upload_on(app: &TestApp, token: &str, bytes: &[u8], meta: &[(&str, String)]) -> i64 {
    let (status, loc, body) = tus_create(app, token, bytes.len(), meta).await;
    assert_eq!(status, 201, "{body}");
    let p = tus_patch(app, token, &loc.unwrap(), 0, bytes.to_vec()).await;
    assert_eq!(p.status, 204, "{}", p.body);
    p.evidence_id.expect("footage id")
}

#[tokio::test]
async fn bwc_06_an_objection_to_a_record_keeps_its_footage_long_term() {
    let cw = super::captures::world().await;
    let vid = super::captures::notified_record(&cw, 1).await;
    account(
        &cw.app.state,
        &cw.o.county,
        "cx.recadmin",
        31,
        &["recorder_admin"],
    )
    .await;
    let admin = cw
        .app
        .token("cx.recadmin", roadwarden_testkit::PASSWORD)
        .await;
    let end = cw.clock.now() - Duration::hours(2);
    let meta = [
        ("officer", "cx.reviewer".to_owned()),
        (
            "activity",
            "traffic_violation_accident_checkpoint".to_owned(),
        ),
        ("started_at", (end - Duration::minutes(5)).to_rfc3339()),
        ("ended_at", end.to_rfc3339()),
        ("violation_id", vid.to_string()),
    ];
    let id = upload_on(&cw.app, &admin, &mp4(8000, 30), &meta).await;
    let (_, page) = cw.app.get(&format!("/api/v1/evidence/{id}"), &admin).await;
    assert_eq!(
        page["evidence"]["retention_category"], "case_evidence",
        "linked to a record: case evidence"
    );
    let (status, body) = super::captures::public_objection(&cw, vid, "123456").await;
    assert_eq!(status, 201, "{body}");
    let (_, page) = cw.app.get(&format!("/api/v1/evidence/{id}"), &admin).await;
    assert_eq!(
        page["evidence"]["retention_category"], "long_term",
        "{page}"
    );
    assert_eq!(page["reasons"][0]["reason_code"], "party_objection");
    assert_eq!(page["reasons"][0]["source"], "objection");
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
