//! The player-cam session page: a small web page at the session's URL where an organisation
//! turns cameras on and sets the names overlays show, plus the JSON endpoints it calls.
//!
//! Backline's own addition to the Spectra surface (the hosted Spectra service has such a page;
//! its API is not part of Spectra Server's contract). The page asks for the session secret,
//! or reads it from the URL fragment (`#secret=…`), which browsers never send to the server;
//! the endpoints take it in `X-Session-Secret`.

use super::extract::{Path, SpectraJson};
use super::SpectraError;
use crate::http::json_error::JsonErrorBody;
use crate::http::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::{Html, IntoResponse};
use axum::Json;
use backline_domain::spectra::playercam::{PlayercamPlayer, PlayercamSession};
use serde::{Deserialize, Serialize};

const PAGE: &str = include_str!("assets/session.html");

/// `GET /spectra/playercam/session/{identifier}`: the page (the same for every identifier;
/// nothing is revealed before the secret is checked).
#[utoipa::path(
    get,
    path = "/spectra/playercam/session/{identifier}",
    tag = "spectra",
    params(("identifier" = String, Path)),
    responses((status = 200, description = "The session page", content_type = "text/html", body = String)),
)]
pub async fn session_page() -> impl IntoResponse {
    ([(header::CACHE_CONTROL, "no-store")], Html(PAGE))
}

fn secret(headers: &HeaderMap) -> &str {
    headers
        .get("x-session-secret")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SessionPlayersResponse {
    session: PlayercamSession,
    players: Vec<PlayercamPlayer>,
}

/// `GET /spectra/playercam/api/session/{identifier}/players` with `X-Session-Secret`.
#[utoipa::path(
    get,
    path = "/spectra/playercam/api/session/{identifier}/players",
    tag = "spectra",
    security(("playercam_session_secret" = [])),
    params(("identifier" = String, Path)),
    responses(
        (status = 200, description = "The session and its players", body = SessionPlayersResponse),
        (status = 403, description = "The session has expired", body = JsonErrorBody),
    ),
)]
pub async fn list_session_players(
    State(state): State<AppState>,
    Path(identifier): Path<String>,
    headers: HeaderMap,
) -> Result<Json<SessionPlayersResponse>, SpectraError> {
    let (session, players) = state
        .core
        .playercam_players_by_secret(&identifier, secret(&headers))
        .await?;
    Ok(Json(SessionPlayersResponse { session, players }))
}

/// `display_name: null` or `""` clears the override; an absent field leaves it as it is.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeSessionPlayerRequest {
    camera_enabled: Option<bool>,
    #[schema(value_type = Option<String>, max_length = 64)]
    /// At most 64 characters; `null` or blank clears it.
    #[serde(default, deserialize_with = "crate::http::body::present_or_null")]
    display_name: Option<Option<String>>,
}

/// `PUT /spectra/playercam/api/session/{identifier}/players/{fullName}` with `X-Session-Secret`.
#[utoipa::path(
    put,
    path = "/spectra/playercam/api/session/{identifier}/players/{full_name}",
    tag = "spectra",
    security(("playercam_session_secret" = [])),
    params(("identifier" = String, Path), ("full_name" = String, Path, pattern = r"^\s*[^#\s][^#]*#[^#]*[^#\s]\s*$", description = "Name#TAG")),
    request_body = ChangeSessionPlayerRequest,
    responses(
        (status = 200, description = "The player's settings", body = PlayercamPlayer),
        (status = 403, description = "The session has expired", body = JsonErrorBody),
        (status = 422, description = "Not a Name#TAG", body = JsonErrorBody),
    ),
)]
pub async fn change_session_player(
    State(state): State<AppState>,
    Path((identifier, full_name)): Path<(String, String)>,
    headers: HeaderMap,
    SpectraJson(req): SpectraJson<ChangeSessionPlayerRequest>,
) -> Result<Json<PlayercamPlayer>, SpectraError> {
    state
        .core
        .playercam_session_with_secret(&identifier, secret(&headers))
        .await?;
    let player = state
        .core
        .change_playercam_player(
            &identifier,
            &full_name,
            req.camera_enabled,
            req.display_name,
        )
        .await?;
    Ok(Json(player))
}
