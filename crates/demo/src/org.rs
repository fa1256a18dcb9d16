//! The demo's organisation: a realistic Chinese deployment (Zhejiang → Huzhou → Changxing
//! county with its squads, departments, a township and villages) and a Vietnamese one (Quảng
//! Trị), with an account for every role. Passwords are generated and printed once.

use roadwarden_server::context::RequestMeta;
use roadwarden_server::services::accounts::{self, AgreementInput, CreateUserInput};
use roadwarden_server::services::units::CreateUnitInput;
use roadwarden_server::services::Authority;
use roadwarden_server::AppState;
use roadwarden_store::units::Unit;

use crate::seed;

mod people;
mod units;

use people::{DemoAccount, ACCOUNTS, PENDING};
use units::{CN_UNITS, CONTACT_PHONES, VN_UNITS};

/// A demo account's sign-in, printed once in the banner.
pub struct Login {
    pub role: String,
    pub username: String,
    pub password: String,
    pub unit: String,
}

/// Creates the units of one country, parents first.
async fn create_tree(
    state: &AppState,
    rows: &[(&str, &str, &str, &str, &str)],
    country: &str,
) -> anyhow::Result<Vec<Unit>> {
    let mut made: Vec<Unit> = Vec::new();
    for (code, parent, name, level, kind) in rows {
        let parent_id = made.iter().find(|u| u.code == *parent).map(|u| u.id.0);
        let input = CreateUnitInput {
            parent_id,
            code: (*code).into(),
            name: (*name).into(),
            level: (*level).into(),
            kind: (*kind).into(),
            country: Some(country.into()),
            time_zone: None,
            contact_phone: CONTACT_PHONES
                .iter()
                .find(|(c, _)| c == code)
                .map(|(_, phone)| (*phone).to_owned()),
        };
        made.push(seed::unit(state, &input).await?);
    }
    Ok(made)
}

/// The two organisations and their people; returns the logins to print.
pub async fn seed(state: &AppState) -> anyhow::Result<Vec<Login>> {
    let mut all = create_tree(state, CN_UNITS, "CN").await?;
    all.extend(create_tree(state, VN_UNITS, "VN").await?);
    let mut logins = Vec::new();
    for (i, a) in ACCOUNTS.iter().enumerate() {
        logins.push(demo_account(state, &all, i, a).await?);
    }
    pending_admin(state, &all).await?;
    Ok(logins)
}

fn find<'a>(units: &'a [Unit], code: &str) -> anyhow::Result<&'a Unit> {
    units
        .iter()
        .find(|u| u.code == code)
        .ok_or_else(|| anyhow::anyhow!("unit {code}"))
}

/// Demo person `i`, ready to use with a generated password (an administrator with the
/// confidentiality agreement on file).
async fn demo_account(
    state: &AppState,
    units: &[Unit],
    i: usize,
    a: &DemoAccount,
) -> anyhow::Result<Login> {
    let unit = find(units, a.unit)?;
    let password = roadwarden_server::auth::token::generate_password();
    let id_number = if unit.country.code() == "CN" {
        cn_id(i)
    } else {
        vn_id(i)
    };
    let input = CreateUserInput {
        unit_id: unit.id.0,
        username: a.username.into(),
        full_name: a.full_name.into(),
        id_number,
        phone: Some(format!("1390572{:04}", 1000 + i)),
        person_kind: a.person_kind.into(),
        badge_number: (a.person_kind == "police_officer").then(|| format!("{:06}", 330_100 + i)),
        roles: a.roles.iter().map(|r| (*r).to_owned()).collect(),
        password: Some(password.clone()),
        language: Some(a.language.into()),
    };
    let agreement = AgreementInput {
        kind: "confidentiality".into(),
        reference: format!("BM-2026-{:03}", i + 1),
        signed_on: "2026-01-05".into(),
    };
    seed::account(state, &input, &agreement).await?;
    Ok(Login {
        role: match a.roles {
            [only] => (*only).into(),
            [first, ..] if a.roles.len() <= 3 => (*first).into(),
            _ => "admin (many roles)".into(),
        },
        username: a.username.into(),
        password,
        unit: unit.name.clone(),
    })
}

/// An operator whose agreement is not on file yet, with the password change still due: it
/// shows the pending state (SEC-04).
async fn pending_admin(state: &AppState, units: &[Unit]) -> anyhow::Result<()> {
    let (username, unit_code, full_name) = PENDING;
    let unit = find(units, unit_code)?;
    let pending = CreateUserInput {
        unit_id: unit.id.0,
        username: username.into(),
        full_name: full_name.into(),
        id_number: cn_id(90),
        person_kind: "police_officer".into(),
        badge_number: Some("330199".into()),
        roles: vec!["admin".into()],
        ..CreateUserInput::default()
    };
    let meta = RequestMeta::default();
    accounts::create_user(state, Authority::Operator, &meta, &pending, true).await?;
    Ok(())
}

/// A valid-looking Chinese resident identity number for demo person `i` (born in Changxing).
fn cn_id(i: usize) -> String {
    let first17 = format!(
        "330522{}{:02}{:02}{:03}",
        1970 + (i % 30),
        1 + i % 12,
        1 + (i * 7) % 28,
        100 + i
    );
    let check = roadwarden_domain::account::cn_id_check_digit(&first17).expect("17 digits");
    format!("{first17}{check}")
}

/// A Vietnamese citizen identity number (province code 045, Quảng Trị) for demo person `i`.
fn vn_id(i: usize) -> String {
    format!("045{}{:02}{:06}", i % 2, 80 + i % 20, 100_000 + i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use roadwarden_domain::account::IdNumber;
    use roadwarden_domain::org::Country;

    #[test]
    fn demo_identity_numbers_are_valid() {
        for i in 0..100 {
            assert!(
                IdNumber::parse(&cn_id(i), Country::China).is_ok(),
                "{}",
                cn_id(i)
            );
            assert!(
                IdNumber::parse(&vn_id(i), Country::Vietnam).is_ok(),
                "{}",
                vn_id(i)
            );
        }
    }
}
