//! The web console under `/console`: server-rendered pages (maud) over the same core use
//! cases as the admin API, for operators signed in with an admin token.
//!
//! Sessions live in the database (only hashes), in an HttpOnly `SameSite=Strict` cookie;
//! every form carries the session's anti-forgery token and must come from this origin; the
//! operator's role decides which forms are shown and which posts are allowed, through the same
//! capabilities as the admin API ([`crate::core::access`]); every write is audited by its use
//! case. The
//! stylesheet and script are compiled in: the console works with no network.

mod assets;
mod audit;
mod bans;
mod dashboard;
mod events;
mod evr;
mod executions;
pub(crate) mod extract;
pub(crate) mod forms;
pub(crate) mod html;
mod layout;
mod matches;
mod orgs;
mod roles;
mod servers;
mod session;
pub mod surface;
mod users;

use crate::http::{panic, AppState};
use axum::routing::{get, post};
use axum::Router;

pub use assets::serve_favicon as favicon;

/// The console's routes (nested under `/console`).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(dashboard::show_dashboard))
        .route("/live", get(dashboard::show_live))
        .route("/events", get(events::stream_events))
        .route(
            "/sign-in",
            get(session::show_sign_in).post(session::sign_in),
        )
        .route("/sign-out", post(session::sign_out))
        .route("/assets/{name}", get(assets::serve_asset))
        .route("/orgs", get(orgs::list_orgs).post(orgs::create_org))
        .route("/orgs/{org_id}", get(orgs::show_org))
        .route("/orgs/{org_id}/supporter", post(orgs::set_supporter))
        .route("/orgs/{org_id}/keys", post(orgs::issue_key))
        .route("/keys/{key_id}/revoke", post(orgs::revoke_key))
        .route("/matches", get(matches::list_matches))
        .route("/matches/{match_id}", get(matches::show_match))
        .route(
            "/matches/{match_id}/stats.csv",
            get(matches::download_stats_csv),
        )
        .route("/servers", get(servers::list_servers))
        .route("/executions", get(executions::list_executions))
        .route(
            "/executions/{execution_id}/rerun",
            post(executions::rerun_execution),
        )
        .route("/bans", get(bans::list_bans).post(bans::create_ban))
        .route("/bans/{ban_id}/lift", post(bans::lift_ban))
        .route("/roles", get(roles::list_roles).post(roles::create_role))
        .route(
            "/roles/{role_id}",
            get(roles::show_role).post(roles::edit_role),
        )
        .route("/roles/{role_id}/up", post(roles::move_role_up))
        .route("/roles/{role_id}/grants", post(roles::set_grant))
        .route("/users", get(users::list_users))
        .route("/users/{user_id}", get(users::show_user))
        .route("/users/{user_id}/disable", post(users::disable_user))
        .route("/users/{user_id}/enable", post(users::enable_user))
        .route("/users/{user_id}/link", post(users::link_account))
        .route("/users/{user_id}/unlink", post(users::unlink_account))
        .route("/broadcasters", get(evr::list_broadcasters))
        .route("/broadcasters/{sid}/remove", post(evr::remove_broadcaster))
        .route("/lobbies", get(evr::list_lobbies))
        .route("/lobbies/{match_id}/end", post(evr::end_lobby))
        .route("/audit", get(audit::list_audit))
        .fallback(html::unknown_page)
        .method_not_allowed_fallback(html::wrong_method)
        .layer(axum::middleware::map_response(html::with_secure_headers))
        .layer(panic::layer(html::render_status))
}
