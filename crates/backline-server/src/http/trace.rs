//! The request span: method, route template and status, never the raw path or query.
//!
//! Paths and queries carry secrets (access keys in `validateAccessKey/{key}`, player-cam
//! secrets, http keys), so only the matched route template is recorded. Each request gets an
//! `x-request-id` (kept when the client sent one, see [`super::request_id`]), recorded in the
//! span and echoed back.
//!
//! What it logs is what `tower_http`'s `TraceLayer` logged here before (same messages, fields
//! and targets, so log filters keep working): `finished processing request` with `latency`
//! and `status` at `info`, and `response failed` with `classification` and `latency` at
//! `error` for a 5xx. Its own layer because of what it does not do when `info` is filtered
//! out (the usual production level is `warn`): no span, no field read, no wrapping of the
//! response body (which axum would then box again). The one thing dropped is `TraceLayer`'s
//! report of a response body failing mid-stream; no Backline body can fail (they are in
//! memory, or event streams of `Infallible` items).

use axum::extract::{MatchedPath, Request};
use axum::http::StatusCode;
use axum::response::Response;
use pin_project_lite::pin_project;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::{Duration, Instant};
use tower::{Layer, Service};
use tracing::{Level, Span};

/// The request span layer.
pub fn layer() -> RequestSpanLayer {
    RequestSpanLayer
}

/// See [`layer`].
#[derive(Clone, Copy, Debug)]
pub struct RequestSpanLayer;

impl<S> Layer<S> for RequestSpanLayer {
    type Service = RequestSpan<S>;

    fn layer(&self, inner: S) -> RequestSpan<S> {
        RequestSpan { inner }
    }
}

/// See [`layer`].
#[derive(Clone, Copy, Debug)]
pub struct RequestSpan<S> {
    inner: S,
}

impl<S> Service<Request> for RequestSpan<S>
where
    S: Service<Request, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = InSpan<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let span = make_span(&request);
        let started = Instant::now();
        let inner = {
            let _entered = span.enter();
            self.inner.call(request)
        };
        InSpan {
            inner,
            span,
            started,
        }
    }
}

/// The span of one request; [`Span::none`] when `info` is filtered out.
fn make_span(request: &Request) -> Span {
    if !tracing::level_enabled!(Level::INFO) {
        return Span::none();
    }
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(MatchedPath::as_str)
        .unwrap_or("<unmatched>");
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    tracing::info_span!("request", method = %request.method(), route = %route, request_id = %request_id)
}

pin_project! {
    /// The answer of [`RequestSpan`], computed inside the span and logged when ready.
    pub struct InSpan<F> {
        #[pin]
        inner: F,
        span: Span,
        started: Instant,
    }
}

impl<F, E> Future for InSpan<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let _entered = this.span.enter();
        let result = ready!(this.inner.poll(cx));
        if let Ok(response) = &result {
            log_answer(response.status(), this.started.elapsed());
        }
        Poll::Ready(result)
    }
}

/// Logs an answer as `tower_http`'s `DefaultOnResponse` (at `info`) and `DefaultOnFailure`
/// (a 5xx, at `error`) did.
fn log_answer(status: StatusCode, latency: Duration) {
    let millis = latency.as_millis();
    tracing::event!(
        target: "tower_http::trace::on_response",
        Level::INFO,
        latency = %format_args!("{millis} ms"),
        status = i32::from(status.as_u16()),
        "finished processing request"
    );
    if status.is_server_error() {
        tracing::event!(
            target: "tower_http::trace::on_failure",
            Level::ERROR,
            classification = %format_args!("Status code: {status}"),
            latency = %format_args!("{millis} ms"),
            "response failed"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::routing::get;
    use axum::Router;
    use std::sync::{Arc, Mutex};
    use tower::ServiceExt;

    /// Collects what the log would show.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    async fn log_of(level: &str, path: &str) -> String {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(level))
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        let app = Router::new()
            .route("/keys/{key}", get(|| async { "ok" }))
            .route(
                "/fails",
                get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "no") }),
            )
            .layer(layer());
        let request = Request::get(path)
            .header("x-request-id", "req-1")
            .body(Body::empty())
            .unwrap();
        let _default = tracing::subscriber::set_default(subscriber);
        app.oneshot(request).await.unwrap();
        let bytes = captured.0.lock().unwrap().clone();
        String::from_utf8(bytes).unwrap()
    }

    #[tokio::test]
    async fn answers_are_logged_with_the_route_template_and_never_the_path() {
        let log = log_of("info", "/keys/secret-key-123").await;
        assert!(log.contains("finished processing request"), "{log}");
        assert!(log.contains("route=/keys/{key}"), "{log}");
        assert!(log.contains("request_id=req-1"), "{log}");
        assert!(log.contains("status=200"), "{log}");
        assert!(!log.contains("secret-key-123"), "{log}");
    }

    #[tokio::test]
    async fn at_warn_only_server_errors_are_logged() {
        assert_eq!(log_of("warn", "/keys/abc").await, "");
        let log = log_of("warn", "/fails").await;
        assert!(log.contains("response failed"), "{log}");
        assert!(
            log.contains("classification=Status code: 500 Internal Server Error"),
            "{log}"
        );
        assert!(!log.contains("finished processing request"), "{log}");
    }
}
