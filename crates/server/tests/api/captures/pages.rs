//! The pages of the capture chain render for their users, and the owner's public page in each
//! language.

use super::*;

#[tokio::test]
async fn capture_pages_render_for_their_users() {
    let w = world_with(|s| s.captures.second_review_percent = 0).await;
    let vid = notified_record(&w, 1).await;
    let (_, pending) = w
        .push("330522010201", &w.capture("浙E12346", "1625", 2))
        .await;
    let (_, o) = public_objection(&w, vid, "123456").await;
    assert!(o["id"].is_i64(), "{o}");
    let pages = [
        (&w.reviewer, "/review".to_owned()),
        (&w.reviewer, format!("/review?id={}", pending["capture_id"])),
        (
            &w.reviewer,
            format!("/review?after={}", pending["capture_id"]),
        ),
        (&w.clerk, "/violations".to_owned()),
        (&w.clerk, "/violations?state=notified".to_owned()),
        (&w.clerk, format!("/violations/{vid}")),
        (&w.handler, format!("/violations/{vid}")),
        (&w.handler, "/objections".to_owned()),
    ];
    for (token, path) in pages {
        let resp = w
            .app
            .client
            .get(w.app.url(&path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let body = resp.text().await.unwrap();
        assert_eq!(status, 200, "{path}: {body}");
        assert!(body.contains("</html>"), "{path}");
    }
    for lang in ["zh-CN", "en", "vi"] {
        let resp = w
            .app
            .client
            .post(w.app.url(&format!("/public/violations/lookup?lang={lang}")))
            .form(&[("plate", "浙E12345"), ("vin_tail", "123456")])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200, "{lang}");
        let body = resp.text().await.unwrap();
        assert!(body.contains("浙E12345"), "{lang}");
    }
    let resp = w
        .app
        .client
        .post(w.app.url("/public/violations/lookup"))
        .form(&[("plate", "浙E12345"), ("vin_tail", "000000")])
        .send()
        .await
        .unwrap();
    assert!(resp.text().await.unwrap().contains("lookup-error"));
    // Issue 14: the proof travels in the body only; one put in the address looks nothing up.
    let page = w
        .app
        .page("/public/violations?plate=浙E12345&vin_tail=123456", None)
        .await;
    assert!(
        !page.contains("public-record"),
        "a VIN tail in the address is ignored"
    );
    assert!(page.contains("method=\"post\" action=\"/public/violations/lookup\""));
}

/// Issue 14 item 2: the clerk and the objection handler see the capture's pictures on the
/// record, the handler sees them beside the objection with its attached photos, and the owner
/// sees them after the plate + VIN proof. Every picture's read is in the audit chain.
#[tokio::test]
async fn those_who_decide_see_the_evidence_and_each_view_is_audited() {
    let w = world().await;
    let vid = notified_record(&w, 3).await;
    let (_, o) = public_objection(&w, vid, "123456").await;
    let objection = o["id"].as_i64().expect("the objection is lodged");
    let fetch = |path: String, token: Option<String>| {
        let mut req = w.app.client.get(w.app.url(&path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        async move {
            let resp = req.send().await.unwrap();
            let status = resp.status().as_u16();
            let kind = resp
                .headers()
                .get("content-type")
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default();
            (status, kind, resp.bytes().await.unwrap().to_vec())
        }
    };

    // The clerk's record: the pictures, and no link to the review desk they cannot open.
    let record = w.captures(&w.clerk).violation(vid).await;
    let url = record["images"][0]["url"].as_str().unwrap().to_owned();
    // Templates escape `/` in attributes; read the addresses back as a browser would.
    let unescape = |html: String| html.replace("&#x2f;", "/");
    let page = unescape(
        w.app
            .page(&format!("/violations/{vid}?lang=en"), Some(&w.clerk))
            .await,
    );
    assert!(
        page.contains("violation-evidence") && page.contains(&url),
        "{page}"
    );
    assert!(
        !page.contains("/review?id="),
        "the clerk is not sent to the review desk"
    );
    let (status, kind, bytes) = fetch(url.clone(), Some(w.clerk.clone())).await;
    assert_eq!((status, kind.as_str()), (200, "image/jpeg"));
    assert_eq!(bytes, jpeg(3));

    // The handler's desk: plate, offence, the capture's picture and the attached photo.
    let desk = unescape(w.app.page("/objections?lang=zh-CN", Some(&w.handler)).await);
    assert!(desk.contains("浙E12345") && desk.contains(&url), "{desk}");
    let photo = format!("/objections/{objection}/photos/1");
    assert!(desk.contains(&photo), "{desk}");
    let (status, kind, bytes) = fetch(photo.clone(), Some(w.handler.clone())).await;
    assert_eq!((status, kind.as_str()), (200, "image/jpeg"));
    assert_eq!(bytes, jpeg(42));
    let (status, ..) = fetch(
        format!("/objections/{objection}/photos/2"),
        Some(w.handler.clone()),
    )
    .await;
    assert_eq!(status, 404, "only the photos that were attached");
    let (status, ..) = fetch(photo.clone(), Some(w.reviewer.clone())).await;
    assert_eq!(status, 403, "a reviewer does not read objections");

    // The owner, after the proof: the pictures behind links that expire and cannot be altered.
    let resp = w
        .app
        .client
        .post(w.app.url("/public/violations/lookup?lang=vi"))
        .form(&[("plate", "浙E12345"), ("vin_tail", "123456")])
        .send()
        .await
        .unwrap();
    let page = unescape(resp.text().await.unwrap());
    let link = page
        .split("src=\"/public/violations/photos/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .map(|t| format!("/public/violations/photos/{t}"))
        .expect("a photo link on the owner's page");
    assert!(!link.contains("123456"), "the VIN tail is not in the link");
    let (status, kind, bytes) = fetch(link.clone(), None).await;
    assert_eq!((status, kind.as_str()), (200, "image/jpeg"));
    assert_eq!(bytes, jpeg(3));
    let forged = link.replacen(&format!("/{vid}."), &format!("/{}.", vid + 1), 1);
    assert_eq!(fetch(forged, None).await.0, 404, "another record's picture");
    w.clock.advance(chrono::Duration::minutes(31));
    assert_eq!(fetch(link, None).await.0, 404, "the link has expired");

    let root = w.o.root_admin_token(&w.app).await;
    let (_, audit) = w.app.get("/api/v1/audit?action=capture.image", &root).await;
    let reads: Vec<(&str, &str)> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["actor"].as_str().unwrap_or(""),
                e["action"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(reads.len(), 2, "the clerk's read and the owner's: {audit}");
    let (_, audit) = w
        .app
        .get("/api/v1/audit?action=objection.photo", &root)
        .await;
    assert_eq!(audit.as_array().unwrap().len(), 1, "{audit}");
}

/// Issue 14: the owner's photo links are signed with the installation's key, kept in the
/// database, so a link still opens after a restart (and on any server of a cluster).
#[tokio::test]
async fn not_02a_an_owners_photo_link_outlives_a_restart() {
    let mut w = world().await;
    notified_record(&w, 3).await;
    let resp = w
        .app
        .client
        .post(w.app.url("/public/violations/lookup?lang=en"))
        .form(&[("plate", "浙E12345"), ("vin_tail", "123456")])
        .send()
        .await
        .unwrap();
    let page = resp.text().await.unwrap().replace("&#x2f;", "/");
    let link = page
        .split("src=\"/public/violations/photos/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .map(|t| format!("/public/violations/photos/{t}"))
        .expect("a photo link on the owner's page");
    let status = |app: &roadwarden_testkit::TestApp, path: String| {
        let req = app.client.get(app.url(&path));
        async move { req.send().await.unwrap().status().as_u16() }
    };
    assert_eq!(status(&w.app, link.clone()).await, 200);
    w.base.app = w.base.app.restart().await;
    assert_eq!(
        status(&w.app, link.clone()).await,
        200,
        "the same key after a restart"
    );
    let forged = format!("{}A", &link[..link.len() - 1]);
    let forged = if forged == link {
        format!("{}B", &link[..link.len() - 1])
    } else {
        forged
    };
    assert_eq!(
        status(&w.app, forged).await,
        404,
        "a changed tag never opens"
    );
}
