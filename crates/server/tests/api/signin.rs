use chrono::{Duration, TimeZone, Utc};
use roadwarden_server::Clock;
use roadwarden_testkit::{org, TestApp};
use serde_json::json;

#[tokio::test]
async fn sec_02_wrong_password_is_refused_and_recorded() {
    let app = TestApp::spawn().await;
    let o = org(&app.state).await;
    let (status, body) = app
        .post(
            "/api/v1/auth/token",
            "",
            &json!({ "username": o.county_admin.0, "password": "Nope-1234!" }),
        )
        .await;
    assert_eq!(status, 401);
    assert_eq!(body["error"]["code"], "auth.bad_credentials");
    // Unknown users get the same answer, so usernames cannot be probed.
    let (status, body) = app
        .post(
            "/api/v1/auth/token",
            "",
            &json!({ "username": "nobody.here", "password": "Nope-1234!" }),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("auth.bad_credentials"))
    );
    let root = app.token(&o.root_admin.0, &o.root_admin.1).await;
    let (_, entries) = app
        .get("/api/v1/audit?action=session.sign_in_failed", &root)
        .await;
    assert_eq!(entries.as_array().unwrap().len(), 2, "{entries}");
}

#[tokio::test]
async fn sec_02_lockout_after_repeated_failures_then_unlock() {
    let start = Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap();
    let clock = Clock::manual(start);
    let app = TestApp::spawn_with(|s| s.security.lockout_max_failures = 3, clock.clone()).await;
    let o = org(&app.state).await;
    for _ in 0..3 {
        let (status, _) = app
            .post(
                "/api/v1/auth/token",
                "",
                &json!({ "username": "county.admin", "password": "Wrong-pass-1!" }),
            )
            .await;
        assert_eq!(status, 401);
    }
    // Locked: even the right password is refused, with 423 and a stable code.
    let (status, body) = app
        .post(
            "/api/v1/auth/token",
            "",
            &json!({ "username": "county.admin", "password": o.county_admin.1 }),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (423, Some("auth.locked"))
    );
    // After the lock period the right password works again.
    clock.advance(Duration::minutes(16));
    app.token(&o.county_admin.0, &o.county_admin.1).await;
    // An operator can also lock and unlock by hand.
    let root = app.token(&o.root_admin.0, &o.root_admin.1).await;
    let (_, list) = app.get("/api/v1/users?search=county.admin", &root).await;
    let id = list["items"][0]["id"].as_i64().unwrap();
    let (status, _) = app
        .post(
            &format!("/api/v1/users/{id}/standing"),
            &root,
            &json!({ "action": "lock" }),
        )
        .await;
    assert_eq!(status, 204);
    let (status, _) = app
        .post(
            "/api/v1/auth/token",
            "",
            &json!({ "username": "county.admin", "password": o.county_admin.1 }),
        )
        .await;
    assert_eq!(status, 423);
    let (status, _) = app
        .post(
            &format!("/api/v1/users/{id}/standing"),
            &root,
            &json!({ "action": "unlock" }),
        )
        .await;
    assert_eq!(status, 204);
    app.token(&o.county_admin.0, &o.county_admin.1).await;
}

#[tokio::test]
async fn sec_02_expired_password_must_be_changed_before_anything_else() {
    let clock = Clock::manual(Utc.with_ymd_and_hms(2026, 1, 10, 8, 0, 0).unwrap());
    let app = TestApp::spawn_with(|_| {}, clock.clone()).await;
    let o = org(&app.state).await;
    clock.advance(Duration::days(91));
    let token = app.token(&o.county_admin.0, &o.county_admin.1).await;
    let (status, body) = app.get("/api/v1/units", &token).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("auth.password_change_required"))
    );
    let (status, me) = app.get("/api/v1/me", &token).await;
    assert_eq!(
        (status, me["must_change_password"].as_bool()),
        (200, Some(true))
    );
    // The new password must meet the policy and differ from the old one.
    let (status, body) = app
        .post(
            "/api/v1/auth/password",
            &token,
            &json!({ "current_password": o.county_admin.1, "new_password": "short" }),
        )
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("password"))
    );
    let (status, _) = app
        .post(
            "/api/v1/auth/password",
            &token,
            &json!({ "current_password": o.county_admin.1, "new_password": o.county_admin.1 }),
        )
        .await;
    assert_eq!(status, 422);
    let (status, _) = app
        .post(
            "/api/v1/auth/password",
            &token,
            &json!({ "current_password": o.county_admin.1, "new_password": "Fresh-Start#26" }),
        )
        .await;
    assert_eq!(status, 204);
    let (status, _) = app.get("/api/v1/units", &token).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn sec_02_first_sign_in_with_an_operator_set_password_forces_a_change() {
    let app = TestApp::spawn().await;
    let o = org(&app.state).await;
    let root = app.token(&o.root_admin.0, &o.root_admin.1).await;
    let (status, created) = app
        .post(
            "/api/v1/users",
            &root,
            &json!({ "unit_id": o.squad.id.0, "username": "new.officer", "full_name": "New Officer",
                     "id_number": roadwarden_testkit::cn_id(40), "person_kind": "police_officer",
                     "badge_number": "B40", "roles": ["notice_clerk"] }),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let temporary = created["temporary_password"].as_str().unwrap();
    let token = app.token("new.officer", temporary).await;
    let (status, body) = app.get("/api/v1/units", &token).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("auth.password_change_required"))
    );
}

