//! `validateAccessKey` and the supporter check.

use super::extract::{BackendToken, Path};
use super::SpectraError;
use crate::http::json_error::JsonErrorBody;
use crate::http::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use backline_domain::ids::OrgId;
use backline_domain::org::KeyValidity;
use serde::Serialize;

#[derive(Serialize, utoipa::ToSchema)]
pub struct ValidateAccessKeyResponse {
    id: String,
    name: String,
}

/// `GET /spectra/system/validateAccessKey/{key}`: 200 `{id, name}`, 401 unknown or revoked,
/// 403 expired. Upstream: `databaseConnector.ts` `verifyAccessKey`.
#[utoipa::path(
    get,
    path = "/spectra/system/validateAccessKey/{key}",
    tag = "spectra",
    security(("spectra_backend_token" = [])),
    params(("key" = String, Path, description = "The access key to check")),
    responses(
        (status = 200, description = "The key's organisation", body = ValidateAccessKeyResponse),
        (status = 401, description = "Unknown or revoked key, or a bad backend token", body = JsonErrorBody),
        (status = 403, description = "The key has expired", body = JsonErrorBody),
    ),
)]
pub async fn validate_access_key(
    State(state): State<AppState>,
    _token: BackendToken,
    Path(key): Path<String>,
) -> Result<Json<ValidateAccessKeyResponse>, SpectraError> {
    match state.core.validate_key(&key).await? {
        KeyValidity::Valid(org) => Ok(Json(ValidateAccessKeyResponse {
            id: org.id.into_string(),
            name: org.name,
        })),
        KeyValidity::Invalid => Err(SpectraError::new(
            StatusCode::UNAUTHORIZED,
            "unknown or revoked access key",
        )),
        KeyValidity::Expired => Err(SpectraError::new(
            StatusCode::FORBIDDEN,
            "the access key has expired",
        )),
    }
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SupporterResponse {
    is_supporter: bool,
}

/// `GET /spectra/supporter/{orgId}` (no auth): `{"isSupporter": bool}`; unknown org 404.
/// Upstream: `checkIsSupporter` treats anything but 200 as "not a supporter".
#[utoipa::path(
    get,
    path = "/spectra/supporter/{org_id}",
    tag = "spectra",
    params(("org_id" = String, Path)),
    responses(
        (status = 200, description = "Whether the organisation is a supporter", body = SupporterResponse),
        (status = 404, description = "No such organisation", body = JsonErrorBody),
    ),
)]
pub async fn get_supporter(
    State(state): State<AppState>,
    Path(org_id): Path<String>,
) -> Result<Json<SupporterResponse>, SpectraError> {
    let is_supporter = state.core.is_supporter(&OrgId::from_string(org_id)).await?;
    Ok(Json(SupporterResponse { is_supporter }))
}
