//! Game servers of the game integration (create, edit, rotate their token) and the games
//! they can run. Both are the owner's to change.

use super::extract::{integer, AdminJson, Path, Query};
use super::AdminError;
use crate::core::access::{Administer, Grant, View};
use crate::core::ember::games::KeyedGame;
use crate::core::ember::servers::{NewServer, ServerChange};
use crate::core::page::{Page, PageRequest};
use crate::http::body::present_or_null;
use crate::http::json_error::JsonErrorBody;
use crate::http::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use backline_domain::ember::bans::BanScope;
use backline_domain::ember::servers::{GameServer, ServerOverview};
use backline_domain::ids::ServerId;
use backline_store::ServerFilter;
use serde::Deserialize;
use serde_json::Value;

/// Filters of `GET /admin/v1/servers`.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ServersQuery {
    /// 1 to 500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<i64>,
    /// The previous page's `next_cursor`: `<unix millis>:<id>`.
    #[param(pattern = r"^([+-]?[0-9]{1,18}:[\s\S]+)?$")]
    cursor: Option<String>,
    /// A game key (`gmod`).
    game: Option<String>,
    /// Servers in this server group.
    group: Option<String>,
    /// A case-insensitive part of the name.
    name: Option<String>,
    /// Servers that polled within three poll intervals (`true`) or not (`false`).
    polling: Option<bool>,
}

