//! What a surface (an API with its own error shape: Spectra, Nakama, the game integration,
//! the operator pages…) brings to the shared plumbing, and which surface a request path
//! belongs to.
//!
//! The plumbing answers some requests outside any handler: too many guesses (429), too slow
//! a client (408), a panic (500), an unknown route of the root (404, 405). Those answers
//! come in the shape of the surface the path names, so a client always reads the errors it
//! knows. Each surface describes itself in one [`Surface`] (a `static` in its own folder);
//! the composition root (`crate::app`) lists them in one [`Surfaces`]. This module knows
//! none of them by name.
//!
//! Everything here is `'static` and `Copy`: telling a request's surface is a walk over a
//! few string prefixes, with no allocation and no reference count.

use super::guessing::SecretFamily;
use super::AppState;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::Response;
use axum::Router;
use std::time::Duration;

/// One surface, as the shared plumbing sees it.
pub struct Surface {
    /// Its label in metrics (`surface="…"`); surfaces may share one.
    pub name: &'static str,
    /// The paths it serves, matched by whole segments: `/v2` takes `/v2` and `/v2/…`, not
    /// `/v2x`. The default surface ([`Surfaces::default`]) also takes every path no other
    /// surface claims.
    pub prefixes: &'static [&'static str],
    /// Its routes, at their full paths (a surface nests its own router under its prefix).
    pub router: fn(&AppState) -> Router<AppState>,
    /// The answer for a bare status given outside its handlers: 500 after a panic, 414 for a
    /// request line too long, and for the default surface 404 (no route) and 405 (a route
    /// without that method).
    pub render_status: fn(StatusCode) -> Response,
    /// The body of a 429 for too many failed guesses, given the message and the whole
    /// seconds to wait (the plumbing adds `Retry-After`).
    pub render_too_many: fn(&str, u64) -> Response,
    /// The body of a 408 for a request not received in time, given the message (the
    /// plumbing adds `Connection: close`).
    pub render_too_slow: fn(String) -> Response,
    /// The body of a 400 given before anything could be read as HTTP (plain HTTP sent to
    /// the HTTPS port), given the message (the plumbing adds `Connection: close`).
    pub render_bad_request: fn(String) -> Response,
    /// Which family of secrets `method path` takes guesses at, if any (paths as the router
    /// sees them, before percent-decoding). The family tells which statuses are a failed
    /// guess.
    pub guessed_at: fn(&Method, &str) -> Option<SecretFamily>,
    /// What must run on its requests before routing (see
    /// [`before_routing`](super::before_routing)), if anything.
    pub before_routing: Option<super::before_routing::Prepare>,
}

impl std::fmt::Debug for Surface {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Surface")
            .field("name", &self.name)
            .field("prefixes", &self.prefixes)
            .finish_non_exhaustive()
    }
}

impl Surface {
    /// Whether `path` is one of this surface's, by its prefixes (whole segments).
    pub fn claims(&self, path: &str) -> bool {
        self.prefixes.iter().any(|prefix| {
            path.strip_prefix(prefix)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        })
    }

    /// 429 with `Retry-After` (whole seconds, at least 1).
    pub fn too_many_attempts(&self, retry_after: Duration) -> Response {
        let message = "Too many failed attempts from this address; try again later.";
        let seconds = (retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0)).max(1);
        let mut response = (self.render_too_many)(message, seconds);
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        response
    }

    /// 414 with `Connection: close`: the request line is longer than the server reads.
    pub fn uri_too_long(&self) -> Response {
        let mut response = (self.render_status)(StatusCode::URI_TOO_LONG);
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
        response
    }

    /// 408 with `Connection: close`: the client did not send its request in time.
    pub fn too_slow(&self, what: &str) -> Response {
        let message = format!("The {what} was not received in time.");
        let mut response = (self.render_too_slow)(message);
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
        response
    }
}

