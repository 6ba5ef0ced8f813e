//! Player cams: `createSession` and `getNameOverridesAndPlayercams`.
//!
//! Upstream: `getNameOverridesAndPlayercams` in `databaseConnector.ts` throws unless both
//! `nameOverrides` and `enabledPlayers` are truthy, so empty values are `"[]"` and `[]`.

use super::extract::{Path, RawBody};
use super::SpectraError;
use crate::http::json_error::JsonErrorBody;
use crate::http::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use backline_domain::spectra::playercam::{enabled_players, name_overrides_json};
use serde::Serialize;

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateSessionResponse {
    session_identifier: String,
    session_secret: String,
}

/// `POST /spectra/playercam/api/createSession` with `X-Organization-Key`, body `{}`.
#[utoipa::path(
    post,
    path = "/spectra/playercam/api/createSession",
    tag = "spectra",
    security(("access_key" = [])),
    request_body(content = Option<Object>, description = "`{}` (or no body, or `null`)"),
    responses(
        (status = 200, description = "The new session's identifier and secret", body = CreateSessionResponse),
        (status = 403, description = "The access key has expired", body = JsonErrorBody),
    ),
)]
pub async fn create_session(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: RawBody,
) -> Result<Json<CreateSessionResponse>, SpectraError> {
    let trimmed = body.0.trim_ascii();
    // No body, `null` (an optional body left out, as a JSON client writes it) or an object.
    if !trimmed.is_empty()
        && !serde_json::from_slice::<serde_json::Value>(trimmed)
            .is_ok_and(|v| v.is_object() || v.is_null())
    {
        return Err(SpectraError::new(
            StatusCode::BAD_REQUEST,
            "the body must be a JSON object such as {}",
        ));
    }
    let key = headers
        .get("x-organization-key")
        .and_then(|v| v.to_str().ok());
    let issued = state.core.create_playercam_session_with_key(key).await?;
    Ok(Json(CreateSessionResponse {
        session_identifier: issued.session.identifier,
        session_secret: issued.secret.expose().to_owned(),
    }))
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NameOverridesAndPlayercamsResponse {
    /// A JSON array of `[fullName, displayName]` pairs, as a string.
    name_overrides: String,
    enabled_players: Vec<String>,
}

/// `GET /spectra/playercam/api/getNameOverridesAndPlayercams/{identifier}/{secret}`.
#[utoipa::path(
    get,
    path = "/spectra/playercam/api/getNameOverridesAndPlayercams/{identifier}/{secret}",
    tag = "spectra",
    params(("identifier" = String, Path), ("secret" = String, Path, description = "The session secret")),
    responses(
        (status = 200, description = "Name overrides and players with a camera", body = NameOverridesAndPlayercamsResponse),
        (status = 401, description = "A wrong secret", body = JsonErrorBody),
        (status = 403, description = "The session has expired", body = JsonErrorBody),
        (status = 429, description = "Too many wrong secrets; see Retry-After", body = JsonErrorBody),
    ),
)]
pub async fn get_name_overrides_and_playercams(
    State(state): State<AppState>,
    Path((identifier, secret)): Path<(String, String)>,
) -> Result<Json<NameOverridesAndPlayercamsResponse>, SpectraError> {
    let (_, players) = state
        .core
        .playercam_players_by_secret(&identifier, &secret)
        .await?;
    Ok(Json(NameOverridesAndPlayercamsResponse {
        name_overrides: name_overrides_json(&players),
        enabled_players: enabled_players(&players),
    }))
}
