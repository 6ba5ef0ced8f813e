//! The player's link page, `/link/{token}`: the URL a game shows a player after issuing a
//! link token. The player signs in with their Backline account (or creates one), sees which
//! game account will be linked, and confirms; the page redeems the token with the same use
//! case as the `link/redeem` RPC. Same embedded assets, headers and form checks as the
//! console.

mod pages;
pub mod surface;

use crate::apis::console::html;
use crate::http::{panic, AppState};
use axum::routing::{get, post};
use axum::Router;

/// The link page's routes (nested under `/link`).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/{token}", get(pages::show_link).post(pages::confirm_link))
        .route("/{token}/sign-in", post(pages::sign_in))
        .route("/{token}/account", post(pages::create_account))
        .route("/{token}/sign-out", post(pages::sign_out))
        .fallback(html::unknown_page)
        .method_not_allowed_fallback(html::wrong_method)
        .layer(axum::middleware::map_response(html::with_secure_headers))
        .layer(panic::layer(html::render_status))
}
