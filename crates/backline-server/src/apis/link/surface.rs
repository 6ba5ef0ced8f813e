//! The player's link page as the shared plumbing sees it ([`Surface`]): its pages under
//! `/link`, the console's HTML error pages for answers given outside its handlers (counted
//! with the console in metrics), and its paths, which all take guesses at a link token,
//! and its sign-in form, which takes guesses at a password.

use crate::apis::console::html;
use crate::apis::console::surface::page;
use crate::apis::secrets;
use crate::http::guessing::SecretFamily;
use crate::http::surface::Surface;
use crate::http::AppState;
use axum::http::{Method, StatusCode};
use axum::Router;

/// See the module header.
pub static LINK: Surface = Surface {
    name: "console",
    prefixes: &["/link"],
    router: routes,
    render_status: html::render_status,
    render_too_many: |message, _| page(StatusCode::TOO_MANY_REQUESTS, "Too many attempts", message),
    render_too_slow: |message| page(StatusCode::REQUEST_TIMEOUT, "Too slow", &message),
    render_bad_request: |message| page(StatusCode::BAD_REQUEST, "Bad request", &message),
    guessed_at,
    before_routing: None,
};

fn routes(_: &AppState) -> Router<AppState> {
    Router::new().nest("/link", super::router())
}

/// Every request names a link token; the sign-in form takes a password.
fn guessed_at(method: &Method, path: &str) -> Option<SecretFamily> {
    let rest = path.strip_prefix("/link/")?;
    Some(if method == Method::POST && rest.ends_with("/sign-in") {
        secrets::PASSWORD
    } else {
        secrets::LINK_TOKEN
    })
}
