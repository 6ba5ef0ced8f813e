//! What every HTTP surface shares: the application state, the request span, body limits,
//! panic recovery, and the assembly of all surfaces on one router.

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
pub mod serve;
pub mod surface;
pub mod trace;

use crate::apis;
use crate::config::Config;
use crate::core::Core;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use axum::{Json, Router};
use std::sync::Arc;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};

/// State every handler can reach.
#[derive(Clone, Debug)]
pub struct AppState {
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
    Router::new()
        .nest("/spectra", apis::spectra::router())
        .nest("/admin/v1", apis::admin::router(state.clone()))
        .nest("/console", apis::console::router())
        .nest("/link", apis::link::router())
        .nest("/v2", apis::nakama::router())
        .nest("/api/game", apis::ember::router())
        .route("/healthcheck", get(apis::nakama::healthcheck))
        .route("/healthz", get(healthz))
        .merge(apis::admin::metrics_router(state.clone()))
        .merge(apis::events::router())
        .merge(apis::openapi::router())
        .fallback(apis::admin::unknown_route)
        .method_not_allowed_fallback(apis::admin::wrong_method)
        .layer(DefaultBodyLimit::max(limit))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guessing::limit_guesses,
        ))
        .layer(panic::layer(apis::admin::render_status))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::record,
        ))
        .layer(trace::layer())
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
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
