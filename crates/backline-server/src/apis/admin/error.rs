//! Errors of the admin API: `{"error": "<code>", "message": "<text>"}`.

use crate::core::CoreError;
use crate::http::body::BodyFailure;
use crate::http::json_error::JsonError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

#[derive(Debug)]
pub struct AdminError(JsonError);

impl AdminError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self(JsonError::new(status, message))
    }
}

impl From<CoreError> for AdminError {
    fn from(e: CoreError) -> Self {
        Self(e.into())
    }
}

impl From<axum::extract::rejection::PathRejection> for AdminError {
    fn from(r: axum::extract::rejection::PathRejection) -> Self {
        Self(r.into())
    }
}

impl From<axum::extract::rejection::QueryRejection> for AdminError {
    fn from(r: axum::extract::rejection::QueryRejection) -> Self {
        Self(r.into())
    }
}

impl From<BodyFailure> for AdminError {
    fn from((status, message): BodyFailure) -> Self {
        Self::new(status, message)
    }
}

impl IntoResponse for AdminError {
    fn into_response(self) -> Response {
        self.0.into_response()
    }
}
