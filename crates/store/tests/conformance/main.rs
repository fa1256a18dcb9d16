//! The repository conformance suite: every test runs against the backend chosen by
//! `ROADWARDEN_TEST_DATABASE_URL` (a PostgreSQL server; a fresh database per test, dropped
//! after) or, by default, a fresh SQLite file. CI runs it both ways.

use chrono::{DateTime, Duration, TimeZone, Utc};
use roadwarden_domain::account::{AccountStatus, PersonKind};
use roadwarden_domain::org::{Country, Level, UnitCode, UnitKind, UnitName};
use roadwarden_domain::roles::Role;
use roadwarden_domain::UnitId;
use roadwarden_store::audit::{self, NewAuditEntry};
use roadwarden_store::jobs::{self, NewJob};
use roadwarden_store::units::{self, NewUnit, Unit, UnitFilter};
use roadwarden_store::users::{self, NewUser};
use roadwarden_store::{Store, StoreError};

mod captures;
mod corrections;
mod device_records;
mod evidence;
mod rider_files;
mod riders;

struct Db {
    store: Store,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

impl Db {
    async fn fresh() -> Self {
        let db = match std::env::var("ROADWARDEN_TEST_DATABASE_URL")
            .ok()
            .filter(|s| !s.is_empty())
        {
            Some(server) => {
                let name = format!("rw_conf_{}", uuid::Uuid::new_v4().simple());
                let admin = Store::connect(&server, &Default::default()).await.unwrap();
                admin.create_database_for_tests(&name).await.unwrap();
                admin.close().await;
                let mut url = url::Url::parse(&server).unwrap();
                url.set_path(&format!("/{name}"));
                let store = Store::connect(url.as_str(), &Default::default())
                    .await
                    .unwrap();
                Db {
                    store,
                    _dir: None,
                    pg: Some((server, name)),
                }
            }
            None => {
                let dir = tempfile::tempdir().unwrap();
                let url = format!("sqlite://{}", dir.path().join("c.sqlite").display());
                let store = Store::connect(&url, &Default::default()).await.unwrap();
                Db {
                    store,
                    _dir: Some(dir),
                    pg: None,
                }
            }
        };
        db.store.migrate().await.unwrap();
        db
    }

