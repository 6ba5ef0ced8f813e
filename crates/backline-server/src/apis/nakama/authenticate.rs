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

/// `create` as the sign-ins read it: `true`/`false` (also `1`/`0`, `True`, `TRUE` …), or
/// empty (`create=`), which reads as absent.
pub struct CreateFlag;

impl utoipa::PartialSchema for CreateFlag {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{AnyOfBuilder, ObjectBuilder, Type};
        AnyOfBuilder::new()
            .item(ObjectBuilder::new().schema_type(Type::Boolean))
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some([""])),
            )
            .into()
    }
}

impl utoipa::ToSchema for CreateFlag {
    fn name() -> std::borrow::Cow<'static, str> {
        "CreateFlag".into()
    }
}

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

/// `{"id", "vars"?}` of a custom id login. Upstream: Nakama counts the id's bytes.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct CustomIdRequest {
    /// 6 to 128 bytes.
    #[serde(default)]
    #[schema(required = true, min_length = 6, max_length = 128)]
    id: String,
    #[serde(default)]
    vars: BTreeMap<String, String>,
}

/// `{"id", "vars"?}` of a device id login. Upstream: Nakama counts the id's bytes.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct DeviceIdRequest {
    /// 10 to 128 bytes.
    #[serde(default)]
    #[schema(required = true, min_length = 10, max_length = 128)]
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
        ("create" = inline(Option<CreateFlag>), Query, description = "Create the account when missing (default true; empty reads as absent)"),
        ("username" = Option<String>, Query, description = "The username of a new account: at most 128 characters, no whitespace (absent or empty: a generated one)", pattern = r"^[^\t\n\x0B\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028-\u2029\u202F\u205F\u3000]{0,128}$"),
    ),
    request_body = CustomIdRequest,
    responses(
        (status = 200, description = "A session", body = SessionResponse),
        (status = 403, description = "The account is disabled", body = NakamaErrorBody),
        (status = 404, description = "No such account and `create=false`", body = NakamaErrorBody),
        (status = 409, description = "The username is taken", body = NakamaErrorBody),
    ),
)]
pub async fn authenticate_custom(
    State(state): State<AppState>,
    _: ServerKey,
    query: QueryPairs,
    NakamaJson(req): NakamaJson<CustomIdRequest>,
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
        ("create" = inline(Option<CreateFlag>), Query, description = "Create the account when missing (default true; empty reads as absent)"),
        ("username" = Option<String>, Query, description = "The username of a new account: at most 128 characters, no whitespace (absent or empty: a generated one)", pattern = r"^[^\t\n\x0B\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028-\u2029\u202F\u205F\u3000]{0,128}$"),
    ),
    request_body = DeviceIdRequest,
    responses(
        (status = 200, description = "A session", body = SessionResponse),
        (status = 403, description = "The account is disabled", body = NakamaErrorBody),
        (status = 404, description = "No such account and `create=false`", body = NakamaErrorBody),
        (status = 409, description = "The username is taken", body = NakamaErrorBody),
    ),
)]
pub async fn authenticate_device(
    State(state): State<AppState>,
    _: ServerKey,
    query: QueryPairs,
    NakamaJson(req): NakamaJson<DeviceIdRequest>,
) -> Result<Json<SessionResponse>, NakamaError> {
    let login = login(&query, req.vars)?;
    Ok(Json(
        state.core.authenticate_device(&req.id, login).await?.into(),
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct EmailRequest {
    /// 10 to 255 bytes, `local@domain.tld`, no whitespace but around it. (The pattern spells
    /// out Unicode's White_Space, what the server tests, since `\s` means another set in each
    /// regex dialect.)
    #[serde(default)]
    #[schema(
        required = true,
        min_length = 10,
        max_length = 255,
        pattern = r"^[\t\n\x0B\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*[^@\t\n\x0B\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]+@[^\t\n\x0B\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*\.[^\t\n\x0B\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*[\t\n\x0B\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*$"
    )]
    email: String,
    /// 8 to 1024 characters (the rule of a new account's password).
    #[serde(default)]
    #[schema(required = true, min_length = 8, max_length = 1024)]
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
        ("create" = inline(Option<CreateFlag>), Query, description = "Create the account when missing (default true; empty reads as absent)"),
        ("username" = Option<String>, Query, description = "The username of a new account: at most 128 characters, no whitespace (absent or empty: a generated one)", pattern = r"^[^\t\n\x0B\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028-\u2029\u202F\u205F\u3000]{0,128}$"),
    ),
    request_body = EmailRequest,
    responses(
        (status = 200, description = "A session", body = SessionResponse),
        (status = 403, description = "The account is disabled", body = NakamaErrorBody),
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
    /// The refresh token of a session.
    #[serde(default)]
    #[schema(required = true, min_length = 1)]
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
    responses(
        (status = 200, description = "A new session", body = SessionResponse),
        (status = 403, description = "The account is disabled", body = NakamaErrorBody),
    ),
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

#[derive(Default, Deserialize, utoipa::ToSchema)]
pub struct LogoutRequest {
    #[serde(default)]
    token: String,
    #[serde(default)]
    refresh_token: String,
}

/// `POST /v2/session/logout` (Bearer) with `{"token", "refresh_token"}`; both empty logs out
/// every session of the user, as does no body, an empty one or `null`.
#[utoipa::path(
    post,
    path = "/v2/session/logout",
    tag = "nakama",
    security(("nakama_session" = [])),
    request_body = Option<LogoutRequest>,
    responses((status = 200, description = "Signed out: `{}`", body = Object)),
)]
pub async fn logout(
    State(state): State<AppState>,
    Session(claims): Session,
    NakamaJson(req): NakamaJson<Option<LogoutRequest>>,
) -> Result<Json<Value>, NakamaError> {
    let req = req.unwrap_or_default();
    state
        .core
        .logout(&claims, Some(&req.token), Some(&req.refresh_token))
        .await?;
    Ok(Json(json!({})))
}
