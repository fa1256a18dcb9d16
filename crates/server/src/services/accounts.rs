//! SEC-01..04: creating accounts, granting roles step by step, agreements, activation,
//! lock-out, password resets and changes. Every change and every read of personal data is
//! an audit entry in the same transaction.

use chrono::NaiveDate;
use roadwarden_domain::account::{
    check_activation, required_agreement, AccountStatus, AgreementKind, IdNumber, PersonKind,
    PersonName, Phone, Username,
};
use roadwarden_domain::codes::Code;
use roadwarden_domain::roles::{check_grant, check_role_fits, check_separation, Role};
use roadwarden_domain::{FieldError, UnitId, UserId};
use roadwarden_store::users::{self, NewUser, User, UserFilter};
use roadwarden_store::{sessions, units, Tx};
use serde::Deserialize;
use serde_json::json;

use super::audit::{record, Actor, Event};
use super::Authority;
use crate::auth::{password, token, Principal};
use crate::context::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::services::context::ServiceContext;

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

/// SEC-03: grants a role, recorded with who granted it.
pub async fn grant_role(
    ctx: &ServiceContext,
    authority: Authority<'_>,
    meta: &RequestMeta,
    user_id: UserId,
    role: &str,
) -> AppResult<()> {
    let role = Role::parse(role)?;
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let user = user_in_scope(&mut tx, authority, user_id).await?;
    let unit = units::get(&mut tx, user.unit_id)
        .await?
        .ok_or(AppError::NotFound("unit"))?;
    check_may_grant(&mut tx, authority, role, &unit, user.person_kind).await?;
    check_separation(&users::roles_of(&mut tx, user.id).await?, role)?;
    if role == Role::Admin && user.status == AccountStatus::Active {
        check_activation(
            user.person_kind,
            true,
            &agreements_on_file(&mut tx, &user).await?,
        )?;
    }
    let actor = Actor::of(authority, meta);
    users::grant_role(&mut tx, user.id, role, actor.user_id, now).await?;
    record(
        &mut tx,
        &actor,
        grant_event("role.grant", user.id, user.unit_id, role),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// SEC-03: only someone who could grant a role may take it away; the grant record stays.
pub async fn revoke_role(
    ctx: &ServiceContext,
    authority: Authority<'_>,
    meta: &RequestMeta,
    user_id: UserId,
    role: &str,
) -> AppResult<()> {
    let role = Role::parse(role)?;
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let user = user_in_scope(&mut tx, authority, user_id).await?;
    if let Authority::User(p) = authority {
        let holdings = users::holdings_of(&mut tx, &p.user).await?;
        check_grant(&holdings, role, &user.unit_path)?;
    }
    let actor = Actor::of(authority, meta);
    if !users::revoke_role(&mut tx, user.id, role, actor.user_id, now).await? {
        return Err(AppError::NotFound("role grant"));
    }
    record(
        &mut tx,
        &actor,
        grant_event("role.revoke", user.id, user.unit_id, role),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct AgreementInput {
    /// confidentiality or information_security.
    pub kind: String,
    /// The filing reference of the signed paper agreement.
    pub reference: String,
    /// YYYY-MM-DD.
    pub signed_on: String,
}

/// SEC-04: files a signed agreement.
pub async fn file_agreement(
    ctx: &ServiceContext,
    authority: Authority<'_>,
    meta: &RequestMeta,
    user_id: UserId,
    input: &AgreementInput,
) -> AppResult<()> {
    let kind = AgreementKind::parse(&input.kind)?;
    let reference = input.reference.trim();
    if reference.is_empty() || reference.chars().count() > 64 {
        return Err(FieldError::new("reference", "is required, at most 64 characters").into());
    }
    let signed_on = NaiveDate::parse_from_str(input.signed_on.trim(), "%Y-%m-%d")
        .map_err(|_| FieldError::new("signed_on", "must be a date, YYYY-MM-DD"))?;
    let now = ctx.clock.now();
    if signed_on > now.date_naive() {
        return Err(FieldError::new("signed_on", "cannot be in the future").into());
    }
    let mut tx = ctx.store.begin().await?;
    let user = user_in_scope(&mut tx, authority, user_id).await?;
    let actor = Actor::of(authority, meta);
    users::file_agreement(
        &mut tx,
        user.id,
        kind,
        reference,
        signed_on,
        actor.user_id,
        now,
    )
    .await?;
    record(
        &mut tx,
        &actor,
        user_event(
            "agreement.file",
            user.id,
            user.unit_id,
            json!({ "kind": kind.as_str(), "reference": reference, "signed_on": signed_on }),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// What an administrator can do to an account's standing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AccountAction {
    /// SEC-04: only with the required agreement on file.
    Activate,
    /// Switches the account off and ends its sessions.
    Disable,
    /// Locks the account until an administrator unlocks it, ending its sessions.
    Lock,
    /// Lifts a lock (administrator's or lock-out) and clears the failure count.
    Unlock,
}

impl AccountAction {
    pub fn parse(raw: &str) -> AppResult<Self> {
        match raw {
            "activate" => Ok(Self::Activate),
            "disable" => Ok(Self::Disable),
            "lock" => Ok(Self::Lock),
            "unlock" => Ok(Self::Unlock),
            _ => Err(FieldError::new("action", "must be activate, disable, lock or unlock").into()),
        }
    }

    fn audit_action(self) -> &'static str {
        match self {
            Self::Activate => "user.activate",
            Self::Disable => "user.disable",
            Self::Lock => "user.lock",
            Self::Unlock => "user.unlock",
        }
    }
}

pub async fn change_standing(
    ctx: &ServiceContext,
    authority: Authority<'_>,
    meta: &RequestMeta,
    user_id: UserId,
    action: AccountAction,
) -> AppResult<()> {
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let user = user_in_scope(&mut tx, authority, user_id).await?;
    if let Authority::User(p) = authority {
        if p.user.id == user.id && action != AccountAction::Unlock {
            return Err(AppError::forbidden(
                Code::UserSelfStanding,
                "you cannot change your own account's standing",
            ));
        }
    }
    match action {
        AccountAction::Activate => {
            let roles = users::roles_of(&mut tx, user.id).await?;
            let on_file = agreements_on_file(&mut tx, &user).await?;
            check_activation(user.person_kind, roles.contains(&Role::Admin), &on_file)?;
            users::set_status(&mut tx, user.id, AccountStatus::Active, now).await?;
        }
        AccountAction::Disable => {
            users::set_status(&mut tx, user.id, AccountStatus::Disabled, now).await?;
            sessions::revoke_all(&mut tx, user.id, None, now).await?;
        }
        AccountAction::Lock => {
            let forever = chrono::DateTime::<chrono::Utc>::MAX_UTC - chrono::Duration::days(1);
            let until = roadwarden_store::truncate_micros(forever);
            users::record_failure(&mut tx, user.id, 0, Some(until), now).await?;
            sessions::revoke_all(&mut tx, user.id, None, now).await?;
        }
        AccountAction::Unlock => {
            users::clear_failures(&mut tx, user.id, now).await?;
            ctx.signin_guard.forget_username(&user.username);
        }
    }
    let actor = Actor::of(authority, meta);
    record(
        &mut tx,
        &actor,
        user_event(
            action.audit_action(),
            user.id,
            user.unit_id,
            json!({ "username": user.username }),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// SEC-02: an administrator's reset: a temporary password, shown once, that must be changed at
/// the next sign-in. Every session of the account ends.
pub async fn reset_password(
    ctx: &ServiceContext,
    authority: Authority<'_>,
    meta: &RequestMeta,
    user_id: UserId,
) -> AppResult<String> {
    let temporary = token::generate_password();
    let hash = password::hash(temporary.clone()).await?;
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let user = user_in_scope(&mut tx, authority, user_id).await?;
    users::set_password(&mut tx, user.id, &hash, true, now).await?;
    sessions::revoke_all(&mut tx, user.id, None, now).await?;
    let actor = Actor::of(authority, meta);
    record(
        &mut tx,
        &actor,
        user_event(
            "user.password_reset",
            user.id,
            user.unit_id,
            json!({ "username": user.username }),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(temporary)
}

/// SEC-02: a person changes their own password. The new one must meet the policy and differ
/// from the current one; every other session ends.
pub async fn change_own_password(
    ctx: &ServiceContext,
    principal: &Principal,
    meta: &RequestMeta,
    current: &str,
    new: &str,
) -> AppResult<()> {
    let wait = std::time::Duration::from_millis(ctx.settings.security.signin_hash_wait_ms);
    let matches = password::verify(
        current.to_owned(),
        principal.user.password_hash.clone(),
        wait,
    )
    .await?
    .ok_or(AppError::Busy)?;
    if !matches {
        return Err(FieldError::new("current_password", "is not your current password").into());
    }
    ctx.settings.password_policy().check_strength(new)?;
    if new == current {
        return Err(
            FieldError::new("new_password", "must differ from the current password").into(),
        );
    }
    if new.to_lowercase().contains(&principal.user.username) {
        return Err(FieldError::new("new_password", "must not contain your username").into());
    }
    let hash = password::hash(new.to_owned()).await?;
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    users::set_password(&mut tx, principal.user.id, &hash, false, now).await?;
    sessions::revoke_all(&mut tx, principal.user.id, Some(principal.session_id), now).await?;
    record(
        &mut tx,
        &Actor::user(principal, meta),
        user_event(
            "user.password_change",
            principal.user.id,
            principal.user.unit_id,
            json!({}),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// An account with its roles, grant history and agreements, for its page.
#[derive(Debug, serde::Serialize)]
pub struct UserDetail {
    pub user: User,
    pub roles: Vec<Role>,
    pub grants: Vec<users::GrantRecord>,
    pub agreements: Vec<users::Agreement>,
    pub required_agreement: Option<AgreementKind>,
}

/// Reads one account. It holds personal data, so the read is an audit entry (SEC-05).
pub async fn read_user(
    ctx: &ServiceContext,
    principal: &Principal,
    meta: &RequestMeta,
    user_id: UserId,
) -> AppResult<UserDetail> {
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    let user = user_in_scope(&mut tx, Authority::User(principal), user_id).await?;
    let roles = users::roles_of(&mut tx, user.id).await?;
    let grants = users::grant_history(&mut tx, user.id).await?;
    let agreements = users::agreements_of(&mut tx, user.id).await?;
    record(
        &mut tx,
        &Actor::user(principal, meta),
        user_event(
            "user.read",
            user.id,
            user.unit_id,
            json!({ "username": user.username }),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    let required_agreement = required_agreement(user.person_kind, roles.contains(&Role::Admin));
    Ok(UserDetail {
        user,
        roles,
        grants,
        agreements,
        required_agreement,
    })
}

/// A page of accounts in scope. Names are personal data: the listing is an audit entry.
pub async fn list_users(
    ctx: &ServiceContext,
    principal: &Principal,
    meta: &RequestMeta,
    filter: &UserFilter,
    limit: i64,
    offset: i64,
) -> AppResult<(Vec<(User, Vec<Role>)>, i64)> {
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    if let Some(unit) = filter.unit_id {
        let unit = units::get(&mut tx, unit)
            .await?
            .ok_or(AppError::NotFound("unit"))?;
        if !principal.covers(&unit.path) {
            return Err(AppError::NotFound("unit"));
        }
    }
    let (found, total) = users::list_in_scope(
        &mut tx,
        principal.scope(),
        filter,
        limit.clamp(1, 500),
        offset.max(0),
    )
    .await?;
    let mut out = Vec::with_capacity(found.len());
    for user in found {
        let roles = users::roles_of(&mut tx, user.id).await?;
        out.push((user, roles));
    }
    record(
        &mut tx,
        &Actor::user(principal, meta),
        Event {
            action: "user.list",
            object_type: "user",
            object_id: String::new(),
            unit_id: Some(principal.user.unit_id),
            detail: json!({
                "search": filter.search,
                "unit_id": filter.unit_id,
                "returned": out.len(),
            }),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok((out, total))
}

/// The account list's query, as the API and the page parse it.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct UserQuery {
    pub search: Option<String>,
    pub unit_id: Option<String>,
    pub status: Option<String>,
    pub limit: Option<String>,
    pub offset: Option<String>,
}

impl UserQuery {
    pub fn filter(&self) -> AppResult<UserFilter> {
        let nonempty =
            |v: &Option<String>| v.as_deref().filter(|s| !s.is_empty()).map(str::to_owned);
        Ok(UserFilter {
            search: crate::edge::search_text(self.search.as_deref())?,
            unit_id: nonempty(&self.unit_id)
                .map(|u| UnitId::parse(&u))
                .transpose()?,
            status: nonempty(&self.status)
                .map(|s| AccountStatus::parse(&s))
                .transpose()?,
        })
    }
}
