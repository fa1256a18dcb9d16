//! Layered configuration: built-in defaults → `roadwarden.toml` → `ROADWARDEN__SECTION__KEY`
//! environment variables. A plain value passed through the application state, never a global.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use roadwarden_domain::password::{LockoutPolicy, PasswordPolicy};
use serde::{Deserialize, Serialize};

/// The commented example printed by `roadwarden config example`.
pub const EXAMPLE: &str = include_str!("../../../config/example.toml");

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Where the SQLite file and the blob folder live by default.
    pub data_dir: PathBuf,
    pub database: DatabaseSettings,
    pub server: ServerSettings,
    pub security: SecuritySettings,
    pub jobs: JobSettings,
    pub log: LogSettings,
    pub devices: DeviceSettings,
    pub captures: CaptureSettings,
    pub reports: ReportSettings,
    pub notices: NoticeSettings,
    pub blobs: BlobSettings,
    pub evidence: EvidenceSettings,
    pub audit: AuditSettings,
}

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

/// Where image and footage bytes are kept: the local folder (default) or S3-compatible
/// object storage.
#[derive(Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BlobSettings {
    /// `fs` (the `blobs` folder under `data_dir`) or `s3`.
    pub backend: String,
    /// S3 endpoint URL, e.g. `http://127.0.0.1:9000`; empty means AWS itself.
    pub s3_endpoint: String,
    pub s3_bucket: String,
    pub s3_region: String,
    pub s3_access_key_id: String,
    pub s3_secret_access_key: Secret,
    /// Key prefix inside the bucket, e.g. `roadwarden/`.
    pub s3_prefix: String,
    /// Allow a plain-HTTP endpoint (a store on the local network).
    pub s3_allow_http: bool,
}

impl Default for BlobSettings {
    fn default() -> Self {
        Self {
            backend: "fs".into(),
            s3_endpoint: String::new(),
            s3_bucket: String::new(),
            s3_region: "us-east-1".into(),
            s3_access_key_id: String::new(),
            s3_secret_access_key: Secret::default(),
            s3_prefix: String::new(),
            s3_allow_http: false,
        }
    }
}

impl std::fmt::Debug for BlobSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlobSettings")
            .field("backend", &self.backend)
            .field("s3_endpoint", &self.s3_endpoint)
            .field("s3_bucket", &self.s3_bucket)
            .field("s3_region", &self.s3_region)
            .field("s3_secret_access_key", &self.s3_secret_access_key)
            .finish_non_exhaustive()
    }
}

/// BWC-05..14 periods and limits *(config)*.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EvidenceSettings {
    /// BWC-06: months ordinary footage is kept (3; some units 6). At least 3 (AUD-05).
    pub general_months: u32,
    /// BWC-06a: also apply the national minimum of 6 months (the stricter period wins).
    pub national_minimum: bool,
    /// Days before the purge on which footage is listed on the warning list.
    pub warning_days: u32,
    /// Days a purged file can still be restored before its bytes are destroyed.
    pub restore_days: u32,
    /// BWC-08: days an approved view or copy request stays valid.
    pub access_valid_days: u32,
    /// BWC-13: percent of footage drawn for spot checks each month.
    pub spot_check_percent: u32,
    /// The largest single upload accepted, in bytes.
    pub max_upload_bytes: u64,
    /// Hours an unfinished upload is kept for resuming before it is discarded.
    pub upload_expiry_hours: i64,
}

impl Default for EvidenceSettings {
    fn default() -> Self {
        Self {
            general_months: 3,
            national_minimum: true,
            warning_days: 7,
            restore_days: 7,
            access_valid_days: 7,
            spot_check_percent: 5,
            max_upload_bytes: 64 << 30,
            upload_expiry_hours: 72,
        }
    }
}

