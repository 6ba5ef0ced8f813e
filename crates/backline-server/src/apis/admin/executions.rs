//! Actions queued for game servers, kicks, and their executions (list, show, re-run).

use super::extract::{AdminJson, Path, Query};
use super::AdminError;
use crate::core::access::{Administer, Grant, Moderate, View};
use crate::core::ember::executions::{Kick, QueuedAction, Target};
use crate::core::page::{Page, PageRequest};
use crate::http::json_error::JsonErrorBody;
use crate::http::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use backline_domain::ember::actions::{
    ActionKind, Execution, ExecutionOrder, ExecutionStatus, PlayerRef,
};
use backline_domain::ids::{ActionId, ExecutionId, ServerId};
use backline_store::ExecutionFilter;
use serde::Deserialize;

/// The player an action concerns.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlayerBody {
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
}

impl From<PlayerBody> for PlayerRef {
    fn from(p: PlayerBody) -> Self {
        PlayerRef {
            source: p.source,
            account_id: p.account_id,
        }
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"all": true, "type": "command", "text": "say The server restarts in 5 minutes"}))]
pub struct QueueActionRequest {
    /// Exactly one of `server`, `group` and `all: true`.
    server: Option<String>,
    group: Option<String>,
    #[serde(default)]
    all: bool,
    /// `command` or `code` (`roles` and `settings` are the server's own).
    #[serde(rename = "type")]
    #[schema(value_type = String, pattern = "^(command|code)$")]
    kind: ActionKind,
    /// The console command or the code, not blank.
    #[schema(min_length = 1, pattern = r"\S")]
    text: String,
    player: Option<PlayerBody>,
    /// Deliver only while the player is connecting or connected.
    #[serde(default)]
    online: bool,
}

fn target(req: &QueueActionRequest) -> Result<Target, AdminError> {
    match (&req.server, &req.group, req.all) {
        (Some(server), None, false) => Ok(Target::Server(server.clone())),
        (None, Some(group), false) => Ok(Target::Group(group.clone())),
        (None, None, true) => Ok(Target::All),
        _ => Err(AdminError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "target: give exactly one of server, group and all: true",
        )),
    }
}

/// `POST /admin/v1/actions`: one execution per target server, as `backline action queue`.
#[utoipa::path(
    post,
    path = "/admin/v1/actions",
    tag = "admin",
    security(("admin_token" = [])),
    request_body = QueueActionRequest,
    responses(
        (status = 201, description = "The executions queued, one per target server", body = Object),
    ),
)]
pub async fn queue_action(
    grant: Grant<Administer>,
    State(state): State<AppState>,
    AdminJson(req): AdminJson<QueueActionRequest>,
) -> Result<(StatusCode, Json<QueuedAction>), AdminError> {
    let target = target(&req)?;
    let executions = state
        .core
        .queue_action(
            &grant,
            &target,
            req.kind,
            &req.text,
            req.player.map(PlayerRef::from),
            req.online,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(QueuedAction::from(executions))))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KickRequest {
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
    /// 1 to 1000 characters, not blank.
    #[schema(min_length = 1, max_length = 1000, pattern = r"\S")]
    reason: String,
    /// Only this server; absent: every server where the player is connected now.
    server: Option<String>,
}

/// `POST /admin/v1/kicks`: the game's `kick` command for the player, as one action.
#[utoipa::path(
    post,
    path = "/admin/v1/kicks",
    tag = "admin",
    security(("admin_token" = [])),
    request_body = KickRequest,
    responses(
        (status = 201, description = "The kick queued, one execution per target server", body = Object),
    ),
)]
pub async fn kick_player(
    grant: Grant<Moderate>,
    State(state): State<AppState>,
    AdminJson(req): AdminJson<KickRequest>,
) -> Result<(StatusCode, Json<QueuedAction>), AdminError> {
    let kick = Kick {
        player: PlayerRef {
            source: req.source,
            account_id: req.account_id,
        },
        reason: req.reason,
        server: req.server.map(ServerId::from_string),
    };
    Ok((
        StatusCode::CREATED,
        Json(state.core.kick_player(&grant, &kick).await?),
    ))
}

/// Filters of `GET /admin/v1/executions`.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ExecutionsQuery {
    /// 1 to 500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<i64>,
    cursor: Option<String>,
    server: Option<String>,
    /// `queued`, `leased`, `finished` or `failed`.
    #[param(inline)]
    status: Option<ExecutionStatus>,
    /// The action type: `command`, `code`, `roles` or `settings`.
    #[param(inline)]
    kind: Option<ActionKind>,
    /// The executions of one action (`POST /actions` answers its id).
    action: Option<String>,
    /// `newest` (default) or `failed_first`.
    #[param(pattern = "^(newest|failed_first)$")]
    order: Option<String>,
}

/// `GET /admin/v1/executions`.
#[utoipa::path(
    get,
    path = "/admin/v1/executions",
    tag = "admin",
    security(("admin_token" = [])),
    params(ExecutionsQuery),
    responses(
        (status = 200, description = "Executions (failed first on request)", body = Page<serde_json::Value>),
    ),
)]
pub async fn list_executions(
    grant: Grant<View>,
    State(state): State<AppState>,
    Query(q): Query<ExecutionsQuery>,
) -> Result<Json<Page<Execution>>, AdminError> {
    let request = PageRequest::new(q.limit, q.cursor)?;
    let order = match q.order.as_deref() {
        None => ExecutionOrder::Newest,
        Some(text) => ExecutionOrder::parse(text).ok_or_else(|| {
            AdminError::new(StatusCode::BAD_REQUEST, "order: use newest or failed_first")
        })?,
    };
    let filter = ExecutionFilter {
        server: q.server.map(ServerId::from_string),
        status: q.status,
        kind: q.kind,
        action: q.action.map(ActionId::from_string),
        order,
    };
    Ok(Json(
        state
            .core
            .list_executions_page(&grant, &filter, &request)
            .await?,
    ))
}

#[utoipa::path(
    get,
    path = "/admin/v1/executions/{execution_id}",
    tag = "admin",
    security(("admin_token" = [])),
    params(("execution_id" = i64, Path, minimum = 1, description = "The execution's id")),
    responses(
        (status = 200, description = "The execution", body = Object),
    ),
)]
pub async fn get_execution(
    grant: Grant<View>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Execution>, AdminError> {
    Ok(Json(
        state.core.get_execution(&grant, ExecutionId(id)).await?,
    ))
}

/// `POST /admin/v1/executions/{id}/rerun`: a finished or failed execution queued again as a
/// new one (`rerun_of` names the old).
#[utoipa::path(
    post,
    path = "/admin/v1/executions/{execution_id}/rerun",
    tag = "admin",
    security(("admin_token" = [])),
    params(("execution_id" = i64, Path, minimum = 1, description = "The execution's id")),
    responses(
        (status = 201, description = "The new execution (rerun_of names the old)", body = Object),
        (status = 400, description = "The execution has not finished (queued or leased)", body = JsonErrorBody),
    ),
)]
pub async fn rerun_execution(
    grant: Grant<Moderate>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<(StatusCode, Json<Execution>), AdminError> {
    Ok((
        StatusCode::CREATED,
        Json(state.core.rerun_execution(&grant, id).await?),
    ))
}
