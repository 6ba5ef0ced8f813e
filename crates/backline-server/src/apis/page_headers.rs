//! The security headers of every HTML page Backline serves (the console, the player's link
//! page, the player-cam session page), in one place so that the pages cannot drift apart:
//! nothing loaded from elsewhere, no inline script or style (each page's script and
//! stylesheet are files it serves), no framing by any site, no content-type sniffing.

use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};

/// The Content-Security-Policy of every page: nothing from elsewhere, no inline script or
/// style, requests and forms only to this origin, no framing.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                       connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Inserts the pages' headers: [`CSP`], `X-Content-Type-Options: nosniff`,
/// `X-Frame-Options: DENY` (for browsers without `frame-ancestors`) and `referrer` as the
/// `Referrer-Policy`.
pub fn insert(headers: &mut HeaderMap, referrer: &'static str) {
    let fixed = [
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, referrer),
    ];
    for (name, value) in fixed {
        headers.insert(name, HeaderValue::from_static(value));
    }
}

/// A file a page loads (its script or stylesheet), from `files` as `(name, content type,
/// text)`: the one named `name` with its type, cached for an hour and never sniffed as another
/// type; `None` when there is no such file.
pub fn asset(files: &[(&str, &'static str, &'static str)], name: &str) -> Option<Response> {
    let (_, content_type, text) = files.iter().find(|(n, _, _)| *n == name)?;
    let mut response = (*text).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    Some(response)
}
