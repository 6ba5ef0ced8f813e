//! Nakama's error envelope: `{"error": "<text>", "message": "<text>", "code": <gRPC code>}`
//! with the HTTP status grpc-gateway maps that code to.

use crate::core::{CoreError, Entity, LengthRule, LoginField};
use crate::http::failure::{self, Failure};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

/// gRPC status codes Backline answers with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Code {
    InvalidArgument = 3,
    /// Only for clients too slow to send their request, so answered as 408.
    DeadlineExceeded = 4,
    NotFound = 5,
    AlreadyExists = 6,
    PermissionDenied = 7,
    ResourceExhausted = 8,
    FailedPrecondition = 9,
    Internal = 13,
    /// The database cannot be used right now; grpc-gateway answers 503.
    Unavailable = 14,
    Unauthenticated = 16,
}

impl Code {
    fn status(self) -> StatusCode {
        match self {
            Self::InvalidArgument | Self::FailedPrecondition => StatusCode::BAD_REQUEST,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::AlreadyExists => StatusCode::CONFLICT,
            Self::PermissionDenied => StatusCode::FORBIDDEN,
            Self::DeadlineExceeded => StatusCode::REQUEST_TIMEOUT,
            Self::ResourceExhausted => StatusCode::TOO_MANY_REQUESTS,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Unauthenticated => StatusCode::UNAUTHORIZED,
        }
    }
}

#[derive(Debug)]
pub struct NakamaError {
    pub code: Code,
    pub message: String,
}

impl NakamaError {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(Code::InvalidArgument, message)
    }

    pub fn unauthenticated(message: impl Into<String>) -> Self {
        Self::new(Code::Unauthenticated, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(Code::NotFound, message)
    }

    /// A refused credential (missing, unknown, revoked, expired) as a 401 with `message`;
    /// any other error (the database down, a bug) through `From<CoreError>`, so an outage
    /// is never reported as a bad credential.
    pub fn credential(e: CoreError, message: &str) -> Self {
        if e.is_credential_refusal() {
            Self::unauthenticated(message)
        } else {
            e.into()
        }
    }

    /// 429, code 8: too many failed attempts (the caller adds `Retry-After`).
    pub fn too_many(message: impl Into<String>) -> Self {
        Self::new(Code::ResourceExhausted, message)
    }

    /// 408, code 4: the client did not send its request in time.
    pub fn too_slow(message: impl Into<String>) -> Self {
        Self::new(Code::DeadlineExceeded, message)
    }
}

/// Nakama's words and codes for every decision of the core: the one place this surface
/// words a [`CoreError`].
impl From<CoreError> for NakamaError {
    fn from(e: CoreError) -> Self {
        match e {
            // Upstream: `api_authenticate.go` answers `User account not found.` when `create`
            // is false; EVR's `account/lookup` answers `User not found.`, `link/redeem`
            // `Link token not found.`.
            CoreError::NotFound {
                entity: Entity::LoginAccount,
                ..
            } => Self::not_found("User account not found."),
            CoreError::NotFound {
                entity: Entity::User,
                id: None,
            } => Self::not_found("User not found."),
            CoreError::NotFound {
                entity: Entity::LinkToken,
                id: None,
            } => Self::not_found("Link token not found."),
            not_found @ CoreError::NotFound { .. } => Self::not_found(format!("{not_found}.")),
            CoreError::NoBroadcasterAvailable => {
                Self::not_found("no broadcaster available for this request")
            }
            CoreError::Malformed(msg) => Self::invalid(msg),
            CoreError::Invalid { problem, .. } => Self::invalid(problem),
            CoreError::LoginField { field, rule } => {
                Self::invalid(login_field_message(field, rule))
            }
            CoreError::Unauthorized | CoreError::Expired => {
                Self::unauthenticated("Invalid credentials.")
            }
            CoreError::AccountDisabled => Self::new(Code::PermissionDenied, "User account banned."),
            e @ (CoreError::MatchMakerRequired
            | CoreError::RolesNotSent
            | CoreError::NotPermitted { .. }) => Self::new(Code::PermissionDenied, e.to_string()),
            CoreError::UsernameTaken => {
                Self::new(Code::AlreadyExists, "Username is already in use.")
            }
            e @ (CoreError::AdminTokenExists { .. }
            | CoreError::LinkTokenNotRevocable { .. }
            | CoreError::Conflict(_)) => Self::new(Code::AlreadyExists, e.to_string()),
            e @ CoreError::IdempotencyKeyReused => Self::invalid(e.to_string()),
            e @ CoreError::IdempotencyKeyInUse => Self::new(Code::AlreadyExists, e.to_string()),
            e @ (CoreError::MatchAlreadyPrepared
            | CoreError::ExecutionNotDone { .. }
            | CoreError::LinkTokenUsed
            | CoreError::LinkTokenExpired) => Self::new(Code::FailedPrecondition, e.to_string()),
            other @ (CoreError::Internal(_) | CoreError::Store(_)) => {
                match failure::report(&other) {
                    Failure::Unavailable => {
                        Self::new(Code::Unavailable, "Service unavailable, try again later.")
                    }
                    Failure::Internal => Self::new(Code::Internal, "Internal server error."),
                }
            }
        }
    }
}

