//! Turning a panic in a handler into an answer in the surface's own shape.
//!
//! A layer of its own rather than `tower_http`'s `CatchPanicLayer`, which boxes every
//! response body twice into its own body type (and axum boxes it once more back into
//! [`Body`](axum::body::Body)): this one leaves the answer as it is.

use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use futures::future::CatchUnwind;
use futures::FutureExt;
use pin_project_lite::pin_project;
use std::any::Any;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use tower::{Layer, Service};

/// Builds the answer to a panic for a status (500).
pub type Render = fn(StatusCode) -> Response;

/// Describes a panic payload for the log (the client only sees an opaque 500).
fn describe(payload: &(dyn Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("non-string panic payload")
}

/// Logs a panic and answers with the response `render` builds for a 500.
fn answer_panic(render: Render, payload: Box<dyn Any + Send + 'static>) -> Response {
    tracing::error!(panic = describe(payload.as_ref()), "handler panicked");
    render(StatusCode::INTERNAL_SERVER_ERROR).into_response()
}

/// A layer that logs a panic and answers with the response `render` builds for a 500.
pub fn layer(render: Render) -> CatchPanicLayer {
    CatchPanicLayer { render }
}

/// See [`layer`].
#[derive(Clone, Copy, Debug)]
pub struct CatchPanicLayer {
    render: Render,
}

impl<S> Layer<S> for CatchPanicLayer {
    type Service = CatchPanic<S>;

    fn layer(&self, inner: S) -> CatchPanic<S> {
        CatchPanic {
            inner,
            render: self.render,
        }
    }
}

/// See [`layer`].
#[derive(Clone, Copy, Debug)]
pub struct CatchPanic<S> {
    inner: S,
    render: Render,
}

impl<S> Service<Request> for CatchPanic<S>
where
    S: Service<Request, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Caught<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let render = self.render;
        let stage = match std::panic::catch_unwind(AssertUnwindSafe(|| self.inner.call(request))) {
            Ok(future) => Stage::Running {
                future: AssertUnwindSafe(future).catch_unwind(),
            },
            Err(payload) => Stage::Panicked {
                answer: Some(answer_panic(render, payload)),
            },
        };
        Caught { stage, render }
    }
}

pin_project! {
    /// The answer of [`CatchPanic`].
    pub struct Caught<F> {
        #[pin]
        stage: Stage<F>,
        render: Render,
    }
}

pin_project! {
    #[project = StageProjection]
    enum Stage<F> {
        Running {
            #[pin]
            future: CatchUnwind<AssertUnwindSafe<F>>,
        },
        Panicked {
            answer: Option<Response>,
        },
    }
}

impl<F, E> Future for Caught<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        match this.stage.project() {
            StageProjection::Running { future } => match ready!(future.poll(cx)) {
                Ok(result) => Poll::Ready(result),
                Err(payload) => Poll::Ready(Ok(answer_panic(*this.render, payload))),
            },
            StageProjection::Panicked { answer } => {
                Poll::Ready(Ok(answer.take().expect("polled after completion")))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::json_error::JsonError;
    use axum::body::Body;
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

    /// A service that panics when called, before any future exists.
    #[derive(Clone)]
    struct PanicsOnCall;

    impl Service<Request> for PanicsOnCall {
        type Response = Response;
        type Error = std::convert::Infallible;
        type Future = std::future::Ready<Result<Response, Self::Error>>;

        fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
            Poll::Ready(Ok(()))
        }

        fn call(&mut self, _: Request) -> Self::Future {
            panic!("boom in call")
        }
    }

    #[tokio::test]
    async fn a_service_panicking_in_call_is_answered_with_a_json_500_too() {
        let response = layer(render)
            .layer(PanicsOnCall)
            .oneshot(Request::get("/").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }
}
