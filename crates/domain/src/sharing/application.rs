//! DAT-02, DAT-03, SEC-07, SEC-08: an outside body's query or statistics application, and every
//! bulk export, is filed with the requesting body, the purpose, the data and the span; the head
//! of the providing unit signs it off (never their own); an operator runs it; the result file
//! is handed over only after the head's consent, recorded with what, to whom, why and the
//! file's SHA-256. An export application is used once: the download records the file's hash.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::codes::Code;
use crate::{RuleViolation, UserId};

macro_rules! word_enum {
    ($(#[$doc:meta])* $name:ident, $what:literal { $($variant:ident = $word:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $word),+ }
            }

            pub fn parse(raw: &str) -> Result<Self, $crate::FieldError> {
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == raw.trim())
                    .ok_or_else(|| $crate::FieldError::new($what, concat!("is not a known ", $what)))
            }
        }

        crate::stored_as_text!($name);
    };
}
pub(crate) use word_enum;

word_enum!(
    /// What is asked for: an outside body's query or statistics (DAT-02), or a bulk export of
    /// the platform's own data (SEC-07).
    AppKind, "kind" { Query = "query", Statistics = "statistics", Export = "export" }
);

word_enum!(
    /// The data an application covers; each is a data type of the catalogue. `riders` is the
    /// shared rider file (SHR-03); `correction_requests` is what partners submit (DAT-01, never
    /// read out), `screened_offenders` what the recognition system sends in (SHR-04, never read
    /// out); `lists` covers the lists' and reports' bulk exports (SEC-07).
    Dataset, "dataset" {
        Violations = "violations",
        DeviceRegistrations = "device_registrations",
        Riders = "riders",
        CorrectionRequests = "correction_requests",
        Lists = "lists",
        ScreenedOffenders = "screened_offenders",
    }
);

word_enum!(
    /// SEC-08: data serve only these ends; every query names one.
    Purpose, "purpose" {
        TrafficOrder = "traffic_order",
        Enforcement = "enforcement",
        TrafficManagement = "traffic_management",
        PublicSecurity = "public_security",
    }
);

word_enum!(
    /// Where an application stands.
    AppState, "state" {
        Requested = "requested",
        Approved = "approved",
        Refused = "refused",
        Run = "run",
        Released = "released",
        Exported = "exported",
    }
);

/// At most this long a span may be (a year and a day, for a statistics year).
pub const MAX_SPAN_DAYS: i64 = 366;

/// A checked application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub requesting_body: String,
    pub purpose_text: String,
    pub span: (DateTime<Utc>, DateTime<Utc>),
}

fn refuse(rule: &'static str, code: Code, message: &str) -> RuleViolation {
    RuleViolation::new(rule, code, message)
}