impl EvidenceSettings {
    pub fn retention_policy(&self) -> roadwarden_domain::evidence::retention::Policy {
        roadwarden_domain::evidence::retention::Policy {
            general_months: self.general_months,
            national_minimum: self.national_minimum,
            warning_days: self.warning_days,
            restore_days: self.restore_days,
        }
    }
}

/// CAP-02, REV-01 and the ingest limits *(config)*.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CaptureSettings {
    /// CAP-02: a fixed device's "real time", in minutes.
    pub fixed_upload_minutes: i64,
    /// CAP-02: mobile devices and recorders, in hours.
    pub mobile_upload_hours: i64,
    /// A capture time further than this in the future is refused (seconds).
    pub future_tolerance_secs: i64,
    /// A device clock further than this from ours is flagged (seconds).
    pub clock_drift_secs: i64,
    /// REV-01: working days to review an upload.
    pub review_working_days: u32,
    /// Share of first approvals drawn for a second review, in percent (0 turns it off).
    pub second_review_percent: u8,
    /// How long a reviewer holds the capture they were handed, in minutes.
    pub claim_minutes: i64,
    /// The largest image accepted, in bytes.
    pub max_image_bytes: usize,
    /// The most images one capture may carry.
    pub max_images: usize,
}

impl Default for CaptureSettings {
    fn default() -> Self {
        Self {
            fixed_upload_minutes: 10,
            mobile_upload_hours: 24,
            future_tolerance_secs: 300,
            clock_drift_secs: 60,
            review_working_days: 5,
            second_review_percent: 10,
            claim_minutes: 5,
            max_image_bytes: 4 * 1024 * 1024,
            max_images: 3,
        }
    }
}

/// REV-05: reports from the public: the contact proof and the rate limits *(config)*.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReportSettings {
    /// Minutes a one-time code stays valid.
    pub code_minutes: i64,
    /// Wrong tries before a code is dead and a new one must be asked for.
    pub code_attempts: i32,
    /// Codes one phone may be sent per hour, and one address may ask for per hour.
    pub codes_per_phone_per_hour: i64,
    pub codes_per_address_per_hour: i64,
    /// Reports accepted from one phone per 24 hours, and from one address per hour.
    pub reports_per_phone_per_day: i64,
    pub reports_per_address_per_hour: i64,
    /// How old (days) the reported violation may be.
    pub max_age_days: i64,
    /// Development only: with no SMS gateway (`notices.sms_gateway_url`), write the code to
    /// the log instead (target `roadwarden::dev_sms`). Never on in production: the log then
    /// holds the codes.
    pub dev_log_codes: bool,
}

impl Default for ReportSettings {
    fn default() -> Self {
        Self {
            code_minutes: 10,
            code_attempts: 5,
            codes_per_phone_per_hour: 3,
            codes_per_address_per_hour: 10,
            reports_per_phone_per_day: 5,
            reports_per_address_per_hour: 10,
            max_age_days: 30,
            dev_log_codes: false,
        }
    }
}

/// NOT-01..02 and the channels notices go out through *(config)*.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NoticeSettings {
    /// NOT-01: working days to notify after entry (China; Vietnam is 10 days, NOT-02f).
    pub notice_working_days: u32,
    /// NOT-02: days to handle a record after the notice.
    pub handle_days: u32,
    /// The SMS gateway: notices are POSTed as JSON `{to, text, reference}`; empty turns SMS off.
    pub sms_gateway_url: String,
    /// Sent as `Authorization: Bearer …` to the gateway.
    pub sms_gateway_token: Secret,
    /// SMTP relay `host:port` for e-mail notices (`host` alone takes the mode's usual port: 25,
    /// 587 for STARTTLS, 465 for TLS); empty turns e-mail off.
    pub smtp_relay: String,
    pub smtp_from: String,
    /// How the connection to the relay is protected.
    pub smtp_tls: SmtpTls,
    /// A PEM file of extra root certificates the relay's certificate may chain to (a private
    /// CA); empty trusts the public (Mozilla) roots only.
    pub smtp_ca_file: PathBuf,
    /// AUTH (PLAIN or LOGIN, as the relay offers) with this username; empty sends none. The
    /// password is only sent over STARTTLS or TLS, or to a relay on this machine.
    pub smtp_username: String,
    pub smtp_password: Secret,
    /// Where owners object online, printed in every notice (APL-02).
    pub public_url: String,
    /// Attempts before a notice is given up and shown to the clerk.
    pub max_attempts: i32,
    /// Notices sent per outbox pass, and senders working at once.
    pub batch_size: i64,
    pub concurrency: usize,
}

