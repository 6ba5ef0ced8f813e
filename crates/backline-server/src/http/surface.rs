//! Which surface a request path belongs to, for answers given before routing (too many
//! guesses, too slow a client), so they still come in that surface's error shape.

use crate::apis::ember::EmberError;
use crate::apis::nakama::NakamaError;
use crate::apis::spectra::SpectraError;
use crate::http::json_error::JsonError;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use std::time::Duration;

/// The surfaces, by path prefix; everything else answers in the operator surface's shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Surface {
    Spectra,
    Nakama,
    Ember,
    Admin,
    /// The HTML pages of the operator surface (`/console`, `/link`).
    Pages,
}

impl Surface {
    /// The surface serving `path` (the unknown-route fallback is the operator surface's).
    pub fn of(path: &str) -> Self {
        let under = |prefix: &str| {
            path.strip_prefix(prefix)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        };
        if under("/spectra") {
            Self::Spectra
        } else if under("/v2") || path == "/healthcheck" {
            Self::Nakama
        } else if under("/api/game") {
            Self::Ember
        } else if under("/console") || under("/link") {
            Self::Pages
        } else {
            Self::Admin
        }
    }

    /// 429 with `Retry-After` (whole seconds, at least 1).
    pub fn too_many_attempts(self, retry_after: Duration) -> Response {
        let message = "Too many failed attempts from this address; try again later.";
        let seconds = (retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0)).max(1);
        let mut response = match self {
            Self::Spectra => {
                SpectraError::new(StatusCode::TOO_MANY_REQUESTS, message).into_response()
            }
            Self::Nakama => NakamaError::too_many(message).into_response(),
            // Laravel's own throttle answer, `Retry-After` included.
            Self::Ember => return EmberError::too_many(seconds).into_response(),
            Self::Admin => JsonError::new(StatusCode::TOO_MANY_REQUESTS, message).into_response(),
            Self::Pages => page(StatusCode::TOO_MANY_REQUESTS, "Too many attempts", message),
        };
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        response
    }

    /// 408 with `Connection: close`: the client did not send its request in time.
    pub fn too_slow(self, what: &str) -> Response {
        let message = format!("The {what} was not received in time.");
        let mut response = match self {
            Self::Spectra => {
                SpectraError::new(StatusCode::REQUEST_TIMEOUT, message).into_response()
            }
            Self::Nakama => NakamaError::too_slow(message).into_response(),
            Self::Ember => EmberError::new(StatusCode::REQUEST_TIMEOUT, message).into_response(),
            Self::Admin => JsonError::new(StatusCode::REQUEST_TIMEOUT, message).into_response(),
            Self::Pages => page(StatusCode::REQUEST_TIMEOUT, "Too slow", &message),
        };
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
        response
    }
}

/// An HTML page with the operator pages' headers.
fn page(status: StatusCode, title: &str, message: &str) -> Response {
    let mut response = crate::apis::console::html::HtmlError::new(status, title, message)
        .without_back()
        .into_response();
    crate::apis::console::html::secure_headers(response.headers_mut());
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_to_their_surface_by_whole_segments() {
        assert_eq!(Surface::of("/spectra/system/x"), Surface::Spectra);
        assert_eq!(Surface::of("/spectrafoo"), Surface::Admin);
        assert_eq!(Surface::of("/v2/rpc/match"), Surface::Nakama);
        assert_eq!(Surface::of("/healthcheck"), Surface::Nakama);
        assert_eq!(Surface::of("/api/game/poll"), Surface::Ember);
        assert_eq!(Surface::of("/admin/v1/orgs"), Surface::Admin);
        assert_eq!(Surface::of("/"), Surface::Admin);
        assert_eq!(Surface::of("/console/sign-in"), Surface::Pages);
        assert_eq!(Surface::of("/link/abc"), Surface::Pages);
        assert_eq!(Surface::of("/linkage"), Surface::Admin);
    }

    #[test]
    fn too_many_attempts_rounds_the_wait_up_to_whole_seconds() {
        let r = Surface::Nakama.too_many_attempts(Duration::from_millis(1500));
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(r.headers()[header::RETRY_AFTER], "2");
        let r = Surface::Spectra.too_many_attempts(Duration::from_millis(10));
        assert_eq!(r.headers()[header::RETRY_AFTER], "1");
    }
}
