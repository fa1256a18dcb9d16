//! The `roadwarden` binary as an operator uses it: bootstrap, verify, back up, restore.

use std::path::Path;
use std::process::{Command, Output};

fn roadwarden(data_dir: &Path, args: &[&str]) -> Output {
    roadwarden_with(data_dir, args, &[])
}

/// Runs with extra environment variables (credentials are never on the command line).
fn roadwarden_with(data_dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_roadwarden"))
        .args(args)
        .env("ROADWARDEN__DATA_DIR", data_dir)
        .env_remove("ROADWARDEN__DATABASE__URL")
        .env_remove("ROADWARDEN_IMPORT_TOKEN")
        .env_remove("ROADWARDEN_IMPORT_PASSWORD")
        .envs(env.iter().copied())
        .current_dir(data_dir.parent().unwrap_or(data_dir))
        .output()
        .expect("run roadwarden")
}

fn create_admin(dir: &Path, username: &str, id_number: &str, agreement: bool) -> Output {
    let mut args = vec![
        "user",
        "create",
        "--unit",
        "330000",
        "--username",
        username,
        "--full-name",
        "李四",
        "--id-number",
        id_number,
        "--badge-number",
        "000002",
        "--role",
        "admin",
    ];
    if agreement {
        args.extend([
            "--agreement-ref",
            "BM-2026-002",
            "--agreement-signed",
            "2026-01-05",
        ]);
    }
    roadwarden(dir, &args)
}

fn stdout(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn bootstrap(dir: &Path) {
    let o = roadwarden(
        dir,
        &[
            "unit",
            "create",
            "--code",
            "330000",
            "--name",
            "浙江省公安厅交通警察总队",
            "--level",
            "province",
            "--country",
            "CN",
        ],
    );
    assert!(o.status.success(), "{}", stdout(&o));
    bootstrap_user(dir);
}

fn bootstrap_user(dir: &Path) {
    let o = roadwarden(
        dir,
        &[
            "user",
            "create",
            "--unit",
            "330000",
            "--username",
            "first.admin",
            "--full-name",
            "王建国",
            "--id-number",
            "11010519491231002X",
            "--badge-number",
            "000001",
            "--role",
            "admin",
            "--agreement-ref",
            "BM-2026-001",
            "--agreement-signed",
            "2026-01-05",
        ],
    );
    let out = stdout(&o);
    assert!(o.status.success(), "{out}");
    assert!(out.contains("status active"), "{out}");
    assert!(out.contains("temporary password"), "{out}");
}

#[test]
fn sec_04_first_operator_is_created_from_the_console_with_its_agreement() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let o = roadwarden(
        &dir,
        &[
            "unit",
            "create",
            "--code",
            "330000",
            "--name",
            "浙江省公安厅交通警察总队",
            "--level",
            "province",
            "--country",
            "CN",
        ],
    );
    assert!(o.status.success(), "{}", stdout(&o));
    // Without an agreement an operator account stays pending.
    let o = create_admin(&dir, "second.admin", "110105194912310038", false);
    let out = stdout(&o);
    assert!(
        o.status.success() && out.contains("status pending") && out.contains("SEC-04"),
        "{out}"
    );
    // With it, the first operator is active (and prints its temporary password).
    bootstrap_user(&dir);
}

