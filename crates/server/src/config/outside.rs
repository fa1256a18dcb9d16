//! RID-10, SHR-04, SHR-05 *(config)*: the outside systems the e-bike programme's dispositions
//! reach, over HTTP (`base_url`) or, across a one-way gateway, as signed packages in folders
//! (`ferry_out`, `ferry_in`). With neither, a system is off: nothing is queued for it, and the
//! rider file says the measure is recorded here only.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::Secret;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OutsideSettings {
    /// The longest one call (send or read-back) may take, in milliseconds.
    pub timeout_ms: u64,
    /// The longest a connection may take to open, in milliseconds.
    pub connect_timeout_ms: u64,
    /// Requests one pass of the sender takes at a time.
    pub batch_size: i64,
    /// RID-10 b: civility credit points (incorrigible riders).
    pub civility_credit: OutsideSystemSettings,
    /// RID-10 a: the party-member pioneer index (frequent riders who are party members).
    pub party_index: OutsideSystemSettings,
    /// SHR-04: the grassroots-governance platform (riders' lists and village tasks out,
    /// results and assessments read back).
    pub grassroots: OutsideSystemSettings,
    /// SHR-05: the key that signs the packages this installation writes for the gateway ferry,
    /// made on first use (mode 0600). Empty: `<data_dir>/ferry-signing.key`.
    pub ferry_key_file: PathBuf,
    /// SHR-05: the largest package file the ferry imports (bytes); larger ones are refused.
    pub ferry_max_package_bytes: u64,
}

impl Default for OutsideSettings {
    fn default() -> Self {
        Self {
            timeout_ms: 10_000,
            connect_timeout_ms: 3_000,
            batch_size: 50,
            civility_credit: OutsideSystemSettings::default(),
            party_index: OutsideSystemSettings::default(),
            grassroots: OutsideSystemSettings::default(),
            ferry_key_file: PathBuf::new(),
            ferry_max_package_bytes: 32 << 20,
        }
    }
}

impl OutsideSettings {
    /// Refuses a system set to both transports, or a ferry without its other half.
    pub fn validate(&self) -> Result<(), String> {
        for (name, s) in [
            ("civility_credit", &self.civility_credit),
            ("party_index", &self.party_index),
            ("grassroots", &self.grassroots),
        ] {
            let http = !s.base_url.trim().is_empty();
            let ferry = s.is_ferry();
            if http && ferry {
                return Err(format!(
                    "outside.{name}: base_url and ferry_out are both set; choose one"
                ));
            }
            if ferry && (s.ferry_in.as_os_str().is_empty() || s.ferry_peer_key.trim().is_empty()) {
                return Err(format!(
                    "outside.{name}: a ferry needs ferry_out, ferry_in and ferry_peer_key"
                ));
            }
            let key_ok = hex::decode(s.ferry_peer_key.trim()).is_ok_and(|k| k.len() == 32);
            if ferry && !key_ok {
                return Err(format!(
                    "outside.{name}.ferry_peer_key is not an Ed25519 public key (64 hex digits)"
                ));
            }
            if ferry && s.ferry_out == s.ferry_in {
                return Err(format!(
                    "outside.{name}: ferry_out and ferry_in must be different folders"
                ));
            }
        }
        if self.ferry_max_package_bytes < 1024 {
            return Err("outside.ferry_max_package_bytes is under 1 KiB".into());
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OutsideSystemSettings {
    /// Where the system's interface is, e.g. `https://credit.example.gov.cn/api`. Empty: off.
    pub base_url: String,
    /// Sent as `Authorization: Bearer …` on every call.
    pub credential: Secret,
    /// Points a deduction asks for (civility credit, party index; unused for the platform).
    pub points: u32,
    /// SHR-05: where this installation writes signed packages for the gateway to carry to the
    /// system's network (instead of calling `base_url`). Empty: no ferry.
    pub ferry_out: PathBuf,
    /// SHR-05: where the gateway puts the system's signed answers for this installation.
    pub ferry_in: PathBuf,
    /// SHR-05: the system's Ed25519 public key (64 hex digits): only packages it signed are
    /// imported.
    pub ferry_peer_key: String,
}

impl Default for OutsideSystemSettings {
    fn default() -> Self {
        Self {
            base_url: String::new(),
            credential: Secret::default(),
            points: 2,
            ferry_out: PathBuf::new(),
            ferry_in: PathBuf::new(),
            ferry_peer_key: String::new(),
        }
    }
}

impl OutsideSystemSettings {
    pub fn is_on(&self) -> bool {
        !self.base_url.trim().is_empty() || self.is_ferry()
    }

    /// SHR-05: reached through the gateway ferry rather than over HTTP.
    pub fn is_ferry(&self) -> bool {
        !self.ferry_out.as_os_str().is_empty()
    }

    /// The base address without a trailing `/`.
    pub fn base(&self) -> &str {
        self.base_url.trim().trim_end_matches('/')
    }
}
