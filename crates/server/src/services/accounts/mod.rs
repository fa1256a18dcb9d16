//! SEC-01..04: creating accounts, granting roles step by step, agreements, activation,
//! lock-out, password resets and changes. Every change and every read of personal data is
//! an audit entry in the same transaction.

use roadwarden_domain::account::{
    required_agreement, AccountStatus, AgreementKind, IdNumber, PersonKind, PersonName, Phone,
    Username,
};
use roadwarden_domain::roles::{check_grant, check_role_fits, check_separation, Role};
use roadwarden_domain::{FieldError, UnitId, UserId};
use roadwarden_store::users::{self, NewUser, User};
use roadwarden_store::{units, Tx};
use serde::Deserialize;
use serde_json::json;

use super::audit::{record, Actor, Event};
use super::Authority;
use crate::auth::{password, token};
use crate::context::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::services::context::ServiceContext;

mod read;
mod roles;
mod standing;

pub use read::{list_users, read_user, UserDetail, UserQuery};
pub use roles::{grant_role, revoke_role};
pub use standing::{
    change_own_password, change_standing, file_agreement, reset_password, AccountAction,
    AgreementInput,
};

/// A new account as typed into the form or sent to the API; validated here, at the edge.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct CreateUserInput {
    pub unit_id: i64,
    pub username: String,
    pub full_name: String,
    /// National identity number (SEC-01: one account per person).
    pub id_number: String,
    #[serde(default)]
    pub phone: Option<String>,
    /// police_officer, staff, technical_partner or outside_body.
    pub person_kind: String,
    #[serde(default)]
    pub badge_number: Option<String>,
    #[serde(default)]
    pub roles: Vec<String>,
    /// Leave empty to generate a temporary password, shown once.
    #[serde(default)]
    pub password: Option<String>,
    #[serde(default)]
    pub language: Option<String>,
}

/// The created account and, when one was generated, its temporary password (shown once).
#[derive(Debug)]
pub struct Created {
    pub user: User,
    pub temporary_password: Option<String>,
}

fn blank_to_none(v: Option<&String>) -> Option<&str> {
    v.map(|s| s.trim()).filter(|s| !s.is_empty())
}

/// Loads a user the authority may see, or "not found" (ORG-02: another unit's accounts do not
/// exist as far as this person can tell).
async fn user_in_scope(tx: &mut Tx, authority: Authority<'_>, id: UserId) -> AppResult<User> {
    let user = users::get(tx, id)
        .await?
        .ok_or(AppError::NotFound("user"))?;
    match authority {
        Authority::User(p) if !p.covers(&user.unit_path) => Err(AppError::NotFound("user")),
        _ => Ok(user),
    }
}

/// SEC-03 and ORG-05 for one role: it fits the person and their unit, and the granter holds
/// it at a higher unit. Operators at the console set up the first accounts.
async fn check_may_grant(
    tx: &mut Tx,
    authority: Authority<'_>,
    role: Role,
    unit: &units::Unit,
    kind: PersonKind,
) -> AppResult<()> {
    check_role_fits(role, unit.kind, kind == PersonKind::PoliceOfficer)?;
    if let Authority::User(p) = authority {
        let holdings = users::holdings_of(tx, &p.user).await?;
        check_grant(&holdings, role, &unit.path)?;
    }
    Ok(())
}

/// SEC-03: the console's `user create`. It only bootstraps a unit tree with no active
/// operator: the first operator, at the tree's root (the demo seed and the tests call
/// [`create_user`] directly as the operator instead).
pub async fn create_first_operator(
    ctx: &ServiceContext,
    meta: &RequestMeta,
    input: &CreateUserInput,
) -> AppResult<Created> {
    let unit_id = UnitId::parse(&input.unit_id.to_string())?;
    let roles = input
        .roles
        .iter()
        .map(|r| Role::parse(r))
        .collect::<Result<Vec<_>, _>>()?;
    {
        let mut tx = ctx.store.begin_read().await?;
        let unit = units::get(&mut tx, unit_id)
            .await?
            .ok_or(AppError::NotFound("unit"))?;
        let running =
            users::count_active_holders(&mut tx, Role::Admin, &unit.path.tree_root()).await?;
        roadwarden_domain::roles::check_console_bootstrap(&roles, unit.path.depth() == 1, running)?;
    }
    create_user(ctx, Authority::Operator, meta, input, true).await
}

