//! The one error type of the SDK.
//!
//! Every call of every surface fails with an [`Error`]. An answer Backline gave keeps its
//! HTTP status and the surface's own error body ([`ErrorBody`]: each surface words errors in
//! the shape its upstream clients expect), so a caller can branch on what Backline said
//! rather than on a sentence. Errors that never reached an answer (a timeout, a refused
//! connection) say how many attempts were made.

use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Duration;

/// Which of Backline's surfaces answered: each has its own error body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Surface {
    /// `/api/game/…`: Laravel's `{"message", "errors"?}`.
    Game,
    /// `/spectra/…`: `{"error", "message"}`.
    Spectra,
    /// `/v2/…`: Nakama's `{"error", "message", "code"}`.
    Nakama,
    /// `/admin/v1/…`: `{"error", "message"}`.
    Admin,
}

/// The error body of the admin API and the Spectra surface: a stable code and a sentence.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct BacklineErrorBody {
    /// A machine-readable code: `unauthorized`, `not_found`, `invalid`, `conflict`,
    /// `unavailable`, …
    pub error: String,
    /// What went wrong, in a sentence.
    pub message: String,
}

/// Nakama's error body: the gRPC code decides the HTTP status.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct NakamaErrorBody {
    /// Nakama's detail (usually the message again; any JSON value).
    #[serde(default)]
    pub error: Value,
    pub message: String,
    /// The gRPC status code: 3 invalid argument, 5 not found, 6 already exists, 7
    /// permission denied, 8 resource exhausted, 9 failed precondition, 13 internal, 14
    /// unavailable, 16 unauthenticated.
    pub code: i32,
}

/// The game integration's (Laravel's) error body.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct GameErrorBody {
    pub message: String,
    /// For a 422: the messages by field (`players.steam`, `name`, …).
    #[serde(default)]
    pub errors: BTreeMap<String, Vec<String>>,
}

/// An error body in its surface's shape, or the raw text when it was not in that shape
/// (a proxy's HTML page, an empty body).
#[derive(Clone, Debug, PartialEq)]
pub enum ErrorBody {
    Backline(BacklineErrorBody),
    Nakama(NakamaErrorBody),
    Game(GameErrorBody),
    /// Not the surface's shape; at most the first 1 KiB of the body.
    Raw(String),
}

impl ErrorBody {
    /// Reads `bytes` as `surface`'s error body.
    pub(crate) fn parse(surface: Surface, bytes: &[u8]) -> Self {
        let parsed = match surface {
            Surface::Game => serde_json::from_slice(bytes).ok().map(Self::Game),
            Surface::Nakama => serde_json::from_slice(bytes).ok().map(Self::Nakama),
            Surface::Spectra | Surface::Admin => {
                serde_json::from_slice(bytes).ok().map(Self::Backline)
            }
        };
        parsed.unwrap_or_else(|| Self::Raw(snippet(bytes)))
    }

    /// The sentence Backline gave, whatever the shape.
    pub fn message(&self) -> &str {
        match self {
            Self::Backline(b) => &b.message,
            Self::Nakama(b) => &b.message,
            Self::Game(b) => &b.message,
            Self::Raw(text) => text,
        }
    }
}

/// At most the first 1 KiB of a body, as text.
pub(crate) fn snippet(bytes: &[u8]) -> String {
    let end = bytes.len().min(1024);
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Backline answered with an error status (after any retries the call allows).
    #[error("{surface:?} answered {status}: {}", .body.message())]
    Api {
        surface: Surface,
        /// The HTTP status.
        status: u16,
        /// The body, in the surface's shape.
        body: ErrorBody,
        /// What `Retry-After` (or `X-RateLimit-Reset`) asked for, if anything.
        retry_after: Option<Duration>,
        /// How many requests were sent.
        attempts: u32,
    },
    /// No answer within the call's timeout, on every attempt the call allows.
    #[error("no answer within {timeout:?} ({attempts} attempt(s))")]
    Timeout { timeout: Duration, attempts: u32 },
    /// The request could not be sent or its answer not read (refused or reset connection, a
    /// broken body), on every attempt the call allows.
    #[error("transport failure after {attempts} attempt(s): {source}")]
    Transport {
        #[source]
        source: reqwest::Error,
        attempts: u32,
    },
    /// A success answer whose body is not what the call expects.
    #[error("unexpected answer body ({status}): {source}; body starts {snippet:?}")]
    Decode {
        status: u16,
        #[source]
        source: serde_json::Error,
        snippet: String,
    },
    /// The base URL or a value given to the SDK cannot make a request.
    #[error("invalid input: {0}")]
    InvalidInput(String),
}

impl Error {
    /// The HTTP status of an [`Error::Api`] answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The surface's error body of an [`Error::Api`] answer.
    pub fn body(&self) -> Option<&ErrorBody> {
        match self {
            Self::Api { body, .. } => Some(body),
            _ => None,
        }
    }

    /// Whether repeating the same call later could succeed: throttling, a gateway or an
    /// outage (429, 502, 503, 504), a timeout or a broken connection. Never a refused
    /// credential or a rejected request.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Api { status, .. } => is_transient_status(*status),
            Self::Timeout { .. } | Self::Transport { .. } => true,
            Self::Decode { .. } | Self::InvalidInput(_) => false,
        }
    }
}

/// The statuses worth another attempt: 429 and the gateway and outage 5xx.
pub(crate) fn is_transient_status(status: u16) -> bool {
    matches!(status, 429 | 502 | 503 | 504)
}

/// The result of every SDK call.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_surface_reads_its_own_error_shape_and_anything_else_stays_raw() {
        let game = ErrorBody::parse(
            Surface::Game,
            br#"{"message":"The name is invalid.","errors":{"name":["The name is invalid."]}}"#,
        );
        assert!(
            matches!(&game, ErrorBody::Game(b) if b.errors["name"] == ["The name is invalid."])
        );
        let nakama = ErrorBody::parse(
            Surface::Nakama,
            br#"{"error":"Auth token invalid","message":"Auth token invalid","code":16}"#,
        );
        assert!(matches!(&nakama, ErrorBody::Nakama(b) if b.code == 16));
        let admin = ErrorBody::parse(Surface::Admin, br#"{"error":"not_found","message":"no"}"#);
        assert_eq!(admin.message(), "no");
        let proxy = ErrorBody::parse(Surface::Spectra, b"<html>502 Bad Gateway</html>");
        assert_eq!(proxy, ErrorBody::Raw("<html>502 Bad Gateway</html>".into()));
        let long = ErrorBody::parse(Surface::Admin, &[b'x'; 5000]);
        assert!(matches!(long, ErrorBody::Raw(text) if text.len() == 1024));
    }

    #[test]
    fn throttling_and_outages_are_transient_and_refusals_are_not() {
        let api = |status| Error::Api {
            surface: Surface::Admin,
            status,
            body: ErrorBody::Raw(String::new()),
            retry_after: None,
            attempts: 1,
        };
        for status in [429, 502, 503, 504] {
            assert!(api(status).is_transient(), "{status}");
        }
        for status in [400, 401, 403, 404, 409, 422, 500] {
            assert!(!api(status).is_transient(), "{status}");
        }
        assert_eq!(api(404).status(), Some(404));
        let timeout = Error::Timeout {
            timeout: Duration::from_secs(1),
            attempts: 2,
        };
        assert!(timeout.is_transient() && timeout.status().is_none());
    }
}
