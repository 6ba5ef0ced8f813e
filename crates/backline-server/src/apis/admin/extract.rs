//! Extractors of the admin API: the admin token and JSON bodies.

use super::AdminError;
use crate::http::body::{parse_json, read_failure};
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
        let presented = parts
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        let configured = state.config.admin_token.as_ref().map(|s| s.expose());
        state
            .core
            .authenticate_admin(configured, presented)
            .await
            .map_err(|_| {
                AdminError::new(
                    StatusCode::UNAUTHORIZED,
                    "a valid admin token is required (Authorization: Bearer …)",
                )
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
