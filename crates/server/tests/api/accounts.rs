use roadwarden_testkit::{cn_id, org, TestApp};
use serde_json::json;

fn officer(unit: i64, username: &str, n: u32, roles: &[&str]) -> serde_json::Value {
    json!({ "unit_id": unit, "username": username, "full_name": "Li Wei", "id_number": cn_id(n),
            "person_kind": "police_officer", "badge_number": format!("B{n}"), "roles": roles })
}

#[tokio::test]
async fn sec_01_one_account_per_person() {
    let app = TestApp::spawn().await;
    let o = org(&app.state).await;
    let root = app.token(&o.root_admin.0, &o.root_admin.1).await;
    let (status, _) = app
        .post(
            "/api/v1/users",
            &root,
            &officer(o.squad.id.0, "li.wei", 60, &[]),
        )
        .await;
    assert_eq!(status, 201);
    // The same person (same identity number) cannot get a second account.
    let (status, body) = app
        .post(
            "/api/v1/users",
            &root,
            &officer(o.county.id.0, "li.wei2", 60, &[]),
        )
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (409, Some("id_number"))
    );
    // An identity number with a wrong check character is refused at the edge.
    let mut bad = officer(o.squad.id.0, "li.wei3", 61, &[]);
    bad["id_number"] = json!("110105194912310021");
    let (status, body) = app.post("/api/v1/users", &root, &bad).await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("id_number"))
    );
    let (_, users) = app.get("/api/v1/users?search=li.wei", &root).await;
    assert_eq!(users["total"], 1, "nothing half-written");
}

#[tokio::test]
async fn sec_03_role_grant_needs_the_role_held_at_a_higher_unit() {
    let app = TestApp::spawn().await;
    let o = org(&app.state).await;
    let county = app.token(&o.county_admin.0, &o.county_admin.1).await;
    // The county operator holds only `admin`: it may not hand out `reviewer`.
    let (status, body) = app
        .post(
            "/api/v1/users",
            &county,
            &officer(o.squad.id.0, "sq.reviewer", 70, &["reviewer"]),
        )
        .await;
    assert_eq!(
        (status, body["error"]["rule"].as_str()),
        (422, Some("SEC-03"))
    );
    let (status, created) = app
        .post(
            "/api/v1/users",
            &county,
            &officer(o.squad.id.0, "sq.reviewer", 70, &[]),
        )
        .await;
    assert_eq!(status, 201);
    let id = created["user"]["id"].as_i64().unwrap();
    let (status, body) = app
        .post(
            &format!("/api/v1/users/{id}/roles"),
            &county,
            &json!({ "role": "reviewer" }),
        )
        .await;
    assert_eq!(
        (status, body["error"]["rule"].as_str()),
        (422, Some("SEC-03"))
    );
    // The province operator holds it higher up, so it may; the grant is recorded with who.
    let root = app.token(&o.root_admin.0, &o.root_admin.1).await;
    let (status, _) = app
        .post(
            &format!("/api/v1/users/{id}/roles"),
            &root,
            &json!({ "role": "reviewer" }),
        )
        .await;
    assert_eq!(status, 204);
    let (_, detail) = app.get(&format!("/api/v1/users/{id}"), &root).await;
    assert_eq!(detail["grants"][0]["role"], "reviewer");
    assert_eq!(detail["grants"][0]["granted_by"], "root.admin");
    let (_, entries) = app
        .get(
            &format!("/api/v1/audit?action=role.grant&object_id={id}"),
            &root,
        )
        .await;
    assert_eq!(entries.as_array().unwrap().len(), 1);
    // Granting at one's own unit is not "higher": the county operator cannot grant `admin` to
    // a colleague in the county itself.
    let (_, peer) = app
        .post(
            "/api/v1/users",
            &county,
            &officer(o.county.id.0, "cx.peer", 71, &[]),
        )
        .await;
    let peer_id = peer["user"]["id"].as_i64().unwrap();
    let (status, _) = app
        .post(
            &format!("/api/v1/users/{peer_id}/roles"),
            &county,
            &json!({ "role": "admin" }),
        )
        .await;
    assert_eq!(status, 422);
    // Revoking follows the same rule and keeps the record.
    let (status, _) = app
        .delete(&format!("/api/v1/users/{id}/roles/reviewer"), &root)
        .await;
    assert_eq!(status, 204);
    let (_, detail) = app.get(&format!("/api/v1/users/{id}"), &root).await;
    assert!(detail["grants"][0]["revoked_at"].is_string());
    assert_eq!(detail["user"]["roles"], json!([]));
}

