//! Ed25519 signing keys kept in files (never in the database, never logged): the audit
//! checkpoints' key (SEC-05) and the gateway ferry's (SHR-05). A key file holds the 32-byte
//! seed in hex and is created with mode 0600 on first use; two processes racing to create it
//! end up with the same key.

use std::io::Write;
use std::path::Path;

use ed25519_dalek::SigningKey;

use crate::error::{AppError, AppResult};

fn key_error(path: &Path, what: &str) -> AppError {
    AppError::internal(anyhow::anyhow!("signing key {}: {what}", path.display()))
}

/// The signing key, if its file exists. The key itself is never logged.
pub fn load(path: &Path) -> AppResult<Option<SigningKey>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(key_error(path, &e.to_string())),
    };
    let seed: [u8; 32] = hex::decode(text.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| key_error(path, "is not 32 bytes in hex"))?;
    Ok(Some(SigningKey::from_bytes(&seed)))
}

/// The signing key, created with mode 0600 on first use.
pub fn load_or_create(path: &Path) -> AppResult<SigningKey> {
    if let Some(key) = load(path)? {
        return Ok(key);
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| key_error(path, &e.to_string()))?;
    }
    let seed: [u8; 32] = rand::random();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(mut file) => {
            file.write_all(format!("{}\n", hex::encode(seed)).as_bytes())
                .and_then(|()| file.sync_all())
                .map_err(|e| key_error(path, &e.to_string()))?;
            tracing::info!(path = %path.display(), "created a signing key");
            Ok(SigningKey::from_bytes(&seed))
        }
        // Another process created it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            load(path)?.ok_or_else(|| key_error(path, "vanished after it was created"))
        }
        Err(e) => Err(key_error(path, &e.to_string())),
    }
}
