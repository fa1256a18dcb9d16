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

// ---- issue 12: refusals, unit scope of every entry, signed checkpoints ----------------------

/// The user id of `username`.
async fn user_id(app: &TestApp, username: &str) -> i64 {
    let mut tx = app.state.store.begin_read().await.unwrap();
    roadwarden_store::users::get_by_username(&mut tx, username)
        .await
        .unwrap()
        .unwrap()
        .id
        .0
}

#[tokio::test]
async fn sec_05_refused_cross_unit_reads_and_writes_are_audited_in_few_entries() {
    let app = TestApp::spawn().await;
    let o = org(&app.state).await;
    let county = app.token(&o.county_admin.0, &o.county_admin.1).await;
    let sibling = user_id(&app, &o.sibling_reviewer.0).await;
    const READS: usize = 60;
    for _ in 0..READS {
        let (status, _) = app.get(&format!("/api/v1/users/{sibling}"), &county).await;
        assert_eq!(status, 404);
    }
    let (status, _) = app
        .post(
            &format!("/api/v1/users/{sibling}/roles"),
            &county,
            &json!({ "role": "admin" }),
        )
        .await;
    assert!(matches!(status, 403 | 404 | 422), "{status}");
    // Counted in memory, written as aggregated entries (when their minute ends, or at
    // shutdown).
    let written = roadwarden_server::services::refusals::flush(&app.state, true)
        .await
        .unwrap();
    assert!((1..=3).contains(&written), "{written} entries");
    let root = app.token(&o.root_admin.0, &o.root_admin.1).await;
    let (_, entries) = app
        .get("/api/v1/audit?action=access.refused&limit=500", &root)
        .await;
    let entries = entries.as_array().unwrap().clone();
    assert!(
        !entries.is_empty() && entries.len() <= 3,
        "{} entries",
        entries.len()
    );
    let reads = entries
        .iter()
        .find(|e| e["object_id"] == "not_found")
        .expect("the refused reads");
    assert_eq!(reads["actor"], "county.admin");
    assert_eq!(reads["unit_id"], o.county.id.0);
    let detail: serde_json::Value =
        serde_json::from_str(reads["detail"].as_str().unwrap()).unwrap();
    assert!(
        detail["count"].as_u64().unwrap() >= READS as u64,
        "{detail}"
    );
    assert_eq!(detail["first_path"], format!("/api/v1/users/{sibling}"));
    // The county's own readers see their people's refusals too.
    let (_, own) = app
        .get("/api/v1/audit?action=access.refused", &county)
        .await;
    assert!(!own.as_array().unwrap().is_empty());
}

/// A second country's tree beside the testkit's Chinese one, with its own operator.
pub(crate) async fn second_country(app: &TestApp) -> roadwarden_store::units::Unit {
    use roadwarden_server::context::RequestMeta;
    use roadwarden_server::services::units::{create_unit, CreateUnitInput};
    use roadwarden_server::services::Authority;
    let input = CreateUnitInput {
        parent_id: None,
        code: "VN-QT".into(),
        name: "Công an tỉnh Quảng Trị".into(),
        level: "province".into(),
        kind: "police".into(),
        country: Some("VN".into()),
        time_zone: None,
    };
    let root = create_unit(
        &app.state,
        Authority::Operator,
        &RequestMeta::default(),
        &input,
    )
    .await
    .unwrap();
    vn_account(
        &app.state,
        &root,
        "vn.admin",
        "045090001234",
        &["admin", "auditor"],
    )
    .await;
    root
}

/// An active account at a Vietnamese unit (a citizen id of 12 digits), with its password set
/// to the testkit's.
pub(crate) async fn vn_account(
    state: &roadwarden_server::AppState,
    root: &roadwarden_store::units::Unit,
    username: &str,
    id_number: &str,
    roles: &[&str],
) {
    use roadwarden_server::context::RequestMeta;
    use roadwarden_server::services::accounts::CreateUserInput;
    use roadwarden_server::services::accounts::{self, AccountAction, AgreementInput};
    use roadwarden_server::services::Authority;
    let meta = RequestMeta::default();
    let input = CreateUserInput {
        unit_id: root.id.0,
        username: username.into(),
        full_name: "Nguyễn Văn An".into(),
        id_number: id_number.into(),
        phone: None,
        person_kind: "police_officer".into(),
        badge_number: Some(format!("VN{}", &id_number[id_number.len() - 3..])),
        roles: roles.iter().map(|r| (*r).to_owned()).collect(),
        password: Some(roadwarden_testkit::PASSWORD.into()),
        language: Some("vi".into()),
    };
    let created = accounts::create_user(state, Authority::Operator, &meta, &input, false)
        .await
        .unwrap();
    let agreement = AgreementInput {
        kind: "confidentiality".into(),
        reference: "BM-VN-1".into(),
        signed_on: "2026-01-01".into(),
    };
    accounts::file_agreement(
        state,
        Authority::Operator,
        &meta,
        created.user.id,
        &agreement,
    )
    .await
    .unwrap();
    accounts::change_standing(
        state,
        Authority::Operator,
        &meta,
        created.user.id,
        AccountAction::Activate,
    )
    .await
    .unwrap();
}

