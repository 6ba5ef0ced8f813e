//! API tokens of client programs.

use super::extract::{AdminJson, Path, Query};
use super::paging::PageQuery;
use super::AdminError;
use crate::core::access::{Administer, Grant, View};
use crate::core::page::Page;
use crate::http::json_error::JsonErrorBody;
use crate::http::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use backline_domain::ids::ApiTokenId;
use backline_domain::tokens::{ApiToken, ApiTokenKind};
use serde::Deserialize;

/// API tokens (revoked ones too), oldest first, in pages.
#[utoipa::path(
    get,
    path = "/admin/v1/tokens",
    tag = "admin",
    security(("admin_token" = [])),
    params(PageQuery),
    responses((status = 200, description = "API tokens", body = Page<ApiToken>)),
)]
pub async fn list_tokens(
    grant: Grant<View>,
    State(state): State<AppState>,
    Query(q): Query<PageQuery>,
) -> Result<Json<Page<ApiToken>>, AdminError> {
    Ok(Json(
        state.core.list_api_tokens(&grant, &q.request()?).await?,
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueTokenRequest {
    #[schema(
        pattern = "^(spectra-backend|spectra-stats)$",
        example = "spectra-backend"
    )]
    kind: String,
    /// At most 128 characters (trimmed); absent or blank: the kind.
    #[schema(max_length = 128)]
    name: Option<String>,
}

#[utoipa::path(
    post,
    path = "/admin/v1/tokens",
    tag = "admin",
    security(("admin_token" = [])),
    request_body = IssueTokenRequest,
    responses(
        (status = 201, description = "The token's record plus `token`, the token itself (shown once)", body = Object),
        (status = 422, description = "Unknown kind or bad name", body = JsonErrorBody),
    ),
)]
pub async fn issue_token(
    grant: Grant<Administer>,
    State(state): State<AppState>,
    AdminJson(req): AdminJson<IssueTokenRequest>,
) -> Result<(StatusCode, Json<serde_json::Value>), AdminError> {
    let kind = ApiTokenKind::parse(&req.kind).ok_or_else(|| {
        AdminError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!(
                "kind: unknown token kind `{}`; use spectra-backend or spectra-stats",
                req.kind
            ),
        )
    })?;
    let issued = state
        .core
        .issue_api_token(&grant, kind, req.name.as_deref())
        .await?;
    Ok((StatusCode::CREATED, Json(issued.to_json())))
}

#[utoipa::path(
    delete,
    path = "/admin/v1/tokens/{token_id}",
    tag = "admin",
    security(("admin_token" = [])),
    params(("token_id" = String, Path)),
    responses((status = 200, description = "The revoked token", body = ApiToken)),
)]
pub async fn revoke_token(
    grant: Grant<Administer>,
    State(state): State<AppState>,
    Path(token_id): Path<String>,
) -> Result<Json<ApiToken>, AdminError> {
    Ok(Json(
        state
            .core
            .revoke_api_token(&grant, &ApiTokenId::from_string(token_id))
            .await?,
    ))
}
