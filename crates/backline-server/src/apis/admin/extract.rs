//! Extractors of the admin API: the admin token, path and query parameters and JSON bodies,
//! each failing with an [`AdminError`].

use super::AdminError;
use crate::core::CoreError;
use crate::http::body::{parse_json, read_failure};
use crate::http::credentials;
use crate::http::AppState;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

/// A request made with the admin token.
pub struct Admin;

impl FromRequestParts<AppState> for Admin {
    type Rejection = AdminError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let presented = credentials::bearer(&parts.headers);
        let configured = state.config.admin_token.as_ref().map(|s| s.expose());
        state
            .core
            .authenticate_admin(configured, presented)
            .await
            .map_err(|e| match e {
                CoreError::Unauthorized => AdminError::new(
                    StatusCode::UNAUTHORIZED,
                    "a valid admin token is required (Authorization: Bearer …)",
                ),
                other => other.into(),
            })?;
        Ok(Admin)
    }
}

/// A JSON body of type `T`; an empty body reads as `{}`.
pub struct AdminJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for AdminJson<T> {
    type Rejection = AdminError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let limit = state.config.body_limit_bytes;
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| read_failure(e, limit))?;
        let bytes = if bytes.trim_ascii().is_empty() {
            Bytes::from_static(b"{}")
        } else {
            bytes
        };
        Ok(Self(parse_json(&bytes)?))
    }
}

pub use wrappers::{Path, Query};

// The one place that names axum's rejecting extractors (forbidden elsewhere by clippy.toml).
#[allow(clippy::disallowed_types)]
mod wrappers {
    use super::AdminError;
    use axum::extract::FromRequestParts;

    /// Path parameters; one that cannot be read is a JSON 400. Handlers use this, never axum's
    /// `Path`.
    #[derive(FromRequestParts)]
    #[from_request(via(axum::extract::Path), rejection(AdminError))]
    pub struct Path<T>(pub T);

    /// Query parameters; a query string that does not fit (`?limit=abc`) is a JSON 400 naming
    /// the parameter. Handlers use this, never axum's `Query`.
    #[derive(FromRequestParts)]
    #[from_request(via(axum::extract::Query), rejection(AdminError))]
    pub struct Query<T>(pub T);
}
