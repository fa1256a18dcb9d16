//! SEC-03: granting and revoking roles step by step; the grant history stays.

use roadwarden_domain::account::{check_activation, AccountStatus};
use roadwarden_domain::roles::{check_grant, check_separation, Role};
use roadwarden_domain::UserId;
use roadwarden_store::units;
use roadwarden_store::users::{self};

use super::{agreements_on_file, check_may_grant, grant_event, user_in_scope};
use crate::context::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::services::audit::{record, Actor};
use crate::services::context::ServiceContext;
use crate::services::Authority;

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
