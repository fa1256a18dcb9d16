use roadwarden_testkit::{org, TestApp};
use serde_json::json;

#[tokio::test]
async fn org_01_units_form_a_tree_and_children_cannot_outrank_parents() {
    let app = TestApp::spawn().await;
    let o = org(&app.state).await;
    let root = app.token(&o.root_admin.0, &o.root_admin.1).await;
    let (status, body) = app
        .post("/api/v1/units", &root, &json!({ "parent_id": o.county.id.0, "code": "330522-09", "name": "九中队", "level": "squad", "kind": "police" }))
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["parent_id"], o.county.id.0);
    let (status, body) = app
        .post("/api/v1/units", &root, &json!({ "parent_id": o.county.id.0, "code": "330599", "name": "Wrong", "level": "province", "kind": "police" }))
        .await;
    assert_eq!(
        (status, body["error"]["rule"].as_str()),
        (422, Some("ORG-01"))
    );
    // A duplicate code is a conflict naming the field; nothing is half-written.
    let (status, body) = app
        .post("/api/v1/units", &root, &json!({ "parent_id": o.county.id.0, "code": "330522-09", "name": "Again", "level": "squad", "kind": "police" }))
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (409, Some("code"))
    );
    // Bad input names the field.
    let (status, body) = app
        .post("/api/v1/units", &root, &json!({ "parent_id": o.county.id.0, "code": "x", "name": "", "level": "squad", "kind": "police" }))
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("code"))
    );
    let (status, body) = app
        .post("/api/v1/units", &root, &json!({ "code": 5 }))
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("body"))
    );
}

#[tokio::test]
async fn org_02_cross_unit_reads_are_refused() {
    let app = TestApp::spawn().await;
    let o = org(&app.state).await;
    let county = app.token(&o.county_admin.0, &o.county_admin.1).await;
    // The county operator sees the county and below, never the sibling county or the city.
    let (_, page) = app.get("/api/v1/units?limit=1000", &county).await;
    let codes: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["code"].as_str().unwrap())
        .collect();
    assert!(
        codes.contains(&"330522") && codes.contains(&"330522-01"),
        "{codes:?}"
    );
    assert!(
        !codes.contains(&"330502") && !codes.contains(&"330500"),
        "{codes:?}"
    );
    let (status, _) = app
        .get(&format!("/api/v1/units/{}", o.sibling_county.id), &county)
        .await;
    assert_eq!(status, 404);
    // Accounts of the sibling unit are invisible too, by id and in lists.
    let root = app.token(&o.root_admin.0, &o.root_admin.1).await;
    let (_, all) = app.get("/api/v1/users?search=sibling", &root).await;
    let sibling_id = all["items"][0]["id"].as_i64().unwrap();
    let (status, _) = app
        .get(&format!("/api/v1/users/{sibling_id}"), &county)
        .await;
    assert_eq!(status, 404);
    let (_, mine) = app.get("/api/v1/users", &county).await;
    assert!(mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|u| u["username"] != "sibling.reviewer"));
    // Nor can it create units or accounts there.
    let (status, _) = app
        .post("/api/v1/units", &county, &json!({ "parent_id": o.sibling_county.id.0, "code": "330502-07", "name": "X", "level": "squad", "kind": "police" }))
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn org_03_upper_units_see_lower_units_data() {
    let app = TestApp::spawn().await;
    let o = org(&app.state).await;
    let root = app.token(&o.root_admin.0, &o.root_admin.1).await;
    let (_, page) = app.get("/api/v1/units?limit=1000", &root).await;
    assert_eq!(page["total"], 6);
    let (status, _) = app
        .get(&format!("/api/v1/units/{}", o.squad.id), &root)
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn org_04_a_county_level_city_can_hold_city_level() {
    let app = TestApp::spawn().await;
    let o = org(&app.state).await;
    let root = app.token(&o.root_admin.0, &o.root_admin.1).await;
    let (status, body) = app
        .post("/api/v1/units", &root, &json!({ "parent_id": o.city.id.0, "code": "330581", "name": "县级市", "level": "city", "kind": "police" }))
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        (body["level"].as_str(), body["depth"].as_u64()),
        (Some("city"), Some(3))
    );
}

#[tokio::test]
async fn org_05_outside_bodies_are_units_with_narrow_roles() {
    let app = TestApp::spawn().await;
    let o = org(&app.state).await;
    let root = app.token(&o.root_admin.0, &o.root_admin.1).await;
    let (status, court) = app
        .post("/api/v1/units", &root, &json!({ "parent_id": o.county.id.0, "code": "330522-FY", "name": "长兴县人民法院", "level": "county", "kind": "court" }))
        .await;
    assert_eq!(status, 201);
    let (status, body) = app
        .post("/api/v1/users", &root, &json!({ "unit_id": court["id"], "username": "court.clerk", "full_name": "Court Clerk",
            "id_number": roadwarden_testkit::cn_id(50), "person_kind": "outside_body", "roles": ["reviewer"] }))
        .await;
    assert_eq!(
        (status, body["error"]["rule"].as_str()),
        (422, Some("ORG-05"))
    );
    let (status, _) = app
        .post("/api/v1/users", &root, &json!({ "unit_id": court["id"], "username": "court.clerk", "full_name": "Court Clerk",
            "id_number": roadwarden_testkit::cn_id(50), "person_kind": "outside_body", "roles": ["interface_client"] }))
        .await;
    assert_eq!(status, 201);
}

/// Issue 14 item 8: a unit keeps the telephone its letters print, given when it is made or
/// later by an administrator in scope; a malformed number names the field.
#[tokio::test]
async fn org_01_a_unit_keeps_its_contact_phone_for_its_letters() {
    let app = TestApp::spawn().await;
    let o = org(&app.state).await;
    let root = app.token(&o.root_admin.0, &o.root_admin.1).await;
    let (status, body) = app
        .post("/api/v1/units", &root, &json!({ "parent_id": o.county.id.0, "code": "330522-08", "name": "八中队", "level": "squad", "kind": "police", "contact_phone": " 0572-6021122 " }))
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["contact_phone"], "0572-6021122");
    let id = body["id"].as_i64().unwrap();
    let patch = |phone: &str| {
        app.client
            .patch(app.url(&format!("/api/v1/units/{id}")))
            .bearer_auth(&root)
            .json(&json!({ "contact_phone": phone }))
            .send()
    };
    let resp = patch("0572 602 1133").await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let (_, shown) = app.get(&format!("/api/v1/units/{id}"), &root).await;
    assert_eq!(shown["contact_phone"], "0572 602 1133");
    let resp = patch("call the desk").await.unwrap();
    assert_eq!(resp.status().as_u16(), 422);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["field"], "contact_phone");
    // ORG-02: another county's administrator cannot reach it.
    let county = app.token(&o.county_admin.0, &o.county_admin.1).await;
    let resp = app
        .client
        .patch(app.url(&format!("/api/v1/units/{}", o.sibling_county.id.0)))
        .bearer_auth(&county)
        .json(&json!({ "contact_phone": "0572 000 0000" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 404);
}
