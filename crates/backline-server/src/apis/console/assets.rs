//! The stylesheet and script of the HTML pages, compiled into the binary (no build step, no
//! network): served under `/console/assets/`.

use super::extract::Path;
use super::html::HtmlError;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};

/// Where pages link the stylesheet.
pub const STYLESHEET: &str = "/console/assets/console.css";
/// Where pages load the script.
pub const SCRIPT: &str = "/console/assets/console.js";

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
    let (_, content_type, text) = ASSETS
        .iter()
        .find(|(n, _, _)| *n == name)
        .ok_or_else(|| HtmlError::not_found("This file"))?;
    let mut response = (*text).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    Ok(response)
}
