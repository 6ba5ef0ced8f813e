//! The request span: method, route template and status, never the raw path or query.
//!
//! Paths and queries carry secrets (access keys in `validateAccessKey/{key}`, player-cam
//! secrets, http keys), so only the matched route template is recorded. Each request gets an
//! `x-request-id` (kept when the client sent one), recorded in the span and echoed back.

use axum::extract::MatchedPath;
use axum::http::Request;
use tower_http::classify::{ServerErrorsAsFailures, SharedClassifier};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

type MakeSpan = fn(&Request<axum::body::Body>) -> tracing::Span;

pub fn layer(
) -> TraceLayer<SharedClassifier<ServerErrorsAsFailures>, MakeSpan, (), DefaultOnResponse> {
    TraceLayer::new_for_http()
        .make_span_with(make_span as MakeSpan)
        .on_response(DefaultOnResponse::new().level(Level::INFO))
        .on_request(())
}

fn make_span(request: &Request<axum::body::Body>) -> tracing::Span {
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
