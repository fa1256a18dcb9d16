//! The `roadwarden` binary as an operator uses it: bootstrap, verify, back up, restore.

use std::path::Path;
use std::process::{Command, Output};

fn roadwarden(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_roadwarden"))
        .args(args)
        .env("ROADWARDEN__DATA_DIR", data_dir)
        .env_remove("ROADWARDEN__DATABASE__URL")
        .current_dir(data_dir.parent().unwrap_or(data_dir))
        .output()
        .expect("run roadwarden")
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
    bootstrap(&dir);
    // Without an agreement an operator account stays pending.
    let o = roadwarden(
        &dir,
        &[
            "user",
            "create",
            "--unit",
            "330000",
            "--username",
            "second.admin",
            "--full-name",
            "李四",
            "--id-number",
            "110105194912310038",
            "--badge-number",
            "000002",
            "--role",
            "admin",
        ],
    );
    let out = stdout(&o);
    assert!(
        o.status.success() && out.contains("status pending") && out.contains("SEC-04"),
        "{out}"
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
