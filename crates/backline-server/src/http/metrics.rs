//! Prometheus metrics: one recorder per server (no global recorder, so a test process can run
//! several servers), a layer counting requests by surface, route template and status with a
//! latency histogram, and the rendering of `/metrics` with gauges read at scrape time.
//!
//! Only the matched route template is a label, never the raw path: paths carry keys.
//!
//! Every family is declared once in [`FAMILIES`], with its type and the help text the
//! exposition prints (`promtool check metrics` wants `# HELP` and `# TYPE` for each).

use crate::http::surface::Surfaces;
use axum::extract::{MatchedPath, Request};
use axum::response::Response;
use backline_store::{Gauges, PoolUsage, PruneKind, StorageGauges};
use metrics::{Counter, Histogram};
use metrics_exporter_prometheus::{
    Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder,
};
use pin_project_lite::pin_project;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, PoisonError, RwLock};
use std::task::{ready, Context, Poll};
use std::time::Instant;
use tower::{Layer, Service};

/// Requests answered, by surface, route template and status.
pub const REQUESTS: &str = "backline_http_requests_total";
/// Time to answer a request, in seconds, by surface and route template.
pub const LATENCY: &str = "backline_http_request_duration_seconds";
/// Open event-stream subscriptions.
pub const EVENT_SUBSCRIBERS: &str = "backline_event_subscribers";
/// Matches in progress, by surface.
pub const LIVE_MATCHES: &str = "backline_live_matches";
/// Echo VR game servers registered.
pub const EVR_BROADCASTERS: &str = "backline_evr_broadcasters";
/// Game-integration executions, by state.
pub const EXECUTIONS: &str = "backline_executions";
/// Database connections open in the pool.
pub const DB_POOL_CONNECTIONS: &str = "backline_db_pool_connections";
/// Database connections open and idle in the pool.
pub const DB_POOL_IDLE_CONNECTIONS: &str = "backline_db_pool_idle_connections";
/// Rows of the tables that grow with use, by table.
pub const TABLE_ROWS: &str = "backline_table_rows";
/// The database's size on disk.
pub const DATABASE_SIZE: &str = "backline_database_size_bytes";
/// Rows the retention pass deleted, by kind.
pub const PRUNED_ROWS: &str = "backline_retention_pruned_rows_total";

/// Connections closed as soon as accepted: their address held its allowance.
pub const CONNECTIONS_REFUSED: &str = "backline_connections_refused_total";
/// Idle kept-alive connections closed to make room near `max_connections`.
pub const CONNECTIONS_RECLAIMED: &str = "backline_connections_reclaimed_total";
/// Attempts to take a changed certificate and key, by outcome.
pub const TLS_RELOADS: &str = "backline_tls_reloads_total";

/// The type of a metric family, as its `# TYPE` line names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Only goes up (its name ends in `_total`).
    Counter,
    /// Goes up and down; set at scrape time here.
    Gauge,
    /// Samples counted in buckets (`_bucket`, `_sum`, `_count`).
    Histogram,
}

