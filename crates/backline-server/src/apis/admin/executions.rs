//! Actions queued for game servers, kicks, and their executions (list, show, re-run).

use super::extract::{Admin, AdminJson, Path, Query};
use super::AdminError;
use crate::core::ember::executions::{Kick, QueuedAction, Target};
use crate::core::page::{Page, PageRequest};
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
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlayerBody {
    source: String,
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueActionRequest {
    /// Exactly one of `server`, `group` and `all: true`.
    server: Option<String>,
    group: Option<String>,
    #[serde(default)]
    all: bool,
    /// `command` or `code`.
    #[serde(rename = "type")]
    kind: ActionKind,
    /// The console command or the code.
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
pub async fn queue_action(
    _: Admin,
    State(state): State<AppState>,
    AdminJson(req): AdminJson<QueueActionRequest>,
) -> Result<(StatusCode, Json<QueuedAction>), AdminError> {
    let target = target(&req)?;
    let executions = state
        .core
        .queue_action(
            &target,
            req.kind,
            &req.text,
            req.player.map(PlayerRef::from),
            req.online,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(QueuedAction::from(executions))))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KickRequest {
    source: String,
    account_id: String,
    reason: String,
    /// Only this server; absent: every server where the player is connected now.
    server: Option<String>,
}

/// `POST /admin/v1/kicks`: the game's `kick` command for the player, as one action.
pub async fn kick_player(
    _: Admin,
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
        Json(state.core.kick_player(&kick).await?),
    ))
}

/// Filters of `GET /admin/v1/executions`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExecutionsQuery {
    limit: Option<i64>,
    cursor: Option<String>,
    server: Option<String>,
    /// `queued`, `leased`, `finished` or `failed`.
    status: Option<ExecutionStatus>,
    /// The action type: `command`, `code`, `roles` or `settings`.
    kind: Option<ActionKind>,
    /// The executions of one action (`POST /actions` answers its id).
    action: Option<String>,
    /// `newest` (default) or `failed_first`.
    order: Option<String>,
}

/// `GET /admin/v1/executions`.
pub async fn list_executions(
    _: Admin,
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
        state.core.list_executions_page(&filter, &request).await?,
    ))
}

pub async fn get_execution(
    _: Admin,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Execution>, AdminError> {
    Ok(Json(state.core.get_execution(ExecutionId(id)).await?))
}

/// `POST /admin/v1/executions/{id}/rerun`: a finished or failed execution queued again as a
/// new one (`rerun_of` names the old).
pub async fn rerun_execution(
    _: Admin,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<(StatusCode, Json<Execution>), AdminError> {
    Ok((
        StatusCode::CREATED,
        Json(state.core.rerun_execution(id).await?),
    ))
}