#[tokio::test]
async fn sec_04_operator_account_waits_for_its_confidentiality_agreement() {
    let app = TestApp::spawn().await;
    let o = org(&app.state).await;
    let root = app.token(&o.root_admin.0, &o.root_admin.1).await;
    let (status, created) = app
        .post(
            "/api/v1/users",
            &root,
            &officer(o.county.id.0, "new.operator", 80, &["admin"]),
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(created["user"]["status"], "pending");
    let id = created["user"]["id"].as_i64().unwrap();
    let temporary = created["temporary_password"].as_str().unwrap().to_owned();
    // Cannot sign in, cannot be activated.
    let (status, body) = app
        .post(
            "/api/v1/auth/token",
            "",
            &json!({ "username": "new.operator", "password": temporary }),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("auth.inactive"))
    );
    let (status, body) = app
        .post(
            &format!("/api/v1/users/{id}/standing"),
            &root,
            &json!({ "action": "activate" }),
        )
        .await;
    assert_eq!(
        (status, body["error"]["rule"].as_str()),
        (422, Some("SEC-04"))
    );
    // A future signing date is refused; a real one is filed, then activation works.
    let (status, _) = app.post(&format!("/api/v1/users/{id}/agreements"), &root,
        &json!({ "kind": "confidentiality", "reference": "BM-2026-80", "signed_on": "2999-01-01" })).await;
    assert_eq!(status, 422);
    let (status, _) = app.post(&format!("/api/v1/users/{id}/agreements"), &root,
        &json!({ "kind": "confidentiality", "reference": "BM-2026-80", "signed_on": "2026-01-02" })).await;
    assert_eq!(status, 204);
    let (status, _) = app
        .post(
            &format!("/api/v1/users/{id}/standing"),
            &root,
            &json!({ "action": "activate" }),
        )
        .await;
    assert_eq!(status, 204);
    app.token("new.operator", &temporary).await;
    // Operators must be police officers.
    let mut civilian = officer(o.county.id.0, "civ.operator", 81, &["admin"]);
    civilian["person_kind"] = json!("staff");
    let (status, body) = app.post("/api/v1/users", &root, &civilian).await;
    assert_eq!(
        (status, body["error"]["rule"].as_str()),
        (422, Some("SEC-04"))
    );
}

#[tokio::test]
async fn non_operators_cannot_manage_accounts() {
    let app = TestApp::spawn().await;
    let o = org(&app.state).await;
    let reviewer = app
        .token(&o.sibling_reviewer.0, &o.sibling_reviewer.1)
        .await;
    let (status, body) = app
        .post(
            "/api/v1/users",
            &reviewer,
            &officer(o.sibling_county.id.0, "x.y", 90, &[]),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("role.missing"))
    );
    let (status, _) = app.get("/api/v1/users", &reviewer).await;
    assert_eq!(status, 403);
    let (status, _) = app.get("/api/v1/audit", &reviewer).await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn disabling_an_account_ends_its_sessions_and_reset_forces_a_change() {
    let app = TestApp::spawn().await;
    let o = org(&app.state).await;
    let root = app.token(&o.root_admin.0, &o.root_admin.1).await;
    let sibling = app
        .token(&o.sibling_reviewer.0, &o.sibling_reviewer.1)
        .await;
    let (_, list) = app.get("/api/v1/users?search=sibling", &root).await;
    let id = list["items"][0]["id"].as_i64().unwrap();
    let (status, _) = app
        .post(
            &format!("/api/v1/users/{id}/standing"),
            &root,
            &json!({ "action": "disable" }),
        )
        .await;
    assert_eq!(status, 204);
    let (status, _) = app.get("/api/v1/me", &sibling).await;
    assert_eq!(status, 401);
    let (status, _) = app
        .post(
            &format!("/api/v1/users/{id}/standing"),
            &root,
            &json!({ "action": "activate" }),
        )
        .await;
    assert_eq!(status, 204);
    let (status, reset) = app
        .post(
            &format!("/api/v1/users/{id}/password-reset"),
            &root,
            &json!({}),
        )
        .await;
    assert_eq!(status, 200);
    let token = app
        .token(
            "sibling.reviewer",
            reset["temporary_password"].as_str().unwrap(),
        )
        .await;
    let (_, me) = app.get("/api/v1/me", &token).await;
    assert_eq!(me["must_change_password"], true);
}