impl Default for NoticeSettings {
    fn default() -> Self {
        Self {
            notice_working_days: 5,
            handle_days: 30,
            sms_gateway_url: String::new(),
            sms_gateway_token: Secret::default(),
            smtp_relay: String::new(),
            smtp_from: "notices@roadwarden.invalid".into(),
            smtp_tls: SmtpTls::None,
            smtp_ca_file: PathBuf::new(),
            smtp_username: String::new(),
            smtp_password: Secret::default(),
            public_url: "http://127.0.0.1:8080/public/violations".into(),
            max_attempts: 8,
            batch_size: 500,
            concurrency: 32,
        }
    }
}

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain text: for a relay on the deployment's own network.
    None,
    /// Plain connection upgraded with STARTTLS; a relay that cannot upgrade is refused.
    Starttls,
    /// TLS from the first byte (SMTPS).
    Tls,
}

/// DEV-04..13 periods and the numbering rule *(config)*.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeviceSettings {
    /// DEV-08: the device-number pattern, with named groups division, kind and serial.
    pub number_pattern: String,
    /// DEV-04: days a new or re-enabled fixed device's notice runs (0 ends it at once: demos).
    pub notice_days: u32,
    /// DEV-05: minimum days of trial (0 for demos only).
    pub trial_days: u32,
    /// DEV-06: months of formal use before the effectiveness evaluation.
    pub evaluation_months: u32,
    /// DEV-13: tell the managing unit this many days before a certificate expires.
    pub calibration_warning_days: i64,
    /// DEV-12: a device with no valid capture or patrol in this many days is listed for clean-up.
    pub cleanup_window_days: i64,
    /// Map tiles for the device map, e.g. `https://tiles.example/{z}/{x}/{y}.png`; empty draws
    /// positions on a plain grid, with no request leaving the browser.
    pub map_tile_url: String,
}

impl Default for DeviceSettings {
    fn default() -> Self {
        Self {
            number_pattern: roadwarden_domain::device::number::DEFAULT_PATTERN.into(),
            notice_days: 5,
            trial_days: 15,
            evaluation_months: 3,
            calibration_warning_days: 30,
            cleanup_window_days: 365,
            map_tile_url: String::new(),
        }
    }
}

impl DeviceSettings {
    pub fn periods(&self) -> roadwarden_domain::device::lifecycle::Periods {
        roadwarden_domain::device::lifecycle::Periods {
            notice_days: self.notice_days,
            trial_days: self.trial_days,
            evaluation_months: self.evaluation_months,
        }
    }
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

impl Default for Settings {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("roadwarden-data"),
            database: DatabaseSettings::default(),
            server: ServerSettings::default(),
            security: SecuritySettings::default(),
            jobs: JobSettings::default(),
            log: LogSettings::default(),
            devices: DeviceSettings::default(),
            captures: CaptureSettings::default(),
            reports: ReportSettings::default(),
            notices: NoticeSettings::default(),
            blobs: BlobSettings::default(),
            evidence: EvidenceSettings::default(),
            audit: AuditSettings::default(),
        }
    }
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

