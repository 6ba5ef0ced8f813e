//! Spectra's error answers: `{"error": "<code>", "message": "<text>"}`.
//!
//! Upstream: Spectra Server only logs the status of a failed call, but it parses the body of
//! `validateAccessKey` as JSON, and a non-JSON body or a dropped connection crashes it.

use crate::core::CoreError;
use crate::http::body::BodyFailure;
use crate::http::json_error::JsonError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

#[derive(Debug)]
pub struct SpectraError(JsonError);

impl SpectraError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self(JsonError::new(status, message))
    }
}

impl From<CoreError> for SpectraError {
    fn from(e: CoreError) -> Self {
        Self(e.into())
    }
}

impl From<axum::extract::rejection::PathRejection> for SpectraError {
    fn from(r: axum::extract::rejection::PathRejection) -> Self {
        Self(r.into())
    }
}

impl From<axum::extract::rejection::QueryRejection> for SpectraError {
    fn from(r: axum::extract::rejection::QueryRejection) -> Self {
        Self(r.into())
    }
}

impl From<BodyFailure> for SpectraError {
    fn from((status, message): BodyFailure) -> Self {
        Self::new(status, message)
    }
}

impl IntoResponse for SpectraError {
    fn into_response(self) -> Response {
        self.0.into_response()
    }
}
