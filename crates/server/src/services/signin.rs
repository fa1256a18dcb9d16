//! SEC-02 sign-in with lock-out, and sign-out. Every attempt, good or bad, is an audit entry.

use chrono::{DateTime, Utc};
use roadwarden_domain::account::{decide_sign_in, ChangeReason, SignInOutcome, Username};
use roadwarden_store::sessions::{self, NewSession};
use roadwarden_store::users;
use serde_json::json;

use super::audit::{record, Actor, Event};
use crate::auth::signin_guard::Refusal;
use crate::auth::{password, token, Principal};
use crate::context::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::services::context::ServiceContext;

/// A browser session (cookie and CSRF token) or an API token.
pub use roadwarden_store::sessions::SessionKind;

/// A new session or API token. The token is returned once and stored only as a hash.
#[derive(Debug)]
pub struct Issued {
    pub token: String,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
    pub must_change: Option<ChangeReason>,
}

pub async fn sign_in(
    ctx: &ServiceContext,
    meta: &RequestMeta,
    username: &str,
    password_given: &str,
    kind: SessionKind,
    label: &str,
) -> AppResult<Issued> {
    let now = ctx.clock.now();
    let name = Username::parse(username)
        .map(|u| u.as_str().to_owned())
        .unwrap_or_default();
    // SEC-02: lock-out and throttles are decided before any hashing, so a flood of attempts
    // costs no CPU or memory; a locked name answers the same whether it exists or not.
    let guard = &ctx.signin_guard;
    let policy = ctx.settings.signin_guard_policy();
    let attempted = if name.is_empty() {
        username.trim()
    } else {
        name.as_str()
    };
    let attempted: String = attempted.chars().take(64).collect();
    match guard.admit(&meta.ip, &attempted, now, &policy) {
        Ok(()) => {}
        Err(Refusal::Locked(until)) => return Err(AppError::Locked(until)),
        Err(Refusal::Throttled(at)) => {
            tracing::warn!(ip = %meta.ip, "sign-in throttled");
            return Err(AppError::Throttled((at - now).num_seconds().max(1) as u64));
        }
    }
    let user = if name.is_empty() {
        None
    } else {
        let mut tx = ctx.store.begin_read().await?;
        users::get_by_username(&mut tx, &name).await?
    };
    // Verify against a decoy when there is no such user, so timing does not tell.
    let hash = user.as_ref().map_or_else(
        || password::decoy_hash().to_owned(),
        |u| u.password_hash.clone(),
    );
    let wait = std::time::Duration::from_millis(ctx.settings.security.signin_hash_wait_ms);
    let Some(matches) = password::verify(password_given.to_owned(), hash, wait).await? else {
        return Err(AppError::Busy);
    };
    let matches = matches && user.is_some();

    let mut tx = ctx.store.begin().await?;
    if !matches {
        let (failed_attempts, locked_until) = guard.failed(&meta.ip, &attempted, now, &policy);
        let actor = Actor {
            user_id: user.as_ref().map(|u| u.id),
            name: user
                .as_ref()
                .map_or_else(|| "anonymous".to_owned(), |u| u.username.clone()),
            unit_id: user.as_ref().map(|u| u.unit_id),
            ip: meta.ip.clone(),
            request_id: meta.request_id.clone(),
        };
        let reason = if user.is_some() {
            "wrong_password"
        } else {
            "unknown_user"
        };
        record(
            &mut tx,
            &actor,
            failed_event(user.as_ref(), &name, reason),
            now,
        )
        .await?;
        if let Some(until) = locked_until {
            record(
                &mut tx,
                &actor,
                Event {
                    action: "user.locked_out",
                    object_type: "user",
                    object_id: user.as_ref().map(|u| u.id.to_string()).unwrap_or_default(),
                    unit_id: user.as_ref().map(|u| u.unit_id),
                    detail: json!({
                        "username": attempted, "failed_attempts": failed_attempts,
                        "until": until, "from": meta.ip,
                    }),
                },
                now,
            )
            .await?;
        }
        tx.commit().await?;
        return Err(AppError::BadCredentials);
    }
    let Some(user) = user else {
        return Err(AppError::BadCredentials);
    };
    let actor = Actor {
        user_id: Some(user.id),
        name: user.username.clone(),
        unit_id: Some(user.unit_id),
        ip: meta.ip.clone(),
        request_id: meta.request_id.clone(),
    };
    let outcome = decide_sign_in(
        &user.sign_in_state(),
        true,
        now,
        &ctx.settings.password_policy(),
        &ctx.settings.lockout_policy(),
    );
    match outcome {
        SignInOutcome::Locked { until } => {
            record(
                &mut tx,
                &actor,
                failed_event(Some(&user), &name, "locked"),
                now,
            )
            .await?;
            tx.commit().await?;
            Err(AppError::Locked(until))
        }
        // Not reachable with a matching password; answered like a wrong one.
        SignInOutcome::WrongPassword { .. } => Err(AppError::BadCredentials),
        SignInOutcome::NotActive { status } => {
            record(
                &mut tx,
                &actor,
                failed_event(Some(&user), &name, status.as_str()),
                now,
            )
            .await?;
            tx.commit().await?;
            Err(AppError::Inactive)
        }
        SignInOutcome::Granted { must_change } => {
            guard.succeeded(&meta.ip, &attempted, &policy);
            users::clear_failures(&mut tx, user.id, now).await?;
            let token = token::generate(match kind {
                SessionKind::Browser => "rws_",
                SessionKind::Api => "rwt_",
            });
            let csrf_token = token::generate("");
            let expires_at = match kind {
                SessionKind::Browser => {
                    now + chrono::Duration::minutes(ctx.settings.security.session_idle_minutes)
                }
                SessionKind::Api => {
                    now + chrono::Duration::days(ctx.settings.security.api_token_days)
                }
            };
            let session_id = sessions::create(
                &mut tx,
                &NewSession {
                    token_hash: &token::digest(&token),
                    user_id: user.id,
                    kind,
                    label,
                    csrf_token: &csrf_token,
                    expires_at,
                    ip: &meta.ip,
                },
                now,
            )
            .await?;
            record(
                &mut tx,
                &actor,
                Event {
                    action: "session.sign_in",
                    object_type: "session",
                    object_id: session_id.to_string(),
                    unit_id: Some(user.unit_id),
                    detail: json!({ "kind": kind.as_str(), "must_change_password": must_change }),
                },
                now,
            )
            .await?;
            tx.commit().await?;
            Ok(Issued {
                token,
                csrf_token,
                expires_at,
                must_change,
            })
        }
    }
}

