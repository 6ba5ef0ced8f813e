//! The operator surface's admin API, under `/admin/v1`: each handler asks for the grant of
//! the capability its use case requires, made from an admin token (`Authorization: Bearer
//! …`) whose role has it ([`access`]). It mirrors the admin CLI: both call the same core use
//! cases, which record their own changes in the audit log.

mod access;
mod bans;
mod broadcasters;
mod error;
mod evr_matches;
mod executions;
pub(crate) mod extract;
pub(crate) mod idempotency;
mod link_tokens;
mod matches;
mod metrics;
mod nakama_keys;
mod operators;
mod orgs;
mod paging;
mod playercams;
mod players;
mod roles;
mod servers;
pub mod surface;
mod tokens;
mod users;

pub use error::AdminError;
pub use metrics::scrape_open as open_metrics;

use crate::http::{panic, AppState};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::Router;

/// The admin API's operations in the OpenAPI document (with `/metrics`): a handler joins
/// the list when its route joins the router below.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        operators::list_admin_tokens,
        operators::issue_admin_token,
        operators::revoke_admin_token,
        operators::list_audit,
        users::list_users,
        users::create_user,
        users::get_user,
        users::disable_user,
        users::enable_user,
        users::set_password,
        users::link_account,
        users::unlink_account,
        users::add_group,
        users::remove_group,
        nakama_keys::get_nakama_keys,
        link_tokens::list_link_tokens,
        link_tokens::revoke_link_token,
        servers::list_servers,
        servers::create_server,
        servers::get_server,
        servers::edit_server,
        servers::rotate_server_token,
        servers::list_games,
        servers::get_game,
        roles::list_roles,
        roles::create_role,
        roles::get_role,
        roles::edit_role,
        roles::reorder_roles,
        roles::list_role_holders,
        roles::grant_role,
        roles::revoke_role,
        bans::list_bans,
        bans::create_ban,
        bans::get_ban,
        bans::lift_ban,
        executions::queue_action,
        executions::kick_player,
        executions::list_executions,
        executions::get_execution,
        executions::rerun_execution,
        orgs::list_orgs,
        orgs::create_org,
        orgs::get_org,
        orgs::set_supporter,
        orgs::list_keys,
        orgs::issue_key,
        orgs::revoke_key,
        tokens::list_tokens,
        tokens::issue_token,
        tokens::revoke_token,
        players::list_players,
        players::edit_player,
        matches::list_matches,
        matches::get_match,
        matches::get_match_stats,
        matches::get_match_stats_csv,
        playercams::list_sessions,
        playercams::create_session,
        playercams::list_players,
        playercams::change_player,
        broadcasters::list_broadcasters,
        broadcasters::get_broadcaster,
        broadcasters::remove_broadcaster,
        evr_matches::list_matches,
        evr_matches::get_match,
        evr_matches::end_match,
        metrics::scrape,
    ),
    tags((name = "admin", description = "The admin API: everything the admin CLI does")),
)]
pub struct AdminApi;

