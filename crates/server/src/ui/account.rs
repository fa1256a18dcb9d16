//! Sign-in, sign-out and changing one's own password.

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;

use super::views::render;
use super::{page_context, FormBody};
use crate::auth::middleware::{sent_from_another_site, SESSION_COOKIE};
use crate::auth::SignedIn;
use crate::context::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::i18n::{t, Lang};
use crate::services::accounts;
use crate::services::signin::{self, SessionKind};
use crate::state::AppState;

#[derive(Debug, Deserialize, Default)]
pub struct LoginQuery {
    next: Option<String>,
}

/// Only local paths: never redirect a person to another site after signing in.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ => "/".to_owned(),
    }
}

pub async fn login_page(lang: Lang, Query(q): Query<LoginQuery>) -> AppResult<Response> {
    let ctx = page_context(
        lang,
        None,
        "/login",
        context! { next => safe_next(q.next.as_deref()) },
    );
    Ok(render("login.html", ctx)?.into_response())
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    next: Option<String>,
}

pub async fn login(
    State(state): State<AppState>,
    lang: Lang,
    meta: RequestMeta,
    headers: HeaderMap,
    FormBody(form): FormBody<LoginForm>,
) -> AppResult<Response> {
    let next = safe_next(form.next.as_deref());
    // Login CSRF: a page of another site must not sign a visitor in (to an account of the
    // attacker's choosing) or guess passwords through the visitor's browser.
    if sent_from_another_site(&headers) {
        let ctx = page_context(
            lang,
            None,
            "/login",
            context! { next => next, error => t(lang, "login.cross_site") },
        );
        return Ok((StatusCode::FORBIDDEN, render("login.html", ctx)?).into_response());
    }
    match signin::sign_in(
        &state,
        &meta,
        &form.username,
        &form.password,
        SessionKind::Browser,
        "browser",
    )
    .await
    {
        Ok(issued) => {
            let target = if issued.must_change.is_some() {
                "/account/password".to_owned()
            } else {
                next
            };
            let mut resp = Redirect::to(&target).into_response();
            let secure = if state.settings.secure_cookies() {
                "; Secure"
            } else {
                ""
            };
            let cookie = format!(
                "{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Strict{secure}",
                issued.token
            );
            resp.headers_mut().append(
                header::SET_COOKIE,
                HeaderValue::from_str(&cookie).map_err(AppError::internal)?,
            );
            Ok(resp)
        }
        Err(
            e @ (AppError::BadCredentials
            | AppError::Locked(_)
            | AppError::Inactive
            | AppError::Throttled(_)
            | AppError::Busy),
        ) => {
            let message = match &e {
                AppError::Throttled(_) => t(lang, "login.throttled"),
                AppError::Busy => t(lang, "login.busy"),
                AppError::Locked(until) => format!(
                    "{} {}",
                    t(lang, "login.locked"),
                    roadwarden_domain::locale::local_time(
                        *until,
                        chrono_tz::Asia::Shanghai,
                        lang.code()
                    )
                ),
                AppError::Inactive => t(lang, "login.inactive"),
                _ => t(lang, "login.bad_credentials"),
            };
            let ctx = page_context(
                lang,
                None,
                "/login",
                context! { next => next, error => message, username => form.username },
            );
            Ok((e.status(), render("login.html", ctx)?).into_response())
        }
        Err(e) => Err(e),
    }
}

pub async fn logout(
    State(state): State<AppState>,
    meta: RequestMeta,
    SignedIn(p): SignedIn,
) -> AppResult<Response> {
    signin::sign_out(&state, &p, &meta, p.session_id).await?;
    let mut resp = Redirect::to("/login").into_response();
    let cookie = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    resp.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(AppError::internal)?,
    );
    Ok(resp)
}

pub async fn password_page(lang: Lang, SignedIn(p): SignedIn) -> AppResult<Response> {
    let reason = p.must_change.map(|r| match r {
        roadwarden_domain::account::ChangeReason::FirstSignIn => "password.reason_first",
        roadwarden_domain::account::ChangeReason::Expired => "password.reason_expired",
    });
    let ctx = page_context(
        lang,
        Some(&p),
        "/account/password",
        context! { reason => reason },
    );
    Ok(render("password.html", ctx)?.into_response())
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    current_password: String,
    new_password: String,
    confirm_password: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    lang: Lang,
    meta: RequestMeta,
    SignedIn(p): SignedIn,
    FormBody(form): FormBody<PasswordForm>,
) -> AppResult<Response> {
    let result = if form.new_password == form.confirm_password {
        accounts::change_own_password(
            &state,
            &p,
            &meta,
            &form.current_password,
            &form.new_password,
        )
        .await
    } else {
        Err(roadwarden_domain::FieldError::new(
            "confirm_password",
            "does not match the new password",
        )
        .into())
    };
    match result {
        Ok(()) => Ok(Redirect::to("/?ok=password_changed").into_response()),
        Err(AppError::BadInput(e)) => {
            let field = t(lang, &format!("field.{}", e.field));
            let ctx = page_context(
                lang,
                Some(&p),
                "/account/password",
                context! { error => format!("{field}: {}", e.reason) },
            );
            Ok((
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                render("password.html", ctx)?,
            )
                .into_response())
        }
        Err(e) => Err(e),
    }
}

#[derive(Debug, Deserialize)]
pub struct RevokeForm {
    session_id: i64,
}

/// Ends one of the person's other sessions or tokens.
pub async fn revoke_session(
    State(state): State<AppState>,
    meta: RequestMeta,
    SignedIn(p): SignedIn,
    FormBody(form): FormBody<RevokeForm>,
) -> AppResult<Response> {
    signin::sign_out(&state, &p, &meta, form.session_id).await?;
    Ok(Redirect::to("/?ok=session_revoked").into_response())
}
