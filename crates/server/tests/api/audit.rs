use roadwarden_store::audit::verify;
use roadwarden_store::Backend;
use roadwarden_testkit::{cn_id, org, TestApp};
use serde_json::json;

#[tokio::test]
async fn sec_05_changes_sign_ins_grants_and_personal_data_reads_are_audited() {
    let app = TestApp::spawn().await;
    let o = org(&app.state).await;
    let root = app.token(&o.root_admin.0, &o.root_admin.1).await;
    let (_, created) = app
        .post("/api/v1/users", &root, &json!({ "unit_id": o.squad.id.0, "username": "audited.one", "full_name": "A One",
            "id_number": cn_id(100), "person_kind": "police_officer", "badge_number": "B100", "roles": ["notice_clerk"] }))
        .await;
    let id = created["user"]["id"].as_i64().unwrap().to_string();
    app.get(&format!("/api/v1/users/{id}"), &root).await;
    let (_, entries) = app
        .get(
            &format!("/api/v1/audit?object_type=user&object_id={id}"),
            &root,
        )
        .await;
    let actions: Vec<&str> = entries
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        vec!["user.read", "role.grant", "user.create"],
        "newest first"
    );
    let create = &entries[2];
    assert_eq!(create["actor"], "root.admin");
    assert!(
        !create["detail"].as_str().unwrap().contains("password"),
        "no secrets in the trail"
    );
    let (_, sign_ins) = app
        .get(
            "/api/v1/audit?action=session.sign_in&actor=root.admin",
            &root,
        )
        .await;
    assert!(!sign_ins.as_array().unwrap().is_empty());
    let (_, lists) = app.get("/api/v1/audit?action=user.list", &root).await;
    assert!(lists.as_array().unwrap().is_empty());
    app.get("/api/v1/users", &root).await;
    let (_, lists) = app.get("/api/v1/audit?action=user.list", &root).await;
    assert_eq!(lists.as_array().unwrap().len(), 1);
    // Filters by time: nothing before 2000.
    let (_, old) = app.get("/api/v1/audit?to=2000-01-01", &root).await;
    assert!(old.as_array().unwrap().is_empty());
    let (status, body) = app.get("/api/v1/audit?from=yesterday", &root).await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("from"))
    );
}

#[tokio::test]
async fn sec_05_audit_reads_are_scoped_to_the_readers_units() {
    let app = TestApp::spawn().await;
    let o = org(&app.state).await;
    let county = app.token(&o.county_admin.0, &o.county_admin.1).await;
    let (_, entries) = app.get("/api/v1/audit?limit=500", &county).await;
    assert!(!entries.as_array().unwrap().is_empty());
    for e in entries.as_array().unwrap() {
        assert_ne!(
            e["unit_id"], o.sibling_county.id.0,
            "sibling unit's entry leaked: {e}"
        );
        assert!(
            !e["unit_id"].is_null(),
            "system entries are for the root only"
        );
    }
}

#[tokio::test]
async fn sec_05_the_database_refuses_to_alter_or_delete_entries() {
    let app = TestApp::spawn().await;
    org(&app.state).await;
    let store = &app.state.store;
    assert!(store
        .raw_execute("UPDATE audit_log SET actor = 'nobody' WHERE seq = 1")
        .await
        .is_err());
    assert!(store
        .raw_execute("DELETE FROM audit_log WHERE seq = 1")
        .await
        .is_err());
    if store.backend() == Backend::Postgres {
        assert!(store.raw_execute("TRUNCATE audit_log").await.is_err());
    }
    let report = verify(store, |_| {}).await.unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert!(report.checked > 10);
}

#[tokio::test]
async fn sec_05_tampered_audit_row_is_named_by_verify() {
    let app = TestApp::spawn().await;
    org(&app.state).await;
    let store = &app.state.store;
    // Someone with database access switches the protection off and edits entry 5.
    match store.backend() {
        Backend::Sqlite => {
            store
                .raw_execute("DROP TRIGGER audit_log_no_update")
                .await
                .unwrap();
        }
        Backend::Postgres => {
            store
                .raw_execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update")
                .await
                .unwrap();
        }
    }
    store
        .raw_execute("UPDATE audit_log SET detail = '{\"forged\":true}' WHERE seq = 5")
        .await
        .unwrap();
    let report = verify(store, |_| {}).await.unwrap();
    assert_eq!(
        report.first_break.as_ref().map(|(seq, _)| *seq),
        Some(5),
        "{report:?}"
    );
    assert_eq!(report.checked, 4);
}
