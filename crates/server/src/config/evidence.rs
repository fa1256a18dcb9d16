//! Where blobs are kept, and the body-worn evidence settings.

use serde::{Deserialize, Serialize};

use super::Secret;

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