/// Every family this server exposes: name, type and the help text of its `# HELP` line.
/// A family missing here would be rendered without help, which the exposition test refuses.
pub const FAMILIES: &[(&str, Kind, &str)] = &[
    (
        REQUESTS,
        Kind::Counter,
        "Requests answered, by surface, route template and status.",
    ),
    (
        LATENCY,
        Kind::Histogram,
        "Time to answer a request, in seconds, by surface and route template.",
    ),
    (
        EVENT_SUBSCRIBERS,
        Kind::Gauge,
        "Open subscriptions to the event streams (admin API and console).",
    ),
    (
        LIVE_MATCHES,
        Kind::Gauge,
        "Matches in progress, by surface (spectra, nakama).",
    ),
    (
        EVR_BROADCASTERS,
        Kind::Gauge,
        "Echo VR game servers registered.",
    ),
    (
        EXECUTIONS,
        Kind::Gauge,
        "Game-integration executions, by state (queued, leased, redelivered).",
    ),
    (
        DB_POOL_CONNECTIONS,
        Kind::Gauge,
        "Database connections open in the pool.",
    ),
    (
        DB_POOL_IDLE_CONNECTIONS,
        Kind::Gauge,
        "Database connections open in the pool and idle.",
    ),
    (
        CONNECTIONS_REFUSED,
        Kind::Counter,
        "Connections closed as soon as accepted because their address held max_connections_per_address.",
    ),
    (
        CONNECTIONS_RECLAIMED,
        Kind::Counter,
        "Idle kept-alive connections closed to make room for new clients near max_connections.",
    ),
    (
        TLS_RELOADS,
        Kind::Counter,
        "Attempts to take a changed TLS certificate and key, by outcome (loaded, refused: the old pair stays).",
    ),
    (
        TABLE_ROWS,
        Kind::Gauge,
        "Rows of the tables that grow with use, by table (PostgreSQL: the planner's estimate).",
    ),
    (
        DATABASE_SIZE,
        Kind::Gauge,
        "The database's size on disk, in bytes.",
    ),
    (
        PRUNED_ROWS,
        Kind::Counter,
        "Rows the retention pass deleted, by kind.",
    ),
];

/// Latency histogram buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// This server's metrics registry.
#[derive(Clone)]
pub struct Metrics(Arc<Registry>);

struct Registry {
    recorder: PrometheusRecorder,
    handle: PrometheusHandle,
    /// The request metrics already registered, by route template: a request costs one map
    /// lookup and two atomic updates instead of a label set built, allocated and looked up
    /// in the recorder's registry.
    routes: RwLock<HashMap<String, Vec<RouteHandles>>>,
}

/// The handles of one surface, route template and status.
struct RouteHandles {
    surface: &'static str,
    status: u16,
    requests: Counter,
    latency: Histogram,
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
        describe(&recorder);
        // The listener's counters are exposed from the start, at 0, so a rate over them is
        // defined before the first refusal (and every family is always present).
        metrics::with_local_recorder(&recorder, || {
            metrics::counter!(CONNECTIONS_REFUSED).increment(0);
            metrics::counter!(CONNECTIONS_RECLAIMED).increment(0);
            for outcome in ["loaded", "refused"] {
                metrics::counter!(TLS_RELOADS, "outcome" => outcome).increment(0);
            }
            for kind in PruneKind::ALL {
                metrics::counter!(PRUNED_ROWS, "kind" => kind.name()).increment(0);
            }
        });
        let handle = recorder.handle();
        Self(Arc::new(Registry {
            recorder,
            handle,
            routes: RwLock::default(),
        }))
    }
}

/// Gives `recorder` the help text of every family in [`FAMILIES`].
fn describe(recorder: &PrometheusRecorder) {
    use metrics::{KeyName, Recorder, SharedString};
    for &(name, kind, help) in FAMILIES {
        let (name, help) = (KeyName::from_const_str(name), SharedString::const_str(help));
        match kind {
            Kind::Counter => recorder.describe_counter(name, None, help),
            Kind::Gauge => recorder.describe_gauge(name, None, help),
            Kind::Histogram => recorder.describe_histogram(name, None, help),
        }
    }
}

impl Metrics {
    /// How often [`Metrics::upkeep`] runs while serving.
    pub const UPKEEP_INTERVAL: std::time::Duration = std::time::Duration::from_secs(5);

    /// Folds the latency samples recorded since the last upkeep into the histograms' buckets.
    /// The recorder keeps every sample until then, so a server nobody scrapes would grow by
    /// each request's sample: the server runs this every [`Metrics::UPKEEP_INTERVAL`].
    pub fn upkeep(&self) {
        self.0.handle.run_upkeep();
    }

    /// Runs `f` with this server's recorder as the `metrics` macros' target.
    fn with<T>(&self, f: impl FnOnce() -> T) -> T {
        metrics::with_local_recorder(&self.0.recorder, f)
    }

