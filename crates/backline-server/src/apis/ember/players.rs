//! Player endpoints: bans, roles, primary role, link tokens.

use super::error::EmberError;
use super::error::EmberErrorBody;
use super::extract::{Params, Path, Server};
use super::fields::{BanFields, PrimaryRole, RoleFields};
use crate::core::ember::bans::NewBan;
use crate::http::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use backline_domain::ember::actions::PlayerRef;
use backline_domain::ember::bans::BanScope;
use serde_json::{json, Value};

fn player(source: &str, account_id: &str) -> Result<PlayerRef, EmberError> {
    crate::core::ember::players::player(source, account_id)
        .map_err(|e| EmberError::invalid("source", e.to_string()))
}

/// `POST /api/game/players/{source}/{account_id}/bans`.
#[utoipa::path(
    post,
    path = "/api/game/players/{source}/{account_id}/bans",
    tag = "ember",
    security(("ember_server_token" = [])),
    params(("source" = String, Path, description = "steam, discord, minecraft, …"), ("account_id" = String, Path)),
    request_body(content(
        (BanFields = "application/x-www-form-urlencoded"),
        (BanFields = "application/json"),
    )),
    responses(
        (status = 201, description = "`{\"ban\": …}`: the ban", body = Object),
        (status = 422, description = "A bad parameter", body = EmberErrorBody),
    ),
)]
pub async fn create_ban(
    State(state): State<AppState>,
    Server(server): Server,
    Path((source, account_id)): Path<(String, String)>,
    params: Params,
) -> Result<(StatusCode, Json<Value>), EmberError> {
    let banned = player(&source, &account_id)?;
    let admin_field = format!("admin_{source}_account_id");
    let admin = params
        .text(&admin_field)?
        .filter(|a| !a.is_empty())
        .map(|a| player(&source, &a))
        .transpose()?;
    let scope = match params.text("scope")?.filter(|s| !s.is_empty()) {
        None => BanScope::Server,
        Some(s) => BanScope::parse(&s)
            .ok_or_else(|| EmberError::invalid("scope", "The selected scope is invalid."))?,
    };
    let duration_minutes = params.integer("duration_minutes")?;
    let reason = params.text("reason")?.unwrap_or_default();
    let ban = state
        .core
        .create_ban(
            &server,
            NewBan {
                player: banned,
                admin,
                duration_minutes,
                reason,
                scope,
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
    params(("source" = String, Path), ("account_id" = String, Path)),
    responses(
        (status = 204, description = "The player's bans are lifted"),
        (status = 422, description = "A bad source or account id", body = EmberErrorBody),
    ),
)]
pub async fn lift_bans(
    State(state): State<AppState>,
    Server(server): Server,
    Path((source, account_id)): Path<(String, String)>,
) -> Result<StatusCode, EmberError> {
    state
        .core
        .lift_bans(&server, &player(&source, &account_id)?)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/game/players/{source}/{account_id}/roles` with `name` (in-game equivalent).
#[utoipa::path(
    post,
    path = "/api/game/players/{source}/{account_id}/roles",
    tag = "ember",
    security(("ember_server_token" = [])),
    params(("source" = String, Path), ("account_id" = String, Path)),
    request_body(content(
        (RoleFields = "application/x-www-form-urlencoded"),
        (RoleFields = "application/json"),
    )),
    responses(
        (status = 204, description = "Granted"),
        (status = 422, description = "A bad parameter", body = EmberErrorBody),
    ),
)]
pub async fn grant_role(
    State(state): State<AppState>,
    Server(server): Server,
    Path((source, account_id)): Path<(String, String)>,
    params: Params,
) -> Result<StatusCode, EmberError> {
    let name = params.required("name")?;
    state
        .core
        .server_set_role(&server, &player(&source, &account_id)?, &name, true)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/game/players/{source}/{account_id}/roles/{ingame}`.
#[utoipa::path(
    delete,
    path = "/api/game/players/{source}/{account_id}/roles/{ingame}",
    tag = "ember",
    security(("ember_server_token" = [])),
    params(("source" = String, Path), ("account_id" = String, Path), ("ingame" = String, Path, description = "The role's in-game equivalent")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 422, description = "A bad source or account id", body = EmberErrorBody),
    ),
)]
pub async fn revoke_role(
    State(state): State<AppState>,
    Server(server): Server,
    Path((source, account_id, ingame)): Path<(String, String, String)>,
) -> Result<StatusCode, EmberError> {
    state
        .core
        .server_set_role(&server, &player(&source, &account_id)?, &ingame, false)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/game/players/{source}/{account_id}/primaryrole`: `{"name": … | null}`.
#[utoipa::path(
    get,
    path = "/api/game/players/{source}/{account_id}/primaryrole",
    tag = "ember",
    security(("ember_server_token" = [])),
    params(("source" = String, Path), ("account_id" = String, Path)),
    responses(
        (status = 200, description = "The player's primary role", body = PrimaryRole),
        (status = 422, description = "A bad source or account id", body = EmberErrorBody),
    ),
)]
pub async fn get_primary_role(
    State(state): State<AppState>,
    Server(server): Server,
    Path((source, account_id)): Path<(String, String)>,
) -> Result<Json<PrimaryRole>, EmberError> {
    let name = state
        .core
        .primary_role(&server, &player(&source, &account_id)?)
        .await?;
    Ok(Json(PrimaryRole { name }))
}

/// `POST /api/game/players/{source}/{account_id}/primaryrole` with `name`.
#[utoipa::path(
    post,
    path = "/api/game/players/{source}/{account_id}/primaryrole",
    tag = "ember",
    security(("ember_server_token" = [])),
    params(("source" = String, Path), ("account_id" = String, Path)),
    request_body(content(
        (RoleFields = "application/x-www-form-urlencoded"),
        (RoleFields = "application/json"),
    )),
    responses(
        (status = 204, description = "Set"),
        (status = 422, description = "A bad parameter", body = EmberErrorBody),
    ),
)]
pub async fn set_primary_role(
    State(state): State<AppState>,
    Server(server): Server,
    Path((source, account_id)): Path<(String, String)>,
    params: Params,
) -> Result<StatusCode, EmberError> {
    let name = params.required("name")?;
    state
        .core
        .set_primary_role(&server, &player(&source, &account_id)?, &name)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/game/players/{source}/{account_id}/linktoken`: `201 {"token", "url", "expires_at"}`.
#[utoipa::path(
    post,
    path = "/api/game/players/{source}/{account_id}/linktoken",
    tag = "ember",
    security(("ember_server_token" = [])),
    params(("source" = String, Path), ("account_id" = String, Path)),
    responses(
        (status = 201, description = "`{\"token\", \"url\", \"expires_at\"}`: the player opens `url` to link the account", body = Object),
        (status = 422, description = "A bad source or account id", body = EmberErrorBody),
    ),
)]
pub async fn create_link_token(
    State(state): State<AppState>,
    Server(server): Server,
    Path((source, account_id)): Path<(String, String)>,
) -> Result<(StatusCode, Json<Value>), EmberError> {
    let link = state
        .core
        .issue_link_token(&server, &player(&source, &account_id)?)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::to_value(link).expect("json")),
    ))
}
