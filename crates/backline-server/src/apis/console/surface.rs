//! The console as the shared plumbing sees it ([`Surface`]): its pages under `/console` and
//! its icon at `/favicon.ico` (browsers ask the root for it on every page),
//! HTML error pages (with the console's headers) for answers given outside its handlers,
//! and its sign-in form, which takes guesses at admin tokens.

use super::html;
use crate::apis::secrets;
use crate::http::guessing::SecretFamily;
use crate::http::surface::Surface;
use crate::http::AppState;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;

/// See the module header.
pub static CONSOLE: Surface = Surface {
    name: "console",
    prefixes: &["/console", "/favicon.ico"],
    router: routes,
    render_status: html::render_status,
    render_too_many: |message, _| page(StatusCode::TOO_MANY_REQUESTS, "Too many attempts", message),
    render_too_slow: |message| page(StatusCode::REQUEST_TIMEOUT, "Too slow", &message),
    render_bad_request: |message| page(StatusCode::BAD_REQUEST, "Bad request", &message),
    guessed_at,
    before_routing: None,
};

fn routes(_: &AppState) -> Router<AppState> {
    Router::new()
        .nest("/console", super::router())
        .route("/favicon.ico", axum::routing::get(super::favicon))
}

fn guessed_at(method: &Method, path: &str) -> Option<SecretFamily> {
    (method == Method::POST && path == "/console/sign-in").then_some(secrets::ADMIN_TOKEN)
}

/// An HTML page with the operator pages' headers, for answers given outside the pages'
/// handlers (the link page's too).
pub fn page(status: StatusCode, title: &str, message: &str) -> Response {
    let mut response = html::HtmlError::new(status, title, message)
        .without_back()
        .into_response();
    html::secure_headers(response.headers_mut());
    response
}
