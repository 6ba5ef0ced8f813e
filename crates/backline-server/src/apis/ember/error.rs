//! Laravel-style errors: `{"message": "…", "errors"?: {"field": ["…"]}}`.
//!
//! Upstream: Laravel's JSON exception rendering (401 `Unauthenticated.`, 404, 422 validation
//! errors naming the field, 429 `Too Many Attempts.` with `Retry-After`, 503 `Service
//! Unavailable` as in maintenance mode, 500 `Server Error`).

use crate::core::CoreError;
use crate::http::failure::{self, Failure};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use std::collections::BTreeMap;

#[derive(Debug)]
pub struct EmberError {
    pub status: StatusCode,
    pub message: String,
    pub field: Option<String>,
    pub retry_after: Option<u64>,
}

impl EmberError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            field: None,
            retry_after: None,
        }
    }

    /// A 422 naming the field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: message.into(),
            field: Some(field.into()),
            retry_after: None,
        }
    }

    pub fn unauthenticated() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "Unauthenticated.")
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "Not Found.")
    }

    pub fn too_many(retry_after: u64) -> Self {
        Self {
            retry_after: Some(retry_after),
            ..Self::new(StatusCode::TOO_MANY_REQUESTS, "Too Many Attempts.")
        }
    }
}

/// Laravel's words and statuses for every decision of the core: the one place this surface
/// words a [`CoreError`].
impl From<CoreError> for EmberError {
    fn from(e: CoreError) -> Self {
        match e {
            e @ (CoreError::NotFound { .. } | CoreError::NoBroadcasterAvailable) => {
                Self::new(StatusCode::NOT_FOUND, format!("{e}."))
            }
            CoreError::Malformed(msg) => Self::new(StatusCode::BAD_REQUEST, msg),
            CoreError::Invalid { field, problem } => Self::invalid(field, problem),
            CoreError::LoginField { field, rule } => {
                Self::invalid(field.key(), format!("The {} {rule}.", field.key()))
            }
            CoreError::Unauthorized | CoreError::Expired => Self::unauthenticated(),
            e @ (CoreError::AccountDisabled
            | CoreError::MatchMakerRequired
            | CoreError::RolesNotSent
            | CoreError::NotPermitted { .. }) => Self::new(StatusCode::FORBIDDEN, e.to_string()),
            e @ (CoreError::UsernameTaken
            | CoreError::AdminTokenExists { .. }
            | CoreError::LinkTokenNotRevocable { .. }
            | CoreError::Conflict(_)
            | CoreError::IdempotencyKeyInUse) => Self::new(StatusCode::CONFLICT, e.to_string()),
            e @ CoreError::IdempotencyKeyReused => {
                Self::new(StatusCode::UNPROCESSABLE_ENTITY, e.to_string())
            }
            // A state that does not allow the request: Laravel's validation answer, naming
            // the token of the link.
            e @ (CoreError::LinkTokenUsed | CoreError::LinkTokenExpired) => {
                Self::invalid("token", e.to_string())
            }
            e @ (CoreError::MatchAlreadyPrepared | CoreError::ExecutionNotDone { .. }) => {
                Self::invalid("id", e.to_string())
            }
            other @ (CoreError::Internal(_) | CoreError::Store(_)) => {
                match failure::report(&other) {
                    Failure::Unavailable => {
                        Self::new(StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable")
                    }
                    Failure::Internal => {
                        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "Server Error")
                    }
                }
            }
        }
    }
}

/// A path parameter that cannot be read: not UTF-8 is a 400 (the request is malformed, as
/// on every surface); not the integer an execution id is, a 404, as Laravel's route model
/// binding answers a parameter that names nothing.
impl From<axum::extract::rejection::PathRejection> for EmberError {
    fn from(r: axum::extract::rejection::PathRejection) -> Self {
        use axum::extract::path::ErrorKind;
        use axum::extract::rejection::PathRejection;
        match r {
            PathRejection::FailedToDeserializePathParams(e) => match e.kind() {
                ErrorKind::InvalidUtf8InPathParam { key } => Self::new(
                    StatusCode::BAD_REQUEST,
                    format!("The {key} path parameter is not valid UTF-8."),
                ),
                _ => Self::not_found(),
            },
            other => {
                tracing::error!(rejection = %other.body_text(), "path parameters missing");
                Self::new(StatusCode::INTERNAL_SERVER_ERROR, "Server Error")
            }
        }
    }
}

/// Laravel's error body: the message, and for a validation error (422) the messages by field.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct EmberErrorBody {
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<BTreeMap<String, Vec<String>>>,
}

impl IntoResponse for EmberError {
    fn into_response(self) -> Response {
        let errors = self
            .field
            .map(|field| BTreeMap::from([(field, vec![self.message.clone()])]));
        let body = EmberErrorBody {
            message: self.message,
            errors,
        };
        let mut response = (self.status, Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
        }
        response
    }
}

/// The answer for a bare status (panics, unknown routes, wrong methods).
pub fn render_status(status: StatusCode) -> Response {
    let message = match status {
        StatusCode::NOT_FOUND => "Not Found.",
        StatusCode::METHOD_NOT_ALLOWED => "The method is not supported for this route.",
        StatusCode::URI_TOO_LONG => "The request URI is too long.",
        _ => "Server Error",
    };
    EmberError::new(status, message).into_response()
}
