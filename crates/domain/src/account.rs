//! SEC-01, SEC-02, SEC-04: accounts, the values that identify a person, and the sign-in decision.

use crate::codes::Code;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::org::Country;
use crate::password::{LockoutPolicy, PasswordPolicy};
use crate::{FieldError, RuleViolation};

/// A login name: 3 to 32 characters of lower-case ASCII letters, digits, '.', '_' or '-',
/// starting with a letter.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let name = raw.trim().to_ascii_lowercase();
        if !(3..=32).contains(&name.len()) {
            return Err(FieldError::new(
                "username",
                "must be 3 to 32 characters long",
            ));
        }
        if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
            return Err(FieldError::new("username", "must start with a letter"));
        }
        if !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
        {
            return Err(FieldError::new(
                "username",
                "may hold only a-z, 0-9, '.', '_' and '-'",
            ));
        }
        Ok(Self(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A person's full name as written on their identity document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PersonName(String);

impl PersonName {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let name = raw.trim();
        let len = name.chars().count();
        if len == 0 {
            return Err(FieldError::new("full_name", "is required"));
        }
        if len > 64 {
            return Err(FieldError::new(
                "full_name",
                "must be at most 64 characters",
            ));
        }
        if name.chars().any(|c| c.is_control() || c.is_ascii_digit()) {
            return Err(FieldError::new(
                "full_name",
                "must not contain digits or control characters",
            ));
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// SEC-01: the national identity number that makes "one account per person" enforceable.
/// China: the 18-character resident identity number with its ISO 7064 check character.
/// Vietnam: the 12-digit citizen identity number (CCCD) starting with a province code 001–096.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct IdNumber(String);

impl IdNumber {
    pub fn parse(raw: &str, country: Country) -> Result<Self, FieldError> {
        let id = raw.trim().to_ascii_uppercase();
        match country {
            Country::China => parse_cn_resident_id(&id)?,
            Country::Vietnam => parse_vn_citizen_id(&id)?,
        }
        Ok(Self(id))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number with all but the first 3 and last 2 characters hidden, for lists.
    pub fn masked(&self) -> String {
        let n = self.0.len();
        format!("{}{}{}", &self.0[..3], "*".repeat(n - 5), &self.0[n - 2..])
    }
}

/// The check character of a Chinese resident identity number (GB 11643-1999, ISO 7064
/// MOD 11-2) for its first 17 digits; `None` when they are not 17 ASCII digits.
pub fn cn_id_check_digit(first17: &str) -> Option<char> {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    let bytes = first17.as_bytes();
    if bytes.len() != 17 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = bytes
        .iter()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    Some(char::from(CHECK[(sum % 11) as usize]))
}

fn parse_cn_resident_id(id: &str) -> Result<(), FieldError> {
    let bytes = id.as_bytes();
    if bytes.len() != 18 || !bytes[..17].iter().all(u8::is_ascii_digit) {
        return Err(FieldError::new(
            "id_number",
            "must be 17 digits followed by a digit or X",
        ));
    }
    let birth = &id[6..14];
    if NaiveDate::parse_from_str(birth, "%Y%m%d").is_err() {
        return Err(FieldError::new(
            "id_number",
            "holds an impossible birth date",
        ));
    }
    if cn_id_check_digit(&id[..17]).map(|c| c as u8) != Some(bytes[17]) {
        return Err(FieldError::new(
            "id_number",
            "check character does not match",
        ));
    }
    Ok(())
}

fn parse_vn_citizen_id(id: &str) -> Result<(), FieldError> {
    if id.len() != 12 || !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(FieldError::new("id_number", "must be 12 digits"));
    }
    let province: u32 = id[..3].parse().unwrap_or(0);
    if !(1..=96).contains(&province) {
        return Err(FieldError::new(
            "id_number",
            "must start with a province code 001-096",
        ));
    }
    Ok(())
}

/// A mobile phone number: an optional '+', then 6 to 15 digits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Phone(String);

impl Phone {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let phone: String = raw.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        let digits = phone.strip_prefix('+').unwrap_or(&phone);
        if !(6..=15).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(FieldError::new(
                "phone",
                "must be 6 to 15 digits, optionally after '+'",
            ));
        }
        Ok(Self(phone))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// SEC-04: what kind of person holds the account, which decides the agreement they must sign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PersonKind {
    PoliceOfficer,
    /// Auxiliary police and civilian staff of a police unit.
    Staff,
    /// Staff of a technical partner company (signs an information-security agreement).
    TechnicalPartner,
    /// Staff of an outside body (ORG-05).
    OutsideBody,
}

impl PersonKind {
    pub const ALL: [PersonKind; 4] = [
        PersonKind::PoliceOfficer,
        PersonKind::Staff,
        PersonKind::TechnicalPartner,
        PersonKind::OutsideBody,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PersonKind::PoliceOfficer => "police_officer",
            PersonKind::Staff => "staff",
            PersonKind::TechnicalPartner => "technical_partner",
            PersonKind::OutsideBody => "outside_body",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == raw.trim())
            .ok_or_else(|| FieldError::new("person_kind", "is not a known kind of person"))
    }
}

/// The agreements of SEC-04.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgreementKind {
    Confidentiality,
    InformationSecurity,
}

impl AgreementKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AgreementKind::Confidentiality => "confidentiality",
            AgreementKind::InformationSecurity => "information_security",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        match raw.trim() {
            "confidentiality" => Ok(Self::Confidentiality),
            "information_security" => Ok(Self::InformationSecurity),
            _ => Err(FieldError::new(
                "kind",
                "must be confidentiality or information_security",
            )),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountStatus {
    /// Created, waiting for activation (SEC-04: for an agreement to be filed).
    Pending,
    Active,
    /// Switched off by an administrator; sessions are revoked.
    Disabled,
}

impl AccountStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountStatus::Pending => "pending",
            AccountStatus::Active => "active",
            AccountStatus::Disabled => "disabled",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        match raw {
            "pending" => Ok(Self::Pending),
            "active" => Ok(Self::Active),
            "disabled" => Ok(Self::Disabled),
            _ => Err(FieldError::new(
                "status",
                "must be pending, active or disabled",
            )),
        }
    }
}

