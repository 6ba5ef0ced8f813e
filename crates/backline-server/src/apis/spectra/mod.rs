//! The Spectra backend surface, under `/spectra`.
//!
//! Contract: `shared/docs/api/SPECTRA.md`. Spectra Server is configured with
//! `BACKEND_URL=…/spectra`, `SUPPORTER_CHECK_URL=…/spectra/supporter`,
//! `STATS_BACKEND_URL=…/spectra/stats` and `PLAYERCAM_URL=…/spectra/playercam`.
//! Every answer, errors included, is JSON: the real client parses every body.

mod access_keys;
mod error;
mod extract;
mod matches;
mod playercam;
mod session_page;
mod stats;
pub mod surface;

pub use error::SpectraError;

use crate::http::{panic, AppState};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::Router;

/// The Spectra surface's operations in the OpenAPI document: a handler joins the list when
/// its route joins the router below.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        access_keys::validate_access_key,
        access_keys::get_supporter,
        matches::register_match,
        matches::update_match,
        matches::complete_match,
        matches::reject_empty_register,
        matches::reject_empty_update,
        matches::reject_empty_complete,
        stats::add_match,
        stats::update_match_region,
        stats::fetch_player_mmr,
        stats::fetch_match_stats,
        playercam::create_session,
        playercam::get_name_overrides_and_playercams,
        session_page::session_page,
        session_page::session_asset,
        session_page::list_session_players,
        session_page::change_session_player,
    ),
    tags((name = "spectra", description = "The Spectra Server backend (BACKEND_URL=…/spectra)")),
)]
pub struct SpectraApi;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/system/validateAccessKey/{key}",
            get(access_keys::validate_access_key),
        )
        .route("/supporter/{org_id}", get(access_keys::get_supporter))
        .route(
            "/system/match/{match_id}/register",
            post(matches::register_match),
        )
        .route(
            "/system/match/{match_id}/update",
            put(matches::update_match),
        )
        .route(
            "/system/match/{match_id}/complete",
            put(matches::complete_match),
        )
        // Upstream: an empty matchId yields `/system/match//register`.
        .route(
            "/system/match//register",
            post(matches::reject_empty_register),
        )
        .route("/system/match//update", put(matches::reject_empty_update))
        .route(
            "/system/match//complete",
            put(matches::reject_empty_complete),
        )
        .route("/stats/addMatch", post(stats::add_match))
        .route("/stats/updateMatchRegion", post(stats::update_match_region))
        .route("/stats/fetchPlayerMMR", post(stats::fetch_player_mmr))
        .route("/stats/fetchMatchStats", post(stats::fetch_match_stats))
        .route(
            "/playercam/api/createSession",
            post(playercam::create_session),
        )
        .route(
            "/playercam/api/getNameOverridesAndPlayercams/{identifier}/{secret}",
            get(playercam::get_name_overrides_and_playercams),
        )
        .route(
            "/playercam/session/{identifier}",
            get(session_page::session_page),
        )
        .route("/playercam/assets/{name}", get(session_page::session_asset))
        .route(
            "/playercam/api/session/{identifier}/players",
            get(session_page::list_session_players),
        )
        .route(
            "/playercam/api/session/{identifier}/players/{full_name}",
            put(session_page::change_session_player),
        )
        .fallback(unknown_route)
        .method_not_allowed_fallback(wrong_method)
        .layer(panic::layer(render_status))
}

fn render_status(status: StatusCode) -> Response {
    SpectraError::new(status, "internal error").into_response()
}

async fn unknown_route() -> SpectraError {
    SpectraError::new(StatusCode::NOT_FOUND, "no such Spectra endpoint")
}

async fn wrong_method() -> SpectraError {
    SpectraError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "this endpoint does not accept that method",
    )
}
