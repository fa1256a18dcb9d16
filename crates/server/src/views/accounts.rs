//! Views of the accounts area: an account (masked in lists, full in the audited detail read),
//! its grant history and agreements (SEC-01..04).

use chrono::{DateTime, NaiveDate, Utc};
use roadwarden_domain::roles::Role;
use roadwarden_store::users::{Agreement, GrantRecord, User};
use serde::Serialize;

/// An account as the API shows it. Lists carry the identity number masked; the full number
/// is only in the (audited) detail read.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UserView {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub username: String,
    pub full_name: String,
    pub id_number: String,
    pub phone: Option<String>,
    pub person_kind: String,
    pub badge_number: Option<String>,
    pub status: String,
    pub roles: Vec<String>,
    pub locked_until: Option<DateTime<Utc>>,
    pub failed_attempts: i32,
    pub must_change_password: bool,
    pub password_changed_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

impl UserView {
    pub fn full(u: &User, roles: &[Role]) -> Self {
        Self {
            id: u.id.0,
            unit_id: u.unit_id.0,
            unit_name: u.unit_name.clone(),
            username: u.username.clone(),
            full_name: u.full_name.clone(),
            id_number: u.id_number.clone(),
            phone: u.phone.clone(),
            person_kind: u.person_kind.as_str().into(),
            badge_number: u.badge_number.clone(),
            status: u.status.as_str().into(),
            roles: roles.iter().map(|r| r.as_str().to_owned()).collect(),
            locked_until: u.locked_until,
            failed_attempts: u.failed_attempts,
            must_change_password: u.must_change_password,
            password_changed_at: u.password_changed_at,
            created_at: u.created_at,
        }
    }

    pub fn masked(u: &User, roles: &[Role]) -> Self {
        let mut v = Self::full(u, roles);
        v.id_number = mask(&u.id_number);
        v.phone = u.phone.as_deref().map(mask);
        v
    }
}

fn mask(s: &str) -> String {
    let n = s.chars().count();
    if n <= 5 {
        return "*".repeat(n);
    }
    s.chars()
        .enumerate()
        .map(|(i, c)| if i < 3 || i >= n - 2 { c } else { '*' })
        .collect()
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UserDetailView {
    pub user: UserView,
    pub grants: Vec<GrantView>,
    pub agreements: Vec<AgreementView>,
    pub required_agreement: Option<String>,
}

/// One line of an account's grant history (SEC-03).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GrantView {
    pub role: String,
    /// The username of who granted it.
    pub granted_by: Option<String>,
    pub granted_at: DateTime<Utc>,
    pub revoked_by: Option<String>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<GrantRecord> for GrantView {
    fn from(g: GrantRecord) -> Self {
        Self {
            role: g.role,
            granted_by: g.granted_by,
            granted_at: g.granted_at,
            revoked_by: g.revoked_by,
            revoked_at: g.revoked_at,
        }
    }
}

/// SEC-04: an agreement on file.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AgreementView {
    /// confidentiality or information_security.
    pub kind: String,
    pub reference: String,
    pub signed_on: NaiveDate,
    pub filed_at: DateTime<Utc>,
}

impl From<Agreement> for AgreementView {
    fn from(a: Agreement) -> Self {
        Self {
            kind: a.kind.as_str().to_owned(),
            reference: a.reference,
            signed_on: a.signed_on,
            filed_at: a.filed_at,
        }
    }
}