/// SEC-04: which agreement must be on file before this account may be activated, if any.
/// Operators (holders of the admin role) sign a confidentiality agreement; technical partner
/// staff sign an information-security agreement.
pub fn required_agreement(kind: PersonKind, is_operator: bool) -> Option<AgreementKind> {
    if kind == PersonKind::TechnicalPartner {
        Some(AgreementKind::InformationSecurity)
    } else if is_operator {
        Some(AgreementKind::Confidentiality)
    } else {
        None
    }
}

/// SEC-04: an account is activated only when the agreement it needs is on file.
pub fn check_activation(
    kind: PersonKind,
    is_operator: bool,
    agreements_on_file: &[AgreementKind],
) -> Result<(), RuleViolation> {
    match required_agreement(kind, is_operator) {
        Some(needed) if !agreements_on_file.contains(&needed) => Err(RuleViolation::new(
            "SEC-04",
            Code::AccountAgreementMissing,
            format!(
                "a signed {} agreement must be on file first",
                needed.as_str()
            ),
        )),
        _ => Ok(()),
    }
}

/// What the store knows about an account when someone tries to sign in with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInState {
    pub status: AccountStatus,
    pub failed_attempts: u32,
    pub locked_until: Option<DateTime<Utc>>,
    pub password_changed_at: DateTime<Utc>,
    pub must_change_password: bool,
}

/// Why a signed-in user must change their password before doing anything else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeReason {
    /// SEC-02: the password was set by an administrator (first sign-in) or reset.
    FirstSignIn,
    /// SEC-02: the password is older than the policy allows.
    Expired,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignInOutcome {
    Granted {
        must_change: Option<ChangeReason>,
    },
    WrongPassword {
        failed_attempts: u32,
        locked_until: Option<DateTime<Utc>>,
    },
    Locked {
        until: DateTime<Utc>,
    },
    NotActive {
        status: AccountStatus,
    },
}

