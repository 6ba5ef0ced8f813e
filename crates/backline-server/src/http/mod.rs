//! What every HTTP surface shares: the application state, the request span, body limits,
//! panic recovery, limits on guessing, metrics, and the layers that put the surfaces it is
//! given on one router.
//!
//! This module knows no surface: each describes itself in a
//! [`Surface`](surface::Surface) (in its own folder under `apis/`), and the composition root
//! (`crate::app`) hands the list to [`app`]. Nothing here imports from `apis/` (a test
//! checks).

pub mod before_routing;
pub mod body;
pub mod body_deadline;
pub mod connection;
pub mod connections;
pub mod credentials;
pub mod descriptors;
pub mod failure;
pub mod guessing;
pub mod health;
pub mod json_error;
pub mod metrics;
pub mod panic;
pub mod rate_limit;
pub mod request_id;
pub mod serve;
pub mod surface;
pub mod tls;
pub mod trace;

use crate::config::Config;
use crate::core::Core;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::Router;
use before_routing::BeforeRouting;
use std::sync::Arc;
use surface::Surfaces;

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

/// Every surface of `surfaces` on one router, each at its own paths with its own error
/// shape, behind the layers every route shares. Paths no route takes are answered by the
/// default surface (404, or 405 for a route without that method), and so are panics outside
/// a surface's own panic layer.
pub fn router(state: AppState, surfaces: Surfaces) -> Router {
    let limit = state.config.body_limit_bytes;
    // One counter for all routes (the layer's clones share it).
    let request_ids = request_id::MakeSequentialId::default();
    let default = surfaces.default();
    let render = default.render_status;
    let routes = surfaces.all().fold(Router::new(), |routes, surface| {
        routes.merge((surface.router)(&state))
    });
    routes
        .fallback(move || std::future::ready(render(StatusCode::NOT_FOUND)))
        .method_not_allowed_fallback(move || {
            std::future::ready(render(StatusCode::METHOD_NOT_ALLOWED))
        })
        .layer(DefaultBodyLimit::max(limit))
        .layer(guessing::LimitGuessesLayer::new(state.clone(), surfaces))
        .layer(panic::layer(render))
        .layer(metrics::RecordLayer::new(state.metrics.clone(), surfaces))
        .layer(trace::layer(request_ids))
        .with_state(state)
}

/// The whole application as the listener serves it: [`router`] inside what must run before
/// routing ([`before_routing`]).
pub type App = BeforeRouting;

/// See [`App`].
pub fn app(state: AppState, surfaces: Surfaces) -> App {
    let settings = before_routing::Settings {
        metrics: state.metrics.clone(),
        surfaces,
        body_limit: state.config.body_limit_bytes,
        body_timeout: std::time::Duration::from_secs(state.config.body_read_timeout_seconds),
    };
    BeforeRouting::new(router(state, surfaces), settings)
}

#[cfg(test)]
mod tests {
    /// The shared plumbing knows no surface: surfaces come to it through
    /// [`super::surface::Surfaces`], from the composition root (`crate::app`).
    #[test]
    fn the_plumbing_imports_no_surface() {
        let files = crate::source_rules::rust_sources("src/http");
        // Built at run time so this file does not match itself.
        let forbidden = format!("crate::{}", "apis");
        for (path, text) in files {
            assert!(
                !text.contains(&forbidden),
                "{path} names a surface; give http/ what it needs through `Surface`"
            );
        }
    }
}
