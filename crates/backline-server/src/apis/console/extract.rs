//! Path and query extractors of the HTML pages, failing with an HTML page.

use super::html::HtmlError;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::http::StatusCode;

impl From<PathRejection> for HtmlError {
    fn from(e: PathRejection) -> Self {
        HtmlError::new(StatusCode::BAD_REQUEST, "Bad address", e.body_text())
    }
}

impl From<QueryRejection> for HtmlError {
    fn from(e: QueryRejection) -> Self {
        HtmlError::new(StatusCode::BAD_REQUEST, "Bad address", e.body_text())
    }
}

pub use wrappers::{Path, Query};

// The one place of the HTML pages that names axum's rejecting extractors.
#[allow(clippy::disallowed_types)]
mod wrappers {
    use super::HtmlError;
    use axum::extract::FromRequestParts;

    /// Path parameters; one that cannot be read is an HTML 400.
    #[derive(FromRequestParts)]
    #[from_request(via(axum::extract::Path), rejection(HtmlError))]
    pub struct Path<T>(pub T);

    /// Query parameters; a query string that does not fit is an HTML 400.
    #[derive(FromRequestParts)]
    #[from_request(via(axum::extract::Query), rejection(HtmlError))]
    pub struct Query<T>(pub T);
}
