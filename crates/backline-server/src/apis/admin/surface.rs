//! The operator surface as the shared plumbing sees it ([`Surface`]): the admin API under
//! `/admin/v1`, `/metrics`, the event stream `/events`, the OpenAPI document, `/healthz` and
//! `/readyz`, in the admin API's JSON error shape. It is the default surface: unknown paths, and
//! methods a route does not take, are answered in its shape.
//!
//! `/events` takes guesses at access keys (and admin tokens, counted with them).

use super::AdminError;
use crate::apis::{events, openapi, secrets};
use crate::http::guessing::SecretFamily;
use crate::http::json_error::JsonError;
use crate::http::surface::Surface;
use crate::http::AppState;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

/// See the module header.
pub static OPERATOR: Surface = Surface {
    name: "admin",
    prefixes: &[
        "/admin/v1",
        "/metrics",
        "/events",
        "/openapi.json",
        "/healthz",
        "/readyz",
    ],
    router: routes,
    render_status,
    render_too_many: |message, _| {
        JsonError::new(StatusCode::TOO_MANY_REQUESTS, message).into_response()
    },
    render_too_slow: |message| JsonError::new(StatusCode::REQUEST_TIMEOUT, message).into_response(),
    render_bad_request: |message| JsonError::new(StatusCode::BAD_REQUEST, message).into_response(),
    guessed_at,
    before_routing: None,
};

fn routes(state: &AppState) -> Router<AppState> {
    let idempotent = axum::middleware::from_fn_with_state(state.clone(), super::idempotency::layer);
    Router::new()
        .nest("/admin/v1", super::router().route_layer(idempotent))
        .route("/healthz", get(crate::http::health::healthz))
        .route("/readyz", get(crate::http::health::readyz))
        .merge(super::metrics_router())
        .merge(events::router())
        .merge(openapi::router())
}

/// Unknown routes (of the operator surface, and of the root: no surface claimed them),
/// wrong methods and panics.
fn render_status(status: StatusCode) -> Response {
    let message = match status {
        StatusCode::NOT_FOUND => "no such endpoint",
        StatusCode::METHOD_NOT_ALLOWED => "this endpoint does not accept that method",
        StatusCode::URI_TOO_LONG => "the request's path and query are too long",
        _ => "internal error",
    };
    AdminError::new(status, message).into_response()
}

fn guessed_at(method: &Method, path: &str) -> Option<SecretFamily> {
    (method == Method::GET && path == "/events").then_some(secrets::STREAM_KEY)
}
