//! `meta`, `poll` and `finish`.

use super::error::EmberError;
use super::error::EmberErrorBody;
use super::extract::{Input, Path, Server};
use super::fields::{ExecutionPath, FinishRequest, MetaRequest, PollRequest, PresenceIds};
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
    params(MetaRequest),
    responses(
        (status = 200, description = "`{\"actions\": {<action>: <settings>}}`", body = Object),
        (status = 422, description = "A bad parameter", body = EmberErrorBody),
    ),
)]
pub async fn get_meta(
    State(state): State<AppState>,
    Server(server): Server,
    Input(request): Input<MetaRequest>,
) -> Result<Json<Value>, EmberError> {
    let actions = state.core.meta(&server, &request.actions).await?;
    Ok(Json(json!({ "actions": actions })))
}

/// The players of `players[<source>][<state>][ids]`, each source checked as a player's path
/// source is, whether or not it lists anyone (a bad one is a 422 naming `players.<source>`).
fn players(request: PollRequest) -> Result<Vec<(PresenceState, PlayerRef)>, EmberError> {
    let mut out = Vec::new();
    for (source, states) in request.players {
        // Every source is checked, also one with no one listed (`players[][connected]=`).
        backline_domain::accounts::check_source(&source).map_err(|e| {
            EmberError::invalid(format!("players.{source}"), format!("source: {e}"))
        })?;
        let by_state = [
            (PresenceState::Connected, states.connected),
            (PresenceState::Connecting, states.connecting),
        ];
        for (state, PresenceIds { ids }) in by_state {
            for id in ids {
                let player = crate::core::ember::players::player(&source, &id)
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
    request_body(
        description = "Optional: no body is a poll that reports nothing",
        content(
            (Option<PollRequest> = "application/x-www-form-urlencoded"),
            (Option<PollRequest> = "application/json"),
        )
    ),
    responses(
        (status = 200, description = "`{\"actions\": [...]}`: the executions to run now; `X-RateLimit-Reset` says when to poll again", body = Object),
        (status = 422, description = "A bad parameter", body = EmberErrorBody),
    ),
)]
pub async fn poll(
    State(state): State<AppState>,
    Server(server): Server,
    Input(request): Input<PollRequest>,
) -> Result<Response, EmberError> {
    let players = players(request)?;
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
    params(ExecutionPath),
    request_body(
        description = "Optional: no body means no error (finished)",
        content(
            (Option<FinishRequest> = "application/x-www-form-urlencoded"),
            (Option<FinishRequest> = "application/json"),
        )
    ),
    responses(
        (status = 204, description = "Recorded"),
        (status = 404, description = "No execution of this server has that id", body = EmberErrorBody),
        (status = 409, description = "The execution is not leased to this server", body = EmberErrorBody),
        (status = 422, description = "A bad parameter", body = EmberErrorBody),
    ),
)]
pub async fn finish_execution(
    State(state): State<AppState>,
    Server(server): Server,
    Path(ExecutionPath { execution_id }): Path<ExecutionPath>,
    Input(request): Input<FinishRequest>,
) -> Result<StatusCode, EmberError> {
    state
        .core
        .finish_execution(&server, execution_id, request.error.as_deref())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