async fn console_ledger_import(app: &TestApp) {
    use roadwarden_server::context::RequestMeta;
    use roadwarden_server::services::devices::ledger::{import, ImportOptions};
    use roadwarden_server::services::Authority;
    let csv = "设备编号,设备类型,管理单位代码,设备名称,维护单位,责任领导,责任部门,违法类型,道路,道路等级,公里桩,地点,附近村庄,经度,纬度,状态,正式启用日期,备案日期,检定机构,检定证书编号,检定有效期起,检定有效期止\n\
        330522010201,fixed_enforcement,330522-01,长兴大道与明珠路口,长兴智慧交通,吴磊,秩序组,1625;1208,长兴大道,urban,,明珠路口,,119.9103,31.0135,in_use,2024-05-01,2024-04-20,,,,";
    let report = import(
        &app.state,
        Authority::Operator,
        &RequestMeta::default(),
        "ledger.csv",
        csv.as_bytes(),
        ImportOptions {
            skip_bad_rows: false,
        },
        &|_, _| {},
    )
    .await
    .unwrap();
    assert!(report.committed, "{:?}", report.errors);
}

#[tokio::test]
async fn org_02_one_countrys_audit_entries_are_not_shown_to_the_others_operators() {
    let app = TestApp::spawn().await;
    let o = org(&app.state).await;
    second_country(&app).await;
    // A Chinese county's ledger imported from the console, and a failed sign-in of a name
    // nobody has (it concerns no unit: the installation's own entry).
    console_ledger_import(&app).await;
    let resp = app
        .client
        .post(app.url("/api/v1/auth/token"))
        .json(&json!({ "username": "no.such.person", "password": "Wrong-Passw0rd!" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);

    let cn = app.token(&o.root_admin.0, &o.root_admin.1).await;
    let vn = app.token("vn.admin", roadwarden_testkit::PASSWORD).await;
    let actions = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap().to_owned())
            .collect()
    };
    let (_, cn_entries) = app.get("/api/v1/audit?limit=500", &cn).await;
    let imports: Vec<_> = cn_entries
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "device.import")
        .collect();
    assert_eq!(imports.len(), 1, "the Chinese root sees its import");
    assert_eq!(
        imports[0]["unit_id"], o.squad.id.0,
        "in the unit it concerns"
    );
    let (_, vn_entries) = app.get("/api/v1/audit?limit=500", &vn).await;
    for e in vn_entries.as_array().unwrap() {
        assert!(
            e["unit_id"].as_i64().is_some(),
            "installation entry shown to one country's operator: {e}"
        );
        assert_ne!(e["action"], "device.import", "{e}");
    }
    for (who, entries) in [("cn", &cn_entries), ("vn", &vn_entries)] {
        assert!(
            !actions(entries).contains(&"session.sign_in_failed".to_owned()),
            "{who} sees the installation's entries"
        );
    }
    // The home page's recent activity is read the same way.
    let home = app.page("/", Some(&vn)).await;
    assert!(home.contains("vn.admin"), "the page lists the VN trail");
    assert!(!home.contains("device.import"), "{home}");
    let home = app.page("/", Some(&cn)).await;
    assert!(home.contains("device.import"));
}

#[tokio::test]
async fn org_02_installation_entries_are_read_by_the_named_installation_auditor_only() {
    let app = TestApp::spawn_with(
        |s| s.audit.installation_auditors = vec!["root.admin".into()],
        roadwarden_server::Clock::System,
    )
    .await;
    let o = org(&app.state).await;
    second_country(&app).await;
    let resp = app
        .client
        .post(app.url("/api/v1/auth/token"))
        .json(&json!({ "username": "no.such.person", "password": "Wrong-Passw0rd!" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    let cn = app.token(&o.root_admin.0, &o.root_admin.1).await;
    let vn = app.token("vn.admin", roadwarden_testkit::PASSWORD).await;
    let (_, seen) = app
        .get("/api/v1/audit?action=session.sign_in_failed", &cn)
        .await;
    assert_eq!(seen.as_array().unwrap().len(), 1);
    let (_, unseen) = app
        .get("/api/v1/audit?action=session.sign_in_failed", &vn)
        .await;
    assert!(unseen.as_array().unwrap().is_empty());
}

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
