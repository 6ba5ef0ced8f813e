//! Extractors of the game integration API: the server token, path parameters and the merged
//! parameters (raw, or typed by [`Input`]), each failing with an [`EmberError`].

use super::error::EmberError;
use super::lenient;
use crate::http::{credentials, AppState};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use backline_domain::ember::servers::GameServer;
use serde::de::DeserializeOwned;
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
    /// One text parameter whose name is only known at run time (`admin_<source>_account_id`),
    /// read as [`lenient::text`] reads a field of a request struct.
    pub fn named_text(&self, name: &str) -> Result<Option<String>, EmberError> {
        lenient::decode_named(&self.0, name, lenient::text)
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

/// The merged parameters decoded into a request struct of [`super::fields`]; a parameter that
/// does not fit is Ember's 422 naming it ([`lenient::decode`]).
pub struct Input<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Input<T> {
    type Rejection = EmberError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let empty = Value::Object(Default::default());
        let params = parts.extensions.get::<Params>().map_or(&empty, |p| &p.0);
        lenient::decode(params).map(Input)
    }
}

pub use wrappers::Path;

// The one place that names axum's rejecting extractors (forbidden elsewhere by clippy.toml).
#[allow(clippy::disallowed_types)]
mod wrappers {
    use super::EmberError;
    use axum::extract::FromRequestParts;

    /// Path parameters, typed by the structs of `fields`; one that does not fit its type (an
    /// execution id that is not an integer) is Laravel's JSON 404, as its route model binding
    /// answers. Handlers use this, never axum's `Path`.
    #[derive(FromRequestParts)]
    #[from_request(via(axum::extract::Path), rejection(EmberError))]
    pub struct Path<T>(pub T);
}
