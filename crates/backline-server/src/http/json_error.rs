//! The error body of Backline's own surfaces (Spectra backend, operator surface):
//! `{"error": "<code>", "message": "<text>"}` with a matching status.
//!
//! Spectra Server only reads the status of errors, but parses every body as JSON; operators'
//! tools get a stable machine-readable `error` code and a sentence in `message`.

use crate::core::CoreError;
use crate::http::failure::{self, Failure};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

#[derive(Debug)]
pub struct JsonError {
    pub status: StatusCode,
    pub message: String,
}

impl JsonError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }

    pub fn code(&self) -> &'static str {
        match self.status {
            StatusCode::BAD_REQUEST => "bad_request",
            StatusCode::UNAUTHORIZED => "unauthorized",
            StatusCode::FORBIDDEN => "forbidden",
            StatusCode::NOT_FOUND => "not_found",
            StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
            StatusCode::REQUEST_TIMEOUT => "request_timeout",
            StatusCode::TOO_MANY_REQUESTS => "too_many_requests",
            StatusCode::CONFLICT => "conflict",
            StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
            StatusCode::URI_TOO_LONG => "uri_too_long",
            StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
            StatusCode::UNPROCESSABLE_ENTITY => "invalid",
            StatusCode::SERVICE_UNAVAILABLE => "unavailable",
            s if s.is_server_error() => "internal",
            _ => "error",
        }
    }
}

/// The words and statuses of the admin API and the Spectra surface for every decision of the
/// core: the two share this envelope and its wording, and their `From<CoreError>` convert
/// through here.
impl From<CoreError> for JsonError {
    fn from(e: CoreError) -> Self {
        let status = match &e {
            CoreError::NotFound { .. } | CoreError::NoBroadcasterAvailable => StatusCode::NOT_FOUND,
            CoreError::Malformed(_)
            | CoreError::MatchAlreadyPrepared
            | CoreError::ExecutionNotDone { .. }
            | CoreError::LinkTokenUsed
            | CoreError::LinkTokenExpired => StatusCode::BAD_REQUEST,
            CoreError::Invalid { .. }
            | CoreError::LoginField { .. }
            | CoreError::IdempotencyKeyReused => StatusCode::UNPROCESSABLE_ENTITY,
            CoreError::Unauthorized => {
                return Self::new(
                    StatusCode::UNAUTHORIZED,
                    "missing, unknown or revoked credential",
                )
            }
            CoreError::Expired => {
                return Self::new(StatusCode::FORBIDDEN, "the credential has expired")
            }
            CoreError::AccountDisabled
            | CoreError::MatchMakerRequired
            | CoreError::RolesNotSent
            | CoreError::NotPermitted { .. } => StatusCode::FORBIDDEN,
            CoreError::UsernameTaken
            | CoreError::AdminTokenExists { .. }
            | CoreError::LinkTokenNotRevocable { .. }
            | CoreError::Conflict(_)
            | CoreError::IdempotencyKeyInUse => StatusCode::CONFLICT,
            CoreError::Internal(_) | CoreError::Store(_) => {
                return match failure::report(&e) {
                    Failure::Unavailable => Self::new(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "the database is unavailable; try again shortly",
                    ),
                    Failure::Internal => {
                        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
                    }
                }
            }
        };
        Self::new(status, e.to_string())
    }
}

/// An axum rejection (path, query, body) with axum's status and sentence.
macro_rules! from_rejection {
    ($($rejection:ty),*) => {$(
        impl From<$rejection> for JsonError {
            fn from(r: $rejection) -> Self {
                Self::new(r.status(), r.body_text())
            }
        }
    )*};
}
from_rejection!(
    axum::extract::rejection::PathRejection,
    axum::extract::rejection::QueryRejection
);

/// The body of every error of the admin API and the Spectra surface.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct JsonErrorBody {
    /// A stable code for the status: `bad_request`, `unauthorized`, `forbidden`, `not_found`,
    /// `conflict`, `invalid` (422), `too_many_requests`, `unavailable`, `internal`, …
    pub error: String,
    /// What went wrong, as a sentence.
    pub message: String,
}

impl IntoResponse for JsonError {
    fn into_response(self) -> Response {
        let body = JsonErrorBody {
            error: self.code().to_owned(),
            message: self.message,
        };
        (self.status, Json(body)).into_response()
    }
}
