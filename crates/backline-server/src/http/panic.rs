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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::json_error::JsonError;
    use axum::body::Body;
    use axum::http::Request;
    use axum::routing::get;
    use axum::Router;
    use tower::ServiceExt;

    fn render(status: StatusCode) -> Response {
        JsonError::new(status, "internal error").into_response()
    }

    async fn explode() -> &'static str {
        panic!("boom")
    }

    #[tokio::test]
    async fn a_panicking_handler_is_answered_with_a_json_500() {
        let app = Router::new().route("/", get(explode)).layer(layer(render));
        let response = app
            .oneshot(Request::get("/").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let bytes = axum::body::to_bytes(response.into_body(), 1024)
            .await
            .unwrap();
        let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"error": "internal", "message": "internal error"})
        );
    }
}
