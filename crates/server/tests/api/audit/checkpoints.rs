//! Checkpoints signed outside the database (services/checkpoints.rs): SEC-05.

use roadwarden_store::audit::verify;
use roadwarden_store::Backend;
use roadwarden_testkit::{org, TestApp};

// SEC-05: an administrator with the database in hand, simulated by switching the append-only
// triggers off with raw SQL as a real one could.

async fn drop_protection(store: &roadwarden_store::Store) {
    match store.backend() {
        Backend::Sqlite => {
            for t in ["audit_log_no_update", "audit_log_no_delete"] {
                store
                    .raw_execute(&format!("DROP TRIGGER {t}"))
                    .await
                    .unwrap();
            }
        }
        Backend::Postgres => {
            store
                .raw_execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update")
                .await
                .unwrap();
        }
    }
}

fn sql_text(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

#[tokio::test]
async fn sec_05_audit_checkpoint_detects_rehash() {
    use roadwarden_server::services::checkpoints;
    let app = TestApp::spawn().await;
    org(&app.state).await;
    let signed = checkpoints::write(&app.state)
        .await
        .unwrap()
        .expect("a checkpoint");
    let report = checkpoints::verify(&app.state, None, |_| {}).await.unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.checkpoints, 1);
    // Alter entry 5, then rehash every later entry and the head, so the chain is
    // internally consistent again.
    let store = &app.state.store;
    drop_protection(store).await;
    let mut tx = store.begin_read().await.unwrap();
    let entries = roadwarden_store::audit::entries_after(&mut tx, 0, 100_000)
        .await
        .unwrap();
    drop(tx);
    let mut prev: Option<(i64, String)> = None;
    for mut e in entries {
        if e.seq == 5 {
            e.detail = r#"{"forged":true}"#.into();
        }
        if e.seq >= 5 {
            let (seq, hash) = prev.clone().unwrap();
            let resealed = e.clone().seal(Some((seq, &hash)));
            store
                .raw_execute(&format!(
                    "UPDATE audit_log SET detail = {}, prev_hash = {}, hash = {} WHERE seq = {}",
                    sql_text(&resealed.detail),
                    sql_text(&resealed.prev_hash),
                    sql_text(&resealed.hash),
                    e.seq
                ))
                .await
                .unwrap();
            e = resealed;
        }
        prev = Some((e.seq, e.hash));
    }
    let (last_seq, last_hash) = prev.unwrap();
    store
        .raw_execute(&format!(
            "UPDATE audit_head SET seq = {last_seq}, hash = {} WHERE id = 1",
            sql_text(&last_hash)
        ))
        .await
        .unwrap();
    // The chain alone no longer shows it...
    let plain = verify(store, |_| {}).await.unwrap();
    assert!(plain.is_intact(), "{plain:?}");
    // ...the signed checkpoint does, and names itself.
    let report = checkpoints::verify(&app.state, None, |_| {}).await.unwrap();
    assert!(!report.is_intact());
    assert_eq!(
        report.chain.checkpoint_mismatch,
        Some(signed.checkpoint.seq),
        "{report:?}"
    );
}

#[tokio::test]
async fn sec_05_audit_checkpoint_detects_truncation() {
    use roadwarden_server::services::checkpoints;
    let app = TestApp::spawn().await;
    org(&app.state).await;
    let signed = checkpoints::write(&app.state)
        .await
        .unwrap()
        .expect("a checkpoint");
    assert!(
        checkpoints::write(&app.state).await.unwrap().is_none(),
        "nothing new to sign"
    );
    let store = &app.state.store;
    drop_protection(store).await;
    let keep = signed.checkpoint.seq - 3;
    let mut tx = store.begin_read().await.unwrap();
    let kept = roadwarden_store::audit::entries_after(&mut tx, keep - 1, 1)
        .await
        .unwrap()
        .remove(0);
    drop(tx);
    store
        .raw_execute(&format!("DELETE FROM audit_log WHERE seq > {keep}"))
        .await
        .unwrap();
    store
        .raw_execute(&format!(
            "UPDATE audit_head SET seq = {keep}, hash = {} WHERE id = 1",
            sql_text(&kept.hash)
        ))
        .await
        .unwrap();
    assert!(verify(store, |_| {}).await.unwrap().is_intact());
    let report = checkpoints::verify(&app.state, None, |_| {}).await.unwrap();
    assert!(!report.is_intact());
    assert_eq!(
        report.chain.ends_before_checkpoint,
        Some(signed.checkpoint.seq),
        "{report:?}"
    );
}

