//! The stylesheet, script and icon of the HTML pages, compiled into the binary (no build step,
//! no network): the stylesheet and script under `/console/assets/`, the icon at
//! `/favicon.ico`, where browsers ask for it whatever the page says.

use super::extract::Path;
use super::html::HtmlError;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};

/// Where pages link the stylesheet.
pub const STYLESHEET: &str = "/console/assets/console.css";
/// Where pages load the script.
pub const SCRIPT: &str = "/console/assets/console.js";
/// Where pages link their icon (and where browsers look for it unasked).
pub const FAVICON: &str = "/favicon.ico";

/// The icon: a 32×32 PNG in an ICO container (a blue `B` on the top bar's dark).
const FAVICON_ICO: &[u8] = include_bytes!("assets/favicon.ico");

const ASSETS: &[(&str, &str, &str)] = &[
    (
        "console.css",
        "text/css; charset=utf-8",
        include_str!("assets/console.css"),
    ),
    (
        "console.js",
        "text/javascript; charset=utf-8",
        include_str!("assets/console.js"),
    ),
];

/// `GET /console/assets/{name}` (public: the sign-in page needs them too).
pub async fn serve_asset(Path(name): Path<String>) -> Result<Response, HtmlError> {
    crate::apis::page_headers::asset(ASSETS, &name).ok_or_else(|| HtmlError::not_found("This file"))
}

/// `GET /favicon.ico` (public, mounted at the root): the console's icon, so that no page's
/// load logs a failed request. Carries the pages' security headers; cached for a day.
pub async fn serve_favicon() -> Response {
    let mut response = FAVICON_ICO.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("image/x-icon"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    super::html::secure_headers(headers);
    response
}
