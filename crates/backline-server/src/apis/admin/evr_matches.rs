//! EVR matches (lobbies on broadcasters): list, show with label and players, end.
//!
//! Upstream: the `match` RPC and the lobby rules of `shared/docs/api/NAKAMA.md`; ending is
//! the end the match timers give an empty match ([`crate::core::Core::end_evr_match`]).

use super::extract::{Admin, Path, Query};
use super::AdminError;
use crate::core::evr::admin::{
    parse_broadcaster_id, parse_match_id, parse_match_state, EndedMatchView, EvrMatchDetail,
    EvrMatchQuery, EvrMatchView,
};
use crate::core::page::{Page, PageRequest};
use crate::http::AppState;
use axum::extract::State;
use axum::Json;
use serde::Deserialize;

/// Filters of `GET /admin/v1/evr/matches`; `cursor` is a page's `next_cursor`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// A mode name or symbol (`echo_arena`).
    mode: Option<String>,
    /// `idle`, `prepared`, `started` or `ended`; absent: every match that has not ended.
    state: Option<String>,
    open: Option<bool>,
    /// A region name or `0x…` symbol of the broadcaster.
    region: Option<String>,
    /// A broadcaster id.
    broadcaster: Option<String>,
    /// A player's user id, username or EVR id.
    player: Option<String>,
    limit: Option<i64>,
    cursor: Option<String>,
}

/// `GET /admin/v1/evr/matches`: newest first.
pub async fn list_matches(
    _: Admin,
    State(state): State<AppState>,
    Query(q): Query<ListQuery>,
) -> Result<Json<Page<EvrMatchView>>, AdminError> {
    let page = PageRequest::new(q.limit, q.cursor)?;
    let query = EvrMatchQuery {
        mode: q.mode.filter(|m| !m.is_empty()),
        state: q.state.as_deref().map(parse_match_state).transpose()?,
        open: q.open,
        region: q.region.filter(|r| !r.is_empty()),
        broadcaster: q
            .broadcaster
            .as_deref()
            .map(parse_broadcaster_id)
            .transpose()?,
        player: q.player,
    };
    Ok(Json(state.core.evr_match_page(&query, &page).await?))
}

/// `GET /admin/v1/evr/matches/{match_id}`: the match (ended ones too), its raw and public
/// labels and its players with their teams.
pub async fn get_match(
    _: Admin,
    State(state): State<AppState>,
    Path(match_id): Path<String>,
) -> Result<Json<EvrMatchDetail>, AdminError> {
    let id = parse_match_id(&match_id)?;
    Ok(Json(state.core.show_evr_match(&id).await?))
}

/// `POST /admin/v1/evr/matches/{match_id}/end`: every player removed, the match ended, its
/// broadcaster freed with a new idle match. 409 for an idle or ended match.
pub async fn end_match(
    _: Admin,
    State(state): State<AppState>,
    Path(match_id): Path<String>,
) -> Result<Json<EndedMatchView>, AdminError> {
    let id = parse_match_id(&match_id)?;
    Ok(Json(state.core.end_evr_match(&id).await?))
}
