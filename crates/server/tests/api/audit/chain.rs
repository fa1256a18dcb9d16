//! The append-only chain (services/audit/write.rs): SEC-05.

use roadwarden_store::audit::verify;
use roadwarden_store::Backend;
use roadwarden_testkit::{org, TestApp};

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
