//! `/v2/account/authenticate/{custom,device,email}`, `/v2/account/session/refresh`,
//! `/v2/session/logout`.
//!
//! Upstream: Nakama `api_authenticate.go`, `api_session.go`; the request and answer shapes are
//! those of `@heroiclabs/nakama-js`.

use super::error::{NakamaError, NakamaErrorBody};
use super::extract::{NakamaJson, QueryPairs, ServerKey, Session};
use crate::core::authentication::{Authenticated, Login};
use crate::http::AppState;
use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;

#[derive(Serialize, utoipa::ToSchema)]
pub struct SessionResponse {
    /// Present (true) only when this call created the account.
    #[schema(required = false)]
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    created: bool,
    token: String,
    refresh_token: String,
}

impl From<Authenticated> for SessionResponse {
    fn from(a: Authenticated) -> Self {
        Self {
            created: a.created,
            token: a.tokens.token,
            refresh_token: a.tokens.refresh_token,
        }
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct IdRequest {
    #[serde(default)]
    id: String,
    #[serde(default)]
    vars: BTreeMap<String, String>,
}

fn login<'a>(
    query: &'a QueryPairs,
    vars: BTreeMap<String, String>,
) -> Result<Login<'a>, NakamaError> {
    Ok(Login {
        create: query.flag("create", true)?,
        username: query.get("username"),
        vars,
    })
}

/// `POST /v2/account/authenticate/custom?create=&username=` with `{"id", "vars"?}`.
#[utoipa::path(
    post,
    path = "/v2/account/authenticate/custom",
    tag = "nakama",
    security(("nakama_server_key" = [])),
    params(
        ("create" = Option<bool>, Query, description = "Create the account when missing (default true)"),
        ("username" = Option<String>, Query, description = "The username of a new account"),
    ),
    request_body = IdRequest,
    responses(
        (status = 200, description = "A session", body = SessionResponse),
        (status = 404, description = "No such account and `create=false`", body = NakamaErrorBody),
        (status = 409, description = "The username is taken", body = NakamaErrorBody),
    ),
)]
pub async fn authenticate_custom(
    State(state): State<AppState>,
    _: ServerKey,
    query: QueryPairs,
    NakamaJson(req): NakamaJson<IdRequest>,
) -> Result<Json<SessionResponse>, NakamaError> {
    let login = login(&query, req.vars)?;
    Ok(Json(
        state.core.authenticate_custom(&req.id, login).await?.into(),
    ))
}

/// `POST /v2/account/authenticate/device?create=&username=` with `{"id", "vars"?}`.
#[utoipa::path(
    post,
    path = "/v2/account/authenticate/device",
    tag = "nakama",
    security(("nakama_server_key" = [])),
    params(
        ("create" = Option<bool>, Query, description = "Create the account when missing (default true)"),
        ("username" = Option<String>, Query, description = "The username of a new account"),
    ),
    request_body = IdRequest,
    responses(
        (status = 200, description = "A session", body = SessionResponse),
        (status = 404, description = "No such account and `create=false`", body = NakamaErrorBody),
        (status = 409, description = "The username is taken", body = NakamaErrorBody),
    ),
)]
pub async fn authenticate_device(
    State(state): State<AppState>,
    _: ServerKey,
    query: QueryPairs,
    NakamaJson(req): NakamaJson<IdRequest>,
) -> Result<Json<SessionResponse>, NakamaError> {
    let login = login(&query, req.vars)?;
    Ok(Json(
        state.core.authenticate_device(&req.id, login).await?.into(),
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct EmailRequest {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    vars: BTreeMap<String, String>,
}

/// `POST /v2/account/authenticate/email?create=&username=` with `{"email", "password"}`.
#[utoipa::path(
    post,
    path = "/v2/account/authenticate/email",
    tag = "nakama",
    security(("nakama_server_key" = [])),
    params(
        ("create" = Option<bool>, Query, description = "Create the account when missing (default true)"),
        ("username" = Option<String>, Query, description = "The username of a new account"),
    ),
    request_body = EmailRequest,
    responses(
        (status = 200, description = "A session", body = SessionResponse),
        (status = 401, description = "A wrong password or server key", body = NakamaErrorBody),
        (status = 404, description = "No such account and `create=false`", body = NakamaErrorBody),
        (status = 409, description = "The email or username is taken", body = NakamaErrorBody),
        (status = 429, description = "Too many wrong passwords; see Retry-After", body = NakamaErrorBody),
    ),
)]
pub async fn authenticate_email(
    State(state): State<AppState>,
    _: ServerKey,
    query: QueryPairs,
    NakamaJson(req): NakamaJson<EmailRequest>,
) -> Result<Json<SessionResponse>, NakamaError> {
    let login = login(&query, req.vars)?;
    Ok(Json(
        state
            .core
            .authenticate_email(&req.email, &req.password, login)
            .await?
            .into(),
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct RefreshRequest {
    #[serde(default)]
    token: String,
    #[serde(default)]
    vars: BTreeMap<String, String>,
}

/// `POST /v2/account/session/refresh` with `{"token": "<refresh token>", "vars"?}`.
#[utoipa::path(
    post,
    path = "/v2/account/session/refresh",
    tag = "nakama",
    security(("nakama_server_key" = [])),
    request_body = RefreshRequest,
    responses((status = 200, description = "A new session", body = SessionResponse)),
)]
pub async fn refresh_session(
    State(state): State<AppState>,
    _: ServerKey,
    NakamaJson(req): NakamaJson<RefreshRequest>,
) -> Result<Json<SessionResponse>, NakamaError> {
    if req.token.is_empty() {
        return Err(NakamaError::invalid("Refresh token is required."));
    }
    let tokens = state
        .core
        .refresh_session(&req.token, req.vars)
        .await
        .map_err(|e| NakamaError::credential(e, "Refresh token invalid or expired."))?;
    Ok(Json(SessionResponse {
        created: false,
        token: tokens.token,
        refresh_token: tokens.refresh_token,
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct LogoutRequest {
    #[serde(default)]
    token: String,
    #[serde(default)]
    refresh_token: String,
}

/// `POST /v2/session/logout` (Bearer) with `{"token", "refresh_token"}`; both empty logs out
/// every session of the user.
#[utoipa::path(
    post,
    path = "/v2/session/logout",
    tag = "nakama",
    security(("nakama_session" = [])),
    request_body = LogoutRequest,
    responses((status = 200, description = "Signed out: `{}`", body = Object)),
)]
pub async fn logout(
    State(state): State<AppState>,
    Session(claims): Session,
    NakamaJson(req): NakamaJson<LogoutRequest>,
) -> Result<Json<Value>, NakamaError> {
    state
        .core
        .logout(&claims, Some(&req.token), Some(&req.refresh_token))
        .await?;
    Ok(Json(json!({})))
}