/// The admin API's routes; each handler asks for the grant its use case requires ([`access`]).
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/admin-tokens",
            get(operators::list_admin_tokens).post(operators::issue_admin_token),
        )
        .route(
            "/admin-tokens/{id_or_name}",
            delete(operators::revoke_admin_token),
        )
        .route("/audit", get(operators::list_audit))
        .route("/users", get(users::list_users).post(users::create_user))
        .route("/users/{user_id}", get(users::get_user))
        .route("/users/{user_id}/disable", post(users::disable_user))
        .route("/users/{user_id}/enable", post(users::enable_user))
        .route("/users/{user_id}/password", put(users::set_password))
        .route("/users/{user_id}/links", post(users::link_account))
        .route(
            "/users/{user_id}/links/{source}",
            delete(users::unlink_account),
        )
        .route(
            "/users/{user_id}/groups/{group}",
            put(users::add_group).delete(users::remove_group),
        )
        .route("/nakama/keys", get(nakama_keys::get_nakama_keys))
        .route("/link-tokens", get(link_tokens::list_link_tokens))
        .route(
            "/link-tokens/{token_id}",
            delete(link_tokens::revoke_link_token),
        )
        .route("/orgs", get(orgs::list_orgs).post(orgs::create_org))
        .route("/orgs/{org_id}", get(orgs::get_org))
        .route("/orgs/{org_id}/supporter", put(orgs::set_supporter))
        .route(
            "/orgs/{org_id}/keys",
            get(orgs::list_keys).post(orgs::issue_key),
        )
        .route("/keys/{key_id}", delete(orgs::revoke_key))
        .route(
            "/tokens",
            get(tokens::list_tokens).post(tokens::issue_token),
        )
        .route("/tokens/{token_id}", delete(tokens::revoke_token))
        .route("/players", get(players::list_players))
        .route("/players/{puuid}", put(players::edit_player))
        .route("/matches", get(matches::list_matches))
        .route("/matches/{match_id}", get(matches::get_match))
        .route("/matches/{match_id}/stats", get(matches::get_match_stats))
        .route(
            "/matches/{match_id}/stats.csv",
            get(matches::get_match_stats_csv),
        )
        .route("/broadcasters", get(broadcasters::list_broadcasters))
        .route(
            "/broadcasters/{sid}",
            get(broadcasters::get_broadcaster).delete(broadcasters::remove_broadcaster),
        )
        .route("/evr/matches", get(evr_matches::list_matches))
        .route("/evr/matches/{match_id}", get(evr_matches::get_match))
        .route("/evr/matches/{match_id}/end", post(evr_matches::end_match))
        .route(
            "/orgs/{org_id}/playercam-sessions",
            get(playercams::list_sessions).post(playercams::create_session),
        )
        .route(
            "/playercam-sessions/{identifier}/players",
            get(playercams::list_players),
        )
        .route(
            "/playercam-sessions/{identifier}/players/{full_name}",
            put(playercams::change_player),
        )
        .merge(ember_routes())
        .fallback(unknown_route)
        .method_not_allowed_fallback(wrong_method)
        .layer(panic::layer(render_status))
}

/// The game integration's servers, games, roles and grants, bans, actions and executions.
fn ember_routes() -> Router<AppState> {
    Router::new()
        .route(
            "/servers",
            get(servers::list_servers).post(servers::create_server),
        )
        .route(
            "/servers/{server_id}",
            get(servers::get_server).patch(servers::edit_server),
        )
        .route(
            "/servers/{server_id}/token",
            post(servers::rotate_server_token),
        )
        .route("/games", get(servers::list_games))
        .route("/games/{game}", get(servers::get_game))
        .route("/roles", get(roles::list_roles).post(roles::create_role))
        .route("/roles/order", put(roles::reorder_roles))
        .route(
            "/roles/{role_id}",
            get(roles::get_role).patch(roles::edit_role),
        )
        .route("/roles/{role_id}/grants", get(roles::list_role_holders))
        .route(
            "/roles/{role_id}/grants/{source}/{account_id}",
            put(roles::grant_role).delete(roles::revoke_role),
        )
        .route("/bans", get(bans::list_bans).post(bans::create_ban))
        .route("/bans/{ban_id}", get(bans::get_ban))
        .route("/bans/{ban_id}/lift", post(bans::lift_ban))
        .route("/actions", post(executions::queue_action))
        .route("/kicks", post(executions::kick_player))
        .route("/executions", get(executions::list_executions))
        .route("/executions/{execution_id}", get(executions::get_execution))
        .route(
            "/executions/{execution_id}/rerun",
            post(executions::rerun_execution),
        )
}

/// `GET /metrics` on the main listener, behind an admin token like the admin API (every role
/// may read it).
pub fn metrics_router() -> Router<AppState> {
    Router::new().route("/metrics", get(metrics::scrape))
}

/// The operator surface's answer for a status with no more to say (panics).
pub fn render_status(status: StatusCode) -> Response {
    AdminError::new(status, "internal error").into_response()
}

/// Unknown routes of the operator surface, and of the root (no surface claimed them).
pub async fn unknown_route() -> AdminError {
    AdminError::new(StatusCode::NOT_FOUND, "no such endpoint")
}

pub async fn wrong_method() -> AdminError {
    AdminError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "this endpoint does not accept that method",
    )
}
