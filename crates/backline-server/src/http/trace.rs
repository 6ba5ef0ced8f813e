//! The request span and the request id: method, route template and status, never the raw
//! path or query.
//!
//! Paths and queries carry secrets (access keys in `validateAccessKey/{key}`, player-cam
//! secrets, http keys), so only the matched route template is recorded. Each request gets an
//! `x-request-id` (kept when the client sent one, made by [`super::request_id`] otherwise),
//! recorded in the span and echoed back in the answer (unless the answer set its own), as
//! `tower_http`'s `SetRequestId` and `PropagateRequestId` did: one layer instead of three,
//! since axum clones and wraps every route layer on every request.
//!
//! What it logs is what `tower_http`'s `TraceLayer` logged here before (same messages, fields
//! and targets, so log filters keep working): `finished processing request` with `latency`
//! and `status` at `info`, and `response failed` with `classification` and `latency` at
//! `error` for a 5xx. Its own layer because of what it does not do when `info` is filtered
//! out (the usual production level is `warn`): no span, no field read, no wrapping of the
//! response body (which axum would then box again). The one thing dropped is `TraceLayer`'s
//! report of a response body failing mid-stream; no Backline body can fail (they are in
//! memory, or event streams of `Infallible` items).

use super::request_id::MakeSequentialId;
use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use pin_project_lite::pin_project;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::{Duration, Instant};
use tower::{Layer, Service};
use tracing::{Level, Span};

/// The header carrying the request id.
const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The request id and span layer; `ids` makes the ids of requests that came without one.
pub fn layer(ids: MakeSequentialId) -> RequestSpanLayer {
    RequestSpanLayer { ids }
}

/// See [`layer`].
#[derive(Clone, Debug)]
pub struct RequestSpanLayer {
    ids: MakeSequentialId,
}

impl<S> Layer<S> for RequestSpanLayer {
    type Service = RequestSpan<S>;

    fn layer(&self, inner: S) -> RequestSpan<S> {
        RequestSpan {
            inner,
            ids: self.ids.clone(),
        }
    }
}

/// See [`layer`].
#[derive(Clone, Debug)]
pub struct RequestSpan<S> {
    inner: S,
    ids: MakeSequentialId,
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

    fn call(&mut self, mut request: Request) -> Self::Future {
        let request_id = match request.headers().get(X_REQUEST_ID) {
            Some(sent) => sent.clone(),
            None => {
                let made = self.ids.make();
                request.headers_mut().insert(X_REQUEST_ID, made.clone());
                made
            }
        };
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
            request_id: Some(request_id),
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
        request_id: Option<HeaderValue>,
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
        let mut result = ready!(this.inner.poll(cx));
        if let Ok(response) = &mut result {
            log_answer(response.status(), this.started.elapsed());
            if let Some(request_id) = this.request_id.take() {
                response
                    .headers_mut()
                    .entry(X_REQUEST_ID)
                    .or_insert(request_id);
            }
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
            .layer(layer(MakeSequentialId::default()));
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
    async fn a_request_id_is_kept_or_made_and_echoed_in_the_answer() {
        let app = Router::new()
            .route("/", get(|| async { "ok" }))
            .layer(layer(MakeSequentialId::default()));
        let sent = Request::get("/")
            .header("x-request-id", "client-7")
            .body(Body::empty())
            .unwrap();
        let answer = app.clone().oneshot(sent).await.unwrap();
        assert_eq!(answer.headers()["x-request-id"], "client-7");
        let plain = Request::get("/").body(Body::empty()).unwrap();
        let answer = app.oneshot(plain).await.unwrap();
        let made = answer.headers()["x-request-id"].to_str().unwrap();
        assert_eq!(uuid::Uuid::parse_str(made).unwrap().get_version_num(), 8);
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
