//! BWC-11, ORG-02: the library in scope, and the pages.

use super::*;

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