pub async fn create_user(
    ctx: &ServiceContext,
    authority: Authority<'_>,
    meta: &RequestMeta,
    input: &CreateUserInput,
    must_change_password: bool,
) -> AppResult<Created> {
    let unit_id = UnitId::parse(&input.unit_id.to_string())?;
    let username = Username::parse(&input.username)?;
    let full_name = PersonName::parse(&input.full_name)?;
    let person_kind = PersonKind::parse(&input.person_kind)?;
    let phone = blank_to_none(input.phone.as_ref())
        .map(Phone::parse)
        .transpose()?;
    let badge_number = blank_to_none(input.badge_number.as_ref()).map(str::to_owned);
    if person_kind == PersonKind::PoliceOfficer && badge_number.is_none() {
        return Err(FieldError::new("badge_number", "is required for a police officer").into());
    }
    let roles = input
        .roles
        .iter()
        .filter(|r| !r.trim().is_empty())
        .map(|r| Role::parse(r))
        .collect::<Result<Vec<_>, _>>()?;
    let language = blank_to_none(input.language.as_ref())
        .map(|l| {
            Lang::parse(l).ok_or_else(|| FieldError::new("language", "must be zh-CN, en or vi"))
        })
        .transpose()?
        .unwrap_or(Lang::ZhCn);
    let policy = ctx.settings.password_policy();
    let (password, temporary) = match blank_to_none(input.password.as_ref()) {
        Some(p) => {
            policy.check_strength(p)?;
            (p.to_owned(), None)
        }
        None => {
            let p = token::generate_password();
            (p.clone(), Some(p))
        }
    };

    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let unit = units::get(&mut tx, unit_id)
        .await?
        .ok_or(AppError::NotFound("unit"))?;
    if let Authority::User(p) = authority {
        if !p.covers(&unit.path) {
            return Err(AppError::NotFound("unit"));
        }
    }
    let id_number = IdNumber::parse(&input.id_number, unit.country)?;
    for role in &roles {
        check_may_grant(&mut tx, authority, *role, &unit, person_kind).await?;
        check_separation(&roles, *role)?;
    }
    // SEC-04: an operator or partner account waits for its agreement before it is active.
    let is_operator = roles.contains(&Role::Admin);
    let status = match required_agreement(person_kind, is_operator) {
        Some(_) => AccountStatus::Pending,
        None => AccountStatus::Active,
    };
    let password_hash = password::hash(password).await?;
    let new = NewUser {
        unit_id,
        username: username.as_str().to_owned(),
        full_name: full_name.as_str().to_owned(),
        id_number: id_number.as_str().to_owned(),
        phone: phone.map(|p| p.as_str().to_owned()),
        person_kind,
        badge_number,
        status,
        password_hash,
        must_change_password,
        language: language.code().to_owned(),
    };
    let id = users::insert(&mut tx, &new, now).await?;
    let actor = Actor::of(authority, meta);
    let granted_by = actor.user_id;
    for role in &roles {
        users::grant_role(&mut tx, id, *role, granted_by, now).await?;
    }
    record(
        &mut tx,
        &actor,
        user_event(
            "user.create",
            id,
            unit_id,
            json!({
                "username": new.username,
                "unit": unit.name,
                "person_kind": person_kind.as_str(),
                "status": status.as_str(),
                "roles": roles.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
            }),
        ),
        now,
    )
    .await?;
    for role in &roles {
        record(
            &mut tx,
            &actor,
            grant_event("role.grant", id, unit_id, *role),
            now,
        )
        .await?;
    }
    let user = users::get(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound("user"))?;
    tx.commit().await?;
    Ok(Created {
        user,
        temporary_password: temporary,
    })
}

/// An audit event about an account; `unit` decides who may read it (ORG-02).
fn user_event(
    action: &'static str,
    user: UserId,
    unit: UnitId,
    detail: serde_json::Value,
) -> Event<'static> {
    Event {
        action,
        object_type: "user",
        object_id: user.to_string(),
        unit_id: Some(unit),
        detail,
    }
}

fn grant_event(action: &'static str, user: UserId, unit: UnitId, role: Role) -> Event<'static> {
    user_event(action, user, unit, json!({ "role": role.as_str() }))
}

/// SEC-04: the kinds of agreement this account has on file.
async fn agreements_on_file(tx: &mut Tx, user: &User) -> AppResult<Vec<AgreementKind>> {
    Ok(users::agreements_of(tx, user.id)
        .await?
        .into_iter()
        .map(|a| a.kind)
        .collect())
}