/// Upstream: the messages of `api_authenticate.go` for a missing or wrongly sized id, email
/// or password.
fn login_field_message(field: LoginField, rule: LengthRule) -> String {
    let label = match field {
        LoginField::CustomId => "Custom ID",
        LoginField::DeviceId => "Device ID",
        LoginField::Email => "Email address",
        LoginField::Password => "Password",
    };
    match rule {
        LengthRule::Required => format!("{label} is required."),
        LengthRule::Bytes { min, max } => format!("{label} invalid, must be {min}-{max} bytes."),
    }
}

/// A path parameter that cannot be read (e.g. not UTF-8): 400 code 3.
impl From<axum::extract::rejection::PathRejection> for NakamaError {
    fn from(r: axum::extract::rejection::PathRejection) -> Self {
        let code = if r.status().is_server_error() {
            Code::Internal
        } else {
            Code::InvalidArgument
        };
        Self::new(code, r.body_text())
    }
}

/// Nakama's error body (grpc-gateway's): the message twice and the gRPC code.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct NakamaErrorBody {
    pub error: String,
    pub message: String,
    /// The gRPC status code (3 invalid argument, 5 not found, 16 unauthenticated, …).
    pub code: i32,
}

impl IntoResponse for NakamaError {
    fn into_response(self) -> Response {
        let body = NakamaErrorBody {
            error: self.message.clone(),
            message: self.message,
            code: self.code as i32,
        };
        (self.code.status(), Json(body)).into_response()
    }
}

/// The answer for a bare status (panics, unknown routes, a request line too long).
pub fn render_status(status: StatusCode) -> Response {
    match status {
        StatusCode::NOT_FOUND => NakamaError::not_found("Not Found").into_response(),
        StatusCode::METHOD_NOT_ALLOWED => {
            let body = NakamaErrorBody {
                error: "Method Not Allowed".into(),
                message: "Method Not Allowed".into(),
                code: 12,
            };
            (StatusCode::METHOD_NOT_ALLOWED, Json(body)).into_response()
        }
        // Nakama's gateway has no such answer (Go's server takes long paths); the shape is
        // its error's, the code InvalidArgument's (3).
        StatusCode::URI_TOO_LONG => {
            let body = NakamaErrorBody {
                error: "URI Too Long".into(),
                message: "URI Too Long".into(),
                code: 3,
            };
            (StatusCode::URI_TOO_LONG, Json(body)).into_response()
        }
        _ => NakamaError::new(Code::Internal, "Internal server error.").into_response(),
    }
}
