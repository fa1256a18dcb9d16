//! Reading the trail under scope (services/audit/read.rs): ORG-02, SEC-05.

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
        contact_phone: None,
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
