//! SEC-08, RID-06: rider files are read for a purpose, audited, within the reader's units,
//! and show phone numbers and face photos only to the roles that need them.

use super::*;

#[tokio::test]
async fn sec_08_a_person_file_read_without_a_purpose_is_refused() {
    let r = riders().await;
    let id = r
        .person(Some(&roadwarden_testkit::cn_id(501)), "Li Hua", "")
        .await;
    for path in [
        format!("/api/v1/riders/{id}"),
        format!("/api/v1/riders/{id}?purpose=curiosity"),
        "/api/v1/riders".to_owned(),
        "/api/v1/riders?purpose=".to_owned(),
        "/api/v1/rider-matches".to_owned(),
    ] {
        let (status, e) = r.w.app.get(&path, &r.officer).await;
        assert_eq!(status, 422, "{path}: {e}");
        assert_eq!(e["error"]["code"], "rider.purpose_required", "{path}");
        assert_eq!(e["error"]["rule"], "SEC-08", "{path}");
    }
    assert!(
        r.audited("rider.read").await.is_empty(),
        "a refused read reads nothing"
    );

    let f = r.file(id, &r.officer).await;
    assert_eq!(f["person"]["name"], "Li Hua");
    assert_eq!(f["purpose"], "enforcement");
    let entries = r.audited("rider.read").await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["object_id"], id.to_string());
    assert!(entries[0]["detail"]
        .as_str()
        .unwrap()
        .contains("enforcement"));

    let (status, list) =
        r.w.app
            .get("/api/v1/riders?purpose=traffic_order", &r.officer)
            .await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["total"], 1);
    let listed = r.audited("rider.list").await;
    assert!(listed[0]["detail"]
        .as_str()
        .unwrap()
        .contains("traffic_order"));
}

#[tokio::test]
async fn sec_08_phone_numbers_and_face_photos_only_for_the_roles_that_need_them() {
    let r = riders().await;
    let id_number = roadwarden_testkit::cn_id(502);
    let id = r.person(Some(&id_number), "Wang Fang", "").await;
    let event = r.event(Some(id), "e-1", 2, MatchState::Matched).await;

    // The unit head reads the file, without the phone, with the ID number masked.
    let f = r.file(id, &r.head).await;
    assert!(f["person"]["phone"].is_null(), "{f}");
    assert_ne!(f["person"]["id_number"], id_number.as_str());
    assert!(f["person"]["id_number"].as_str().unwrap().contains('*'));
    assert_eq!(f["events"][0]["face_photo"], false);
    // Officers and grid workers, who call and visit, see the phone.
    for token in [&r.officer, &r.grid] {
        let f = r.file(id, token).await;
        assert_eq!(f["person"]["phone"], "13800001111");
        assert_eq!(f["person"]["id_number"], id_number.as_str());
    }
    // Face photos: officers only; the scene: any file reader. Each read audited.
    let face = format!("/api/v1/rider-events/{event}/photos/face?purpose=enforcement");
    let scene = format!("/api/v1/rider-events/{event}/photos/scene?purpose=enforcement");
    for token in [&r.head, &r.grid] {
        let (status, _) = r.w.app.get(&face, token).await;
        assert_eq!(status, 403);
    }
    let resp =
        r.w.app
            .client
            .get(r.w.app.url(&face))
            .bearer_auth(&r.officer)
            .send()
            .await
            .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.headers()["content-type"], "image/jpeg");
    let (status, e) =
        r.w.app
            .get(
                &format!("/api/v1/rider-events/{event}/photos/face"),
                &r.officer,
            )
            .await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (422, Some("rider.purpose_required"))
    );
    let resp =
        r.w.app
            .client
            .get(r.w.app.url(&scene))
            .bearer_auth(&r.head)
            .send()
            .await
            .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(r.audited("rider_event.photo").await.len(), 2);
}

#[tokio::test]
async fn rid_06_the_list_shows_files_by_tier_and_search_within_the_readers_units() {
    let r = riders().await;
    let a = r
        .person(
            Some(&roadwarden_testkit::cn_id(503)),
            "Zhao Lei",
            "Changxing Textiles",
        )
        .await;
    let b = r.person(None, "", "").await;
    let (status, list) =
        r.w.app
            .get(
                "/api/v1/riders?purpose=enforcement&search=textiles",
                &r.officer,
            )
            .await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["id"], a);
    let (_, list) =
        r.w.app
            .get(
                "/api/v1/riders?purpose=enforcement&provisional=true",
                &r.officer,
            )
            .await;
    assert_eq!(list["items"][0]["id"], b);
    let (_, list) =
        r.w.app
            .get(
                "/api/v1/riders?purpose=enforcement&tier=frequent",
                &r.officer,
            )
            .await;
    assert_eq!(list["total"], 0);
    let clear = list["tiers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["tier"] == "clear")
        .unwrap()
        .clone();
    assert_eq!(clear["count"], 2);
    let (status, e) =
        r.w.app
            .get("/api/v1/riders?purpose=enforcement&tier=awful", &r.officer)
            .await;
    assert_eq!((status, e["error"]["field"].as_str()), (422, Some("tier")));
    // ORG-02: the sibling county's officer sees none of them, and a file is "not found".
    let (_, list) =
        r.w.app
            .get("/api/v1/riders?purpose=enforcement", &r.stranger)
            .await;
    assert_eq!(list["total"], 0);
    let (status, _) =
        r.w.app
            .get(
                &format!("/api/v1/riders/{a}?purpose=enforcement"),
                &r.stranger,
            )
            .await;
    assert_eq!(status, 404);
    // Roles without rider work are refused.
    let clerk =
        r.w.person(&r.w.o.county, "cx.clerk", 45, &["notice_clerk"])
            .await;
    let (status, _) =
        r.w.app
            .get("/api/v1/riders?purpose=enforcement", &clerk)
            .await;
    assert_eq!(status, 403);
}