#[test]
fn sec_03_console_creates_only_the_first_operator_of_a_tree() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    bootstrap(&dir);
    // The tree has an active operator: the console no longer creates accounts in it, with
    // or without roles; they are granted step by step from now on.
    for agreement in [true, false] {
        let o = create_admin(&dir, "another.admin", "110105194912310038", agreement);
        let out = stdout(&o);
        assert!(!o.status.success(), "{out}");
        assert!(out.contains("already has an active operator"), "{out}");
    }
    let o = roadwarden(
        &dir,
        &[
            "unit",
            "create",
            "--code",
            "330500",
            "--name",
            "湖州市公安局交通警察支队",
            "--level",
            "city",
            "--parent",
            "330000",
        ],
    );
    assert!(o.status.success(), "{}", stdout(&o));
    let o = roadwarden(
        &dir,
        &[
            "user",
            "create",
            "--unit",
            "330500",
            "--username",
            "city.reviewer",
            "--full-name",
            "赵六",
            "--id-number",
            "110105194912310038",
            "--badge-number",
            "000003",
            "--role",
            "reviewer",
        ],
    );
    assert!(!o.status.success(), "{}", stdout(&o));
    // A second country's tree is bootstrapped on its own, at its root, as an operator only.
    let o = roadwarden(
        &dir,
        &[
            "unit",
            "create",
            "--code",
            "VN-QT",
            "--name",
            "Công an tỉnh Quảng Trị",
            "--level",
            "province",
            "--country",
            "VN",
        ],
    );
    assert!(o.status.success(), "{}", stdout(&o));
    let vn = |role: &str| {
        roadwarden(
            &dir,
            &[
                "user",
                "create",
                "--unit",
                "VN-QT",
                "--username",
                "vn.first",
                "--full-name",
                "Nguyễn Văn An",
                "--id-number",
                "045090001234",
                "--badge-number",
                "VN001",
                "--role",
                role,
                "--agreement-ref",
                "BM-VN-1",
                "--agreement-signed",
                "2026-01-05",
            ],
        )
    };
    let o = vn("reviewer");
    assert!(
        stdout(&o).contains("only the first operator"),
        "{}",
        stdout(&o)
    );
    let o = vn("admin");
    assert!(
        o.status.success() && stdout(&o).contains("status active"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn sec_05_audit_verify_names_the_first_tampered_entry() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    bootstrap(&dir);
    let o = roadwarden(&dir, &["audit", "verify"]);
    assert!(o.status.success(), "{}", stdout(&o));
    assert!(stdout(&o).contains("intact"));

    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let url = format!("sqlite://{}", dir.join("roadwarden.sqlite").display());
        let store = roadwarden_store::Store::connect(&url, &Default::default())
            .await
            .unwrap();
        store
            .raw_execute("DROP TRIGGER audit_log_no_update")
            .await
            .unwrap();
        store
            .raw_execute("UPDATE audit_log SET actor = 'someone' WHERE seq = 2")
            .await
            .unwrap();
        store.close().await;
    });
    let o = roadwarden(&dir, &["audit", "verify"]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(stdout(&o).contains("BROKEN at entry 2"), "{}", stdout(&o));
}

