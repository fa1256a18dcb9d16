//! Prometheus metrics (served at `/metrics` by `api::metrics`). A registry per application
//! state, so tests can run several apps in one process.

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts, Registry, TextEncoder,
};

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
