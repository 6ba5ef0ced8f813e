//! Player endpoints: bans, roles, primary role, link tokens.

use super::error::EmberError;
use super::extract::{Params, Path, Server};
use crate::core::ember::bans::NewBan;
use crate::core::Core;
use crate::http::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use backline_domain::ember::actions::PlayerRef;
use backline_domain::ember::bans::BanScope;
use serde_json::{json, Value};

fn player(source: &str, account_id: &str) -> Result<PlayerRef, EmberError> {
    Core::player(source, account_id).map_err(|e| EmberError::invalid("source", e.to_string()))
}

/// `POST /api/game/players/{source}/{account_id}/bans`.
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
pub async fn get_primary_role(
    State(state): State<AppState>,
    Server(server): Server,
    Path((source, account_id)): Path<(String, String)>,
) -> Result<Json<Value>, EmberError> {
    let name = state
        .core
        .primary_role(&server, &player(&source, &account_id)?)
        .await?;
    Ok(Json(json!({ "name": name })))
}

/// `POST /api/game/players/{source}/{account_id}/primaryrole` with `name`.
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
