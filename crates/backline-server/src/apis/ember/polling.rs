//! `meta`, `poll` and `finish`.

use super::error::EmberError;
use super::error::EmberErrorBody;
use super::extract::{Params, Path, Server};
use super::fields::{FinishFields, PollFields};
use super::form::as_list;
use crate::http::AppState;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use backline_domain::ember::actions::PlayerRef;
use backline_store::PresenceState;
use serde_json::{json, Value};

/// `GET /api/game/meta?actions[]=settings`.
#[utoipa::path(
    get,
    path = "/api/game/meta",
    tag = "ember",
    security(("ember_server_token" = [])),
    params(("actions[]" = Option<Vec<String>>, Query, description = "The actions whose settings are wanted")),
    responses(
        (status = 200, description = "`{\"actions\": {<action>: <settings>}}`", body = Object),
        (status = 422, description = "A bad parameter", body = EmberErrorBody),
    ),
)]
pub async fn get_meta(
    State(state): State<AppState>,
    Server(server): Server,
    params: Params,
) -> Result<Json<Value>, EmberError> {
    let names = params.get("actions").and_then(as_list).unwrap_or_default();
    let actions = state.core.meta(&server, &names).await?;
    Ok(Json(json!({ "actions": actions })))
}

/// The players of `players[<source>][<state>][ids]`.
fn players(params: &Params) -> Result<Vec<(PresenceState, PlayerRef)>, EmberError> {
    let mut out = Vec::new();
    let Some(players) = params.get("players") else {
        return Ok(out);
    };
    let Some(sources) = players.as_object() else {
        if players.as_str().is_some_and(str::is_empty) {
            return Ok(out);
        }
        return Err(EmberError::invalid(
            "players",
            "The players field must be an array.",
        ));
    };
    for (source, states) in sources {
        let Some(states) = states.as_object() else {
            return Err(EmberError::invalid(
                format!("players.{source}"),
                format!("The players.{source} field must be an array."),
            ));
        };
        for (state_name, entry) in states {
            let state = match state_name.as_str() {
                "connecting" => PresenceState::Connecting,
                "connected" => PresenceState::Connected,
                other => {
                    let field = format!("players.{source}.{other}");
                    return Err(EmberError::invalid(
                        field.clone(),
                        format!("The {field} state must be connecting or connected."),
                    ));
                }
            };
            let ids = entry
                .get("ids")
                .map(|v| (v, as_list(v)))
                .map_or(Some(Vec::new()), |(_, l)| l)
                .ok_or_else(|| {
                    let field = format!("players.{source}.{state_name}.ids");
                    EmberError::invalid(
                        field.clone(),
                        format!("The {field} field must be a list of ids."),
                    )
                })?;
            for id in ids {
                let player = crate::core::ember::players::player(source, &id)
                    .map_err(|e| EmberError::invalid(format!("players.{source}"), e.to_string()))?;
                out.push((state, player));
            }
        }
    }
    Ok(out)
}

/// `POST /api/game/poll`: actions, and `X-RateLimit-Reset` for the next poll.
#[utoipa::path(
    post,
    path = "/api/game/poll",
    tag = "ember",
    security(("ember_server_token" = [])),
    request_body(content(
        (PollFields = "application/x-www-form-urlencoded"),
        (PollFields = "application/json"),
    )),
    responses(
        (status = 200, description = "`{\"actions\": [...]}`: the executions to run now; `X-RateLimit-Reset` says when to poll again", body = Object),
        (status = 422, description = "A bad parameter", body = EmberErrorBody),
    ),
)]
pub async fn poll(
    State(state): State<AppState>,
    Server(server): Server,
    params: Params,
) -> Result<Response, EmberError> {
    let players = players(&params)?;
    let actions = state.core.poll(&server, players).await?;
    let mut response = Json(json!({ "actions": actions })).into_response();
    let interval = server.poll_interval_seconds;
    let reset = if state.config.ember.rate_limit_reset_as_timestamp {
        state.core.now().millis() / 1000 + interval
    } else {
        interval
    };
    if let Ok(value) = HeaderValue::from_str(&reset.to_string()) {
        response.headers_mut().insert("x-ratelimit-reset", value);
    }
    Ok(response)
}

/// `PATCH /api/game/actions/executions/{execution_id}/finish` with optional `error`.
#[utoipa::path(
    patch,
    path = "/api/game/actions/executions/{execution_id}/finish",
    tag = "ember",
    security(("ember_server_token" = [])),
    params(("execution_id" = String, Path)),
    request_body(content(
        (FinishFields = "application/x-www-form-urlencoded"),
        (FinishFields = "application/json"),
    )),
    responses(
        (status = 204, description = "Recorded"),
        (status = 409, description = "The execution is not leased to this server", body = EmberErrorBody),
        (status = 422, description = "A bad parameter", body = EmberErrorBody),
    ),
)]
pub async fn finish_execution(
    State(state): State<AppState>,
    Server(server): Server,
    Path(execution_id): Path<String>,
    params: Params,
) -> Result<StatusCode, EmberError> {
    let id: i64 = execution_id.parse().map_err(|_| EmberError::not_found())?;
    let error = params.text("error")?;
    state
        .core
        .finish_execution(&server, id, error.as_deref())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
