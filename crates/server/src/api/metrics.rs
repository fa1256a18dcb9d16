//! `/metrics` for Prometheus, and the middleware that counts and times every request.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::state::AppState;

/// Counts and times every request by its route template (never by raw path, which would
/// put ids in label values).
pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |m| m.as_str().to_owned());
    let method = req.method().as_str().to_owned();
    let start = Instant::now();
    let resp = next.run(req).await;
    let m = &state.metrics;
    m.http_duration
        .with_label_values(&[&method, &route])
        .observe(start.elapsed().as_secs_f64());
    m.http_requests
        .with_label_values(&[&method, &route, resp.status().as_str()])
        .inc();
    resp
}

/// Who may scrape: with `server.metrics_token` set, a request bearing that token; without one,
/// only the machine itself (a Prometheus on the same host or behind the same proxy). Counters
/// of sign-ins and errors tell an attacker how their probing goes.
pub fn may_scrape(source_ip: &str, authorization: Option<&str>, token: &str) -> bool {
    if token.is_empty() {
        return source_ip
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    }
    authorization
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|given| crate::auth::token::constant_time_eq(given.trim(), token))
}

pub async fn endpoint(
    State(state): State<AppState>,
    meta: crate::context::RequestMeta,
    headers: axum::http::HeaderMap,
) -> axum::response::Response {
    let authorization = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    if !may_scrape(
        &meta.ip,
        authorization,
        state.settings.server.metrics_token.expose(),
    ) {
        return crate::error::AppError::NotFound("page").into_response();
    }
    crate::jobs::gauge_counts(&state).await;
    (
        [("content-type", "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
        .into_response()
}

#[cfg(test)]
mod scrape_tests {
    use super::may_scrape;

    #[test]
    fn metrics_are_not_public() {
        assert!(may_scrape("127.0.0.1", None, ""));
        assert!(may_scrape("::1", None, ""));
        assert!(!may_scrape("203.0.113.7", None, ""));
        assert!(!may_scrape("", None, ""));
        assert!(may_scrape("203.0.113.7", Some("Bearer s3cret"), "s3cret"));
        assert!(!may_scrape("127.0.0.1", None, "s3cret"));
        assert!(!may_scrape("127.0.0.1", Some("Bearer wrong"), "s3cret"));
    }
}
