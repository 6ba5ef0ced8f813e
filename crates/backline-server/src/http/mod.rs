//! What every HTTP surface shares: the application state, the request span, body limits,
//! panic recovery, and the assembly of all surfaces on one router.

pub mod before_routing;
pub mod body;
pub mod body_deadline;
pub mod connection;
pub mod credentials;
pub mod failure;
pub mod guessing;
pub mod json_error;
pub mod metrics;
pub mod panic;
pub mod rate_limit;
pub mod request_id;
pub mod serve;
pub mod surface;
pub mod trace;

use crate::apis;
use crate::config::Config;
use crate::core::Core;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use axum::{Json, Router};
use before_routing::BeforeRouting;
use std::sync::Arc;

/// State every handler can reach: one shared [`Services`], so the clone axum makes of it for
/// every request and extractor is one reference count, not one per field (the field-by-field
/// clone and drop were 16 % of a `validateAccessKey` request's CPU, perf).
#[derive(Clone, Debug)]
pub struct AppState(Arc<Services>);

impl AppState {
    pub fn new(services: Services) -> Self {
        Self(Arc::new(services))
    }
}

impl std::ops::Deref for AppState {
    type Target = Services;

    fn deref(&self) -> &Services {
        &self.0
    }
}

/// What handlers use: the core, the configuration, the limiters and the metrics.
#[derive(Debug)]
pub struct Services {
    pub core: Core<crate::server::ServerStore>,
    pub config: Arc<Config>,
    pub rate_limiter: Arc<dyn rate_limit::RateLimiter>,
    /// Failed attempts at secrets per client address ([`guessing`]).
    pub failure_limiter: Arc<dyn rate_limit::FailureLimiter>,
    /// This server's own metrics registry ([`metrics`]).
    pub metrics: metrics::Metrics,
}

/// All surfaces on one router, each under its prefix with its own error shape.
pub fn router(state: AppState) -> Router {
    let limit = state.config.body_limit_bytes;
    // One counter for all routes (the layer's clones share it).
    let request_ids = request_id::MakeSequentialId::default();
    Router::new()
        .nest("/spectra", apis::spectra::router())
        .nest("/admin/v1", apis::admin::router(state.clone()))
        .nest("/console", apis::console::router())
        .nest("/link", apis::link::router())
        .nest("/v2", apis::nakama::router())
        .nest("/api/game", apis::ember::router())
        .route("/healthcheck", get(apis::nakama::healthcheck))
        .route("/healthz", get(healthz))
        .route("/favicon.ico", get(apis::console::favicon))
        .merge(apis::admin::metrics_router(state.clone()))
        .merge(apis::events::router())
        .merge(apis::openapi::router())
        .fallback(apis::admin::unknown_route)
        .method_not_allowed_fallback(apis::admin::wrong_method)
        .layer(DefaultBodyLimit::max(limit))
        .layer(guessing::LimitGuessesLayer::new(state.clone()))
        .layer(panic::layer(apis::admin::render_status))
        .layer(metrics::RecordLayer::new(state.metrics.clone()))
        .layer(trace::layer(request_ids))
        .with_state(state)
}

/// The whole application as the listener serves it: [`router`] inside what must run before
/// routing ([`before_routing`]).
pub type App = BeforeRouting<Router>;

/// See [`App`].
pub fn app(state: AppState) -> App {
    let settings = before_routing::Settings {
        metrics: state.metrics.clone(),
        body_limit: state.config.body_limit_bytes,
        body_timeout: std::time::Duration::from_secs(state.config.body_read_timeout_seconds),
    };
    BeforeRouting::new(router(state), settings)
}

/// The answer of `/healthz`.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Health {
    /// `ok`, or `unavailable` when the database cannot be reached.
    status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
}

/// Liveness and database reachability.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operator",
    responses(
        (status = 200, description = "Serving, and the database answers", body = Health),
        (status = 503, description = "The database cannot be reached", body = Health),
    ),
)]
pub(crate) async fn healthz(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> (axum::http::StatusCode, Json<Health>) {
    use backline_store::SettingStore;
    match state.core.store.get_setting("admin_token_sha256").await {
        Ok(_) => (
            axum::http::StatusCode::OK,
            Json(Health {
                status: "ok".into(),
                message: None,
            }),
        ),
        Err(e) => {
            tracing::error!(error = %e, "health check could not reach the database");
            (
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                Json(Health {
                    status: "unavailable".into(),
                    message: Some("database unreachable".into()),
                }),
            )
        }
    }
}