/// `GET /admin/v1/servers`: servers oldest first, with `polling`, `queue_depth`, `leased`
/// and `last_error`.
#[utoipa::path(
    get,
    path = "/admin/v1/servers",
    tag = "admin",
    security(("admin_token" = [])),
    params(ServersQuery),
    responses(
        (status = 200, description = "Game servers oldest first, each with polling, queue_depth, leased and last_error", body = Page<serde_json::Value>),
    ),
)]
pub async fn list_servers(
    grant: Grant<View>,
    State(state): State<AppState>,
    Query(q): Query<ServersQuery>,
) -> Result<Json<Page<ServerOverview>>, AdminError> {
    let request = PageRequest::new(q.limit, q.cursor)?;
    let filter = ServerFilter {
        id: None,
        game: q.game,
        group: q.group,
        name_contains: q.name.filter(|n| !n.is_empty()),
        polling: q.polling,
    };
    Ok(Json(
        state
            .core
            .list_server_overviews(&grant, &filter, &request)
            .await?,
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateServerRequest {
    /// 1 to 128 characters, not blank.
    #[schema(min_length = 1, max_length = 128, pattern = r"\S")]
    name: String,
    game: String,
    address: Option<String>,
    /// The server's groups: at most 32, each at most 64 characters (blank ones dropped).
    #[serde(default)]
    #[schema(max_items = 32)]
    groups: Vec<String>,
    /// 1 to 3600.
    #[serde(default, deserialize_with = "integer")]
    #[schema(minimum = 1, maximum = 3600)]
    poll_interval_seconds: Option<i64>,
}

/// `POST /admin/v1/servers`: the server and its `token`, shown this once.
#[utoipa::path(
    post,
    path = "/admin/v1/servers",
    tag = "admin",
    security(("admin_token" = [])),
    request_body = CreateServerRequest,
    responses(
        (status = 201, description = "The server and its token (shown once)", body = Object),
        (status = 409, description = "A server of that name exists", body = JsonErrorBody),
    ),
)]
pub async fn create_server(
    grant: Grant<Administer>,
    State(state): State<AppState>,
    AdminJson(req): AdminJson<CreateServerRequest>,
) -> Result<(StatusCode, Json<Value>), AdminError> {
    let issued = state
        .core
        .create_server(
            &grant,
            NewServer {
                name: req.name,
                game: req.game,
                address: req.address,
                groups: req.groups,
                poll_interval_seconds: req.poll_interval_seconds,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(issued.to_json())))
}

#[utoipa::path(
    get,
    path = "/admin/v1/servers/{server_id}",
    tag = "admin",
    security(("admin_token" = [])),
    params(("server_id" = String, Path)),
    responses(
        (status = 200, description = "The server with polling, queue_depth, leased and last_error", body = Object),
    ),
)]
pub async fn get_server(
    grant: Grant<View>,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<ServerOverview>, AdminError> {
    Ok(Json(
        state
            .core
            .server_overview(&grant, &ServerId::from_string(id))
            .await?,
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleSyncEdit {
    send: Option<bool>,
    receive: Option<bool>,
}

/// A change of settings, as `backline server set` makes; absent fields stay as they are.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditServerRequest {
    /// 1 to 128 characters, not blank.
    #[schema(min_length = 1, max_length = 128, pattern = r"\S")]
    name: Option<String>,
    /// `null` or `""` clears it.
    #[serde(default, deserialize_with = "present_or_null")]
    address: Option<Option<String>>,
    /// The server's groups, all of them (replaces the list): at most 32, each at most 64
    /// characters.
    #[schema(max_items = 32)]
    groups: Option<Vec<String>>,
    /// 1 to 3600.
    #[serde(default, deserialize_with = "integer")]
    #[schema(minimum = 1, maximum = 3600)]
    poll_interval_seconds: Option<i64>,
    enforced_ban_scopes: Option<Vec<BanScope>>,
    /// `null` or `""`: `server` bans from this server go to its first group.
    #[serde(default, deserialize_with = "present_or_null")]
    default_ban_group: Option<Option<String>>,
    #[serde(default, deserialize_with = "backline_domain::json::optional_object")]
    role_sync: Option<RoleSyncEdit>,
    ban_log: Option<bool>,
    /// Whether the server's `DELETE /api/game/players/…/bans` also lifts operators' bans
    /// (admin API, console, CLI); off (the default): only bans game servers issued.
    may_lift_operator_bans: Option<bool>,
}

/// `PATCH /admin/v1/servers/{id}`: the next poll delivers the new settings.
#[utoipa::path(
    patch,
    path = "/admin/v1/servers/{server_id}",
    tag = "admin",
    security(("admin_token" = [])),
    params(("server_id" = String, Path)),
    request_body(content = Option<EditServerRequest>, description = "The fields to change; none (or no body) changes nothing"),
    responses(
        (status = 200, description = "The server's settings, delivered with the next poll", body = Object),
    ),
)]
pub async fn edit_server(
    grant: Grant<Administer>,
    State(state): State<AppState>,
    Path(id): Path<String>,
    AdminJson(req): AdminJson<EditServerRequest>,
) -> Result<Json<GameServer>, AdminError> {
    let change = ServerChange {
        name: req.name,
        address: req.address.map(Option::unwrap_or_default),
        groups: req.groups,
        poll_interval_seconds: req.poll_interval_seconds,
        enforced_ban_scopes: req.enforced_ban_scopes,
        default_ban_group: req.default_ban_group,
        role_sync_send: req.role_sync.as_ref().and_then(|r| r.send),
        role_sync_receive: req.role_sync.as_ref().and_then(|r| r.receive),
        ban_log: req.ban_log,
        may_lift_operator_bans: req.may_lift_operator_bans,
    };
    Ok(Json(state.core.change_server(&grant, &id, change).await?))
}

/// `POST /admin/v1/servers/{id}/token`: a new token, shown this once; the old one stops
/// working at once.
#[utoipa::path(
    post,
    path = "/admin/v1/servers/{server_id}/token",
    tag = "admin",
    security(("admin_token" = [])),
    params(("server_id" = String, Path)),
    responses(
        (status = 200, description = "The server and its new token (shown once)", body = Object),
    ),
)]
pub async fn rotate_server_token(
    grant: Grant<Administer>,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, AdminError> {
    Ok(Json(
        state.core.rotate_server_token(&grant, &id).await?.to_json(),
    ))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct GamesQuery {
    /// 1 to 500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<i64>,
    cursor: Option<String>,
}

/// `GET /admin/v1/games`: built-in and configured games by key.
#[utoipa::path(
    get,
    path = "/admin/v1/games",
    tag = "admin",
    security(("admin_token" = [])),
    params(GamesQuery),
    responses(
        (status = 200, description = "Games by key with their command templates", body = Page<serde_json::Value>),
    ),
)]
pub async fn list_games(
    grant: Grant<View>,
    State(state): State<AppState>,
    Query(q): Query<GamesQuery>,
) -> Result<Json<Page<KeyedGame>>, AdminError> {
    let request = PageRequest::new(q.limit, q.cursor)?;
    Ok(Json(state.core.list_games(&grant, &request)))
}

#[utoipa::path(
    get,
    path = "/admin/v1/games/{game}",
    tag = "admin",
    security(("admin_token" = [])),
    params(("game" = String, Path)),
    responses(
        (status = 200, description = "The game and its command templates", body = Object),
    ),
)]
pub async fn get_game(
    grant: Grant<View>,
    State(state): State<AppState>,
    Path(key): Path<String>,
) -> Result<Json<KeyedGame>, AdminError> {
    Ok(Json(state.core.get_game(&grant, &key)?))
}