impl Settings {
    /// Defaults, then the TOML file if given (or `roadwarden.toml` if present), then the
    /// environment.
    pub fn load(file: Option<&Path>) -> Result<Self, Box<figment::Error>> {
        let mut fig = Figment::from(Serialized::defaults(Settings::default()));
        match file {
            Some(path) => fig = fig.merge(Toml::file_exact(path)),
            None => fig = fig.merge(Toml::file("roadwarden.toml")),
        }
        fig = fig.merge(Env::prefixed("ROADWARDEN__").split("__").lowercase(true));
        fig.extract().map_err(Box::new)
    }

    pub fn database_url(&self) -> String {
        if self.database.url.expose().is_empty() {
            format!(
                "sqlite://{}",
                self.data_dir.join("roadwarden.sqlite").display()
            )
        } else {
            self.database.url.expose().to_owned()
        }
    }

    pub fn blob_dir(&self) -> PathBuf {
        self.data_dir.join("blobs")
    }

    /// Where resumable uploads wait for their last byte: beside the blob folder, so a
    /// finished upload is renamed into the store rather than copied.
    pub fn upload_dir(&self) -> PathBuf {
        self.data_dir.join("uploads")
    }

    pub fn checkpoint_key_file(&self) -> PathBuf {
        if self.audit.checkpoint_key_file.as_os_str().is_empty() {
            self.data_dir.join("audit-checkpoint.key")
        } else {
            self.audit.checkpoint_key_file.clone()
        }
    }

    pub fn witness_file(&self) -> PathBuf {
        if self.audit.witness_file.as_os_str().is_empty() {
            self.data_dir.join("audit-witness.jsonl")
        } else {
            self.audit.witness_file.clone()
        }
    }

    pub fn password_policy(&self) -> PasswordPolicy {
        PasswordPolicy {
            min_length: self.security.password_min_length,
            max_age_days: self.security.password_max_age_days,
        }
    }

    pub fn lockout_policy(&self) -> LockoutPolicy {
        LockoutPolicy {
            max_failures: self.security.lockout_max_failures,
            lock_minutes: self.security.lockout_minutes,
        }
    }

    /// Whether cookies carry the `Secure` flag: as configured, else unless bound to loopback.
    pub fn secure_cookies(&self) -> bool {
        self.server.secure_cookies.unwrap_or_else(|| {
            let host = self
                .server
                .bind
                .rsplit_once(':')
                .map_or(self.server.bind.as_str(), |(h, _)| h)
                .trim_matches(['[', ']']);
            !(host == "localhost"
                || host
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback()))
        })
    }

    pub fn signin_guard_policy(&self) -> crate::auth::signin_guard::GuardPolicy {
        use crate::auth::signin_guard::{GuardPolicy, Throttle};
        let s = &self.security;
        GuardPolicy {
            lockout: self.lockout_policy(),
            per_source: Throttle {
                burst: s.signin_source_burst.max(1),
                per_minute: s.signin_source_per_minute.max(1),
            },
            per_username: Throttle {
                burst: s.signin_username_burst.max(1),
                per_minute: s.signin_username_per_minute.max(1),
            },
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

/// A value that is never printed: `Debug` and `Display` show `***`.
#[derive(Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_empty() { "\"\"" } else { "***" })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_config_parses_to_the_defaults() {
        let parsed: Settings = toml::from_str(EXAMPLE).expect("example.toml parses");
        let defaults = Settings::default();
        assert_eq!(
            parsed.security.password_min_length,
            defaults.security.password_min_length
        );
        assert_eq!(parsed.jobs.schedules, defaults.jobs.schedules);
        assert_eq!(parsed.server.bind, defaults.server.bind);
    }

    #[test]
    fn secrets_are_not_printed() {
        let mut s = Settings::default();
        s.database.url = Secret::new("postgres://rw:hunter2@db/roadwarden");
        s.blobs.s3_secret_access_key = Secret::new("s3-hunter3");
        s.notices.smtp_password = Secret::new("smtp-hunter4");
        let printed = format!("{s:?}");
        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(!printed.contains("s3-hunter3"), "{printed}");
        assert!(!printed.contains("smtp-hunter4"), "{printed}");
    }
}
