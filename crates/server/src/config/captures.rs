//! Captures, public reports, notices (with SMTP) and devices.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::Secret;

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
    /// The most images one capture may carry (a red light: three photos and the plate).
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
            max_images: 4,
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
    /// The address the public reaches this installation at (scheme, host and any path prefix,
    /// e.g. `https://csgt.quangtri.gov.vn`): every notice and letter names
    /// `<public_url>/public/violations` as the place to look up a record and object online
    /// (APL-02). Empty: the server's own `http://<server.bind>`, fit only for a trial on one
    /// machine. See `Settings::owners_page_url`.
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
            public_url: String::new(),
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
