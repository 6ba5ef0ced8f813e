//! Errors the caller is not at fault for, in one place: each surface's `From<CoreError>`
//! hands them here to be logged, and answers the kind this returns in its own shape (a 503
//! when the database cannot be used right now, else an opaque 500). Nothing of the error
//! (SQL, database messages) reaches the client.
//!
//! The log line is emitted inside the request span (`http::trace`), which carries the
//! method, the route template and the `x-request-id`, so an operator can find the request a
//! client reports.

use crate::core::CoreError;

/// How to answer an unexpected error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// The database cannot be used right now (503): retry later.
    Unavailable,
    /// Anything else (500).
    Internal,
}

/// Logs `error` with `tracing::error!` and says how to answer it.
pub fn report(error: &CoreError) -> Failure {
    if error.is_unavailable() {
        tracing::error!(error = ?error, "the database is unavailable");
        Failure::Unavailable
    } else {
        tracing::error!(error = ?error, "internal error");
        Failure::Internal
    }
}
