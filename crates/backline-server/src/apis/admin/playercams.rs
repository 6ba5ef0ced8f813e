//! Player-cam sessions and their players.

use super::extract::{AdminJson, Path, Query};
use super::paging::PageQuery;
use super::AdminError;
use crate::core::access::{Administer, Grant, Moderate, View};
use crate::core::page::Page;
use crate::http::json_error::JsonErrorBody;
use crate::http::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use backline_domain::ids::OrgId;
use backline_domain::spectra::playercam::{PlayercamPlayer, PlayercamSession};
use serde::{Deserialize, Serialize};

/// An organisation's player-cam sessions, oldest first, in pages.
#[utoipa::path(
    get,
    path = "/admin/v1/orgs/{org_id}/playercam-sessions",
    tag = "admin",
    security(("admin_token" = [])),
    params(("org_id" = String, Path), PageQuery),
    responses((status = 200, description = "The organisation's player-cam sessions", body = Page<PlayercamSession>)),
)]
pub async fn list_sessions(
    grant: Grant<View>,
    State(state): State<AppState>,
    Path(org_id): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Json<Page<PlayercamSession>>, AdminError> {
    let page = q.request()?;
    let org_id = OrgId::from_string(org_id);
    state.core.get_org(&grant, &org_id).await?;
    Ok(Json(
        state
            .core
            .list_playercam_sessions(&grant, Some(&org_id), &page)
            .await?,
    ))
}

#[utoipa::path(
    post,
    path = "/admin/v1/orgs/{org_id}/playercam-sessions",
    tag = "admin",
    security(("admin_token" = [])),
    params(("org_id" = String, Path)),
    responses((status = 201, description = "The session's record plus `secret` (shown once)", body = Object)),
)]
pub async fn create_session(
    grant: Grant<Administer>,
    State(state): State<AppState>,
    Path(org_id): Path<String>,
) -> Result<(StatusCode, Json<serde_json::Value>), AdminError> {
    let issued = state
        .core
        .create_playercam_session(&grant, &OrgId::from_string(org_id))
        .await?;
    Ok((StatusCode::CREATED, Json(issued.to_json())))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SessionPlayersResponse {
    session: PlayercamSession,
    players: Vec<PlayercamPlayer>,
}

#[utoipa::path(
    get,
    path = "/admin/v1/playercam-sessions/{identifier}/players",
    tag = "admin",
    security(("admin_token" = [])),
    params(("identifier" = String, Path)),
    responses((status = 200, description = "The session and its players", body = SessionPlayersResponse)),
)]
pub async fn list_players(
    grant: Grant<View>,
    State(state): State<AppState>,
    Path(identifier): Path<String>,
) -> Result<Json<SessionPlayersResponse>, AdminError> {
    let (session, players) = state.core.playercam_players(&grant, &identifier).await?;
    Ok(Json(SessionPlayersResponse { session, players }))
}

/// `display_name: null` clears the override; an absent field leaves it as it is.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePlayerRequest {
    camera_enabled: Option<bool>,
    #[schema(value_type = Option<String>, max_length = 64)]
    /// At most 64 characters; `null` or blank clears it.
    #[serde(default, deserialize_with = "crate::http::body::present_or_null")]
    display_name: Option<Option<String>>,
}

#[utoipa::path(
    put,
    path = "/admin/v1/playercam-sessions/{identifier}/players/{full_name}",
    tag = "admin",
    security(("admin_token" = [])),
    params(("identifier" = String, Path), ("full_name" = String, Path, pattern = r"^\s*[^#\s][^#]*#[^#]*[^#\s]\s*$", description = "Name#TAG")),
    request_body(content = Option<ChangePlayerRequest>, description = "The fields to change; none (or no body) changes nothing"),
    responses(
        (status = 200, description = "The player's settings", body = PlayercamPlayer),
        (status = 422, description = "Not a Name#TAG", body = JsonErrorBody),
    ),
)]
pub async fn change_player(
    grant: Grant<Moderate>,
    State(state): State<AppState>,
    Path((identifier, full_name)): Path<(String, String)>,
    AdminJson(req): AdminJson<ChangePlayerRequest>,
) -> Result<Json<PlayercamPlayer>, AdminError> {
    let player = state
        .core
        .change_playercam_player(
            &grant,
            &identifier,
            &full_name,
            req.camera_enabled,
            req.display_name,
        )
        .await?;
    Ok(Json(player))
}
