//! Extractors of the Spectra surface: the two token headers, path parameters and JSON
//! bodies, each failing with a [`SpectraError`].

use super::SpectraError;
use crate::http::body::{parse_json, read_failure};
use crate::http::AppState;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use backline_domain::tokens::{ApiToken, ApiTokenKind};
use serde::de::DeserializeOwned;

fn header<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts.headers.get(name).and_then(|v| v.to_str().ok())
}

/// A request carrying a valid backend token in `X-User-Token`.
pub struct BackendToken(#[allow(dead_code)] pub ApiToken);

impl FromRequestParts<AppState> for BackendToken {
    type Rejection = SpectraError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let presented = header(parts, "x-user-token");
        Ok(Self(
            state
                .core
                .authenticate_api_token(ApiTokenKind::SpectraBackend, presented)
                .await?,
        ))
    }
}

/// A request carrying a valid stats token.
/// Upstream: Spectra sends it as `Authentication` (sic), not `Authorization`.
pub struct StatsToken(#[allow(dead_code)] pub ApiToken);

impl FromRequestParts<AppState> for StatsToken {
    type Rejection = SpectraError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let presented = header(parts, "authentication");
        Ok(Self(
            state
                .core
                .authenticate_api_token(ApiTokenKind::SpectraStats, presented)
                .await?,
        ))
    }
}

/// The raw body, within the configured limit.
pub struct RawBody(pub Bytes);

impl FromRequest<AppState> for RawBody {
    type Rejection = SpectraError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let limit = state.config.body_limit_bytes;
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| read_failure(e, limit))?;
        Ok(Self(bytes))
    }
}

/// A JSON body of type `T`. Spectra always sends `Content-Type: application/json`, but the
/// header is not required.
pub struct SpectraJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for SpectraJson<T> {
    type Rejection = SpectraError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let RawBody(bytes) = RawBody::from_request(req, state).await?;
        Ok(Self(parse_json(&bytes)?))
    }
}

pub use wrappers::Path;

// The one place that names axum's rejecting extractors (forbidden elsewhere by clippy.toml).
#[allow(clippy::disallowed_types)]
mod wrappers {
    use super::SpectraError;
    use axum::extract::FromRequestParts;

    /// Path parameters; one that cannot be read (not UTF-8, missing) is a JSON 400 in Spectra's
    /// shape. Handlers use this, never axum's `Path`.
    #[derive(FromRequestParts)]
    #[from_request(via(axum::extract::Path), rejection(SpectraError))]
    pub struct Path<T>(pub T);
}
