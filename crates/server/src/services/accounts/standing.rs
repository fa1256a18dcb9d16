//! SEC-02 and SEC-04: agreements on file, an account's standing (activate, disable, lock,
//! unlock) and passwords (an administrator's reset, a person's own change).

use chrono::NaiveDate;
use roadwarden_domain::account::{check_activation, AccountStatus, AgreementKind};
use roadwarden_domain::codes::Code;
use roadwarden_domain::roles::Role;
use roadwarden_domain::{FieldError, UserId};
use roadwarden_store::sessions;
use roadwarden_store::users::{self};
use serde::Deserialize;
use serde_json::json;

use super::{agreements_on_file, user_event, user_in_scope};
use crate::auth::{password, token, Principal};
use crate::context::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::services::audit::{record, Actor};
use crate::services::context::ServiceContext;
use crate::services::Authority;

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
