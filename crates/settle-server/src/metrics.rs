//! `/metrics`: requests, latencies and postings in the Prometheus
//! (OpenMetrics) text format.

use std::sync::Mutex;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use crate::AppState;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PostingLabels {
    permission: String,
}

fn latency_histogram() -> Histogram {
    // 0.25 ms to about 4 s.
    Histogram::new(exponential_buckets(0.000_25, 2.0, 15))
}

pub struct Metrics {
    registry: Mutex<Registry>,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
    postings: Family<PostingLabels, Counter>,
}

impl Default for Metrics {
    fn default() -> Metrics {
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<RouteLabels, Histogram, fn() -> Histogram>::new_with_constructor(latency_histogram as fn() -> Histogram);
        let postings = Family::<PostingLabels, Counter>::default();
        let mut registry = Registry::default();
        registry.register("settle_http_requests", "HTTP requests answered, by route and status", requests.clone());
        registry.register("settle_http_request_duration_seconds", "Time to answer, by route", latency.clone());
        registry.register(
            "settle_postings",
            "Successful writes through the API, by the permission they used",
            postings.clone(),
        );
        Metrics {
            registry: Mutex::new(registry),
            requests,
            latency,
            postings,
        }
    }
}

impl Metrics {
    pub fn posting(&self, permission: &str) {
        self.postings
            .get_or_create(&PostingLabels {
                permission: permission.to_string(),
            })
            .inc();
    }
}

/// Counts and times every request by its route (not its raw path, so ids
/// do not explode the label space).
pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().as_str().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |m| m.as_str().to_string());
    let response = next.run(req).await;
    let metrics = &state.metrics;
    metrics
        .requests
        .get_or_create(&RequestLabels {
            method: method.clone(),
            route: route.clone(),
            status: response.status().as_u16(),
        })
        .inc();
    metrics
        .latency
        .get_or_create(&RouteLabels { method, route })
        .observe(started.elapsed().as_secs_f64());
    response
}

pub async fn render(State(state): State<AppState>) -> Response {
    let mut text = String::new();
    let encoded = state.metrics.registry.lock().map(|registry| encode(&mut text, &registry));
    match encoded {
        Ok(Ok(())) => ([(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], text).into_response(),
        _ => (axum::http::StatusCode::INTERNAL_SERVER_ERROR, "metrics unavailable").into_response(),
    }
}
