//! RID-12: the proven rider's session cookie, read by the rider services' pages and API alike:
//! HttpOnly (scripts never see it), SameSite=Strict (no other site's page can send it), Secure
//! off loopback, and bound to one person by the service.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::HeaderValue;
use axum_extra::extract::cookie::CookieJar;

use crate::error::AppError;

pub const RIDER_COOKIE: &str = "rw_rider";

/// The session token the request carries, if any (the service decides whether it is live).
pub struct RiderToken(pub Option<String>);

impl RiderToken {
    pub fn as_deref(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for RiderToken {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        let jar = CookieJar::from_headers(&parts.headers);
        Ok(RiderToken(
            jar.get(RIDER_COOKIE)
                .map(|c| c.value().to_owned())
                .filter(|v| !v.is_empty() && v.len() <= 128),
        ))
    }
}

/// The cookie that carries a new session for `max_age_secs`.
pub fn rider_cookie(token: &str, max_age_secs: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{RIDER_COOKIE}={token}; Path=/; Max-Age={}; HttpOnly; SameSite=Strict{secure}",
        max_age_secs.max(0)
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("rw_rider=; Path=/; Max-Age=0"))
}

/// The cookie that ends the session in the browser.
pub fn rider_cookie_cleared(secure: bool) -> HeaderValue {
    rider_cookie("", 0, secure)
}
