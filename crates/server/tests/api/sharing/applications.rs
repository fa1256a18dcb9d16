//! DAT-02, DAT-03, SEC-08: an outside body's query is filed with its purpose, signed off by
//! another head, run by technology, and its file leaves only with the head's consent, recorded
//! with what, to whom, why and the file's SHA-256.

use super::*;
use sha2::{Digest, Sha256};

#[tokio::test]
async fn dat_02_an_outside_query_is_signed_off_run_and_handed_over_only_with_consent() {
    let w = world().await;
    let ps = people(&w).await;
    let (_, at) = record_an_hour_ago(&w, 1).await;
    let now = w.clock.now();
    let body = application("query", "violations", at - Duration::days(1), now);
    let (status, a) = w
        .app
        .post("/api/v1/sharing/applications", &w.clerk, &body)
        .await;
    assert_eq!(status, 201, "{a}");
    assert_eq!(a["state"], "requested");
    let id = a["id"].as_i64().unwrap();
    let at_ = |what: &str| format!("/api/v1/sharing/applications/{id}/{what}");

    // Not run before the head signs off; the clerk cannot sign off.
    let (status, e) = w.app.post(&at_("run"), &ps.tech, &json!({})).await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (422, Some("sharing.not_approved"))
    );
    let (status, _) = w.app.post(&at_("approve"), &w.clerk, &json!({})).await;
    assert_eq!(status, 403);
    let (status, a) = w.app.post(&at_("approve"), &ps.head, &json!({})).await;
    assert_eq!(
        (status, a["state"].as_str()),
        (200, Some("approved")),
        "{a}"
    );

    let (status, a) = w.app.post(&at_("run"), &ps.tech, &json!({})).await;
    assert_eq!(status, 200, "{a}");
    assert_eq!(a["state"], "run");
    assert_eq!(a["result_rows"], 1);
    let sha = a["result_sha256"].as_str().unwrap().to_owned();
    assert_eq!(sha.len(), 64);

    // DAT-03: nothing leaves before the head's consent.
    let resp = w
        .app
        .client
        .get(w.app.url(&at_("result")))
        .bearer_auth(&ps.head)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 422);
    let (status, e) = w
        .app
        .post(&at_("release"), &ps.head, &json!({ "recipient": " " }))
        .await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (422, Some("sharing.body_required"))
    );
    let consent =
        json!({ "recipient": "长兴县人民法院 王法官", "note": "案号（2026）浙0522行初12号" });
    let (status, a) = w.app.post(&at_("release"), &ps.head2, &consent).await;
    assert_eq!(status, 200, "{a}");
    assert_eq!(a["state"], "released");
    assert_eq!(a["recipient"], "长兴县人民法院 王法官");

    let resp = w
        .app
        .client
        .get(w.app.url(&at_("result")))
        .bearer_auth(&ps.head)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.headers()["x-content-sha256"].to_str().unwrap(), sha);
    let bytes = resp.bytes().await.unwrap();
    assert_eq!(hex::encode(Sha256::digest(&bytes)), sha);
    assert!(String::from_utf8_lossy(&bytes).contains("浙E12345"));

    // The record: what, to whom, why, which file with its hash.
    let entries = audit(&w, "sharing.release").await;
    let d = &entries[0]["detail"];
    assert_eq!(d["sha256"], sha.as_str());
    assert_eq!(d["to"], "长兴县人民法院 王法官");
    assert_eq!(d["why"], "审理交通违法行政诉讼案件需要");
    assert_eq!(d["purpose"], "enforcement");
    assert_eq!(audit(&w, "sharing.download").await.len(), 1);
}

#[tokio::test]
async fn dat_02_nobody_signs_off_their_own_application_and_every_query_states_its_purpose() {
    let w = world().await;
    let ps = people(&w).await;
    let now = w.clock.now();
    let mut body = application("statistics", "violations", now - Duration::days(30), now);
    body["purpose_text"] = json!("");
    let (status, e) = w
        .app
        .post("/api/v1/sharing/applications", &ps.head, &body)
        .await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (422, Some("sharing.purpose_required"))
    );
    body["purpose"] = json!("curiosity");
    body["purpose_text"] = json!("年度统计");
    let (status, e) = w
        .app
        .post("/api/v1/sharing/applications", &ps.head, &body)
        .await;
    assert_eq!(
        (status, e["error"]["field"].as_str()),
        (422, Some("purpose")),
        "{e}"
    );
    body["purpose"] = json!("traffic_management");
    let (status, a) = w
        .app
        .post("/api/v1/sharing/applications", &ps.head, &body)
        .await;
    assert_eq!(status, 201, "{a}");
    let id = a["id"].as_i64().unwrap();
    let (status, e) = w
        .app
        .post(
            &format!("/api/v1/sharing/applications/{id}/approve"),
            &ps.head,
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (422, Some("sharing.self_approval"))
    );
    let (status, a) = w
        .app
        .post(
            &format!("/api/v1/sharing/applications/{id}/approve"),
            &ps.head2,
            &json!({}),
        )
        .await;
    assert_eq!((status, a["state"].as_str()), (200, Some("approved")));
}

#[tokio::test]
async fn dat_03_the_one_who_ran_a_query_does_not_consent_to_its_hand_over() {
    let w = world().await;
    let ps = people(&w).await;
    // A head who also runs queries (technology head).
    let both = w
        .person(&w.o.county, "sh.both", 64, &["unit_head", "tech_reviewer"])
        .await;
    let (_, at) = record_an_hour_ago(&w, 2).await;
    let body = application(
        "statistics",
        "violations",
        at - Duration::days(1),
        w.clock.now(),
    );
    let (_, a) = w
        .app
        .post("/api/v1/sharing/applications", &w.clerk, &body)
        .await;
    let id = a["id"].as_i64().unwrap();
    let at_ = |what: &str| format!("/api/v1/sharing/applications/{id}/{what}");
    w.app.post(&at_("approve"), &ps.head, &json!({})).await;
    let (status, a) = w.app.post(&at_("run"), &both, &json!({})).await;
    assert_eq!(status, 200, "{a}");
    let (status, e) = w
        .app
        .post(&at_("release"), &both, &json!({ "recipient": "县统计局" }))
        .await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (422, Some("sharing.self_approval"))
    );
    let (status, a) = w
        .app
        .post(
            &at_("release"),
            &ps.head,
            &json!({ "recipient": "县统计局" }),
        )
        .await;
    assert_eq!((status, a["state"].as_str()), (200, Some("released")));
    let _ = ps.tech;
}
