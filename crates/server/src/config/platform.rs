//! The platform's sections: database, server, security, jobs, logs and the audit chain.

use std::collections::BTreeMap;
use std::path::PathBuf;

use roadwarden_domain::password::{LockoutPolicy, PasswordPolicy};
use serde::{Deserialize, Serialize};

use super::Secret;

/// SEC-05: where the audit chain is anchored outside the database, and who reads the
/// installation's own entries.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuditSettings {
    /// The Ed25519 key that signs checkpoints (32 bytes, hex), created on first use with mode
    /// 0600; empty means `<data_dir>/audit-checkpoint.key`. Keep it off the database server.
    pub checkpoint_key_file: PathBuf,
    /// Where every checkpoint is also appended as a JSON line for an outside witness to copy;
    /// empty means `<data_dir>/audit-witness.jsonl`.
    pub witness_file: PathBuf,
    /// Usernames that read the installation's own audit entries (no unit: jobs, failed
    /// sign-ins of unknown names, anonymous refusals) when the installation holds several unit
    /// trees. With a single tree, its root's holders read them.
    pub installation_auditors: Vec<String>,
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `sqlite://…` or `postgres://…`; empty means `<data_dir>/roadwarden.sqlite`.
    pub url: Secret,
    pub max_connections: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    pub bind: String,
    /// Send cookies with the `Secure` flag. Unset means: Secure unless the server listens on a
    /// loopback address only (a production server is reached over HTTPS through its proxy).
    pub secure_cookies: Option<bool>,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Seconds a request may take before it is answered with 408.
    pub request_timeout_secs: u64,
    /// A bearer token a metrics scraper must send to `/metrics`; empty means only requests
    /// from the machine itself (loopback) may scrape.
    pub metrics_token: Secret,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SecuritySettings {
    /// SEC-02: minimum password length.
    pub password_min_length: usize,
    /// SEC-02: days before a password must be changed; 0 disables expiry.
    pub password_max_age_days: i64,
    /// Failed sign-ins in a row that lock an account; 0 disables lock-out.
    pub lockout_max_failures: u32,
    pub lockout_minutes: i64,
    /// A browser session ends after this many minutes without a request.
    pub session_idle_minutes: i64,
    /// API bearer tokens last this many days.
    pub api_token_days: i64,
    /// Public owner proofs (plate + last 6 VIN characters) that may fail for one plate within
    /// `public_proof_window_minutes` before that plate's lookups pause; 0 disables the pause.
    pub public_proof_max_failures: u32,
    pub public_proof_window_minutes: i64,
    /// Sign-in attempts one address may make in a burst, and regains per minute (a successful
    /// sign-in gives its attempt back).
    pub signin_source_burst: u32,
    pub signin_source_per_minute: u32,
    /// Sign-in attempts one username may receive in a burst from all addresses together, and
    /// regains per minute.
    pub signin_username_burst: u32,
    pub signin_username_per_minute: u32,
    /// How long a sign-in waits for a password-hashing turn (one per core) before it is
    /// answered 503 "busy".
    pub signin_hash_wait_ms: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JobSettings {
    /// Run the workers and the scheduler in this process.
    pub enabled: bool,
    pub workers: usize,
    pub poll_interval_ms: u64,
    pub heartbeat_secs: i64,
    /// A running job whose worker has not beaten for this long is re-queued.
    pub stale_after_secs: i64,
    /// Cron strings (with seconds) per scheduled job; an empty string disables one.
    pub schedules: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogSettings {
    /// `pretty` for people, `json` for log collectors.
    pub format: String,
    /// A `tracing` filter such as `info` or `roadwarden=debug,info`.
    pub level: String,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            url: Secret::default(),
            max_connections: 8,
        }
    }
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8080".into(),
            secure_cookies: None,
            max_body_bytes: 16 * 1024 * 1024,
            request_timeout_secs: 30,
            metrics_token: Secret::default(),
        }
    }
}

impl Default for SecuritySettings {
    fn default() -> Self {
        let p = PasswordPolicy::default();
        let l = LockoutPolicy::default();
        Self {
            password_min_length: p.min_length,
            password_max_age_days: p.max_age_days,
            lockout_max_failures: l.max_failures,
            lockout_minutes: l.lock_minutes,
            session_idle_minutes: 8 * 60,
            api_token_days: 90,
            public_proof_max_failures: 5,
            public_proof_window_minutes: 15,
            signin_source_burst: 30,
            signin_source_per_minute: 10,
            signin_username_burst: 10,
            signin_username_per_minute: 5,
            signin_hash_wait_ms: 3000,
        }
    }
}

impl Default for JobSettings {
    fn default() -> Self {
        let schedules = [
            ("audit_daily_review", "0 10 1 * * *"),
            ("audit_verify", "0 40 1 * * *"),
            ("audit_checkpoint", "0 */10 * * * *"),
            ("session_purge", "0 0 * * * *"),
            ("password_expiry_notice", "0 0 7 * * *"),
            ("device_deadlines", "0 */5 * * * *"),
            ("device_calibration_check", "0 5 0 * * *"),
            ("device_cleanup", "0 0 3 1 1 *"),
            ("capture_escalation", "0 */15 * * * *"),
            ("recorder_overdue", "0 */30 * * * *"),
            ("supervision_monthly", "0 30 1 2 * *"),
            ("supervision_escalation", "0 45 0 * * *"),
            ("rider_tier_rebuild", "0 15 3 * * *"),
            ("outside_outbox", "*/30 * * * * *"),
            ("grassroots_lists", "0 30 3 * * *"),
            ("rider_task_deadlines", "0 30 0 * * *"),
            ("rider_reminders", "*/30 * * * * *"),
            ("rider_face_retention", "0 45 3 * * *"),
            ("notice_outbox", "*/10 * * * * *"),
            ("violation_overdue", "0 30 2 * * *"),
            ("deadline_escalation", "0 */15 * * * *"),
            ("evidence_purge", "0 0 2 * * *"),
            ("evidence_verify", "0 */5 * * * *"),
            ("evidence_upload_cleanup", "0 20 * * * *"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        Self {
            enabled: true,
            workers: 2,
            poll_interval_ms: 500,
            heartbeat_secs: 10,
            stale_after_secs: 60,
            schedules,
        }
    }
}

impl Default for LogSettings {
    fn default() -> Self {
        Self {
            format: "pretty".into(),
            level: "info".into(),
        }
    }
}

impl std::fmt::Debug for DatabaseSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatabaseSettings")
            .field("url", &roadwarden_store::redact_url(self.url.expose()))
            .field("max_connections", &self.max_connections)
            .finish()
    }
}
