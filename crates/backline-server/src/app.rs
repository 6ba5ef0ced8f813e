//! The composition root: the one place that knows every surface and hands them to the
//! shared plumbing.
//!
//! Layering: `apis/` (one folder per surface) depends on `http/` (the plumbing every
//! surface shares) and `core/`; `http/` depends on no surface. Each surface describes
//! itself in its own `surface.rs` (a [`Surface`](crate::http::surface::Surface): its
//! paths, its routes, its error shape for answers given outside its handlers, the paths
//! where it takes guesses at secrets and what it runs before routing); [`SURFACES`] lists
//! them; [`app`] serves them. Adding a surface is a folder under `apis/` and a line here.

use crate::apis;
use crate::http::surface::Surfaces;
use crate::http::{self, AppState};
use axum::routing::get;
use axum::Router;

/// Every surface Backline serves. The operator surface is the default: it answers paths no
/// other surface claims (unknown routes are answered in its shape).
pub static SURFACES: Surfaces = Surfaces::new(
    &apis::admin::surface::OPERATOR,
    &[
        &apis::spectra::surface::SPECTRA,
        &apis::nakama::surface::NAKAMA,
        &apis::ember::surface::EMBER,
        &apis::console::surface::CONSOLE,
        &apis::link::surface::LINK,
    ],
);

/// The whole application as the main listener serves it: every surface of [`SURFACES`] on
/// the shared plumbing ([`http::app`]).
pub fn app(state: AppState) -> http::App {
    http::app(state, SURFACES)
}

/// What the metrics listener (`metrics_listen`) serves: `/metrics` without a token.
pub fn metrics_app(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(apis::admin::open_metrics))
        .with_state(state)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apis::secrets;
    use axum::http::{header, Method, StatusCode};
    use std::time::Duration;

    #[test]
    fn paths_map_to_their_surface_by_whole_segments() {
        let of = |path: &str| SURFACES.of(path).name;
        assert_eq!(of("/spectra/system/x"), "spectra");
        assert_eq!(of("/spectrafoo"), "admin");
        assert_eq!(of("/v2/rpc/match"), "nakama");
        assert_eq!(of("/healthcheck"), "nakama");
        assert_eq!(of("/api/game/poll"), "ember");
        assert_eq!(of("/admin/v1/orgs"), "admin");
        assert_eq!(of("/"), "admin");
        assert_eq!(of("/console/sign-in"), "console");
        assert_eq!(of("/link/abc"), "console");
        assert_eq!(of("/linkage"), "admin");
    }

    #[test]
    fn too_many_attempts_rounds_the_wait_up_to_whole_seconds() {
        let r = SURFACES
            .of("/v2/account")
            .too_many_attempts(Duration::from_millis(1500));
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(r.headers()[header::RETRY_AFTER], "2");
        let r = SURFACES
            .of("/spectra/x")
            .too_many_attempts(Duration::from_millis(10));
        assert_eq!(r.headers()[header::RETRY_AFTER], "1");
        let r = SURFACES
            .of("/api/game/poll")
            .too_many_attempts(Duration::from_millis(2500));
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(r.headers()[header::RETRY_AFTER], "3");
    }

    #[test]
    fn guarded_paths_are_recognised_and_others_are_not() {
        let get = Method::GET;
        let post = Method::POST;
        let cases = [
            (
                &get,
                "/spectra/system/validateAccessKey/abc",
                Some(secrets::ACCESS_KEY),
            ),
            (&get, "/spectra/supporter/abc", None),
            (
                &post,
                "/v2/account/authenticate/email",
                Some(secrets::PASSWORD),
            ),
            (&post, "/v2/account/authenticate/custom", None),
            (
                &post,
                "/v2/rpc/account/authenticate/password",
                Some(secrets::PASSWORD),
            ),
            (
                &post,
                "/v2/rpc/Account%2FAuthenticate%2FPassword",
                Some(secrets::PASSWORD),
            ),
            (&post, "/v2/rpc/link/redeem", Some(secrets::LINK_TOKEN)),
            (&post, "/v2/rpc/match/join", None),
            (
                &get,
                "/spectra/playercam/api/getNameOverridesAndPlayercams/i/s",
                Some(secrets::PLAYERCAM_SECRET),
            ),
            (
                &Method::PUT,
                "/spectra/playercam/api/session/i/players/A%23B",
                Some(secrets::PLAYERCAM_SECRET),
            ),
            (&get, "/admin/v1/orgs", None),
            (&post, "/console/sign-in", Some(secrets::ADMIN_TOKEN)),
            (&get, "/console/sign-in", None),
            (&get, "/link/abc", Some(secrets::LINK_TOKEN)),
            (&post, "/link/abc", Some(secrets::LINK_TOKEN)),
            (&post, "/link/abc/sign-in", Some(secrets::PASSWORD)),
            (&get, "/events", Some(secrets::STREAM_KEY)),
        ];
        for (method, path, expected) in cases {
            assert_eq!(SURFACES.guessed_at(method, path), expected, "{path}");
        }
    }

    #[test]
    fn which_statuses_are_failed_guesses() {
        let failed = |family: http::guessing::SecretFamily, status| (family.failed)(status);
        assert!(failed(secrets::ACCESS_KEY, StatusCode::UNAUTHORIZED));
        assert!(!failed(secrets::ACCESS_KEY, StatusCode::NOT_FOUND));
        assert!(failed(secrets::PASSWORD, StatusCode::NOT_FOUND));
        assert!(!failed(secrets::PASSWORD, StatusCode::UNPROCESSABLE_ENTITY));
        assert!(failed(secrets::LINK_TOKEN, StatusCode::NOT_FOUND));
        assert!(!failed(secrets::LINK_TOKEN, StatusCode::GONE));
        assert!(failed(secrets::PLAYERCAM_SECRET, StatusCode::UNAUTHORIZED));
        assert!(!failed(secrets::ADMIN_TOKEN, StatusCode::BAD_REQUEST));
    }

    #[test]
    fn only_the_game_integration_runs_something_before_routing() {
        let before: Vec<_> = SURFACES
            .all()
            .filter(|s| s.before_routing.is_some())
            .map(|s| s.name)
            .collect();
        assert_eq!(before, ["ember"]);
    }
}
