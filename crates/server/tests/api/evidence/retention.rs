//! BWC-06, AUD-05: retention, holds, early deletion and the purge.

use super::*;
use roadwarden_server::services::evidence::retention;

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

#[tokio::test]
async fn bwc_06_an_objection_to_a_record_keeps_its_footage_long_term() {
    let cw = crate::captures::world().await;
    let vid = crate::captures::notified_record(&cw, 1).await;
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
    let (status, body) = crate::captures::public_objection(&cw, vid, "123456").await;
    assert_eq!(status, 201, "{body}");
    let (_, page) = cw.app.get(&format!("/api/v1/evidence/{id}"), &admin).await;
    assert_eq!(
        page["evidence"]["retention_category"], "long_term",
        "{page}"
    );
    assert_eq!(page["reasons"][0]["reason_code"], "party_objection");
    assert_eq!(page["reasons"][0]["source"], "objection");
}