/// Every surface the application serves: the default one (the answer for paths no other
/// claims) and the others, tried in order.
#[derive(Clone, Copy, Debug)]
pub struct Surfaces {
    default: &'static Surface,
    others: &'static [&'static Surface],
}

impl Surfaces {
    /// `default` answers paths none of `others` claims.
    pub const fn new(default: &'static Surface, others: &'static [&'static Surface]) -> Self {
        Self { default, others }
    }

    /// The surface serving `path`.
    pub fn of(&self, path: &str) -> &'static Surface {
        self.others
            .iter()
            .copied()
            .find(|surface| surface.claims(path))
            .unwrap_or(self.default)
    }

    /// The surface of paths no other surface claims (unknown routes are answered in its
    /// shape).
    pub fn default(&self) -> &'static Surface {
        self.default
    }

    /// Every surface, the default one first.
    pub fn all(&self) -> impl Iterator<Item = &'static Surface> {
        std::iter::once(self.default).chain(self.others.iter().copied())
    }

    /// The family of secrets `method path` takes guesses at, if any (asked of the surface
    /// serving `path`).
    pub fn guessed_at(&self, method: &Method, path: &str) -> Option<SecretFamily> {
        (self.of(path).guessed_at)(method, path)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use axum::response::IntoResponse;

    fn plain(status: StatusCode) -> Response {
        status.into_response()
    }

    fn too_many(_: &str, _: u64) -> Response {
        StatusCode::TOO_MANY_REQUESTS.into_response()
    }

    fn too_slow(_: String) -> Response {
        StatusCode::REQUEST_TIMEOUT.into_response()
    }

    fn bad_request(_: String) -> Response {
        StatusCode::BAD_REQUEST.into_response()
    }

    fn no_guesses(_: &Method, _: &str) -> Option<SecretFamily> {
        None
    }

    fn empty(_: &AppState) -> Router<AppState> {
        Router::new()
    }

    /// A surface that answers bare statuses and takes no guesses, under `prefixes`.
    pub(crate) const fn fake(name: &'static str, prefixes: &'static [&'static str]) -> Surface {
        Surface {
            name,
            prefixes,
            router: empty,
            render_status: plain,
            render_too_many: too_many,
            render_too_slow: too_slow,
            render_bad_request: bad_request,
            guessed_at: no_guesses,
            before_routing: None,
        }
    }

    static ROOT: Surface = fake("root", &[]);
    static GAME: Surface = fake("game", &["/api/game"]);
    static PAGES: Surface = fake("pages", &["/pages", "/link"]);
    static SURFACES: Surfaces = Surfaces::new(&ROOT, &[&GAME, &PAGES]);

    #[test]
    fn paths_map_to_their_surface_by_whole_segments() {
        assert_eq!(SURFACES.of("/api/game").name, "game");
        assert_eq!(SURFACES.of("/api/game/poll").name, "game");
        assert_eq!(SURFACES.of("/api/gamex").name, "root");
        assert_eq!(SURFACES.of("/link/abc").name, "pages");
        assert_eq!(SURFACES.of("/linkage").name, "root");
        assert_eq!(SURFACES.of("/pages").name, "pages");
        assert_eq!(SURFACES.of("/").name, "root");
        let names: Vec<_> = SURFACES.all().map(|s| s.name).collect();
        assert_eq!(names, ["root", "game", "pages"]);
    }

    #[test]
    fn too_many_attempts_rounds_the_wait_up_to_whole_seconds() {
        let r = GAME.too_many_attempts(Duration::from_millis(1500));
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(r.headers()[header::RETRY_AFTER], "2");
        let r = GAME.too_many_attempts(Duration::from_millis(10));
        assert_eq!(r.headers()[header::RETRY_AFTER], "1");
    }

    #[test]
    fn too_slow_closes_the_connection() {
        let r = PAGES.too_slow("request head");
        assert_eq!(r.status(), StatusCode::REQUEST_TIMEOUT);
        assert_eq!(r.headers()[header::CONNECTION], "close");
    }
}
