//! Ember link tokens as operators see them: listed by id (the token is a credential, shown
//! only to the game that asked for it; neither it nor its hash is ever listed), and revoked
//! while unused.

use super::extract::{Path, Query};
use super::paging::page_request;
use super::AdminError;
use crate::core::access::{Grant, Moderate, View};
use crate::core::ember::links::{parse_link_state, LinkTokenQuery, LinkTokenSummary};
use crate::core::page::Page;
use crate::core::CoreError;
use crate::http::json_error::JsonErrorBody;
use crate::http::AppState;
use axum::extract::State;
use axum::Json;
use backline_domain::ember::actions::PlayerRef;
use backline_domain::ids::{LinkTokenId, ServerId};
use serde::Deserialize;

/// Filters of `GET /admin/v1/link-tokens` beside the page (newest first).
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListLinkTokensQuery {
    /// The game server that asked for the token.
    server: Option<String>,
    /// `active`, `used` or `expired`.
    #[param(pattern = "^(active|used|expired)$")]
    state: Option<String>,
    /// The game account, `SOURCE:ACCOUNT_ID` (`steam:7656…`).
    #[param(pattern = "^[^:]+:[\\s\\S]+$")]
    player: Option<String>,
    /// 1 to 500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<i64>,
    /// The previous page's `next_cursor`: `<unix millis>:<id>`.
    #[param(pattern = r"^([+-]?[0-9]{1,18}:[\s\S]+)?$")]
    cursor: Option<String>,
}

/// Link tokens, newest first, in pages.
#[utoipa::path(
    get,
    path = "/admin/v1/link-tokens",
    tag = "admin",
    security(("admin_token" = [])),
    params(ListLinkTokensQuery),
    responses(
        (status = 200, description = "Link tokens, newest first (never the token itself)", body = Page<serde_json::Value>),
        (status = 422, description = "A bad filter or limit", body = JsonErrorBody),
    ),
)]
pub async fn list_link_tokens(
    grant: Grant<View>,
    State(state): State<AppState>,
    Query(q): Query<ListLinkTokensQuery>,
) -> Result<Json<Page<LinkTokenSummary>>, AdminError> {
    let page = page_request(q.limit, q.cursor)?;
    let player = q
        .player
        .as_deref()
        .map(|p| {
            PlayerRef::parse(p)
                .ok_or_else(|| CoreError::invalid("player", "use SOURCE:ACCOUNT_ID (steam:7656…)"))
        })
        .transpose()?;
    let query = LinkTokenQuery {
        server: q.server.map(ServerId::from_string),
        state: q.state.as_deref().map(parse_link_state).transpose()?,
        player,
    };
    Ok(Json(
        state.core.list_link_tokens(&grant, query, &page).await?,
    ))
}

/// Revokes a link token that was not used (it can no longer be redeemed): the token as it
/// was; 404 for an unknown one, 409 for a used one.
#[utoipa::path(
    delete,
    path = "/admin/v1/link-tokens/{token_id}",
    tag = "admin",
    security(("admin_token" = [])),
    params(("token_id" = String, Path)),
    responses(
        (status = 200, description = "The revoked token as it was", body = Object),
        (status = 409, description = "The token was used", body = JsonErrorBody),
    ),
)]
pub async fn revoke_link_token(
    grant: Grant<Moderate>,
    State(state): State<AppState>,
    Path(token_id): Path<String>,
) -> Result<Json<LinkTokenSummary>, AdminError> {
    Ok(Json(
        state
            .core
            .revoke_link_token(&grant, &LinkTokenId::from_string(token_id))
            .await?,
    ))
}
