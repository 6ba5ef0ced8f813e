//! Extractors of the game integration API: the server token, path parameters and the merged
//! parameters, each failing with an [`EmberError`].

use super::error::EmberError;
use crate::http::{credentials, AppState};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use backline_domain::ember::servers::GameServer;
use serde_json::Value;

/// The game server making the request, by `Authorization: Bearer <token>` (or `Bearer:`,
/// as the seed writes it; the rule is in `http::credentials`), within its request allowance.
/// A wrong token is a 401; the database being down is a 503, never a 401, so a plugin does
/// not give up on a token that is fine.
pub struct Server(pub GameServer);

impl FromRequestParts<AppState> for Server {
    type Rejection = EmberError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let server = state
            .core
            .authenticate_server(credentials::bearer(&parts.headers))
            .await?;
        state
            .rate_limiter
            .check(server.id.as_str(), state.config.ember.rate_limit_per_minute)
            .map_err(EmberError::too_many)?;
        Ok(Server(server))
    }
}

/// Query and body parameters merged (body wins), decoded once by the surface's middleware.
#[derive(Clone, Debug, Default)]
pub struct Params(pub Value);

impl Params {
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name)
    }

    /// A scalar parameter as text (numbers and booleans are accepted as their text).
    pub fn text(&self, name: &str) -> Result<Option<String>, EmberError> {
        match self.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(Value::Bool(b)) => Ok(Some(b.to_string())),
            Some(_) => Err(EmberError::invalid(
                name,
                format!("The {name} field must be a string."),
            )),
        }
    }

    /// A required, non-empty scalar parameter.
    pub fn required(&self, name: &str) -> Result<String, EmberError> {
        self.text(name)?
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| EmberError::invalid(name, format!("The {name} field is required.")))
    }

    /// An optional integer parameter.
    pub fn integer(&self, name: &str) -> Result<Option<i64>, EmberError> {
        match self.text(name)? {
            None => Ok(None),
            Some(s) if s.trim().is_empty() => Ok(None),
            Some(s) => s.trim().parse().map(Some).map_err(|_| {
                EmberError::invalid(name, format!("The {name} field must be an integer."))
            }),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = EmberError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<Params>()
            .cloned()
            .unwrap_or_default())
    }
}

pub use wrappers::Path;

// The one place that names axum's rejecting extractors (forbidden elsewhere by clippy.toml).
#[allow(clippy::disallowed_types)]
mod wrappers {
    use super::EmberError;
    use axum::extract::FromRequestParts;

    /// Path parameters; one that cannot be read is a JSON 400 in Laravel's shape. Handlers use
    /// this, never axum's `Path`.
    #[derive(FromRequestParts)]
    #[from_request(via(axum::extract::Path), rejection(EmberError))]
    pub struct Path<T>(pub T);
}
