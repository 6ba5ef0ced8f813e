//! EVR matches (lobbies on broadcasters): list, show with label and players, end.
//!
//! Upstream: the `match` RPC and the lobby rules of `shared/docs/api/NAKAMA.md`; ending is
//! the end the match timers give an empty match ([`crate::core::Core::end_evr_match`]).

use super::extract::{Path, Query};
use super::paging::page_request;
use super::AdminError;
use crate::core::access::{Grant, Moderate, View};
use crate::core::evr::admin::{
    parse_broadcaster_id, parse_match_id, parse_match_state, EndedMatchView, EvrMatchDetail,
    EvrMatchQuery, EvrMatchView,
};
use crate::core::page::Page;
use crate::http::json_error::JsonErrorBody;
use crate::http::AppState;
use axum::extract::State;
use axum::Json;
use serde::Deserialize;

/// Filters of `GET /admin/v1/evr/matches`; `cursor` is a page's `next_cursor`.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// A mode: `echo_arena`, `echo_arena_private`, `echo_combat`, `echo_combat_private`,
    /// `social_2.0` or `social_2.0_private` (its `0x…` symbol is read too); blank reads as
    /// absent.
    #[param(
        pattern = r"^\s*(echo_arena|echo_arena_private|echo_combat|echo_combat_private|social_2\.0|social_2\.0_private)?\s*$"
    )]
    mode: Option<String>,
    /// `idle`, `prepared`, `started` or `ended`; absent: every match that has not ended.
    #[param(pattern = "^(idle|prepared|started|ended)$")]
    state: Option<String>,
    open: Option<bool>,
    /// A region name or `0x…` symbol of the broadcaster.
    region: Option<String>,
    /// A broadcaster id (a UUID); blank reads as absent.
    #[param(
        pattern = r"^\s*([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})?\s*$"
    )]
    broadcaster: Option<String>,
    /// A player's user id, username or EVR id.
    player: Option<String>,
    /// 1 to 500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<i64>,
    /// The previous page's `next_cursor`: `<unix millis>:<id>`.
    #[param(pattern = r"^([+-]?[0-9]{1,18}:[\s\S]+)?$")]
    cursor: Option<String>,
}

/// `GET /admin/v1/evr/matches`: newest first.
#[utoipa::path(
    get,
    path = "/admin/v1/evr/matches",
    tag = "admin",
    security(("admin_token" = [])),
    params(ListQuery),
    responses(
        (status = 200, description = "EVR matches, newest first", body = Page<EvrMatchView>),
        (status = 422, description = "A bad mode, state, limit or cursor", body = JsonErrorBody),
    ),
)]
pub async fn list_matches(
    grant: Grant<View>,
    State(state): State<AppState>,
    Query(q): Query<ListQuery>,
) -> Result<Json<Page<EvrMatchView>>, AdminError> {
    let page = page_request(q.limit, q.cursor)?;
    let query = EvrMatchQuery {
        mode: q.mode.filter(|m| !m.trim().is_empty()),
        state: q.state.as_deref().map(parse_match_state).transpose()?,
        open: q.open,
        region: q.region.filter(|r| !r.is_empty()),
        broadcaster: q
            .broadcaster
            .as_deref()
            .map(str::trim)
            .filter(|b| !b.is_empty())
            .map(parse_broadcaster_id)
            .transpose()?,
        player: q.player,
    };
    Ok(Json(
        state.core.evr_match_page(&grant, &query, &page).await?,
    ))
}

/// `GET /admin/v1/evr/matches/{match_id}`: the match (ended ones too), its raw and public
/// labels and its players with their teams.
#[utoipa::path(
    get,
    path = "/admin/v1/evr/matches/{match_id}",
    tag = "admin",
    security(("admin_token" = [])),
    params(("match_id" = String, Path, pattern = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\..+$", description = "`<uuid>.<node>`")),
    responses(
        (status = 200, description = "The match with its labels and players", body = EvrMatchDetail),
    ),
)]
pub async fn get_match(
    grant: Grant<View>,
    State(state): State<AppState>,
    Path(match_id): Path<String>,
) -> Result<Json<EvrMatchDetail>, AdminError> {
    let id = parse_match_id(&match_id)?;
    Ok(Json(state.core.show_evr_match(&grant, &id).await?))
}

/// `POST /admin/v1/evr/matches/{match_id}/end`: every player removed, the match ended, its
/// broadcaster freed with a new idle match. 409 for an idle or ended match.
#[utoipa::path(
    post,
    path = "/admin/v1/evr/matches/{match_id}/end",
    tag = "admin",
    security(("admin_token" = [])),
    params(("match_id" = String, Path, pattern = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\..+$", description = "`<uuid>.<node>`")),
    responses(
        (status = 200, description = "The ended match, who was removed, the broadcaster's new idle match", body = EndedMatchView),
        (status = 409, description = "The match is idle or has ended", body = JsonErrorBody),
    ),
)]
pub async fn end_match(
    grant: Grant<Moderate>,
    State(state): State<AppState>,
    Path(match_id): Path<String>,
) -> Result<Json<EndedMatchView>, AdminError> {
    let id = parse_match_id(&match_id)?;
    Ok(Json(state.core.end_evr_match(&grant, &id).await?))
}
