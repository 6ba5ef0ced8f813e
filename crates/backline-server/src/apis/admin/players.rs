//! The Riot player registry.

use super::extract::{Admin, AdminJson, Path, Query};
use super::paging::PageQuery;
use super::AdminError;
use crate::core::page::Page;
use crate::core::players::PlayerEdit;
use crate::http::json_error::JsonErrorBody;
use crate::http::AppState;
use axum::extract::State;
use axum::Json;
use backline_domain::spectra::player::RiotPlayer;
use serde::Deserialize;

/// Known players, most recently updated first, in pages.
#[utoipa::path(
    get,
    path = "/admin/v1/players",
    tag = "admin",
    security(("admin_token" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "Players of the registry", body = Page<RiotPlayer>),
        (status = 422, description = "A bad limit", body = JsonErrorBody),
    ),
)]
pub async fn list_players(
    _: Admin,
    State(state): State<AppState>,
    Query(q): Query<PageQuery>,
) -> Result<Json<Page<RiotPlayer>>, AdminError> {
    Ok(Json(state.core.list_players(&q.request()?).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditPlayerRequest {
    full_name: Option<String>,
    region: Option<String>,
    current_tier: Option<i64>,
    peak_tier: Option<i64>,
}

#[utoipa::path(
    put,
    path = "/admin/v1/players/{puuid}",
    tag = "admin",
    security(("admin_token" = [])),
    params(("puuid" = String, Path)),
    request_body = EditPlayerRequest,
    responses(
        (status = 200, description = "The player", body = RiotPlayer),
        (status = 422, description = "A bad name, region or tier", body = JsonErrorBody),
    ),
)]
pub async fn edit_player(
    _: Admin,
    State(state): State<AppState>,
    Path(puuid): Path<String>,
    AdminJson(req): AdminJson<EditPlayerRequest>,
) -> Result<Json<RiotPlayer>, AdminError> {
    let edit = PlayerEdit {
        full_name: req.full_name,
        region: req.region,
        current_tier: req.current_tier,
        peak_tier: req.peak_tier,
    };
    Ok(Json(state.core.edit_player(&puuid, &edit).await?))
}