/// DAT-02 / SEC-08: an application names the body asking, why (a purpose and its words), and a
/// span that ends no later than now and lasts at most [`MAX_SPAN_DAYS`].
pub fn check_application(
    kind: AppKind,
    requesting_body: &str,
    purpose_text: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Checked, RuleViolation> {
    let body = requesting_body.trim();
    if kind != AppKind::Export && body.is_empty() {
        return Err(refuse(
            "DAT-02",
            Code::SharingBodyRequired,
            "an outside query names the body that asks",
        ));
    }
    let why = purpose_text.trim();
    if why.chars().count() < 4 || why.chars().count() > 1000 {
        return Err(refuse(
            "SEC-08",
            Code::SharingPurposeRequired,
            "every query and export says why, in 4 to 1000 characters",
        ));
    }
    if from >= to || to > now || (to - from).num_days() > MAX_SPAN_DAYS {
        return Err(refuse(
            "DAT-02",
            Code::SharingSpanInvalid,
            "the span starts before it ends, ends by now and lasts at most a year",
        ));
    }
    Ok(Checked {
        requesting_body: body.chars().take(200).collect(),
        purpose_text: why.to_owned(),
        span: (from, to),
    })
}

/// DAT-02: the head signs off a pending application, never their own.
pub fn approve(
    state: AppState,
    requester: UserId,
    head: UserId,
) -> Result<AppState, RuleViolation> {
    pending(state)?;
    if requester == head {
        return Err(refuse(
            "DAT-02",
            Code::SharingSelfApproval,
            "nobody signs off their own application",
        ));
    }
    Ok(AppState::Approved)
}

/// DAT-02: the head refuses a pending application, saying why.
pub fn refuse_application(state: AppState, reason: &str) -> Result<AppState, RuleViolation> {
    pending(state)?;
    if reason.trim().is_empty() {
        return Err(refuse(
            "DAT-02",
            Code::SharingPurposeRequired,
            "a refusal says why",
        ));
    }
    Ok(AppState::Refused)
}

fn pending(state: AppState) -> Result<(), RuleViolation> {
    if state == AppState::Requested {
        Ok(())
    } else {
        Err(refuse(
            "DAT-02",
            Code::SharingNotPending,
            "this application was decided already",
        ))
    }
}

/// DAT-02: an operator runs an approved query or statistics application (an export is run by
/// its download instead).
pub fn run(kind: AppKind, state: AppState) -> Result<AppState, RuleViolation> {
    if kind == AppKind::Export || state != AppState::Approved {
        return Err(refuse(
            "DAT-02",
            Code::SharingNotApproved,
            "only an approved query or statistics application is run",
        ));
    }
    Ok(AppState::Run)
}

/// DAT-02 / DAT-03: the head of the providing unit consents to hand the result over; the one
/// who ran it does not consent to their own result.
pub fn release(
    state: AppState,
    runner: Option<UserId>,
    head: UserId,
    recipient: &str,
) -> Result<AppState, RuleViolation> {
    if state != AppState::Run {
        return Err(refuse(
            "DAT-03",
            Code::SharingNotRun,
            "only a result that was run can be handed over",
        ));
    }
    if runner == Some(head) {
        return Err(refuse(
            "DAT-03",
            Code::SharingSelfApproval,
            "the one who ran the query does not consent to its hand-over",
        ));
    }
    if recipient.trim().is_empty() {
        return Err(refuse(
            "DAT-03",
            Code::SharingBodyRequired,
            "the hand-over names who receives the file",
        ));
    }
    Ok(AppState::Released)
}

/// SEC-07: a bulk export needs an approved export application of that data, used once.
pub fn export(
    kind: AppKind,
    dataset: Dataset,
    state: AppState,
    wanted: Dataset,
) -> Result<AppState, RuleViolation> {
    if kind != AppKind::Export || dataset != wanted {
        return Err(refuse(
            "SEC-07",
            Code::SharingExportNeedsApproval,
            "this application is not an export of these data",
        ));
    }
    match state {
        AppState::Approved => Ok(AppState::Exported),
        AppState::Exported => Err(refuse(
            "SEC-07",
            Code::SharingExportUsed,
            "this approved export was used already; file a new application",
        )),
        _ => Err(refuse(
            "SEC-07",
            Code::SharingExportNeedsApproval,
            "copying or exporting data needs the head's approval",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, d, 0, 0, 0).unwrap()
    }

    #[test]
    fn dat_02_an_application_names_the_body_the_purpose_and_a_closed_span() {
        let ok = check_application(
            AppKind::Query,
            "长兴县法院",
            "案件审理需要",
            t(1),
            t(10),
            t(20),
        );
        assert!(ok.is_ok());
        let e = check_application(AppKind::Query, " ", "案件审理需要", t(1), t(10), t(20));
        assert_eq!(e.unwrap_err().code, Code::SharingBodyRequired);
        let e = check_application(AppKind::Query, "法院", "", t(1), t(10), t(20));
        assert_eq!(e.unwrap_err().code, Code::SharingPurposeRequired);
        let e = check_application(AppKind::Query, "法院", "案件审理需要", t(10), t(1), t(20));
        assert_eq!(e.unwrap_err().code, Code::SharingSpanInvalid);
        let e = check_application(AppKind::Query, "法院", "案件审理需要", t(1), t(25), t(20));
        assert_eq!(e.unwrap_err().code, Code::SharingSpanInvalid);
    }

    #[test]
    fn dat_02_nobody_signs_off_their_own_application() {
        let e = approve(AppState::Requested, UserId(3), UserId(3)).unwrap_err();
        assert_eq!(e.code, Code::SharingSelfApproval);
        assert_eq!(
            approve(AppState::Requested, UserId(3), UserId(4)),
            Ok(AppState::Approved)
        );
        let e = approve(AppState::Approved, UserId(3), UserId(4)).unwrap_err();
        assert_eq!(e.code, Code::SharingNotPending);
    }

    #[test]
    fn dat_03_a_result_is_handed_over_only_after_it_ran_and_with_another_heads_consent() {
        assert_eq!(run(AppKind::Query, AppState::Approved), Ok(AppState::Run));
        assert!(run(AppKind::Query, AppState::Requested).is_err());
        assert!(run(AppKind::Export, AppState::Approved).is_err());
        let e = release(AppState::Approved, None, UserId(4), "法院").unwrap_err();
        assert_eq!(e.code, Code::SharingNotRun);
        let e = release(AppState::Run, Some(UserId(4)), UserId(4), "法院").unwrap_err();
        assert_eq!(e.code, Code::SharingSelfApproval);
        assert_eq!(
            release(AppState::Run, Some(UserId(5)), UserId(4), "法院"),
            Ok(AppState::Released)
        );
    }

    #[test]
    fn sec_07_an_export_needs_its_own_approved_application_used_once() {
        let regs = Dataset::DeviceRegistrations;
        assert_eq!(
            export(AppKind::Export, regs, AppState::Approved, regs),
            Ok(AppState::Exported)
        );
        let e = export(AppKind::Export, regs, AppState::Requested, regs).unwrap_err();
        assert_eq!(e.code, Code::SharingExportNeedsApproval);
        let e = export(AppKind::Export, regs, AppState::Exported, regs).unwrap_err();
        assert_eq!(e.code, Code::SharingExportUsed);
        let e = export(AppKind::Query, regs, AppState::Approved, regs).unwrap_err();
        assert_eq!(e.code, Code::SharingExportNeedsApproval);
        let e = export(
            AppKind::Export,
            Dataset::Violations,
            AppState::Approved,
            regs,
        );
        assert!(e.is_err());
    }
}
