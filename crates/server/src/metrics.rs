//! Prometheus metrics, served at `/metrics`. A registry per application state, so tests can
//! run several apps in one process.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts, Registry, TextEncoder,
};

use crate::state::AppState;

#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    pub http_requests: IntCounterVec,
    pub http_duration: HistogramVec,
    pub jobs_processed: IntCounterVec,
    pub jobs_by_status: IntGaugeVec,
    /// Captures by how they ended at ingest: new, duplicate.
    pub captures: IntCounterVec,
    /// Notices by channel and outcome: sent, retry, failed.
    pub notices: IntCounterVec,
}

impl Metrics {
    pub fn new() -> Self {
        let registry = Registry::new_custom(Some("roadwarden".into()), None).expect("valid prefix");
        let http_requests = IntCounterVec::new(
            Opts::new("http_requests_total", "HTTP requests by route and status"),
            &["method", "route", "status"],
        )
        .expect("valid metric");
        let http_duration = HistogramVec::new(
            HistogramOpts::new("http_request_duration_seconds", "HTTP request latency").buckets(
                vec![
                    0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
                ],
            ),
            &["method", "route"],
        )
        .expect("valid metric");
        let jobs_processed = IntCounterVec::new(
            Opts::new("jobs_processed_total", "Jobs run by kind and outcome"),
            &["kind", "outcome"],
        )
        .expect("valid metric");
        let jobs_by_status = IntGaugeVec::new(
            Opts::new("jobs", "Jobs in the queue by status"),
            &["status"],
        )
        .expect("valid metric");
        let captures = IntCounterVec::new(
            Opts::new("captures_total", "Captures received, by outcome"),
            &["outcome"],
        )
        .expect("valid metric");
        let notices = IntCounterVec::new(
            Opts::new("notices_total", "Owner notices by channel and outcome"),
            &["channel", "outcome"],
        )
        .expect("valid metric");
        for c in [
            Box::new(http_requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(http_duration.clone()),
            Box::new(jobs_processed.clone()),
            Box::new(jobs_by_status.clone()),
            Box::new(captures.clone()),
            Box::new(notices.clone()),
        ] {
            registry.register(c).expect("unique metric");
        }
        Self {
            registry,
            http_requests,
            http_duration,
            jobs_processed,
            jobs_by_status,
            captures,
            notices,
        }
    }

    pub fn render(&self) -> String {
        let mut out = Vec::new();
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut out);
        String::from_utf8(out).unwrap_or_default()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

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
    if let Ok(mut tx) = state.store.begin_read().await {
        if let Ok(counts) = roadwarden_store::jobs::counts(&mut tx).await {
            for (status, n) in counts {
                state
                    .metrics
                    .jobs_by_status
                    .with_label_values(&[&status])
                    .set(n);
            }
        }
    }
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