#[test]
fn sec_09_backup_restores_and_refuses_a_damaged_backup() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    bootstrap(&dir);
    let backup = tmp.path().join("backup");
    let o = roadwarden(&dir, &["backup", "--out", backup.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stdout(&o));
    assert!(backup.join("manifest.json").exists());

    let restored = tmp.path().join("restored");
    let o = roadwarden(&restored, &["restore", "--from", backup.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stdout(&o));
    let o = roadwarden(&restored, &["audit", "verify"]);
    assert!(
        o.status.success(),
        "restored chain verifies: {}",
        stdout(&o)
    );
    // Restoring over an existing database needs --force.
    let o = roadwarden(&restored, &["restore", "--from", backup.to_str().unwrap()]);
    assert!(!o.status.success());

    // One flipped byte in the backup and restore refuses before touching anything.
    let db = backup.join("roadwarden.sqlite");
    let mut bytes = std::fs::read(&db).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&db, bytes).unwrap();
    let elsewhere = tmp.path().join("elsewhere");
    let o = roadwarden(&elsewhere, &["restore", "--from", backup.to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(
        stdout(&o).contains("does not match its checksum"),
        "{}",
        stdout(&o)
    );
    assert!(
        !elsewhere.join("roadwarden.sqlite").exists(),
        "nothing restored"
    );
}

#[test]
fn unknown_database_scheme_is_an_error_not_a_new_file() {
    let tmp = tempfile::tempdir().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_roadwarden"))
        .arg("migrate")
        .env("ROADWARDEN__DATA_DIR", tmp.path())
        .env("ROADWARDEN__DATABASE__URL", "sqlit:///tmp/oops.db")
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(
        stdout(&o).contains("unknown database URL scheme"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn config_example_is_printed_and_secrets_are_hidden() {
    let tmp = tempfile::tempdir().unwrap();
    let o = roadwarden(tmp.path(), &["config", "example"]);
    assert!(o.status.success() && stdout(&o).contains("ROADWARDEN__DATABASE__URL"));
    let o = Command::new(env!("CARGO_BIN_EXE_roadwarden"))
        .args(["config", "show"])
        .env("ROADWARDEN__DATABASE__URL", "postgres://rw:s3cret@db/rw")
        .output()
        .unwrap();
    assert!(o.status.success());
    assert!(!stdout(&o).contains("s3cret"), "{}", stdout(&o));
}

// ---- SEC-09 with footage-sized blobs, `blobs copy|verify`, `evidence import` ---------------

/// Runs `f` against the data directory's state in this process (the binary is not running).
fn with_state<T>(dir: &Path, f: impl AsyncFnOnce(&roadwarden_server::AppState) -> T) -> T {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let settings = roadwarden_server::Settings {
            data_dir: dir.to_owned(),
            ..roadwarden_server::Settings::default()
        };
        let state = roadwarden_server::open_state(settings, roadwarden_server::Clock::System)
            .await
            .unwrap();
        let out = f(&state).await;
        state.store.close().await;
        out
    })
}

/// Bytes derived from `seed`, `len` long (a multi-megabyte blob stands in for a video).
fn noise(len: usize, seed: u32) -> Vec<u8> {
    let mut x = seed.wrapping_mul(2_654_435_761) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

/// Stores `blobs` in the data directory's blob store; returns their ids.
fn put_blobs(dir: &Path, blobs: &[Vec<u8>]) -> Vec<roadwarden_blob::BlobId> {
    with_state(dir, async |s| {
        let mut ids = Vec::new();
        for b in blobs {
            ids.push(s.blobs.put_bytes(b.clone().into()).await.unwrap().id);
        }
        ids
    })
}

fn read_blobs(dir: &Path, ids: &[roadwarden_blob::BlobId]) -> Vec<Vec<u8>> {
    with_state(dir, async |s| {
        let mut out = Vec::new();
        for id in ids {
            out.push(s.blobs.get(id).await.unwrap());
        }
        out
    })
}

#[test]
fn sec_09_backup_streams_footage_sized_blobs_and_restores_them_byte_for_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    bootstrap(&dir);
    let blobs = vec![noise(6 << 20, 1), noise(1000, 2), b"x".to_vec()];
    let ids = put_blobs(&dir, &blobs);
    // An unfinished upload is not part of a backup: the client resumes it from the recorder.
    std::fs::write(dir.join("uploads/abc.part"), b"half a video").unwrap();

    let backup = tmp.path().join("backup");
    let o = roadwarden(&dir, &["backup", "--out", backup.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stdout(&o));
    assert!(stdout(&o).contains("3 blobs"), "{}", stdout(&o));
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(backup.join("manifest.json")).unwrap()).unwrap();
    let files = manifest["files"].as_array().unwrap();
    assert_eq!(
        files[0]["path"], "roadwarden.sqlite",
        "the database is listed first"
    );
    let big = files
        .iter()
        .find(|f| f["path"] == format!("blobs/{}", ids[0]))
        .expect("the big blob is in the manifest");
    assert_eq!(big["bytes"], 6 << 20);
    assert_eq!(
        big["sha256"],
        ids[0].as_str(),
        "a blob's file hashes to its name"
    );
    assert!(!backup.join("uploads").exists());

    let restored = tmp.path().join("restored");
    let o = roadwarden(&restored, &["restore", "--from", backup.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stdout(&o));
    assert!(stdout(&o).contains("3 blobs"), "{}", stdout(&o));
    assert_eq!(read_blobs(&restored, &ids), blobs, "byte for byte");
    let o = roadwarden(&restored, &["blobs", "verify"]);
    assert!(o.status.success(), "{}", stdout(&o));

    // A blob file changed in the backup (the manifest still right for the others) is refused.
    let victim = backup.join(format!("blobs/{}", ids[1]));
    let mut bytes = std::fs::read(&victim).unwrap();
    bytes[0] ^= 1;
    std::fs::write(&victim, bytes).unwrap();
    let o = roadwarden(
        &tmp.path().join("third"),
        &["restore", "--from", backup.to_str().unwrap()],
    );
    assert!(!o.status.success());
    assert!(
        stdout(&o).contains("does not match its checksum"),
        "{}",
        stdout(&o)
    );
}

/// Every file under `dir` (the blob store's fan-out folders), without its `tmp/`.
fn files_in(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            if e.file_name() != "tmp" {
                out.extend(files_in(&p));
            }
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn blobs_copy_moves_every_blob_to_another_store_and_verify_names_a_damaged_one() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    bootstrap(&dir);
    let blobs = vec![noise(3 << 20, 7), noise(10, 8)];
    let ids = put_blobs(&dir, &blobs);
    let other = tmp.path().join("other");
    let to = format!("fs:{}", other.display());

    let o = roadwarden(&dir, &["blobs", "copy", "--to", &to]);
    assert!(o.status.success(), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("copied 2 blobs") && stdout(&o).contains("0 were already there"),
        "{}",
        stdout(&o)
    );
    let copied = tokio::runtime::Runtime::new().unwrap().block_on(async {
        use roadwarden_blob::BlobStore;
        let store = roadwarden_blob::FsStore::open(other.clone()).await.unwrap();
        let mut out = Vec::new();
        for id in &ids {
            out.push(store.get(id).await.unwrap());
        }
        out
    });
    assert_eq!(copied, blobs);
    // Run again (an interrupted copy resumed): nothing is written twice.
    let o = roadwarden(&dir, &["blobs", "copy", "--to", &to]);
    assert!(
        stdout(&o).contains("copied 0 blobs") && stdout(&o).contains("2 were already there"),
        "{}",
        stdout(&o)
    );
    // The same store is refused; so is a target that is neither fs: nor s3.
    let own = format!("fs:{}", dir.join("blobs").display());
    assert!(!roadwarden(&dir, &["blobs", "copy", "--to", &own])
        .status
        .success());
    assert!(!roadwarden(&dir, &["blobs", "copy", "--to", "ftp:x"])
        .status
        .success());
    // --to-config: the target is the blob store another configuration file names.
    let config = tmp.path().join("next.toml");
    std::fs::write(
        &config,
        format!(
            "data_dir = {:?}\n[blobs]\nbackend = \"fs\"\n",
            tmp.path().join("next").display().to_string()
        ),
    )
    .unwrap();
    let o = roadwarden(
        &dir,
        &["blobs", "copy", "--to-config", config.to_str().unwrap()],
    );
    assert!(
        o.status.success() && stdout(&o).contains("copied 2 blobs"),
        "{}",
        stdout(&o)
    );

    let o = roadwarden(&dir, &["blobs", "verify"]);
    assert!(
        o.status.success() && stdout(&o).contains("2 blobs"),
        "{}",
        stdout(&o)
    );
    let small = files_in(&dir.join("blobs"))
        .into_iter()
        .find(|p| p.ends_with(ids[1].as_str()))
        .unwrap();
    std::fs::write(&small, b"tampered!!").unwrap();
    let o = roadwarden(&dir, &["blobs", "verify"]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(
        stdout(&o).contains(ids[1].as_str()) && stdout(&o).contains("1 of 2 blobs"),
        "{}",
        stdout(&o)
    );
}

/// A synthetic MP4: a real `ftyp` box, then noise.
fn mp4(len: usize, seed: u32) -> Vec<u8> {
    let mut v = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2".to_vec();
    v.extend(noise(len - v.len(), seed));
    v
}

#[test]
fn bwc_05_evidence_import_files_a_docking_station_folder_through_the_upload_path() {
    use roadwarden_server::services::evidence::recorders;

    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    with_state(&dir, async |s| {
        let o = roadwarden_testkit::org(s).await;
        roadwarden_testkit::account(s, &o.county, "cx.recadmin", 21, &["recorder_admin"]).await;
        roadwarden_testkit::account(s, &o.squad, "sq.officer", 22, &["collector"]).await;
        let p = roadwarden_demo::seed::principal(s, "cx.recadmin")
            .await
            .unwrap();
        let input = recorders::NewRecorderInput {
            number: "DSJ-T-0001".into(),
            unit_id: None,
            brand: "警翼".into(),
            model: "DSJ-V9".into(),
        };
        recorders::register(s, &p, &Default::default(), input)
            .await
            .unwrap();
    });

    // File names carry local (Shanghai) times: two recordings that ended an hour ago.
    let now = roadwarden_server::Clock::System.now();
    let local = |mins_ago: i64| {
        (now - chrono::Duration::minutes(mins_ago))
            .with_timezone(&chrono_tz::Asia::Shanghai)
            .format("%Y%m%d%H%M%S")
            .to_string()
    };
    let dock = tmp.path().join("dock");
    std::fs::create_dir_all(dock.join("DSJ-T-0001")).unwrap();
    let name =
        |from: i64, to: i64, ext: &str| format!("DSJ-T-0001_{}_{}.{ext}", local(from), local(to));
    let big = mp4(5 << 20, 1);
    std::fs::write(dock.join("DSJ-T-0001").join(name(120, 90, "MP4")), &big).unwrap();
    std::fs::write(dock.join(name(80, 60, "MP4")), mp4(300_000, 2)).unwrap();
    // The same bytes again under another name: refused as a duplicate of the first.
    std::fs::write(dock.join(name(85, 84, "MP4")), &big).unwrap();
    std::fs::write(dock.join(name(70, 65, "TXT")), b"recorder log: battery 80%").unwrap();
    std::fs::write(dock.join("IMG_0001.MP4"), mp4(1000, 3)).unwrap();
    std::fs::write(dock.join(".DS_Store"), b"ignored").unwrap();

    let o = roadwarden_with(
        &dir,
        &[
            "evidence",
            "import",
            dock.to_str().unwrap(),
            "--as",
            "cx.recadmin",
            "--officer",
            "sq.officer",
            "--activity",
            "roadside_inspection",
            "--place",
            "G60 K123",
        ],
        &[("ROADWARDEN_IMPORT_PASSWORD", roadwarden_testkit::PASSWORD)],
    );
    let out = stdout(&o);
    // Bad files are reported and the exit code says so; the good ones are stored.
    assert_eq!(o.status.code(), Some(2), "{out}");
    let line = |needle: &str| {
        out.lines()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no line for {needle} in {out}"))
            .to_owned()
    };
    assert!(line(&name(120, 90, "MP4")).contains("stored"), "{out}");
    assert!(line(&name(80, 60, "MP4")).contains("stored"), "{out}");
    let first_id = line(&name(120, 90, "MP4"))
        .rsplit('#')
        .next()
        .unwrap()
        .trim()
        .to_owned();
    let dup = line(&name(85, 84, "MP4"));
    assert!(
        dup.contains("duplicate") && dup.contains(&format!("footage #{first_id}")),
        "{out}"
    );
    assert!(line(&name(70, 65, "TXT")).contains("refused"), "{out}");
    assert!(
        line(&name(70, 65, "TXT")).contains("upload.not_media"),
        "{out}"
    );
    assert!(line("IMG_0001.MP4").contains("skipped"), "{out}");
    assert!(!out.contains(".DS_Store"), "{out}");
    assert!(
        out.contains("2 stored, 1 duplicate, 1 refused, 1 skipped; 2 verified"),
        "{out}"
    );

    // Filed as the upload path files it: recorder, times, uploader, audit entry, released.
    let (stored, audit) = with_state(&dir, async |s| {
        let mut tx = s.store.begin_read().await.unwrap();
        let e = roadwarden_store::evidence::get(&mut tx, first_id.parse().unwrap())
            .await
            .unwrap()
            .unwrap();
        let blob = s
            .blobs
            .get(&roadwarden_blob::BlobId::parse(&e.sha256).unwrap())
            .await
            .unwrap();
        let entries = roadwarden_store::audit::count(&mut tx).await.unwrap();
        ((e, blob), entries)
    });
    let (e, blob) = stored;
    assert_eq!(blob, big, "byte for byte");
    assert_eq!(e.activity, "roadside_inspection");
    assert!(e.recorder_id.is_some() && e.verified_at.is_some(), "{e:?}");
    assert!(audit > 0);
    assert!(
        std::fs::read_dir(dir.join("uploads"))
            .unwrap()
            .next()
            .is_none(),
        "no part file is left behind"
    );
}

// ---- DEV-04, DEV-05 on `device import` ---------------------------------------------------------

#[test]
fn dev_05_device_import_brings_no_device_into_formal_use_without_its_notice_and_full_trial() {
    use roadwarden_domain::device::{DeviceState, SuspensionReason};

    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    with_state(&dir, async |s| {
        roadwarden_testkit::org(s).await;
    });
    // The same ledger columns as the API import: a fixed camera with its notice and a 20-day
    // trial on record, and one claimed in use since 2024 with neither.
    let header = "number,kind,unit_code,name,maintainer,leader,department,violation_types,road,road_class,place,longitude,latitude,state,in_use_since,registered_on,notice_started,trial_started";
    let proven = "330522010221,fixed_enforcement,330522-01,明珠路口,长兴智慧交通,吴磊,秩序组,1625,长兴大道,urban,明珠路口,119.9103,31.0135,in_use,2024-05-01,2024-04-20,2024-04-01,2024-04-10";
    let unproven = "330522010222,fixed_enforcement,330522-01,金陵路口,长兴智慧交通,吴磊,秩序组,1625,长兴大道,urban,金陵路口,119.9113,31.0145,in_use,2024-05-01,2024-04-20,,";
    let file = tmp.path().join("ledger.csv");
    std::fs::write(&file, format!("{header}\n{proven}\n{unproven}\n")).unwrap();
    let o = roadwarden(&dir, &["device", "import", file.to_str().unwrap()]);
    let out = stdout(&o);
    assert!(o.status.success(), "{out}");
    assert!(out.contains("imported 2 devices"), "{out}");
    assert!(
        out.contains("1 devices came in suspended for review"),
        "{out}"
    );
    let states = with_state(&dir, async |s| {
        let mut tx = s.store.begin_read().await.unwrap();
        let mut out = Vec::new();
        for n in ["330522010221", "330522010222"] {
            let d = roadwarden_store::devices::get_by_number(&mut tx, n)
                .await
                .unwrap()
                .unwrap();
            out.push((d.state, d.suspension_reason, d.resume_to));
        }
        out
    });
    assert!(matches!(
        states[0].0,
        DeviceState::InUse | DeviceState::EvaluationDue
    ));
    assert_eq!(
        states[1],
        (
            DeviceState::Suspended,
            Some(SuspensionReason::FormalUseNotProven),
            Some(DeviceState::PublicNotice)
        )
    );
}

#[test]
fn sec_01_evidence_import_acts_only_with_the_accounts_own_credential() {
    use roadwarden_server::services::signin;
    use roadwarden_store::sessions::SessionKind;

    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let (own_token, other_token) = with_state(&dir, async |s| {
        let o = roadwarden_testkit::org(s).await;
        roadwarden_testkit::account(s, &o.county, "cx.recadmin", 21, &["recorder_admin"]).await;
        roadwarden_testkit::account(s, &o.county, "cx.other", 23, &["recorder_admin"]).await;
        let meta = Default::default();
        let token = |name: &'static str| {
            signin::sign_in(
                s,
                &meta,
                name,
                roadwarden_testkit::PASSWORD,
                SessionKind::Api,
                "test",
            )
        };
        let own = token("cx.recadmin").await.unwrap().token;
        let other = token("cx.other").await.unwrap().token;
        (own, other)
    });
    let dock = tmp.path().join("dock");
    std::fs::create_dir_all(&dock).unwrap();
    let import = |args: &[&str], env: &[(&str, &str)]| {
        let mut all = vec![
            "evidence",
            "import",
            dock.to_str().unwrap(),
            "--officer",
            "x",
        ];
        all.extend(args);
        roadwarden_with(&dir, &all, env)
    };
    // A bare username is not a credential.
    let o = import(&["--as", "cx.recadmin"], &[]);
    assert!(!o.status.success());
    assert!(stdout(&o).contains("SEC-01"), "{}", stdout(&o));
    // A wrong password goes through the sign-in: refused and recorded.
    let o = import(
        &["--as", "cx.recadmin"],
        &[("ROADWARDEN_IMPORT_PASSWORD", "Wrong-Passw0rd!")],
    );
    assert!(!o.status.success());
    assert!(stdout(&o).contains("refused"), "{}", stdout(&o));
    // Another person's token does not act for this one.
    let o = import(
        &["--as", "cx.recadmin"],
        &[("ROADWARDEN_IMPORT_TOKEN", &other_token)],
    );
    assert!(!o.status.success());
    assert!(stdout(&o).contains("belongs to cx.other"), "{}", stdout(&o));
    // The person's own password or token does.
    let o = import(
        &["--as", "cx.recadmin"],
        &[("ROADWARDEN_IMPORT_PASSWORD", roadwarden_testkit::PASSWORD)],
    );
    assert!(o.status.success(), "{}", stdout(&o));
    let o = import(&[], &[("ROADWARDEN_IMPORT_TOKEN", &own_token)]);
    assert!(o.status.success(), "{}", stdout(&o));
    let failed = with_state(&dir, async |s| {
        let mut tx = s.store.begin_read().await.unwrap();
        roadwarden_store::audit::list(
            &mut tx,
            &roadwarden_domain::org::UnitPath::from_stored("/".into()),
            true,
            &roadwarden_store::audit::AuditFilter {
                action: Some("session.sign_in_failed".into()),
                actor: Some("cx.recadmin".into()),
                ..Default::default()
            },
            10,
        )
        .await
        .unwrap()
        .len()
    });
    assert_eq!(failed, 1, "the refused password is in the audit trail");
}

#[test]
fn sec_05_audit_verify_checks_the_chain_against_a_witness_copy_of_its_checkpoints() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    bootstrap(&dir);
    let witness = tmp.path().join("witness.jsonl");
    let o = roadwarden(
        &dir,
        &[
            "audit",
            "checkpoints",
            "--sign",
            "--export",
            witness.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("1 checkpoints written"),
        "{}",
        stdout(&o)
    );
    let o = roadwarden(
        &dir,
        &["audit", "verify", "--witness", witness.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("against 2 signed checkpoints"),
        "{}",
        stdout(&o)
    );
    // An administrator cuts the tail and rewinds the head: the chain alone would pass.
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let url = format!("sqlite://{}", dir.join("roadwarden.sqlite").display());
        let store = roadwarden_store::Store::connect(&url, &Default::default())
            .await
            .unwrap();
        store
            .raw_execute("DROP TRIGGER audit_log_no_delete")
            .await
            .unwrap();
        let mut tx = store.begin_read().await.unwrap();
        let kept = roadwarden_store::audit::entries_after(&mut tx, 1, 1)
            .await
            .unwrap()
            .remove(0);
        drop(tx);
        store
            .raw_execute("DELETE FROM audit_log WHERE seq > 2")
            .await
            .unwrap();
        store
            .raw_execute(&format!(
                "UPDATE audit_head SET seq = 2, hash = '{}' WHERE id = 1",
                kept.hash
            ))
            .await
            .unwrap();
        store.close().await;
    });
    let o = roadwarden(
        &dir,
        &["audit", "verify", "--witness", witness.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("removed from the end"),
        "{}",
        stdout(&o)
    );
}
