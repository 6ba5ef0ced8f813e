//! The Spectra backend as the shared plumbing sees it ([`Surface`]): its routes under
//! `/spectra`, its JSON error shape for answers given outside its handlers, and the paths
//! that take guesses at access keys and player-cam secrets.

use super::SpectraError;
use crate::apis::secrets;
use crate::http::guessing::SecretFamily;
use crate::http::surface::Surface;
use crate::http::AppState;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;

/// See the module header.
pub static SPECTRA: Surface = Surface {
    name: "spectra",
    prefixes: &["/spectra"],
    router: routes,
    render_status,
    render_too_many: |message, _| {
        SpectraError::new(StatusCode::TOO_MANY_REQUESTS, message).into_response()
    },
    render_too_slow: |message| {
        SpectraError::new(StatusCode::REQUEST_TIMEOUT, message).into_response()
    },
    render_bad_request: |message| {
        SpectraError::new(StatusCode::BAD_REQUEST, message).into_response()
    },
    guessed_at,
    before_routing: None,
};

fn routes(_: &AppState) -> Router<AppState> {
    Router::new().nest("/spectra", super::router())
}

fn render_status(status: StatusCode) -> Response {
    let message = match status {
        StatusCode::NOT_FOUND => "no such Spectra endpoint",
        StatusCode::METHOD_NOT_ALLOWED => "this endpoint does not accept that method",
        StatusCode::URI_TOO_LONG => "the request's path and query are too long",
        _ => "internal error",
    };
    SpectraError::new(status, message).into_response()
}

fn guessed_at(method: &Method, path: &str) -> Option<SecretFamily> {
    if method == Method::GET && path.starts_with("/spectra/system/validateAccessKey/") {
        return Some(secrets::ACCESS_KEY);
    }
    if path.starts_with("/spectra/playercam/api/getNameOverridesAndPlayercams/")
        || path.starts_with("/spectra/playercam/api/session/")
    {
        return Some(secrets::PLAYERCAM_SECRET);
    }
    None
}
