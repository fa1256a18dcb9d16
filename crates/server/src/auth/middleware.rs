//! The context middleware: request metadata, the UI language, the principal behind the
//! session cookie or bearer token, and the CSRF check for cookie-authenticated writes.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::CookieJar;
use roadwarden_domain::account::{AccountStatus, ChangeReason};
use roadwarden_store::{sessions, users};

use super::{token, AuthVia, Principal};
use crate::context::RequestMeta;
use crate::error::{AppError, RenderedError};
use crate::i18n::Lang;
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "rw_session";
pub const LANG_COOKIE: &str = "rw_lang";
pub const CSRF_HEADER: &str = "x-csrf-token";
pub const CSRF_FIELD: &str = "csrf_token";

pub async fn context(State(state): State<AppState>, req: Request, next: Next) -> Response {
    match prepare(&state, req).await {
        Ok((req, set_lang)) => {
            let mut resp = next.run(req).await;
            if let Some(lang) = set_lang {
                // Secure like the session cookie: off loopback it travels over TLS only.
                let secure = if state.settings.secure_cookies() {
                    "; Secure"
                } else {
                    ""
                };
                let cookie = format!(
                    "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax{secure}",
                    lang.code()
                );
                if let Ok(v) = HeaderValue::from_str(&cookie) {
                    resp.headers_mut().append(header::SET_COOKIE, v);
                }
            }
            resp
        }
        Err(e) => e.into_response(),
    }
}

async fn prepare(state: &AppState, mut req: Request) -> Result<(Request, Option<Lang>), AppError> {
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let ip = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_default();
    req.extensions_mut().insert(RequestMeta { ip, request_id });

    let jar = CookieJar::from_headers(req.headers());
    let query_lang = req.uri().query().and_then(|q| {
        q.split('&')
            .find_map(|kv| kv.strip_prefix("lang="))
            .and_then(Lang::parse)
    });
    let credentials = credentials(&req, &jar);
    let principal = match credentials {
        Some((raw, via)) => resolve_principal(state, &raw, via).await?,
        None => None,
    };
    let lang = query_lang
        .or_else(|| jar.get(LANG_COOKIE).and_then(|c| Lang::parse(c.value())))
        .or_else(|| {
            principal
                .as_ref()
                .and_then(|p| Lang::parse(&p.user.language))
        })
        .or_else(|| {
            req.headers()
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Lang::from_accept_language)
        })
        .unwrap_or(Lang::ZhCn);
    req.extensions_mut().insert(lang);

    let needs_csrf = principal.as_ref().is_some_and(|p| p.via == AuthVia::Cookie)
        && !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if needs_csrf {
        let expected = principal
            .as_ref()
            .map(|p| p.csrf_token.clone())
            .unwrap_or_default();
        req = check_csrf(req, &expected, state.settings.server.max_body_bytes).await?;
    }
    req.extensions_mut().insert(principal.map(Arc::new));
    Ok((req, query_lang))
}

/// SEC-05: counts refused accesses (a 403 or a 404 answered with an error of ours) per
/// person, address and kind; `services::refusals` writes them as aggregated audit entries.
/// It sits inside the HTML error layer, which replaces the error's marker with a page.
pub async fn count_refusals(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let meta = req.extensions().get::<RequestMeta>().cloned();
    let principal = req
        .extensions()
        .get::<Option<Arc<Principal>>>()
        .cloned()
        .flatten();
    let resp = next.run(req).await;
    if let Some(err) = resp.extensions().get::<RenderedError>() {
        if matches!(err.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND) {
            state.refusals.note(
                principal.as_deref(),
                &meta.unwrap_or_default(),
                err.code.as_str(),
                err.status.as_u16(),
                &path,
                state.clock.now(),
            );
        }
    }
    resp
}

/// The bearer token, or else the session cookie.
fn credentials(req: &Request, jar: &CookieJar) -> Option<(String, AuthVia)> {
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    match (bearer, jar.get(SESSION_COOKIE)) {
        (Some(t), _) => Some((t.to_owned(), AuthVia::Bearer)),
        (None, Some(c)) => Some((c.value().to_owned(), AuthVia::Cookie)),
        (None, None) => None,
    }
}

/// The person behind an API token (`rwt_…`), as a request bearing it would be: a live token
/// of an active account, with its roles. For console commands that act for a person (SEC-01:
/// only with that person's own credential).
pub async fn principal_for_token(
    state: &AppState,
    raw: &str,
) -> Result<Option<Principal>, AppError> {
    resolve_principal(state, raw.trim(), AuthVia::Bearer).await
}

