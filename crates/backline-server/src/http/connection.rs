//! Closing connections whose request body was refused unread.
//!
//! When a body is over the limit the server answers without reading it, and the connection
//! cannot carry another request. Saying `Connection: close` in that answer makes clients open
//! a new connection for their next request instead of writing into one being closed (which
//! they would see as a broken pipe, an answer-less failure).

use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

/// Adds `Connection: close` to answers for bodies over `limit` and to every 413.
pub async fn close_after_refused_body(limit: usize, request: Request, next: Next) -> Response {
    let oversized = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .is_some_and(|length| length > limit as u64);
    let mut response = next.run(request).await;
    if oversized || response.status() == StatusCode::PAYLOAD_TOO_LARGE {
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    response
}
