//! The player-cam session page: a small web page at the session's URL where an organisation
//! turns cameras on and sets the names overlays show, plus the JSON endpoints it calls.
//!
//! Backline's own addition to the Spectra surface (the hosted Spectra service has such a page;
//! its API is not part of Spectra Server's contract). The page asks for the session secret,
//! or reads it from the URL fragment (`#secret=…`), which browsers never send to the server;
//! the endpoints take it in `X-Session-Secret`.

use super::extract::{Path, SpectraJson};
use super::SpectraError;
use crate::apis::page_headers;
use crate::http::json_error::JsonErrorBody;
use crate::http::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use backline_domain::spectra::playercam::{PlayercamPlayer, PlayercamSession};
use serde::{Deserialize, Serialize};

const PAGE: &str = include_str!("assets/session.html");

/// The page's script and stylesheet (no inline script or style: the page's
/// Content-Security-Policy allows neither), served under `/spectra/playercam/assets/`.
const ASSETS: &[(&str, &str, &str)] = &[
    (
        "session.css",
        "text/css; charset=utf-8",
        include_str!("assets/session.css"),
    ),
    (
        "session.js",
        "text/javascript; charset=utf-8",
        include_str!("assets/session.js"),
    ),
];

/// `GET /spectra/playercam/session/{identifier}`: the page (the same for every identifier;
/// nothing is revealed before the secret is checked), with the security headers of every
/// Backline page (`apis/page_headers.rs`) and no referrer (the secret may be in the URL's
/// fragment).
#[utoipa::path(
    get,
    path = "/spectra/playercam/session/{identifier}",
    tag = "spectra",
    params(("identifier" = String, Path)),
    responses((status = 200, description = "The session page", content_type = "text/html", body = String)),
)]
pub async fn session_page() -> Response {
    let mut response = ([(header::CACHE_CONTROL, "no-store")], Html(PAGE)).into_response();
    page_headers::insert(response.headers_mut(), "no-referrer");
    response
}

// The names of the session page's files, for the OpenAPI document; a unit test keeps them
// equal to `ASSETS`.
/// A file of the session page; any other name is a 404.
#[derive(Clone, Copy, utoipa::ToSchema)]
enum AssetName {
    #[schema(rename = "session.css")]
    Stylesheet,
    #[schema(rename = "session.js")]
    Script,
}

impl AssetName {
    const ALL: [AssetName; 2] = [AssetName::Stylesheet, AssetName::Script];

    fn file(self) -> &'static str {
        match self {
            AssetName::Stylesheet => "session.css",
            AssetName::Script => "session.js",
        }
    }

    fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|asset| asset.file() == name)
    }
}

/// `GET /spectra/playercam/assets/{name}`: the session page's script or stylesheet.
#[utoipa::path(
    get,
    path = "/spectra/playercam/assets/{name}",
    tag = "spectra",
    params(("name" = inline(AssetName), Path, description = "`session.js` or `session.css`")),
    responses(
        (status = 200, description = "The file", content(
            (String = "text/javascript"),
            (String = "text/css"),
        )),
        (status = 404, description = "No such file", body = JsonErrorBody),
    ),
)]
pub async fn session_asset(Path(name): Path<String>) -> Result<Response, SpectraError> {
    AssetName::parse(&name)
        .and_then(|asset| crate::apis::page_headers::asset(ASSETS, asset.file()))
        .ok_or_else(|| SpectraError::new(StatusCode::NOT_FOUND, "no such file"))
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
        .change_session_player(
            &identifier,
            &full_name,
            req.camera_enabled,
            req.display_name,
        )
        .await?;
    Ok(Json(player))
}

#[cfg(test)]
mod tests {
    use super::*;
    use utoipa::PartialSchema;

    #[test]
    fn the_documented_asset_names_are_the_served_ones() {
        let schema = serde_json::to_value(AssetName::schema()).unwrap();
        let documented: Vec<&str> = schema["enum"]
            .as_array()
            .expect("an enum")
            .iter()
            .map(|name| name.as_str().unwrap())
            .collect();
        let served: Vec<&str> = ASSETS.iter().map(|(name, _, _)| *name).collect();
        assert_eq!(documented, served);
        let parsed: Vec<&str> = AssetName::ALL.iter().map(|asset| asset.file()).collect();
        assert_eq!(parsed, served);
    }
}
