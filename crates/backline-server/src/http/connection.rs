//! Closing connections whose request body was refused unread.
//!
//! When a body is over the limit the server answers without reading it, and the connection
//! cannot carry another request. Saying `Connection: close` in that answer makes clients open
//! a new connection for their next request instead of writing into one being closed (which
//! they would see as a broken pipe, an answer-less failure).

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;

/// Whether the request announces a body over `limit` (`Content-Length`).
pub fn announces_more_than(headers: &HeaderMap, limit: usize) -> bool {
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .is_some_and(|length| length > limit as u64)
}

/// Adds `Connection: close` to the answer to an `oversized` request and to every 413.
pub fn close_after_refused_body(oversized: bool, response: &mut Response) {
    if oversized || response.status() == StatusCode::PAYLOAD_TOO_LARGE {
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
}
