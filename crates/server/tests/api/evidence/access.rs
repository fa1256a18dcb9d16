//! BWC-08..10, SEC-07: access under approval, and the exports.

use super::*;

// ---- BWC-08..10, SEC-07: access under approval --------------------------------------------------

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
