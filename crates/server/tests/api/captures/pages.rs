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
