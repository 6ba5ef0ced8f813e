//! Turning a panic in a handler into an answer in the surface's own shape.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use std::any::Any;
use tower_http::catch_panic::CatchPanicLayer;

/// Describes a panic payload for the log (the client only sees an opaque 500).
fn describe(payload: &(dyn Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("non-string panic payload")
}

/// A layer that logs a panic and answers with the response `render` builds for a 500.
pub fn layer(
    render: fn(StatusCode) -> Response,
) -> CatchPanicLayer<impl Fn(Box<dyn Any + Send + 'static>) -> Response + Clone> {
    CatchPanicLayer::custom(move |payload: Box<dyn Any + Send + 'static>| {
        tracing::error!(panic = describe(payload.as_ref()), "handler panicked");
        render(StatusCode::INTERNAL_SERVER_ERROR).into_response()
    })
}