    async fn done(self) {
        self.store.close().await;
        if let Some((server, name)) = self.pg {
            let admin = Store::connect(&server, &Default::default()).await.unwrap();
            admin.drop_database_for_tests(&name).await.unwrap();
            admin.close().await;
        }
    }
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap()
}

async fn unit(store: &Store, parent: Option<&Unit>, code: &str, level: Level) -> Unit {
    let mut tx = store.begin().await.unwrap();
    let u = units::insert(
        &mut tx,
        &NewUnit {
            parent,
            code: UnitCode::parse(code).unwrap(),
            name: UnitName::parse(&format!("单位 {code}")).unwrap(),
            level,
            kind: UnitKind::Police,
            country: Country::China,
            time_zone: chrono_tz::Asia::Shanghai,
        },
        t0(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    u
}

fn new_user(unit: UnitId, username: &str, id_number: &str) -> NewUser {
    NewUser {
        unit_id: unit,
        username: username.into(),
        full_name: "Test".into(),
        id_number: id_number.into(),
        phone: None,
        person_kind: PersonKind::PoliceOfficer,
        badge_number: Some("1".into()),
        status: AccountStatus::Active,
        password_hash: "$argon2id$test".into(),
        must_change_password: false,
        language: "en".into(),
    }
}

fn entry(action: &str, unit: Option<UnitId>) -> NewAuditEntry {
    NewAuditEntry {
        actor_user_id: None,
        actor: "test".into(),
        unit_id: unit,
        action: action.into(),
        object_type: "thing".into(),
        object_id: "1".into(),
        detail: serde_json::json!({ "k": "v" }),
        ip: "127.0.0.1".into(),
        request_id: "r".into(),
    }
}

#[tokio::test]
async fn org_02_subtree_queries_never_return_siblings() {
    let db = Db::fresh().await;
    let p = unit(&db.store, None, "33", Level::Province).await;
    let a = unit(&db.store, Some(&p), "3301", Level::City).await;
    let b = unit(&db.store, Some(&p), "3302", Level::City).await;
    let a1 = unit(&db.store, Some(&a), "330101", Level::County).await;
    // Enough siblings that a text-ordered id could be mistaken for a prefix (1 vs 10).
    for i in 0..10 {
        unit(&db.store, Some(&b), &format!("3302{i:02}"), Level::County).await;
    }
    let mut tx = db.store.begin_read().await.unwrap();
    let (under_a, total) = units::list_in_scope(&mut tx, &a.path, &UnitFilter::default(), 100, 0)
        .await
        .unwrap();
    assert_eq!(total, 2);
    assert_eq!(
        under_a.iter().map(|u| u.id).collect::<Vec<_>>(),
        vec![a.id, a1.id]
    );
    let (all, total) = units::list_in_scope(&mut tx, &p.path, &UnitFilter::default(), 100, 0)
        .await
        .unwrap();
    assert_eq!(total, 14);
    assert_eq!(all[0].id, p.id, "tree order starts at the root");
    let filtered = UnitFilter {
        level: Some(Level::County),
        search: Some("3302".into()),
        ..Default::default()
    };
    let (_, n) = units::list_in_scope(&mut tx, &p.path, &filtered, 100, 0)
        .await
        .unwrap();
    assert_eq!(n, 10);
    let percent = UnitFilter {
        search: Some("%".into()),
        ..Default::default()
    };
    let (_, n) = units::list_in_scope(&mut tx, &p.path, &percent, 100, 0)
        .await
        .unwrap();
    assert_eq!(n, 0, "LIKE wildcards in a search are literal");
    drop(tx);
    db.done().await;
}

#[tokio::test]
async fn org_01_a_unit_keeps_its_contact_phone() {
    let db = Db::fresh().await;
    let p = unit(&db.store, None, "33", Level::Province).await;
    assert_eq!(p.contact_phone, "", "none until one is given");
    let mut tx = db.store.begin().await.unwrap();
    assert!(units::set_contact_phone(&mut tx, p.id, "0571-87280000")
        .await
        .unwrap());
    assert!(
        !units::set_contact_phone(&mut tx, UnitId(p.id.0 + 999), "1")
            .await
            .unwrap()
    );
    tx.commit().await.unwrap();
    let mut tx = db.store.begin_read().await.unwrap();
    let read = units::get(&mut tx, p.id).await.unwrap().unwrap();
    assert_eq!(read.contact_phone, "0571-87280000");
    drop(tx);
    db.done().await;
}

#[tokio::test]
async fn sec_01_identity_number_and_username_are_unique() {
    let db = Db::fresh().await;
    let p = unit(&db.store, None, "33", Level::Province).await;
    let mut tx = db.store.begin().await.unwrap();
    users::insert(
        &mut tx,
        &new_user(p.id, "a.one", "11010519491231002X"),
        t0(),
    )
    .await
    .unwrap();
    let err = users::insert(
        &mut tx,
        &new_user(p.id, "a.two", "11010519491231002X"),
        t0(),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&err, StoreError::Conflict { field } if field == "id_number"),
        "{err:?}"
    );
    drop(tx);
    let mut tx = db.store.begin().await.unwrap();
    users::insert(
        &mut tx,
        &new_user(p.id, "a.one", "11010519491231002X"),
        t0(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let mut tx = db.store.begin().await.unwrap();
    let err = users::insert(
        &mut tx,
        &new_user(p.id, "a.one", "110105194912310038"),
        t0(),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&err, StoreError::Conflict { field } if field == "username"),
        "{err:?}"
    );
    drop(tx);
    db.done().await;
}

#[tokio::test]
async fn sec_03_a_role_is_held_once_and_its_history_kept() {
    let db = Db::fresh().await;
    let p = unit(&db.store, None, "33", Level::Province).await;
    let mut tx = db.store.begin().await.unwrap();
    let id = users::insert(
        &mut tx,
        &new_user(p.id, "a.one", "11010519491231002X"),
        t0(),
    )
    .await
    .unwrap();
    users::grant_role(&mut tx, id, Role::Reviewer, None, t0())
        .await
        .unwrap();
    assert!(matches!(
        users::grant_role(&mut tx, id, Role::Reviewer, None, t0()).await,
        Err(StoreError::Conflict { .. })
    ));
    drop(tx);
    let mut tx = db.store.begin().await.unwrap();
    let id = users::insert(
        &mut tx,
        &new_user(p.id, "a.one", "11010519491231002X"),
        t0(),
    )
    .await
    .unwrap();
    users::grant_role(&mut tx, id, Role::Reviewer, None, t0())
        .await
        .unwrap();
    assert!(users::revoke_role(&mut tx, id, Role::Reviewer, None, t0())
        .await
        .unwrap());
    users::grant_role(&mut tx, id, Role::Reviewer, None, t0() + Duration::days(1))
        .await
        .unwrap();
    assert_eq!(
        users::roles_of(&mut tx, id).await.unwrap(),
        vec![Role::Reviewer]
    );
    assert_eq!(users::grant_history(&mut tx, id).await.unwrap().len(), 2);
    tx.commit().await.unwrap();
    db.done().await;
}

#[tokio::test]
async fn sec_05_audit_chain_appends_verify_and_refuse_changes() {
    let db = Db::fresh().await;
    for i in 0..50 {
        let mut tx = db.store.begin().await.unwrap();
        audit::append(
            &mut tx,
            entry(&format!("a{i}"), None),
            t0() + Duration::seconds(i),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    // A rolled-back transaction leaves no entry and no gap.
    let mut tx = db.store.begin().await.unwrap();
    audit::append(&mut tx, entry("rolled.back", None), t0())
        .await
        .unwrap();
    drop(tx);
    let report = audit::verify(&db.store, |_| {}).await.unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!((report.checked, report.head_seq), (50, 50));
    assert!(db
        .store
        .raw_execute("UPDATE audit_log SET actor = 'x' WHERE seq = 3")
        .await
        .is_err());
    assert!(db
        .store
        .raw_execute("DELETE FROM audit_log WHERE seq = 50")
        .await
        .is_err());
    db.done().await;
}

#[tokio::test]
async fn sec_05_concurrent_appends_keep_one_unbroken_chain() {
    let db = Db::fresh().await;
    let mut tasks = Vec::new();
    for w in 0..4 {
        let store = db.store.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..25 {
                let mut tx = store.begin().await.unwrap();
                audit::append(&mut tx, entry(&format!("w{w}.{i}"), None), t0())
                    .await
                    .unwrap();
                tx.commit().await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let report = audit::verify(&db.store, |_| {}).await.unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.checked, 100);
    db.done().await;
}

#[tokio::test]
async fn sec_05_a_cut_off_tail_is_detected() {
    let db = Db::fresh().await;
    for i in 0..5 {
        let mut tx = db.store.begin().await.unwrap();
        audit::append(&mut tx, entry(&format!("a{i}"), None), t0())
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    let disable = match db.store.backend() {
        roadwarden_store::Backend::Sqlite => "DROP TRIGGER audit_log_no_delete",
        roadwarden_store::Backend::Postgres => {
            "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update"
        }
    };
    db.store.raw_execute(disable).await.unwrap();
    db.store
        .raw_execute("DELETE FROM audit_log WHERE seq = 5")
        .await
        .unwrap();
    let report = audit::verify(&db.store, |_| {}).await.unwrap();
    assert!(report.head_mismatch && !report.is_intact(), "{report:?}");
    db.done().await;
}

#[tokio::test]
async fn jobs_are_claimed_once_retried_and_requeued_when_stale() {
    let db = Db::fresh().await;
    let mut tx = db.store.begin().await.unwrap();
    for i in 0..3 {
        let job = NewJob {
            kind: "k",
            payload: "null".into(),
            unique_key: Some(format!("u{i}")),
            run_at: t0(),
            max_attempts: 3,
        };
        assert!(jobs::enqueue(&mut tx, &job, t0()).await.unwrap().is_some());
    }
    let dup = NewJob {
        kind: "k",
        payload: "null".into(),
        unique_key: Some("u0".into()),
        run_at: t0(),
        max_attempts: 3,
    };
    assert!(
        jobs::enqueue(&mut tx, &dup, t0()).await.unwrap().is_none(),
        "unique key"
    );
    let later = NewJob {
        kind: "later",
        payload: "null".into(),
        unique_key: None,
        run_at: t0() + Duration::hours(1),
        max_attempts: 3,
    };
    jobs::enqueue(&mut tx, &later, t0()).await.unwrap();
    tx.commit().await.unwrap();

    // Concurrent claimers each get a different job; nothing is claimed twice.
    let mut claimers = Vec::new();
    for w in 0..3 {
        let store = db.store.clone();
        claimers.push(tokio::spawn(async move {
            let mut tx = store.begin().await.unwrap();
            let job = jobs::claim(&mut tx, &format!("w{w}"), t0()).await.unwrap();
            tx.commit().await.unwrap();
            job.map(|j| j.id)
        }));
    }
    let mut ids = Vec::new();
    for c in claimers {
        ids.push(c.await.unwrap().expect("a job for each claimer"));
    }
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 3);
    let mut tx = db.store.begin().await.unwrap();
    assert!(
        jobs::claim(&mut tx, "w", t0()).await.unwrap().is_none(),
        "the later job is not due"
    );
    // One fails and is retried after its back-off; one worker dies and its job comes back.
    let failed = jobs::get(&mut tx, ids[0]).await.unwrap().unwrap();
    assert!(jobs::fail(&mut tx, &failed, "boom", t0()).await.unwrap());
    jobs::complete(&mut tx, ids[1], t0()).await.unwrap();
    assert_eq!(
        jobs::requeue_stale(&mut tx, t0() + Duration::minutes(5))
            .await
            .unwrap(),
        1
    );
    let next = jobs::claim(&mut tx, "w", t0() + Duration::seconds(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(next.id, ids[2], "the stale job, not the one backing off");
    let retried = jobs::claim(&mut tx, "w", t0() + Duration::seconds(11))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((retried.id, retried.attempts), (ids[0], 2));
    tx.commit().await.unwrap();
    db.done().await;
}

#[tokio::test]
async fn time_01_calendar_days_round_trip() {
    let db = Db::fresh().await;
    let mut tx = db.store.begin().await.unwrap();
    for text in roadwarden_domain::calendar::SHIPPED_CALENDARS {
        let file = roadwarden_domain::calendar::CalendarFile::parse(text).unwrap();
        assert!(
            roadwarden_store::calendar::seed_if_empty(&mut tx, &file, t0())
                .await
                .unwrap()
                > 0
        );
        assert_eq!(
            roadwarden_store::calendar::seed_if_empty(&mut tx, &file, t0())
                .await
                .unwrap(),
            0
        );
    }
    let cal = roadwarden_store::calendar::load(&mut tx, Country::China)
        .await
        .unwrap();
    let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    assert!(!cal.is_working_day(d("2026-10-01")));
    assert!(cal.is_working_day(d("2026-10-10")));
    assert!(
        roadwarden_store::calendar::remove(&mut tx, Country::China, d("2026-10-10"), t0())
            .await
            .unwrap()
    );
    let cal = roadwarden_store::calendar::load(&mut tx, Country::China)
        .await
        .unwrap();
    assert!(!cal.is_working_day(d("2026-10-10")));
    tx.commit().await.unwrap();
    db.done().await;
}

#[tokio::test]
async fn time_01_newer_shipped_tables_merge_without_overwriting_local_edits() {
    use roadwarden_domain::calendar::{CalendarFile, DayKind, SpecialDay, SHIPPED_CALENDARS};
    use roadwarden_store::calendar;
    let db = Db::fresh().await;
    let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let shipped = SHIPPED_CALENDARS
        .iter()
        .map(|t| CalendarFile::parse(t).unwrap())
        .find(|f| f.country == Country::Vietnam)
        .unwrap();
    // An installation from before 2027 was shipped: it has 2026 only.
    let old = CalendarFile {
        country: Country::Vietnam,
        days: shipped
            .days
            .iter()
            .filter(|x| x.date < d("2027-01-01"))
            .cloned()
            .collect(),
    };
    let mut tx = db.store.begin().await.unwrap();
    assert!(calendar::seed_if_empty(&mut tx, &old, t0()).await.unwrap() > 0);
    // Its administrator renamed one day, removed another and added a local one.
    let renamed = SpecialDay {
        date: d("2026-09-02"),
        kind: DayKind::Holiday,
        name: "Quốc khánh (sửa)".into(),
    };
    calendar::upsert(&mut tx, Country::Vietnam, &renamed, t0())
        .await
        .unwrap();
    assert!(
        calendar::remove(&mut tx, Country::Vietnam, d("2026-04-27"), t0())
            .await
            .unwrap()
    );
    // Newer software ships 2027; a removed 2027 day stays removed too once removed.
    let report = calendar::merge(&mut tx, &shipped, t0()).await.unwrap();
    assert_eq!(
        report.added,
        shipped
            .days
            .iter()
            .filter(|x| x.date >= d("2027-01-01"))
            .count(),
        "{report:?}"
    );
    assert_eq!((report.updated, report.removed), (0, 0));
    let days = calendar::list(&mut tx, Country::Vietnam).await.unwrap();
    assert!(days.contains(&renamed), "a local edit is kept");
    assert!(
        !days.iter().any(|x| x.date == d("2026-04-27")),
        "a removal is kept"
    );
    assert!(
        days.iter().any(|x| x.date == d("2027-02-10")),
        "2027 arrived"
    );
    let again = calendar::merge(&mut tx, &shipped, t0()).await.unwrap();
    assert_eq!(
        again,
        calendar::MergeReport::default(),
        "merging twice changes nothing"
    );
    tx.commit().await.unwrap();
    db.done().await;
}
