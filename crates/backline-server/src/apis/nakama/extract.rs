//! Extractors of the Nakama surface: server-key Basic auth, Bearer sessions, query flags and
//! JSON bodies, each failing with Nakama's envelope.

use super::error::NakamaError;
use crate::core::sessions::Claims;
use crate::http::{credentials, AppState};
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use backline_domain::secret::secrets_match;
use serde::de::DeserializeOwned;

/// A request authenticated with the server key (`/v2/account/authenticate/*`, refresh).
pub struct ServerKey;

impl FromRequestParts<AppState> for ServerKey {
    type Rejection = NakamaError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match credentials::basic_user(&parts.headers) {
            None => Err(NakamaError::unauthenticated("Server key required")),
            Some(key) if secrets_match(&key, &state.core.keys.server_key) => Ok(ServerKey),
            Some(_) => Err(NakamaError::unauthenticated("Server key invalid")),
        }
    }
}

/// A request with a valid session token (`Authorization: Bearer`, the rule of
/// `http::credentials`). A refused token is a 401; the database being down a 503.
pub struct Session(pub Claims);

impl FromRequestParts<AppState> for Session {
    type Rejection = NakamaError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = credentials::bearer(&parts.headers)
            .ok_or_else(|| NakamaError::unauthenticated("Auth token required"))?;
        let claims = state
            .core
            .verify_session(token)
            .await
            .map_err(|e| NakamaError::credential(e, "Auth token invalid"))?;
        Ok(Session(claims))
    }
}

/// Query parameters, decoded; nakama-js sends trailing `&` and empty values.
pub struct QueryPairs(pub Vec<(String, String)>);

impl QueryPairs {
    /// The pairs of a query string, percent-decoded, without those with an empty name.
    pub fn parse(query: &str) -> Self {
        let pairs = url::form_urlencoded::parse(query.as_bytes())
            .filter(|(k, _)| !k.is_empty())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        QueryPairs(pairs)
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(k, _)| k == name)
    }

    /// `?create=true` (Nakama's default for authenticate is true when absent).
    pub fn flag(&self, name: &str, default: bool) -> Result<bool, NakamaError> {
        match self.get(name) {
            None | Some("") => Ok(default),
            Some("true" | "1" | "True" | "TRUE") => Ok(true),
            Some("false" | "0" | "False" | "FALSE") => Ok(false),
            Some(other) => Err(NakamaError::invalid(format!(
                "Invalid value for {name}: `{other}`."
            ))),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for QueryPairs {
    type Rejection = NakamaError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(QueryPairs::parse(parts.uri.query().unwrap_or_default()))
    }
}

/// The raw body within the limit; over it is a 400 code 3, as in Nakama.
pub struct RawBody(pub Bytes);

impl FromRequest<AppState> for RawBody {
    type Rejection = NakamaError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let limit = state.config.body_limit_bytes;
        Bytes::from_request(req, state)
            .await
            .map(RawBody)
            .map_err(|e| NakamaError::invalid(crate::http::body::read_failure(e, limit).1))
    }
}

/// A JSON body of type `T` (an empty body reads as `{}`).
pub struct NakamaJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for NakamaJson<T> {
    type Rejection = NakamaError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let RawBody(bytes) = RawBody::from_request(req, state).await?;
        let bytes = if bytes.trim_ascii().is_empty() {
            Bytes::from_static(b"{}")
        } else {
            bytes
        };
        crate::http::body::parse_json(&bytes)
            .map(NakamaJson)
            .map_err(|(_, message)| NakamaError::invalid(message))
    }
}

pub use wrappers::Path;

// The one place that names axum's rejecting extractors (forbidden elsewhere by clippy.toml).
#[allow(clippy::disallowed_types)]
mod wrappers {
    use super::NakamaError;
    use axum::extract::FromRequestParts;

    /// Path parameters; one that cannot be read is a 400 code 3 in Nakama's envelope. Handlers
    /// use this, never axum's `Path`.
    #[derive(FromRequestParts)]
    #[from_request(via(axum::extract::Path), rejection(NakamaError))]
    pub struct Path<T>(pub T);
}
