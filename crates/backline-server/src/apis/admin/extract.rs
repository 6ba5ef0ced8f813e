//! Extractors of the admin API: path and query parameters and JSON bodies, each failing with
//! an [`AdminError`] (the admin token is read by the grant's extractor, `access.rs`).

use super::AdminError;
use crate::http::body::{parse_json, read_failure};
use crate::http::AppState;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;
use serde::Deserialize;

/// A JSON body of type `T`; an empty body, or `null`, reads as `{}`.
pub struct AdminJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for AdminJson<T> {
    type Rejection = AdminError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let limit = state.config.body_limit_bytes;
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| read_failure(e, limit))?;
        // No body, or `null` (an optional body left out, as a JSON client writes it).
        let bytes = if bytes.trim_ascii().is_empty() || bytes.trim_ascii() == b"null" {
            Bytes::from_static(b"{}")
        } else {
            bytes
        };
        // As an object only: a derived struct would also read an array by position.
        let backline_domain::json::Object(value) = parse_json(&bytes)?;
        Ok(Self(value))
    }
}

/// An optional integer field: JSON Schema's `integer` also allows an integral number written
/// with a fraction (`22767.0`), so it is read as that integer; a real fraction, a value out of
/// range or another type is refused. `null` reads as absent.
pub fn integer<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Option::<serde_json::Number>::deserialize(d)?
        .map(|n| {
            whole(&n)
                .ok_or_else(|| serde::de::Error::custom(format!("expected an integer, got {n}")))
        })
        .transpose()
}

/// As [`integer`], but `null` is refused: the field is left out to keep what is stored.
pub fn integer_not_null<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let n = serde_json::Number::deserialize(d)?;
    whole(&n)
        .map(Some)
        .ok_or_else(|| serde::de::Error::custom(format!("expected an integer, got {n}")))
}

/// The number as an `i64` when it is a whole number in range.
fn whole(n: &serde_json::Number) -> Option<i64> {
    n.as_i64().or_else(|| {
        let f = n.as_f64()?;
        // The range check keeps `as` from saturating.
        (f.fract() == 0.0 && f > i64::MIN as f64 && f < i64::MAX as f64).then_some(f as i64)
    })
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