fn failed_event(user: Option<&users::User>, name: &str, reason: &str) -> Event<'static> {
    Event {
        action: "session.sign_in_failed",
        object_type: "user",
        object_id: user.map(|u| u.id.to_string()).unwrap_or_default(),
        unit_id: user.map(|u| u.unit_id),
        detail: json!({ "username": name, "reason": reason }),
    }
}

/// Ends the current session (or revokes one of the person's tokens by id).
pub async fn sign_out(
    ctx: &ServiceContext,
    principal: &Principal,
    meta: &RequestMeta,
    session_id: i64,
) -> AppResult<()> {
    let now = ctx.clock.now();
    let mut tx = ctx.store.begin().await?;
    if !sessions::revoke(&mut tx, principal.user.id, session_id, now).await? {
        return Err(AppError::NotFound("session"));
    }
    record(
        &mut tx,
        &Actor::user(principal, meta),
        Event {
            action: "session.revoke",
            object_type: "session",
            object_id: session_id.to_string(),
            unit_id: Some(principal.user.unit_id),
            detail: json!({}),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The person's live sessions and tokens, newest first.
pub async fn live_sessions(
    ctx: &ServiceContext,
    principal: &Principal,
) -> AppResult<Vec<sessions::Session>> {
    let mut tx = ctx.store.begin_read().await?;
    Ok(sessions::list_live(&mut tx, principal.user.id, ctx.clock.now()).await?)
}
