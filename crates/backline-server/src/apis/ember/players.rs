//! Player endpoints: bans, roles, primary role, link tokens.

use super::error::EmberError;
use super::error::EmberErrorBody;
use super::extract::{Input, Params, Path, Server};
use super::fields::{BanRequest, PlayerPath, PlayerRolePath, PrimaryRole, RoleRequest};
use crate::core::ember::bans::NewBan;
use crate::http::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use backline_domain::ember::actions::PlayerRef;
use backline_domain::ember::bans::BanScope;
use serde_json::{json, Value};

/// The player of a path (or of `admin_<source>_account_id`): a 422 naming `source` or
/// `account_id` when the id is not in its source's format.
fn player(source: &str, account_id: &str) -> Result<PlayerRef, EmberError> {
    Ok(crate::core::ember::players::player(source, account_id)?)
}

impl PlayerPath {
    fn player(&self) -> Result<PlayerRef, EmberError> {
        player(&self.source, &self.account_id)
    }
}

/// `POST /api/game/players/{source}/{account_id}/bans`.
#[utoipa::path(
    post,
    path = "/api/game/players/{source}/{account_id}/bans",
    tag = "ember",
    security(("ember_server_token" = [])),
    params(PlayerPath),
    request_body(
        description = "Optional: every parameter has a default (a permanent `server` ban without a reason)",
        content(
            (Option<BanRequest> = "application/x-www-form-urlencoded"),
            (Option<BanRequest> = "application/json"),
        )
    ),
    responses(
        (status = 201, description = "`{\"ban\": …}`: the ban", body = Object),
        (status = 422, description = "A bad parameter", body = EmberErrorBody),
    ),
)]
pub async fn create_ban(
    State(state): State<AppState>,
    Server(server): Server,
    Path(path): Path<PlayerPath>,
    params: Params,
    Input(request): Input<BanRequest>,
) -> Result<(StatusCode, Json<Value>), EmberError> {
    let banned = path.player()?;
    let admin = params
        .named_text(&format!("admin_{}_account_id", path.source))?
        .map(|admin| player(&path.source, &admin))
        .transpose()?;
    let ban = state
        .core
        .create_ban(
            &server,
            NewBan {
                player: banned,
                admin,
                duration_minutes: request.duration_minutes,
                reason: request.reason.unwrap_or_default(),
                scope: request.scope.unwrap_or(BanScope::Server),
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(json!({ "ban": ban }))))
}

/// `DELETE /api/game/players/{source}/{account_id}/bans`.
#[utoipa::path(
    delete,
    path = "/api/game/players/{source}/{account_id}/bans",
    tag = "ember",
    security(("ember_server_token" = [])),
    params(PlayerPath),
    responses(
        (status = 204, description = "The player's bans are lifted"),
        (status = 422, description = "A bad source or account id", body = EmberErrorBody),
    ),
)]
pub async fn lift_bans(
    State(state): State<AppState>,
    Server(server): Server,
    Path(path): Path<PlayerPath>,
) -> Result<StatusCode, EmberError> {
    state.core.lift_bans(&server, &path.player()?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/game/players/{source}/{account_id}/roles` with `name` (in-game equivalent).
#[utoipa::path(
    post,
    path = "/api/game/players/{source}/{account_id}/roles",
    tag = "ember",
    security(("ember_server_token" = [])),
    params(PlayerPath),
    request_body(content(
        (RoleRequest = "application/x-www-form-urlencoded"),
        (RoleRequest = "application/json"),
    )),
    responses(
        (status = 204, description = "Granted"),
        (status = 422, description = "A bad parameter", body = EmberErrorBody),
    ),
)]
pub async fn grant_role(
    State(state): State<AppState>,
    Server(server): Server,
    Path(path): Path<PlayerPath>,
    Input(RoleRequest { name }): Input<RoleRequest>,
) -> Result<StatusCode, EmberError> {
    state
        .core
        .server_set_role(&server, &path.player()?, &name, true)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/game/players/{source}/{account_id}/roles/{ingame}`.
#[utoipa::path(
    delete,
    path = "/api/game/players/{source}/{account_id}/roles/{ingame}",
    tag = "ember",
    security(("ember_server_token" = [])),
    params(PlayerRolePath),
    responses(
        (status = 204, description = "Revoked"),
        (status = 422, description = "A bad source or account id", body = EmberErrorBody),
    ),
)]
pub async fn revoke_role(
    State(state): State<AppState>,
    Server(server): Server,
    Path(path): Path<PlayerRolePath>,
) -> Result<StatusCode, EmberError> {
    state
        .core
        .server_set_role(
            &server,
            &player(&path.source, &path.account_id)?,
            &path.ingame,
            false,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/game/players/{source}/{account_id}/primaryrole`: `{"name": … | null}`.
#[utoipa::path(
    get,
    path = "/api/game/players/{source}/{account_id}/primaryrole",
    tag = "ember",
    security(("ember_server_token" = [])),
    params(PlayerPath),
    responses(
        (status = 200, description = "The player's primary role", body = PrimaryRole),
        (status = 422, description = "A bad source or account id", body = EmberErrorBody),
    ),
)]
pub async fn get_primary_role(
    State(state): State<AppState>,
    Server(server): Server,
    Path(path): Path<PlayerPath>,
) -> Result<Json<PrimaryRole>, EmberError> {
    let name = state.core.primary_role(&server, &path.player()?).await?;
    Ok(Json(PrimaryRole { name }))
}

/// `POST /api/game/players/{source}/{account_id}/primaryrole` with `name`.
#[utoipa::path(
    post,
    path = "/api/game/players/{source}/{account_id}/primaryrole",
    tag = "ember",
    security(("ember_server_token" = [])),
    params(PlayerPath),
    request_body(content(
        (RoleRequest = "application/x-www-form-urlencoded"),
        (RoleRequest = "application/json"),
    )),
    responses(
        (status = 204, description = "Set"),
        (status = 422, description = "A bad parameter", body = EmberErrorBody),
    ),
)]
pub async fn set_primary_role(
    State(state): State<AppState>,
    Server(server): Server,
    Path(path): Path<PlayerPath>,
    Input(RoleRequest { name }): Input<RoleRequest>,
) -> Result<StatusCode, EmberError> {
    state
        .core
        .set_primary_role(&server, &path.player()?, &name)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/game/players/{source}/{account_id}/linktoken`: `201 {"token", "url", "expires_at"}`.
#[utoipa::path(
    post,
    path = "/api/game/players/{source}/{account_id}/linktoken",
    tag = "ember",
    security(("ember_server_token" = [])),
    params(PlayerPath),
    responses(
        (status = 201, description = "`{\"token\", \"url\", \"expires_at\"}`: the player opens `url` to link the account", body = Object),
        (status = 422, description = "A bad source or account id", body = EmberErrorBody),
    ),
)]
pub async fn create_link_token(
    State(state): State<AppState>,
    Server(server): Server,
    Path(path): Path<PlayerPath>,
) -> Result<(StatusCode, Json<Value>), EmberError> {
    let link = state
        .core
        .issue_link_token(&server, &path.player()?)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::to_value(link).expect("json")),
    ))
}
