//! Layered configuration: built-in defaults → `roadwarden.toml` → `ROADWARDEN__SECTION__KEY`
//! environment variables. A plain value passed through the application state, never a global.

use std::path::{Path, PathBuf};

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use roadwarden_domain::password::{LockoutPolicy, PasswordPolicy};
use serde::{Deserialize, Serialize};

mod captures;
mod evidence;
mod outside;
mod platform;
mod riders;
mod supervision;

pub use captures::{CaptureSettings, DeviceSettings, NoticeSettings, ReportSettings, SmtpTls};
pub use evidence::{BlobSettings, EvidenceSettings};
pub use outside::{OutsideSettings, OutsideSystemSettings};
pub use platform::{
    AuditSettings, DatabaseSettings, JobSettings, LogSettings, SecuritySettings, ServerSettings,
};
pub use riders::{
    FaceSettings, PublicRiderSettings, QualityGatesConfig, RiderSettings, WarningSettings,
    FACE_RETENTION_FLOOR_DAYS,
};
pub use supervision::SupervisionSettings;

/// Where owners look up their records and object, under the public base address.
const OWNERS_PAGE: &str = "/public/violations";
/// RID-12: the rider services page (case studies, the safety quiz, one's own record).
const RIDER_SERVICES_PAGE: &str = "/public/riders";

/// The commented example printed by `roadwarden config example`.
pub const EXAMPLE: &str = include_str!("../../../../config/example.toml");

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
    pub supervision: SupervisionSettings,
    pub riders: RiderSettings,
    pub outside: OutsideSettings,
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
            supervision: SupervisionSettings::default(),
            riders: RiderSettings::default(),
            outside: OutsideSettings::default(),
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

    /// The address the public reaches this installation at (`notices.public_url`, without a
    /// trailing `/`); this server's own address (`http://` + `server.bind`) when none is
    /// configured, which suits a trial on one machine and nothing else.
    pub fn public_base_url(&self) -> String {
        let configured = self.notices.public_url.trim().trim_end_matches('/');
        // Configurations written before issue 14 named the owners' page itself.
        let base = configured
            .strip_suffix(OWNERS_PAGE)
            .unwrap_or(configured)
            .trim_end_matches('/');
        if base.is_empty() {
            format!("http://{}", self.server.bind)
        } else {
            base.to_owned()
        }
    }

    /// The owners' page every notice and letter names, where they look up their records and
    /// object online (APL-02).
    pub fn owners_page_url(&self) -> String {
        format!("{}{OWNERS_PAGE}", self.public_base_url())
    }

    /// RID-09, RID-12: the rider services page a reminder sends the rider to.
    pub fn rider_services_url(&self) -> String {
        format!("{}{RIDER_SERVICES_PAGE}", self.public_base_url())
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
        assert_eq!(
            parsed.riders.face.detect_max_pixels,
            defaults.riders.face.detect_max_pixels
        );
    }

    #[test]
    fn rid_04_a_detection_size_too_small_to_find_a_face_is_refused_at_start() {
        let mut s = Settings::default();
        assert!(s.riders.validate().is_ok());
        s.riders.face.detect_max_pixels = 50_000;
        let refused = s.riders.validate().expect_err("too small");
        assert!(
            refused.contains("riders.face.detect_max_pixels"),
            "{refused}"
        );
    }

    #[test]
    fn rid_05_a_match_threshold_that_is_not_a_positive_distance_is_refused_at_start() {
        for bad in [0.0, -0.6, f32::NAN] {
            let mut s = Settings::default();
            s.riders.face.match_threshold = bad;
            let refused = s.riders.validate().expect_err("not a distance");
            assert!(refused.contains("riders.face.match_threshold"), "{refused}");
        }
        let mut s = Settings::default();
        s.riders.face.cluster_threshold = f32::INFINITY;
        assert!(s.riders.validate().is_err());
    }

    #[test]
    fn notices_name_the_configured_public_address() {
        let mut s = Settings::default();
        assert_eq!(
            s.owners_page_url(),
            "http://127.0.0.1:8080/public/violations"
        );
        s.notices.public_url = "https://csgt.quangtri.example.vn/".into();
        assert_eq!(s.public_base_url(), "https://csgt.quangtri.example.vn");
        assert_eq!(
            s.owners_page_url(),
            "https://csgt.quangtri.example.vn/public/violations"
        );
        // An older configuration that named the page itself still works.
        s.notices.public_url = "https://jj.example.cn/roadwarden/public/violations".into();
        assert_eq!(
            s.owners_page_url(),
            "https://jj.example.cn/roadwarden/public/violations"
        );
    }

    #[test]
    fn secrets_are_not_printed() {
        let mut s = Settings::default();
        s.database.url = Secret::new("postgres://rw:hunter2@db/roadwarden");
        s.blobs.s3_secret_access_key = Secret::new("s3-hunter3");
        s.notices.smtp_password = Secret::new("smtp-hunter4");
        s.outside.grassroots.credential = Secret::new("grassroots-hunter5");
        let printed = format!("{s:?}");
        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(!printed.contains("s3-hunter3"), "{printed}");
        assert!(!printed.contains("smtp-hunter4"), "{printed}");
        assert!(!printed.contains("grassroots-hunter5"), "{printed}");
    }
}
