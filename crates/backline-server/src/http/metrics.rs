//! Prometheus metrics: one recorder per server (no global recorder, so a test process can run
//! several servers), a layer counting requests by surface, route template and status with a
//! latency histogram, and the rendering of `/metrics` with gauges read at scrape time.
//!
//! Only the matched route template is a label, never the raw path: paths carry keys.

use crate::http::surface::Surface;
use crate::http::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use backline_store::{Gauges, PoolUsage};
use metrics_exporter_prometheus::{
    Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder,
};
use std::sync::Arc;
use std::time::Instant;

/// Requests answered, by surface, route template and status.
pub const REQUESTS: &str = "backline_http_requests_total";
/// Time to answer a request, in seconds, by surface and route template.
pub const LATENCY: &str = "backline_http_request_duration_seconds";

/// Latency histogram buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// This server's metrics registry.
#[derive(Clone)]
pub struct Metrics {
    recorder: Arc<PrometheusRecorder>,
    handle: PrometheusHandle,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(LATENCY.to_owned()), &BUCKETS)
            .expect("the latency buckets are not empty")
            .build_recorder();
        let handle = recorder.handle();
        Self {
            recorder: Arc::new(recorder),
            handle,
        }
    }
}

impl Metrics {
    /// Runs `f` with this server's recorder as the `metrics` macros' target.
    fn with<T>(&self, f: impl FnOnce() -> T) -> T {
        metrics::with_local_recorder(&*self.recorder, f)
    }

    /// Counts one answered request.
    pub fn record_request(&self, surface: Surface, route: &str, status: u16, seconds: f64) {
        let surface = surface_name(surface);
        self.with(|| {
            metrics::counter!(REQUESTS, "surface" => surface, "route" => route.to_owned(),
                "status" => status.to_string())
            .increment(1);
            metrics::histogram!(LATENCY, "surface" => surface, "route" => route.to_owned())
                .record(seconds);
        });
    }

    /// Sets the number of open event-stream subscriptions (`backline_event_subscribers`).
    pub fn set_event_subscribers(&self, subscribers: i64) {
        self.with(|| metrics::gauge!("backline_event_subscribers").set(subscribers as f64));
    }

    /// The Prometheus text exposition, after setting the gauges read at scrape time.
    pub fn render(&self, gauges: &Gauges, pool: &PoolUsage) -> String {
        self.with(|| {
            let live = "backline_live_matches";
            metrics::gauge!(live, "surface" => "spectra").set(gauges.spectra_live_matches as f64);
            metrics::gauge!(live, "surface" => "nakama").set(gauges.evr_live_matches as f64);
            metrics::gauge!("backline_evr_broadcasters").set(gauges.evr_broadcasters as f64);
            let executions = "backline_executions";
            metrics::gauge!(executions, "state" => "queued").set(gauges.executions_queued as f64);
            metrics::gauge!(executions, "state" => "leased").set(gauges.executions_leased as f64);
            metrics::gauge!(executions, "state" => "redelivered")
                .set(gauges.executions_redelivered as f64);
            metrics::gauge!("backline_db_pool_connections").set(pool.size as f64);
            metrics::gauge!("backline_db_pool_idle_connections").set(pool.idle as f64);
        });
        self.handle.run_upkeep();
        self.handle.render()
    }
}

fn surface_name(surface: Surface) -> &'static str {
    match surface {
        Surface::Spectra => "spectra",
        Surface::Nakama => "nakama",
        Surface::Ember => "ember",
        Surface::Admin => "admin",
        Surface::Pages => "console",
    }
}

/// Middleware: times the request and counts it under its route template.
pub async fn record(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let surface = Surface::of(request.uri().path());
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "<unmatched>".to_owned());
    let started = Instant::now();
    let mut response = next.run(request).await;
    let seconds = started.elapsed().as_secs_f64();
    state
        .metrics
        .record_request(surface, &route, response.status().as_u16(), seconds);
    response.extensions_mut().insert(Counted);
    response
}

/// Marks a response [`record`] has counted.
#[derive(Clone, Copy, Debug)]
struct Counted;

/// The route label of requests answered before routing.
pub const UNROUTED: &str = "<before routing>";

/// Middleware around everything that runs before routing (the body deadline, the refusal of
/// oversized bodies, the game integration's decoder): counts the requests those answered
/// themselves, which never reached [`record`], under the route [`UNROUTED`].
pub async fn record_unrouted(metrics: Metrics, request: Request, next: Next) -> Response {
    let surface = Surface::of(request.uri().path());
    let started = Instant::now();
    let mut response = next.run(request).await;
    if response.extensions_mut().remove::<Counted>().is_none() {
        let seconds = started.elapsed().as_secs_f64();
        metrics.record_request(surface, UNROUTED, response.status().as_u16(), seconds);
    }
    response
}