    /// Counts one answered request.
    pub fn record_request(&self, surface: &'static str, route: &str, status: u16, seconds: f64) {
        let matches = |h: &&RouteHandles| h.surface == surface && h.status == status;
        {
            let routes = self.0.routes.read().unwrap_or_else(PoisonError::into_inner);
            if let Some(handles) = routes.get(route).and_then(|all| all.iter().find(matches)) {
                handles.requests.increment(1);
                handles.latency.record(seconds);
                return;
            }
        }
        // First request of its kind: register its metrics (the recorder keeps them).
        let mut routes = self
            .0
            .routes
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        let all = routes.entry(route.to_owned()).or_default();
        if !all.iter().any(|h| matches(&h)) {
            let name = surface;
            let handles = self.with(|| RouteHandles {
                surface,
                status,
                requests: metrics::counter!(REQUESTS, "surface" => name,
                    "route" => route.to_owned(), "status" => status.to_string()),
                latency: metrics::histogram!(LATENCY, "surface" => name,
                    "route" => route.to_owned()),
            });
            all.push(handles);
        }
        let handles = all.iter().find(matches).expect("registered above");
        handles.requests.increment(1);
        handles.latency.record(seconds);
    }

    /// Sets the number of open event-stream subscriptions (`backline_event_subscribers`).
    pub fn set_event_subscribers(&self, subscribers: i64) {
        self.with(|| metrics::gauge!(EVENT_SUBSCRIBERS).set(subscribers as f64));
    }

    /// A connection closed at once: its address held its allowance.
    pub fn count_refused_connection(&self) {
        self.with(|| metrics::counter!(CONNECTIONS_REFUSED).increment(1));
    }

    /// Idle connections asked to close to make room.
    pub fn count_reclaimed_connections(&self, count: usize) {
        self.with(|| metrics::counter!(CONNECTIONS_RECLAIMED).increment(count as u64));
    }

    /// A changed certificate and key taken (`loaded`) or refused, the old pair kept.
    pub fn count_tls_reload(&self, loaded: bool) {
        let outcome = if loaded { "loaded" } else { "refused" };
        self.with(|| metrics::counter!(TLS_RELOADS, "outcome" => outcome).increment(1));
    }

    /// Counts rows the retention pass deleted (`backline_retention_pruned_rows_total`).
    pub fn record_pruned(&self, kind: PruneKind, rows: u64) {
        self.with(|| metrics::counter!(PRUNED_ROWS, "kind" => kind.name()).increment(rows));
    }

    /// The Prometheus text exposition, after setting the gauges read at scrape time.
    pub fn render(&self, gauges: &Gauges, pool: &PoolUsage, storage: &StorageGauges) -> String {
        self.with(|| {
            for &(table, rows) in &storage.rows {
                metrics::gauge!(TABLE_ROWS, "table" => table).set(rows as f64);
            }
            metrics::gauge!(DATABASE_SIZE).set(storage.database_bytes as f64);
            let live = LIVE_MATCHES;
            metrics::gauge!(live, "surface" => "spectra").set(gauges.spectra_live_matches as f64);
            metrics::gauge!(live, "surface" => "nakama").set(gauges.evr_live_matches as f64);
            metrics::gauge!(EVR_BROADCASTERS).set(gauges.evr_broadcasters as f64);
            let executions = EXECUTIONS;
            metrics::gauge!(executions, "state" => "queued").set(gauges.executions_queued as f64);
            metrics::gauge!(executions, "state" => "leased").set(gauges.executions_leased as f64);
            metrics::gauge!(executions, "state" => "redelivered")
                .set(gauges.executions_redelivered as f64);
            metrics::gauge!(DB_POOL_CONNECTIONS).set(pool.size as f64);
            metrics::gauge!(DB_POOL_IDLE_CONNECTIONS).set(pool.idle as f64);
        });
        self.0.handle.run_upkeep();
        self.0.handle.render()
    }
}

