use roadwarden_testkit::{org, TestApp};

#[tokio::test]
async fn health_readiness_metrics_and_request_ids() {
    let app = TestApp::spawn().await;
    let resp = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers().contains_key("x-request-id"));
    assert_eq!(resp.headers()["x-content-type-options"], "nosniff");
    let ready: serde_json::Value = app
        .client
        .get(app.url("/readyz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ready["database"], true);
    let metrics = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("roadwarden_http_requests_total"),
        "{metrics}"
    );
    assert!(metrics.contains("route=\"/healthz\""));
}

#[tokio::test]
async fn unknown_api_paths_answer_json() {
    let app = TestApp::spawn().await;
    let resp = app
        .client
        .get(app.url("/api/v1/nothing-here"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");
}

#[tokio::test]
async fn openapi_document_describes_the_api() {
    let app = TestApp::spawn().await;
    let doc: serde_json::Value = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/units",
        "/api/v1/users",
        "/api/v1/audit",
        "/api/v1/auth/token",
        "/api/v1/deadline",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} missing");
    }
}

#[tokio::test]
async fn unknown_database_schemes_are_refused_not_turned_into_files() {
    let err = roadwarden_store::Store::connect("mysql://root@localhost/rw", &Default::default())
        .await
        .unwrap_err();
    assert!(
        matches!(err, roadwarden_store::StoreError::UnknownScheme(_)),
        "{err}"
    );
    let err = roadwarden_store::Store::connect("sqlte:///tmp/x.db", &Default::default())
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        roadwarden_store::StoreError::UnknownScheme(_)
    ));
    assert!(!std::path::Path::new("/tmp/x.db").exists());
}

#[tokio::test]
async fn pages_render_in_three_languages_and_require_sign_in() {
    let app = TestApp::spawn().await;
    let o = org(&app.state).await;
    let resp = app.client.get(app.url("/users")).send().await.unwrap();
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()["location"], "/login?next=%2Fusers");
    for (lang, word) in [("zh-CN", "登录"), ("en", "Sign in"), ("vi", "Đăng nhập")] {
        let html = app
            .client
            .get(app.url(&format!("/login?lang={lang}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains(word), "{lang}");
    }
    // Signed in, every page of the shell answers 200.
    let resp = app
        .client
        .post(app.url("/login"))
        .form(&[
            ("username", o.root_admin.0.as_str()),
            ("password", o.root_admin.1.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    for page in [
        "/",
        "/units",
        "/users",
        "/users/new",
        "/calendar",
        "/audit",
        "/api/docs",
        "/account/password",
        "/users/1",
    ] {
        let resp = app.client.get(app.url(page)).send().await.unwrap();
        assert_eq!(resp.status(), 200, "{page}");
    }
    let resp = app
        .client
        .get(app.url("/users/999999"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    assert!(
        resp.text().await.unwrap().contains("<html"),
        "errors are pages in the UI"
    );
}

/// A new data directory (database, evidence, audit witness) is entered only by the server's
/// account; the language cookie is Secure when the session cookie is.
#[cfg(unix)]
#[tokio::test]
async fn sec_11_a_new_data_directory_is_the_servers_alone() {
    use std::os::unix::fs::PermissionsExt;
    let outer = tempfile::tempdir().unwrap();
    let data = outer.path().join("fresh");
    let app = TestApp::spawn_with(
        |s| {
            s.data_dir = data.clone();
            s.server.secure_cookies = Some(true);
        },
        roadwarden_server::Clock::System,
    )
    .await;
    let mode = std::fs::metadata(&data).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o700, "{mode:o}");
    let resp = app
        .client
        .get(app.url("/login?lang=vi"))
        .send()
        .await
        .unwrap();
    let cookie = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("rw_lang="))
        .expect("the language is remembered");
    assert!(cookie.contains("; Secure"), "{cookie}");
}
