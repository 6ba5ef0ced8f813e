//! Bans of the game integration: search, create (as an operator), lift.

use super::extract::{integer, AdminJson, Path, Query};
use super::roles::player_parameter;
use super::AdminError;
use crate::core::access::{Grant, Moderate, View};
use crate::core::ember::bans::{BanQuery, OperatorBan};
use crate::core::page::{Page, PageRequest};
use crate::http::json_error::JsonErrorBody;
use crate::http::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use backline_domain::ember::actions::PlayerRef;
use backline_domain::ember::bans::{Ban, BanScope, BanStatus, BanView};
use backline_domain::ids::{BanId, ServerId};
use backline_domain::Timestamp;
use serde::Deserialize;

/// A ban as operators see it: with its status at `now`.
fn view(ban: Ban, now: Timestamp) -> BanView {
    BanView::at(ban, now)
}

/// Filters of `GET /admin/v1/bans`.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct BansQuery {
    /// 1 to 500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<i64>,
    /// The previous page's `next_cursor`: `<unix millis>:<id>`.
    #[param(pattern = r"^([+-]?[0-9]{1,18}:[\s\S]+)?$")]
    cursor: Option<String>,
    /// `SOURCE:ACCOUNT_ID`: the bans of this player's user.
    #[param(pattern = "^[^:]+:[\\s\\S]+$")]
    player: Option<String>,
    #[param(inline)]
    status: Option<BanStatus>,
    #[param(inline)]
    scope: Option<BanScope>,
    /// A server id: the bans that server enforces.
    server: Option<String>,
    /// A case-insensitive part of the reason.
    reason: Option<String>,
}

/// `GET /admin/v1/bans`: newest first.
#[utoipa::path(
    get,
    path = "/admin/v1/bans",
    tag = "admin",
    security(("admin_token" = [])),
    params(BansQuery),
    responses(
        (status = 200, description = "Bans newest first, each with its status", body = Page<serde_json::Value>),
    ),
)]
pub async fn list_bans(
    grant: Grant<View>,
    State(state): State<AppState>,
    Query(q): Query<BansQuery>,
) -> Result<Json<Page<BanView>>, AdminError> {
    let request = PageRequest::new(q.limit, q.cursor)?;
    let query = BanQuery {
        player: q.player.as_deref().map(player_parameter).transpose()?,
        status: q.status,
        scope: q.scope,
        server: q.server.map(ServerId::from_string),
        reason: q.reason,
    };
    let now = state.core.now();
    Ok(Json(
        state
            .core
            .list_bans(&grant, &query, &request)
            .await?
            .map(|ban| view(ban, now)),
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateBanRequest {
    /// `steam`, `minecraft`, …: 1 to 32 of `a-z`, `0-9`, `_`, `-`.
    #[schema(pattern = "^[a-z0-9_-]{1,32}$", example = "steam")]
    source: String,
    /// The player's id at `source`, in that source's format: a Steam64 id (digits) or a
    /// Steam2 id (`STEAM_X:Y:Z`) for `steam`, a player name (1 to 16 letters, digits or `_`)
    /// or a UUID for `minecraft`, 1 to 128 letters, digits, `-` or `_` for `evr`; for any
    /// source 1 to 128 characters without control characters, white space, quotes, `;` or a
    /// backslash (the pattern). Anything else is a 422 naming `account_id`.
    #[schema(
        min_length = 1,
        max_length = 128,
        pattern = r#"^[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028-\u2029\u202f\u205f\u3000"'`;\\]{1,128}$"#,
        example = "76561198131926932"
    )]
    account_id: String,
    /// `global` (every server and the website), `server` (one server group, `group`) or
    /// `web`.
    scope: BanScope,
    /// The server group of a `server` ban (required for it, refused for the others; blank
    /// reads as absent).
    group: Option<String>,
    /// Absent or 0: permanent.
    #[schema(minimum = 0, maximum = 52_560_000)]
    #[serde(default, deserialize_with = "integer")]
    duration_minutes: Option<i64>,
    /// At most 1000 characters.
    #[serde(default)]
    #[schema(max_length = 1000)]
    reason: String,
}

/// `POST /admin/v1/bans`: bans the player's user and queues a kick on every server where the
/// player is connected now and the ban applies, as a server's ban does.
#[utoipa::path(
    post,
    path = "/admin/v1/bans",
    tag = "admin",
    security(("admin_token" = [])),
    request_body = CreateBanRequest,
    responses(
        (status = 201, description = "The ban with its status", body = Object),
    ),
)]
pub async fn create_ban(
    grant: Grant<Moderate>,
    State(state): State<AppState>,
    AdminJson(req): AdminJson<CreateBanRequest>,
) -> Result<(StatusCode, Json<BanView>), AdminError> {
    let ban = state
        .core
        .create_operator_ban(
            &grant,
            OperatorBan {
                player: PlayerRef {
                    source: req.source,
                    account_id: req.account_id,
                },
                scope: req.scope,
                group: req.group,
                duration_minutes: req.duration_minutes,
                reason: req.reason,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(view(ban, state.core.now()))))
}

#[utoipa::path(
    get,
    path = "/admin/v1/bans/{ban_id}",
    tag = "admin",
    security(("admin_token" = [])),
    params(("ban_id" = String, Path)),
    responses(
        (status = 200, description = "The ban with its status", body = Object),
    ),
)]
pub async fn get_ban(
    grant: Grant<View>,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<BanView>, AdminError> {
    Ok(Json(view(
        state.core.get_ban(&grant, &BanId::from_string(id)).await?,
        state.core.now(),
    )))
}

/// `POST /admin/v1/bans/{id}/lift`: the executions the ban held go out with the next poll.
#[utoipa::path(
    post,
    path = "/admin/v1/bans/{ban_id}/lift",
    tag = "admin",
    security(("admin_token" = [])),
    params(("ban_id" = String, Path)),
    responses(
        (status = 200, description = "The lifted ban", body = Object),
        (status = 409, description = "The ban was lifted already", body = JsonErrorBody),
    ),
)]
pub async fn lift_ban(
    grant: Grant<Moderate>,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<BanView>, AdminError> {
    Ok(Json(view(
        state.core.lift_ban(&grant, &BanId::from_string(id)).await?,
        state.core.now(),
    )))
}
