//! Player-cam sessions and their players.

use super::extract::{Admin, AdminJson, Path, Query};
use super::paging::PageQuery;
use super::AdminError;
use crate::core::page::Page;
use crate::http::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use backline_domain::ids::OrgId;
use backline_domain::spectra::playercam::{PlayercamPlayer, PlayercamSession};
use serde::{Deserialize, Serialize};

/// An organisation's player-cam sessions, oldest first, in pages.
pub async fn list_sessions(
    _: Admin,
    State(state): State<AppState>,
    Path(org_id): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Json<Page<PlayercamSession>>, AdminError> {
    let page = q.request()?;
    let org_id = OrgId::from_string(org_id);
    state.core.get_org(&org_id).await?;
    Ok(Json(
        state
            .core
            .list_playercam_sessions(Some(&org_id), &page)
            .await?,
    ))
}

pub async fn create_session(
    _: Admin,
    State(state): State<AppState>,
    Path(org_id): Path<String>,
) -> Result<(StatusCode, Json<serde_json::Value>), AdminError> {
    let issued = state
        .core
        .create_playercam_session(&OrgId::from_string(org_id))
        .await?;
    Ok((StatusCode::CREATED, Json(issued.to_json())))
}

#[derive(Serialize)]
pub struct SessionPlayersResponse {
    session: PlayercamSession,
    players: Vec<PlayercamPlayer>,
}

pub async fn list_players(
    _: Admin,
    State(state): State<AppState>,
    Path(identifier): Path<String>,
) -> Result<Json<SessionPlayersResponse>, AdminError> {
    let (session, players) = state.core.playercam_players(&identifier).await?;
    Ok(Json(SessionPlayersResponse { session, players }))
}

/// `display_name: null` clears the override; an absent field leaves it as it is.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangePlayerRequest {
    camera_enabled: Option<bool>,
    #[serde(default, deserialize_with = "crate::http::body::present_or_null")]
    display_name: Option<Option<String>>,
}

pub async fn change_player(
    _: Admin,
    State(state): State<AppState>,
    Path((identifier, full_name)): Path<(String, String)>,
    AdminJson(req): AdminJson<ChangePlayerRequest>,
) -> Result<Json<PlayercamPlayer>, AdminError> {
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