#[tokio::test]
async fn tokens_are_revocable() {
    let app = TestApp::spawn().await;
    let o = org(&app.state).await;
    let token = app.token(&o.county_admin.0, &o.county_admin.1).await;
    let (status, _) = app.delete("/api/v1/auth/token", &token).await;
    assert_eq!(status, 204);
    let (status, body) = app.get("/api/v1/units", &token).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("auth.required"))
    );
}

#[tokio::test]
async fn browser_sessions_need_the_csrf_token_for_writes() {
    let app = TestApp::spawn().await;
    let o = org(&app.state).await;
    let resp = app
        .client
        .post(app.url("/login"))
        .form(&[
            ("username", o.county_admin.0.as_str()),
            ("password", o.county_admin.1.as_str()),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let cookie = resp
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    // A form post without the token is refused; the cookie alone is not enough.
    let resp = app
        .client
        .post(app.url("/logout"))
        .form(&[("x", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    // With the token from a page it works.
    let page = app
        .client
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = page
        .split("name=\"csrf_token\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let resp = app
        .client
        .post(app.url("/logout"))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
}

#[tokio::test]
async fn a_person_lists_and_revokes_their_other_sessions() {
    let app = TestApp::spawn().await;
    let o = org(&app.state).await;
    let laptop = app.token(&o.county_admin.0, &o.county_admin.1).await;
    let phone = app.token(&o.county_admin.0, &o.county_admin.1).await;
    let (status, list) = app.get("/api/v1/me/sessions", &laptop).await;
    assert_eq!(status, 200);
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    let other = list.iter().find(|s| s["current"] == false).unwrap()["id"]
        .as_i64()
        .unwrap();
    let (status, _) = app
        .delete(&format!("/api/v1/me/sessions/{other}"), &laptop)
        .await;
    assert_eq!(status, 204);
    let (status, _) = app.get("/api/v1/me", &phone).await;
    assert_eq!(status, 401, "the revoked token no longer works");
    // Nobody can revoke someone else's session.
    let root = app.token(&o.root_admin.0, &o.root_admin.1).await;
    let (_, mine) = app.get("/api/v1/me/sessions", &laptop).await;
    let laptop_id = mine[0]["id"].as_i64().unwrap();
    let (status, _) = app
        .delete(&format!("/api/v1/me/sessions/{laptop_id}"), &root)
        .await;
    assert_eq!(status, 404);
}

/// Issue 12 item 1: before anyone is known, a sign-in must not make the server hold megabytes:
/// the sign-in forms take at most 16 KiB, refused before any password is hashed.
#[tokio::test]
async fn sec_02_sign_in_bodies_are_small() {
    let app = TestApp::spawn().await;
    let o = org(&app.state).await;
    let huge = "p".repeat(1 << 20);
    let (status, body) = app
        .post(
            "/api/v1/auth/token",
            "",
            &json!({ "username": o.county_admin.0, "password": huge }),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (413, Some("input.too_large")),
        "{body}"
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("16 KiB"),
        "the limit is named: {body}"
    );
    // The browser's form too.
    let resp = app
        .client
        .post(app.url("/login"))
        .form(&[
            ("username", o.county_admin.0.as_str()),
            ("password", huge.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 413);
    // A password of ordinary length is still judged on its merits.
    let (status, _) = app
        .post(
            "/api/v1/auth/token",
            "",
            &json!({ "username": o.county_admin.0, "password": "Nope-1234!" }),
        )
        .await;
    assert_eq!(status, 401);
}
