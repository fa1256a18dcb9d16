//! What the face tests share: where scripts/face-models.sh put the files, and the rule for
//! when they are missing.

use std::path::PathBuf;

/// A folder named by `var`, else `default` under the workspace.
pub fn workspace_dir(var: &str, default: &str) -> PathBuf {
    std::env::var_os(var).map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(default)
    })
}

pub fn models_dir() -> PathBuf {
    workspace_dir("ROADWARDEN_FACE_MODELS", "target/face-models")
}

pub fn testdata_dir() -> PathBuf {
    workspace_dir("ROADWARDEN_FACE_TESTDATA", "target/face-testdata")
}

/// A missing model or image: a failure under CI (any value, as the S3 tests), else a skip
/// said loudly, past the test harness's capture.
pub fn missing<T>(why: &str) -> Option<T> {
    assert!(
        std::env::var_os("CI").is_none(),
        "face models or images missing under CI: {why}"
    );
    let loud =
        format!("\n!!!! SKIPPED: the face tests need `bash scripts/face-models.sh`: {why}\n");
    let _ = std::io::Write::write_all(&mut std::io::stderr(), loud.as_bytes());
    None
}