/// The sign-in decision, in the order a careful desk officer would apply it: a locked account
/// is refused without looking at the password; a wrong password counts towards the lock-out;
/// only a right password reveals whether the account is active and whether the password must
/// be changed first.
pub fn decide_sign_in(
    state: &SignInState,
    password_matches: bool,
    now: DateTime<Utc>,
    passwords: &PasswordPolicy,
    lockout: &LockoutPolicy,
) -> SignInOutcome {
    if let Some(until) = state.locked_until.filter(|until| *until > now) {
        return SignInOutcome::Locked { until };
    }
    if !password_matches {
        // A lock that has run out starts a fresh count.
        let previous = if state.locked_until.is_some() {
            0
        } else {
            state.failed_attempts
        };
        let failed_attempts = previous + 1;
        return SignInOutcome::WrongPassword {
            failed_attempts,
            locked_until: lockout.lock_after_failure(failed_attempts, now),
        };
    }
    if state.status != AccountStatus::Active {
        return SignInOutcome::NotActive {
            status: state.status,
        };
    }
    let must_change = if state.must_change_password {
        Some(ChangeReason::FirstSignIn)
    } else if passwords.is_expired(state.password_changed_at, now) {
        Some(ChangeReason::Expired)
    } else {
        None
    };
    SignInOutcome::Granted { must_change }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn active(changed: &str) -> SignInState {
        SignInState {
            status: AccountStatus::Active,
            failed_attempts: 0,
            locked_until: None,
            password_changed_at: at(changed),
            must_change_password: false,
        }
    }

    fn decide(state: &SignInState, ok: bool, now: &str) -> SignInOutcome {
        decide_sign_in(
            state,
            ok,
            at(now),
            &PasswordPolicy::default(),
            &LockoutPolicy::default(),
        )
    }

    #[test]
    fn sec_01_one_account_per_person_needs_a_valid_national_id() {
        assert!(IdNumber::parse("11010519491231002X", Country::China).is_ok());
        assert!(
            IdNumber::parse("110105194912310021", Country::China).is_err(),
            "check char"
        );
        assert!(
            IdNumber::parse("110105194913310028", Country::China).is_err(),
            "month 13"
        );
        assert!(IdNumber::parse("001203004567", Country::Vietnam).is_ok());
        assert!(
            IdNumber::parse("099203004567", Country::Vietnam).is_err(),
            "province 099"
        );
        let id = IdNumber::parse("11010519491231002x", Country::China).unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
        assert_eq!(id.masked(), "110*************2X");
    }

    #[test]
    fn sec_02_wrong_password_counts_and_locks() {
        let mut s = active("2026-01-01T00:00:00Z");
        s.failed_attempts = 4;
        match decide(&s, false, "2026-01-02T00:00:00Z") {
            SignInOutcome::WrongPassword {
                failed_attempts: 5,
                locked_until: Some(u),
            } => {
                assert_eq!(u, at("2026-01-02T00:15:00Z"));
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn sec_02_locked_account_refused_even_with_right_password() {
        let mut s = active("2026-01-01T00:00:00Z");
        s.locked_until = Some(at("2026-01-02T00:15:00Z"));
        assert!(matches!(
            decide(&s, true, "2026-01-02T00:10:00Z"),
            SignInOutcome::Locked { .. }
        ));
        // Once the lock has run out, the right password works again.
        assert_eq!(
            decide(&s, true, "2026-01-02T00:16:00Z"),
            SignInOutcome::Granted { must_change: None }
        );
    }

    #[test]
    fn sec_02_expired_password_and_first_sign_in_force_a_change() {
        let s = active("2026-01-01T00:00:00Z");
        assert_eq!(
            decide(&s, true, "2026-04-02T00:00:00Z"),
            SignInOutcome::Granted {
                must_change: Some(ChangeReason::Expired)
            }
        );
        let mut first = active("2026-04-01T00:00:00Z");
        first.must_change_password = true;
        assert_eq!(
            decide(&first, true, "2026-04-02T00:00:00Z"),
            SignInOutcome::Granted {
                must_change: Some(ChangeReason::FirstSignIn)
            }
        );
    }

    #[test]
    fn sec_04_operator_needs_confidentiality_agreement_before_activation() {
        let err = check_activation(PersonKind::PoliceOfficer, true, &[]).unwrap_err();
        assert_eq!(err.rule, "SEC-04");
        assert!(check_activation(
            PersonKind::PoliceOfficer,
            true,
            &[AgreementKind::Confidentiality]
        )
        .is_ok());
        assert!(check_activation(PersonKind::PoliceOfficer, false, &[]).is_ok());
        assert!(check_activation(PersonKind::TechnicalPartner, false, &[]).is_err());
        assert!(check_activation(
            PersonKind::TechnicalPartner,
            false,
            &[AgreementKind::InformationSecurity]
        )
        .is_ok());
        let mut pending = active("2026-01-01T00:00:00Z");
        pending.status = AccountStatus::Pending;
        assert!(matches!(
            decide(&pending, true, "2026-01-02T00:00:00Z"),
            SignInOutcome::NotActive {
                status: AccountStatus::Pending
            }
        ));
    }

    #[test]
    fn usernames_names_and_phones_are_validated() {
        assert_eq!(Username::parse(" Li.Wei ").unwrap().as_str(), "li.wei");
        assert!(Username::parse("1abc").is_err());
        assert!(Username::parse("ab").is_err());
        assert!(Username::parse("a b c").is_err());
        assert!(PersonName::parse("Nguyễn Văn An").is_ok());
        assert!(PersonName::parse("R2D2").is_err());
        assert!(Phone::parse("+84 912-345-678").is_ok());
        assert!(Phone::parse("12ab").is_err());
    }

    proptest! {
        #[test]
        fn id_number_parser_never_panics(s in "\\PC{0,30}") {
            let _ = IdNumber::parse(&s, Country::China);
            let _ = IdNumber::parse(&s, Country::Vietnam);
        }

        #[test]
        fn valid_cn_ids_round_trip(body in "[1-6][0-9]{5}", day in 1u32..=28, month in 1u32..=12, seq in "[0-9]{3}") {
            let first17 = format!("{body}1990{month:02}{day:02}{seq}");
            let check = cn_id_check_digit(&first17).unwrap();
            let id = format!("{first17}{check}");
            prop_assert!(IdNumber::parse(&id, Country::China).is_ok());
        }

        #[test]
        fn username_parser_never_panics(s in "\\PC{0,40}") {
            let _ = Username::parse(&s);
        }
    }
}