/// Layer over every route: times the request and counts it under its route template.
#[derive(Clone, Debug)]
pub struct RecordLayer {
    metrics: Metrics,
    /// Which surface a request is for (its label).
    surfaces: Surfaces,
}

impl RecordLayer {
    pub fn new(metrics: Metrics, surfaces: Surfaces) -> Self {
        Self { metrics, surfaces }
    }
}

impl<S> Layer<S> for RecordLayer {
    type Service = Record<S>;

    fn layer(&self, inner: S) -> Record<S> {
        Record {
            inner,
            metrics: self.metrics.clone(),
            surfaces: self.surfaces,
        }
    }
}

/// See [`RecordLayer`].
#[derive(Clone, Debug)]
pub struct Record<S> {
    inner: S,
    metrics: Metrics,
    surfaces: Surfaces,
}

impl<S> Service<Request> for Record<S>
where
    S: Service<Request, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Recorded<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let count = Count {
            metrics: self.metrics.clone(),
            surface: self.surfaces.of(request.uri().path()).name,
            route: request.extensions().get::<MatchedPath>().cloned(),
            started: Instant::now(),
        };
        Recorded {
            inner: self.inner.call(request),
            count: Some(count),
        }
    }
}

/// What [`Recorded`] counts its answer under.
struct Count {
    metrics: Metrics,
    surface: &'static str,
    route: Option<MatchedPath>,
    started: Instant,
}

pin_project! {
    /// The answer of [`Record`], counted when it is ready.
    pub struct Recorded<F> {
        #[pin]
        inner: F,
        count: Option<Count>,
    }
}

impl<F, E> Future for Recorded<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut response = ready!(this.inner.poll(cx))?;
        if let Some(count) = this.count.take() {
            let route = count
                .route
                .as_ref()
                .map_or("<unmatched>", MatchedPath::as_str);
            let seconds = count.started.elapsed().as_secs_f64();
            count
                .metrics
                .record_request(count.surface, route, response.status().as_u16(), seconds);
            response.extensions_mut().insert(Counted);
        }
        Poll::Ready(Ok(response))
    }
}

/// Marks a response [`Record`] has counted.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Counted;

/// The route label of requests answered before routing.
pub const UNROUTED: &str = "<before routing>";

/// Counts a request answered before routing (the body deadline, the refusal of oversized
/// bodies, the game integration's decoder: see [`super::before_routing`]), which never
/// reached [`Record`], under the route [`UNROUTED`]; answers [`Record`] counted are left
/// alone.
pub fn record_unrouted(
    metrics: &Metrics,
    surface: &'static str,
    started: Instant,
    response: &mut Response,
) {
    if response.extensions_mut().remove::<Counted>().is_none() {
        let seconds = started.elapsed().as_secs_f64();
        metrics.record_request(surface, UNROUTED, response.status().as_u16(), seconds);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pruned_rows_are_counted_by_kind_from_zero() {
        let metrics = Metrics::default();
        let render = || {
            metrics.render(
                &Gauges::default(),
                &PoolUsage::default(),
                &StorageGauges::default(),
            )
        };
        let text = render();
        assert!(
            text.contains("backline_retention_pruned_rows_total{kind=\"audit\"} 0"),
            "{text}"
        );
        metrics.record_pruned(PruneKind::Audit, 500);
        metrics.record_pruned(PruneKind::Audit, 20);
        metrics.record_pruned(PruneKind::LinkTokens, 2);
        let text = render();
        assert!(
            text.contains("backline_retention_pruned_rows_total{kind=\"audit\"} 520"),
            "{text}"
        );
        assert!(
            text.contains("backline_retention_pruned_rows_total{kind=\"link_tokens\"} 2"),
            "{text}"
        );
        assert!(
            text.contains("backline_retention_pruned_rows_total{kind=\"executions\"} 0"),
            "{text}"
        );
    }
}