#[tokio::test]
async fn sec_05_a_witness_copy_still_shows_a_rewrite_after_the_index_is_emptied() {
    use roadwarden_server::services::checkpoints;
    let app = TestApp::spawn().await;
    org(&app.state).await;
    let signed = checkpoints::write(&app.state)
        .await
        .unwrap()
        .expect("a checkpoint");
    // The witness keeps its own copy of the export.
    let copy = tempfile::NamedTempFile::new().unwrap();
    let (n, bad) = checkpoints::export(&app.state, copy.path()).await.unwrap();
    assert_eq!((n, bad.len()), (1, 0));
    // Also written to the witness file as it was signed.
    let witness = std::fs::read_to_string(app.state.settings.witness_file()).unwrap();
    assert!(witness.contains(&signed.signature));
    // The administrator empties the checkpoint index and cuts the tail.
    let store = &app.state.store;
    drop_protection(store).await;
    match store.backend() {
        Backend::Sqlite => {
            store
                .raw_execute("DROP TRIGGER audit_checkpoints_no_delete")
                .await
                .unwrap();
        }
        Backend::Postgres => {
            store
                .raw_execute(
                    "ALTER TABLE audit_checkpoints DISABLE TRIGGER audit_checkpoints_no_update",
                )
                .await
                .unwrap();
        }
    }
    store
        .raw_execute("DELETE FROM audit_checkpoints")
        .await
        .unwrap();
    let keep = signed.checkpoint.seq - 1;
    let mut tx = store.begin_read().await.unwrap();
    let kept = roadwarden_store::audit::entries_after(&mut tx, keep - 1, 1)
        .await
        .unwrap()
        .remove(0);
    drop(tx);
    store
        .raw_execute(&format!("DELETE FROM audit_log WHERE seq > {keep}"))
        .await
        .unwrap();
    store
        .raw_execute(&format!(
            "UPDATE audit_head SET seq = {keep}, hash = {} WHERE id = 1",
            sql_text(&kept.hash)
        ))
        .await
        .unwrap();
    let without = checkpoints::verify(&app.state, None, |_| {}).await.unwrap();
    assert!(without.is_intact(), "the database alone is consistent");
    let with = checkpoints::verify(&app.state, Some(copy.path()), |_| {})
        .await
        .unwrap();
    assert_eq!(
        with.chain.ends_before_checkpoint,
        Some(signed.checkpoint.seq),
        "{with:?}"
    );
}

#[tokio::test]
async fn sec_05_a_checkpoint_signed_by_another_key_is_not_trusted() {
    use roadwarden_server::services::checkpoints;
    let app = TestApp::spawn().await;
    org(&app.state).await;
    checkpoints::write(&app.state)
        .await
        .unwrap()
        .expect("a checkpoint");
    // The key file is mode 0600.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(app.state.settings.checkpoint_key_file())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // A forger signs a checkpoint for the rewritten chain with a key of their own.
    let forged_key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
    let forged = checkpoints::SignedCheckpoint::sign(&forged_key, 3, "00".repeat(32), 0);
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), serde_json::to_string(&forged).unwrap()).unwrap();
    let report = checkpoints::verify(&app.state, Some(file.path()), |_| {})
        .await
        .unwrap();
    assert!(!report.is_intact());
    assert!(
        report.bad_checkpoints[0].contains("another key"),
        "{report:?}"
    );
}
