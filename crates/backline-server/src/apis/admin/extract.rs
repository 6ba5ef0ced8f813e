//! Extractors of the admin API: the admin token, path and query parameters and JSON bodies,
//! each failing with an [`AdminError`].

use super::AdminError;
use crate::core::admin_token::Operator;
use crate::http::body::{parse_json, read_failure};
use crate::http::AppState;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, MatchedPath, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

/// A request made with an admin token whose role permits the route.
pub struct Admin;

impl FromRequestParts<AppState> for Admin {
    type Rejection = AdminError;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        // Set by the route layer `access::authenticate_and_audit`, which refuses without one.
        let operator = parts.extensions.get::<Operator>().cloned().ok_or_else(|| {
            tracing::error!("admin route reached without the authenticating layer");
            AdminError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
        })?;
        let template = parts
            .extensions
            .get::<MatchedPath>()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_default();
        operator.check(&parts.method, &template)?;
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