/// Finds the live session behind a credential. An expired or revoked credential, or a
/// disabled account, means no principal (the handler decides whether that is acceptable).
async fn resolve_principal(
    state: &AppState,
    raw: &str,
    via: AuthVia,
) -> Result<Option<Principal>, AppError> {
    let now = state.clock.now();
    let mut tx = state.store.begin_read().await?;
    let Some(session) = sessions::find_live(&mut tx, &token::digest(raw), now).await? else {
        return Ok(None);
    };
    let expected_kind = match via {
        AuthVia::Bearer => sessions::SessionKind::Api,
        AuthVia::Cookie => sessions::SessionKind::Browser,
    };
    if session.kind != expected_kind.as_str() {
        return Ok(None);
    }
    let Some(user) = users::get(&mut tx, roadwarden_domain::UserId(session.user_id)).await? else {
        return Ok(None);
    };
    if user.status != AccountStatus::Active {
        return Ok(None);
    }
    let roles = users::roles_of(&mut tx, user.id).await?;
    drop(tx);

    let must_change = if user.must_change_password {
        Some(ChangeReason::FirstSignIn)
    } else if state
        .settings
        .password_policy()
        .is_expired(user.password_changed_at, now)
    {
        Some(ChangeReason::Expired)
    } else {
        None
    };
    // Record activity at most once a minute, sliding the idle timeout of browser sessions.
    if now - session.last_seen_at > chrono::Duration::seconds(60) {
        let expires = match via {
            AuthVia::Cookie => {
                now + chrono::Duration::minutes(state.settings.security.session_idle_minutes)
            }
            AuthVia::Bearer => session.expires_at,
        };
        let mut tx = state.store.begin().await?;
        sessions::touch(&mut tx, session.id, now, expires).await?;
        tx.commit().await?;
    }
    Ok(Some(Principal {
        user,
        roles,
        session_id: session.id,
        csrf_token: session.csrf_token,
        via,
        must_change,
    }))
}

/// The CSRF token comes in the `X-CSRF-Token` header (scripts) or the `csrf_token` field of a
/// URL-encoded form (plain HTML forms), whose body is read and put back for the handler.
async fn check_csrf(req: Request, expected: &str, limit: usize) -> Result<Request, AppError> {
    if let Some(given) = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok()) {
        return if token::constant_time_eq(given, expected) {
            Ok(req)
        } else {
            Err(AppError::Csrf)
        };
    }
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    // A file upload is not read twice to find its token: the browser's own statement of where
    // the form came from decides (Sec-Fetch-Site, or the Origin against the Host), which a
    // cross-site page cannot forge.
    if content_type.starts_with("multipart/form-data") {
        return if same_origin(&req) {
            Ok(req)
        } else {
            Err(AppError::Csrf)
        };
    }
    let is_form = content_type.starts_with("application/x-www-form-urlencoded");
    if !is_form {
        return Err(AppError::Csrf);
    }
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|_| {
        AppError::BadInput(roadwarden_domain::FieldError::new("body", "is too large"))
    })?;
    let given = form_urlencoded_field(&bytes, CSRF_FIELD).unwrap_or_default();
    if !token::constant_time_eq(&given, expected) {
        return Err(AppError::Csrf);
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

fn form_urlencoded_field(body: &[u8], name: &str) -> Option<String> {
    serde_urlencoded_pairs(body)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

fn serde_urlencoded_pairs(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

/// Whether a request comes from a page of this site, by the headers browsers set themselves.
fn same_origin(req: &Request) -> bool {
    let headers = req.headers();
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = header("sec-fetch-site") {
        return site == "same-origin";
    }
    match header("origin") {
        Some(origin) => origin_matches_host(origin, header("host")),
        None => false,
    }
}

/// Whether a browser says this request was sent by a page of another site (a cross-site form
/// post). Requests without the browser's headers (API clients, scripts) are not cross-site.
pub fn sent_from_another_site(headers: &axum::http::HeaderMap) -> bool {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = header("sec-fetch-site") {
        return !matches!(site, "same-origin" | "none");
    }
    // Without Origin (older browsers, some privacy settings), the Referer says where the form
    // was; with neither, the request did not come from a page of another site.
    match header("origin").or_else(|| header("referer")) {
        Some(origin) => !origin_matches_host(origin, header("host")),
        None => false,
    }
}

fn origin_matches_host(origin: &str, host: Option<&str>) -> bool {
    let Some(host) = host else {
        return false;
    };
    url::Url::parse(origin).ok().is_some_and(|o| {
        let authority = match o.port() {
            Some(port) => format!("{}:{port}", o.host_str().unwrap_or_default()),
            None => o.host_str().unwrap_or_default().to_owned(),
        };
        authority == host
    })
}
