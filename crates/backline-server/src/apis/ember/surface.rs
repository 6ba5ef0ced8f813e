//! The game integration as the shared plumbing sees it ([`Surface`]): its routes under
//! `/api/game`, Laravel's error shape for answers given outside its handlers, and its
//! decoder, which runs before routing so that `_method` can pick the route.
//!
//! It names no guessed secrets: its server keys are throttled by its own limiter.

use super::EmberError;
use crate::http::before_routing::Pending;
use crate::http::surface::Surface;
use crate::http::AppState;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Router;
use futures::future::BoxFuture;
use std::convert::Infallible;

/// See the module header.
pub static EMBER: Surface = Surface {
    name: "ember",
    prefixes: &["/api/game"],
    router: routes,
    render_status: super::error::render_status,
    // Laravel's own throttle answer, `Retry-After` included.
    render_too_many: |_, seconds| EmberError::too_many(seconds).into_response(),
    render_too_slow: |message| {
        EmberError::new(StatusCode::REQUEST_TIMEOUT, message).into_response()
    },
    render_bad_request: |message| EmberError::new(StatusCode::BAD_REQUEST, message).into_response(),
    guessed_at: |_, _| None,
    before_routing: Some(decode_then_route),
};

fn routes(_: &AppState) -> Router<AppState> {
    Router::new().nest("/api/game", super::router())
}

/// Reads the parameters ([`super::decode_request`]) before routing.
fn decode_then_route(pending: Pending) -> BoxFuture<'static, Result<Response, Infallible>> {
    Box::pin(pending.route_after(super::decode_request))
}
