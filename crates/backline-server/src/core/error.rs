//! Decisions the core can refuse, independent of any surface's error shape.

use backline_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// A named thing does not exist (what, which).
    #[error("{0} not found")]
    NotFound(String),
    /// Input that could not be read at all (not JSON, not a form).
    #[error("{0}")]
    Malformed(String),
    /// Input that parsed but breaks a rule; the field and what to change.
    #[error("{field}: {problem}")]
    Invalid {
        field: &'static str,
        problem: String,
    },
    /// A missing, unknown or revoked credential.
    #[error("unauthorized")]
    Unauthorized,
    /// A credential that was valid but expired.
    #[error("credential expired")]
    Expired,
    /// The caller may not do this (what, in the message).
    #[error("{0}")]
    Forbidden(String),
    /// Something with that name or id exists already.
    #[error("{0}")]
    Conflict(String),
    /// The request is well-formed but the state does not allow it now.
    #[error("{0}")]
    Precondition(String),
    /// A failure that is not the caller's fault; logged, answered opaquely.
    #[error("{0}")]
    Internal(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl CoreError {
    pub fn invalid(field: &'static str, problem: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            problem: problem.into(),
        }
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        Self::NotFound(what.into())
    }

    /// Whether the database could not be used at all (the store's
    /// [`StoreError::Unavailable`]): answered 503, not as a refusal of the caller.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::Store(e) if e.is_unavailable())
    }

    /// Whether the caller's credential was refused (missing, unknown, revoked or expired).
    pub fn is_credential_refusal(&self) -> bool {
        matches!(self, Self::Unauthorized | Self::Expired)
    }
}

pub type CoreResult<T> = Result<T, CoreError>;
